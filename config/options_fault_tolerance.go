package config

import (
	"math"
	"time"
)

// Heartbeat, restart-strategy and checkpointing options, with Flink 2.0 defaults.
var (
	HeartbeatInterval = register(DurationOption("heartbeat.interval").WithDefault(10 * time.Second).
				WithDescription("Interval between heartbeat requests."))
	HeartbeatTimeout = register(DurationOption("heartbeat.timeout").WithDefault(50 * time.Second).
				WithDescription("A peer that has not answered heartbeats for this long is considered lost."))

	RestartStrategyType = register(StringOption("restart-strategy.type").
				WithDeprecatedKeys("restart-strategy").
				WithDescription("none, fixed-delay, failure-rate or exponential-delay; when unset, exponential-delay with checkpointing, none without."))
	RestartStrategyFixedDelayAttempts = register(IntOption("restart-strategy.fixed-delay.attempts").WithDefault(1).
						WithDescription("Restarts before the job fails."))
	RestartStrategyFixedDelayDelay = register(DurationOption("restart-strategy.fixed-delay.delay").WithDefault(time.Second).
					WithDescription("Pause between restarts."))
	RestartStrategyFailureRateMaxFailuresPerInterval = register(IntOption("restart-strategy.failure-rate.max-failures-per-interval").WithDefault(1).
								WithDescription("Failures within one interval before the job fails."))
	RestartStrategyFailureRateFailureRateInterval = register(DurationOption("restart-strategy.failure-rate.failure-rate-interval").WithDefault(time.Minute).
							WithDescription("Window in which failures are counted."))
	RestartStrategyFailureRateDelay = register(DurationOption("restart-strategy.failure-rate.delay").WithDefault(time.Second).
					WithDescription("Pause between restarts."))
	RestartStrategyExponentialDelayInitialBackoff = register(DurationOption("restart-strategy.exponential-delay.initial-backoff").WithDefault(time.Second).
							WithDescription("First pause between restarts."))
	RestartStrategyExponentialDelayMaxBackoff = register(DurationOption("restart-strategy.exponential-delay.max-backoff").WithDefault(time.Minute).
							WithDescription("Longest pause between restarts."))
	RestartStrategyExponentialDelayBackoffMultiplier = register(DoubleOption("restart-strategy.exponential-delay.backoff-multiplier").WithDefault(1.5).
								WithDescription("Factor the pause grows by after each failure."))
	RestartStrategyExponentialDelayResetBackoffThreshold = register(DurationOption("restart-strategy.exponential-delay.reset-backoff-threshold").WithDefault(time.Hour).
								WithDescription("Failure-free time after which the pause starts over."))
	RestartStrategyExponentialDelayJitterFactor = register(DoubleOption("restart-strategy.exponential-delay.jitter-factor").WithDefault(0.1).
							WithDescription("Random share added to or taken from each pause."))
	RestartStrategyExponentialDelayAttemptsBeforeResetBackoff = register(IntOption("restart-strategy.exponential-delay.attempts-before-reset-backoff").WithDefault(math.MaxInt32).
									WithDescription("Restarts allowed before the job fails (counted since the last reset)."))

	ExecutionCheckpointingInterval = register(DurationOption("execution.checkpointing.interval").
					WithDescription("Interval between checkpoints; checkpointing is off when unset."))
	ExecutionCheckpointingNumRetained = register(IntOption("execution.checkpointing.num-retained").WithDefault(1).
						WithDeprecatedKeys("state.checkpoints.num-retained").
						WithDescription("Completed checkpoints kept (in the job ConfigMap with Kubernetes HA)."))
)
