package jobmanager

import (
	"fmt"
	"math"
	"strings"
	"time"

	"flinksim/config"
)

// restartStrategy decides, for each failure of a job, whether the job restarts and
// after which pause (Flink's RestartBackoffTimeStrategy). Decisions are pure
// functions of the failures seen and their times; jitter draws from the random source
// the strategy was built with.
type restartStrategy interface {
	// onFailure records a failure at now and says whether the job may restart, and
	// after how long.
	onFailure(now time.Time) (restart bool, backoff time.Duration)
	String() string
}

// restartStrategyOf builds the strategy restart-strategy.type names, with Flink's
// defaults: without the key, exponential-delay when checkpointing is on, none
// otherwise. rnd draws the exponential-delay jitter (a value in [0,1)).
func restartStrategyOf(conf *config.Configuration, checkpointing bool, rnd func() float64) (restartStrategy, error) {
	kind := config.RestartStrategyNone
	if checkpointing {
		kind = config.RestartStrategyExponentialDelay
	}
	raw, set, err := config.GetOptional(conf, config.RestartStrategyType)
	if err != nil {
		return nil, err
	}
	if set && strings.TrimSpace(raw) != "" {
		if kind, err = config.ParseRestartStrategy(raw); err != nil {
			return nil, fmt.Errorf("%s: %w", config.RestartStrategyType.Key(), err)
		}
	}
	r := optionReader{conf: conf}
	switch kind {
	case config.RestartStrategyNone:
		return noRestart{}, nil
	case config.RestartStrategyFixedDelay:
		s := &fixedDelay{attempts: getOpt(&r, config.RestartStrategyFixedDelayAttempts), delay: getOpt(&r, config.RestartStrategyFixedDelayDelay)}
		if r.err == nil && s.attempts < 0 {
			r.err = fmt.Errorf("%s: %d must not be negative", config.RestartStrategyFixedDelayAttempts.Key(), s.attempts)
		}
		return s, r.err
	case config.RestartStrategyFailureRate:
		s := &failureRate{max: getOpt(&r, config.RestartStrategyFailureRateMaxFailuresPerInterval),
			interval: getOpt(&r, config.RestartStrategyFailureRateFailureRateInterval), delay: getOpt(&r, config.RestartStrategyFailureRateDelay)}
		if r.err == nil && s.max < 1 {
			r.err = fmt.Errorf("%s: %d must be at least 1", config.RestartStrategyFailureRateMaxFailuresPerInterval.Key(), s.max)
		}
		return s, r.err
	case config.RestartStrategyExponentialDelay:
		s := &exponentialDelay{
			initial:    getOpt(&r, config.RestartStrategyExponentialDelayInitialBackoff),
			max:        getOpt(&r, config.RestartStrategyExponentialDelayMaxBackoff),
			multiplier: getOpt(&r, config.RestartStrategyExponentialDelayBackoffMultiplier),
			reset:      getOpt(&r, config.RestartStrategyExponentialDelayResetBackoffThreshold),
			jitter:     getOpt(&r, config.RestartStrategyExponentialDelayJitterFactor),
			attempts:   getOpt(&r, config.RestartStrategyExponentialDelayAttemptsBeforeResetBackoff),
			rnd:        rnd,
		}
		switch {
		case r.err != nil:
		case s.multiplier < 1:
			r.err = fmt.Errorf("%s: %s must be at least 1", config.RestartStrategyExponentialDelayBackoffMultiplier.Key(), config.FormatDouble(s.multiplier))
		case s.jitter < 0 || s.jitter > 1:
			r.err = fmt.Errorf("%s: %s must be between 0 and 1", config.RestartStrategyExponentialDelayJitterFactor.Key(), config.FormatDouble(s.jitter))
		case s.initial <= 0 || s.max < s.initial:
			r.err = fmt.Errorf("%s (%s) must be positive and at most %s (%s)", config.RestartStrategyExponentialDelayInitialBackoff.Key(), s.initial,
				config.RestartStrategyExponentialDelayMaxBackoff.Key(), s.max)
		}
		return s, r.err
	}
	return nil, fmt.Errorf("%s: unsupported restart strategy %q", config.RestartStrategyType.Key(), kind)
}

