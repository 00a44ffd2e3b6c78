package config

import "time"

// Options of the Flink runtime the JobManager and TaskManager processes read: RPC
// timeouts, heartbeat failure detection, TaskManager registration back-off, job
// defaults and checkpointing, with Flink 2.0 keys and defaults.
var (
	PekkoAskTimeout = register(DurationOption("pekko.ask.timeout").WithDefault(10 * time.Second).
			WithDeprecatedKeys("akka.ask.timeout").
			WithDescription("Timeout of RPC calls between JobManager and TaskManagers."))
	HeartbeatRPCFailureThreshold = register(IntOption("heartbeat.rpc-failure-threshold").WithDefault(2).
					WithDescription("Consecutive heartbeat RPCs that find the target unreachable before it is considered lost; -1 turns this off."))
	ParallelismDefault = register(IntOption("parallelism.default").WithDefault(1).
				WithDescription("Parallelism of jobs that set none."))
	ClusterRegistrationInitialTimeout = register(DurationOption("cluster.registration.initial-timeout").WithDefault(100 * time.Millisecond).
						WithDescription("First pause between TaskManager registration attempts; it doubles after each."))
	ClusterRegistrationMaxTimeout = register(DurationOption("cluster.registration.max-timeout").WithDefault(30 * time.Second).
					WithDescription("Longest pause between TaskManager registration attempts."))
	ClusterRegistrationErrorDelay = register(DurationOption("cluster.registration.error-delay").WithDefault(10 * time.Second).
					WithDescription("Pause after a registration attempt failed with an error."))
	ClusterRegistrationRefusedRegistrationDelay = register(DurationOption("cluster.registration.refused-registration-delay").WithDefault(30 * time.Second).
							WithDescription("Pause after the resource manager refused a registration."))
	ExecutionCheckpointingTimeout = register(DurationOption("execution.checkpointing.timeout").WithDefault(10 * time.Minute).
					WithDescription("A checkpoint that has not completed within this time is discarded."))
	ExecutionCheckpointingTolerableFailedCheckpoints = register(IntOption("execution.checkpointing.tolerable-failed-checkpoints").WithDefault(0).
								WithDescription("Consecutive checkpoint failures (expired, or not finalized) the job tolerates; one more fails the job over."))
	JobManagerExecutionFailoverStrategy = register(StringOption("jobmanager.execution.failover-strategy").WithDefault("region").
						WithDescription("full or region: which tasks restart after a failure."))
)
