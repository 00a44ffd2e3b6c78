package jobmanager

import (
	"strings"
	"testing"
	"time"

	"flinksim/config"
)

func TestRestartStrategies(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	type failure struct {
		at      time.Time
		restart bool
		backoff time.Duration
	}
	for _, tc := range []struct {
		name          string
		conf          map[string]string
		checkpointing bool
		want          string
		failures      []failure
	}{
		{name: "none without checkpointing", want: "NoRestartBackoffTimeStrategy",
			failures: []failure{{at(0), false, 0}}},
		{name: "exponential-delay is the default with checkpointing", checkpointing: true,
			want:     "ExponentialDelayRestartBackoffTimeStrategy(initialBackoffMS=1000, maxBackoffMS=60000, backoffMultiplier=1.5, resetBackoffThresholdMS=3600000, jitterFactor=0.0, attemptsBeforeResetBackoff=2147483647)",
			conf:     map[string]string{"restart-strategy.exponential-delay.jitter-factor": "0"},
			failures: []failure{{at(0), true, time.Second}, {at(10), true, 1500 * time.Millisecond}, {at(20), true, 2250 * time.Millisecond}}},
		{name: "fixed-delay with Flink's defaults: one restart after 1 s", conf: map[string]string{"restart-strategy.type": "fixed-delay"},
			want:     "FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=1, backoffTimeMS=1000)",
			failures: []failure{{at(0), true, time.Second}, {at(60), false, time.Second}}},
		{name: "fixed-delay attempts", conf: map[string]string{"restart-strategy": "fixeddelay", "restart-strategy.fixed-delay.attempts": "2", "restart-strategy.fixed-delay.delay": "5 s"},
			want:     "FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=2, backoffTimeMS=5000)",
			failures: []failure{{at(0), true, 5 * time.Second}, {at(10), true, 5 * time.Second}, {at(20), false, 5 * time.Second}}},
		{name: "failure-rate counts failures within the interval", conf: map[string]string{"restart-strategy.type": "failure-rate",
			"restart-strategy.failure-rate.max-failures-per-interval": "2", "restart-strategy.failure-rate.failure-rate-interval": "1 min"},
			want: "FailureRateRestartBackoffTimeStrategy(failuresIntervalMS=60000, backoffTimeMS=1000, maxFailuresPerInterval=2)",
			failures: []failure{{at(0), true, time.Second}, {at(30), true, time.Second}, {at(61), true, time.Second},
				{at(70), false, time.Second}}},
		{name: "exponential-delay: failures during a pending restart count once; the pause resets after the threshold",
			conf: map[string]string{"restart-strategy.type": "exponential-delay", "restart-strategy.exponential-delay.initial-backoff": "10 s",
				"restart-strategy.exponential-delay.backoff-multiplier": "2", "restart-strategy.exponential-delay.max-backoff": "30 s",
				"restart-strategy.exponential-delay.jitter-factor": "0", "restart-strategy.exponential-delay.reset-backoff-threshold": "5 min",
				"restart-strategy.exponential-delay.attempts-before-reset-backoff": "4"},
			want: "ExponentialDelayRestartBackoffTimeStrategy(initialBackoffMS=10000, maxBackoffMS=30000, backoffMultiplier=2.0, resetBackoffThresholdMS=300000, jitterFactor=0.0, attemptsBeforeResetBackoff=4)",
			failures: []failure{{at(0), true, 10 * time.Second}, {at(5), true, 5 * time.Second}, {at(20), true, 20 * time.Second},
				{at(50), true, 30 * time.Second}, {at(90), true, 30 * time.Second}, {at(130), false, 30 * time.Second},
				{at(1000), true, 10 * time.Second}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := restartStrategyOf(config.FromMap(tc.conf), tc.checkpointing, func() float64 { return 0.5 })
			if err != nil {
				t.Fatal(err)
			}
			if s.String() != tc.want {
				t.Errorf("strategy %s, want %s", s, tc.want)
			}
			for i, f := range tc.failures {
				restart, backoff := s.onFailure(f.at)
				if restart != f.restart || backoff != f.backoff {
					t.Errorf("failure %d at %v: restart %v after %v, want %v after %v", i+1, f.at.Sub(t0), restart, backoff, f.restart, f.backoff)
				}
			}
		})
	}
}

func TestRestartStrategyErrors(t *testing.T) {
	for conf, want := range map[string]string{
		"sometimes": `restart-strategy.type`,
	} {
		_, err := restartStrategyOf(config.FromMap(map[string]string{"restart-strategy.type": conf}), false, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want it to mention %s", conf, err, want)
		}
	}
	_, err := restartStrategyOf(config.FromMap(map[string]string{"restart-strategy.type": "exponential-delay",
		"restart-strategy.exponential-delay.jitter-factor": "2"}), false, nil)
	if err == nil || !strings.Contains(err.Error(), "jitter-factor: 2.0 must be between 0 and 1") {
		t.Errorf("jitter: %v", err)
	}
}