type optionReader struct {
	conf *config.Configuration
	err  error
}

func getOpt[T any](r *optionReader, o config.Option[T]) T {
	v, err := config.Get(r.conf, o)
	if err != nil && r.err == nil {
		r.err = err
	}
	return v
}

// noRestart fails the job at its first failure.
type noRestart struct{}

func (noRestart) onFailure(time.Time) (bool, time.Duration) { return false, 0 }
func (noRestart) String() string                            { return "NoRestartBackoffTimeStrategy" }

// fixedDelay restarts up to attempts times, each after delay.
type fixedDelay struct {
	attempts int
	delay    time.Duration
	failures int
}

func (s *fixedDelay) onFailure(time.Time) (bool, time.Duration) {
	s.failures++
	return s.failures <= s.attempts, s.delay
}

func (s *fixedDelay) String() string {
	return fmt.Sprintf("FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=%d, backoffTimeMS=%d)", s.attempts, s.delay.Milliseconds())
}

// failureRate restarts after delay unless more than max failures fell within the
// last interval.
type failureRate struct {
	max      int
	interval time.Duration
	delay    time.Duration
	failures []time.Time
}

func (s *failureRate) onFailure(now time.Time) (bool, time.Duration) {
	s.failures = append(s.failures, now)
	kept := s.failures[:0]
	for _, t := range s.failures {
		if now.Sub(t) <= s.interval {
			kept = append(kept, t)
		}
	}
	s.failures = kept
	return len(s.failures) <= s.max, s.delay
}

func (s *failureRate) String() string {
	return fmt.Sprintf("FailureRateRestartBackoffTimeStrategy(failuresIntervalMS=%d, backoffTimeMS=%d, maxFailuresPerInterval=%d)",
		s.interval.Milliseconds(), s.delay.Milliseconds(), s.max)
}

// exponentialDelay grows the pause by multiplier after each failure up to max, with
// jitter; failures while a restart is pending count as one; after reset without
// failures the pause starts over; more than attempts restarts since the last reset
// fail the job.
type exponentialDelay struct {
	initial, max time.Duration
	multiplier   float64
	reset        time.Duration
	jitter       float64
	attempts     int
	rnd          func() float64

	current     time.Duration
	count       int
	nextRestart time.Time
}

func (s *exponentialDelay) onFailure(now time.Time) (bool, time.Duration) {
	if !s.nextRestart.IsZero() && !now.After(s.nextRestart) {
		// The job is restarting already: this failure belongs to the same restart.
		return s.count <= s.attempts, s.nextRestart.Sub(now)
	}
	switch {
	case s.nextRestart.IsZero() || now.Sub(s.nextRestart) >= s.reset:
		s.current, s.count = s.initial, 0
	default:
		s.current = min(time.Duration(math.Min(float64(s.current)*s.multiplier, float64(s.max))), s.max)
	}
	s.count++
	backoff := s.current
	if s.jitter > 0 && s.rnd != nil {
		delta := float64(backoff) * s.jitter
		backoff = time.Duration(float64(backoff) - delta + 2*delta*s.rnd())
	}
	backoff = max(backoff, 0)
	s.nextRestart = now.Add(backoff)
	return s.count <= s.attempts, backoff
}

func (s *exponentialDelay) String() string {
	return fmt.Sprintf("ExponentialDelayRestartBackoffTimeStrategy(initialBackoffMS=%d, maxBackoffMS=%d, backoffMultiplier=%s, resetBackoffThresholdMS=%d, jitterFactor=%s, attemptsBeforeResetBackoff=%d)",
		s.initial.Milliseconds(), s.max.Milliseconds(), config.FormatDouble(s.multiplier), s.reset.Milliseconds(), config.FormatDouble(s.jitter), s.attempts)
}
