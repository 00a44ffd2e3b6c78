// Package taskmanager is the Flink TaskManager process as it runs inside its pod
// (kubernetes-taskmanager.sh → Main): it registers with the resource manager under its
// resource id (taskmanager.resource-id, the pod name), offers its
// taskmanager.numberOfTaskSlots slots, heartbeats, and runs the tasks of simulated
// jobs.
//
// # Flow
//
// Main reads config.yaml from FLINK_CONF_DIR plus the -D dynamic properties and
// resource arguments of its command line, requires _POD_NODE_ID (the node, for the
// blocklist), derives its WorkerSpec from the memory model, listens on
// taskmanager.rpc.port, and runs the TaskExecutor until SIGTERM.
//
// The TaskExecutor is one main loop (package mainloop). It connects to the resource
// manager at jobmanager.rpc.address:jobmanager.rpc.port (the cluster's internal
// Service) without HA; with Kubernetes HA it follows the resource manager's leader
// information in <cluster-id>-cluster-config-map (ha.LeaderRetriever), registers
// fenced with the retrieved leader session, drops the connection when the leader is
// gone and connects to each new leader. It also follows the job-<id> leader of every
// job it holds slots for: when a new JobMaster confirms, the old attempt's tasks fail
// and the slots are offered to the new one (Flink's JobLeaderService), and calls of a
// deposed JobMaster (cancel, free, disconnect) are ignored. The registration is
// Flink's retrying one: attempt timeouts from
// cluster.registration.initial-timeout doubling to cluster.registration.max-timeout,
// cluster.registration.error-delay after a failed attempt,
// cluster.registration.refused-registration-delay after a refusal, the attempt after
// an error or a refusal (or a new connection) starting from the initial timeout
// again. Once registered it
// sends its slot report and a heartbeat with its slots every heartbeat.interval. When
// the resource manager no longer knows it (a new JobManager) or has not answered for
// heartbeat.timeout, it registers again — that is how it follows a JobManager that
// restarted. If it stays unregistered for taskmanager.registration.timeout it exits
// with code 1, as Flink's TaskManager terminates itself.
//
// A slot request from the resource manager allocates a slot for a job; the slot is
// then offered to the job's JobMaster (JobMaster.offerSlots), and freed (and the
// resource manager told) if the JobMaster does not take it. The JobMaster deploys
// tasks into accepted slots, heartbeats the TaskManager for each job (a job whose
// JobMaster is silent for heartbeat.timeout loses its slots here), triggers
// checkpoints (acknowledged by tasks that run), cancels tasks and frees slots.
//
// Tasks are simulated: DEPLOYING, INITIALIZING, RUNNING; they finish after the job's
// task duration (batch, bounded streams), fail when the job's script says so, and are
// cancelled. State changes go to the JobMaster as they happen; the JobMaster's
// heartbeats carry them too, so a lost report is repaired.
//
// On SIGTERM the TaskManager disconnects from its JobMasters and the resource manager
// (so they fail its tasks and forget it at once) and stops.
//
// Logs go to stdout in Flink's layout, at the level of the mounted
// log4j-console.properties (or logback-console.xml), re-read as the file asks
// (package flinklog).
//
// # Differences from Flink
//
//   - Heartbeats to the resource manager go from the TaskManager (see package
//     resourcemanager); JobMaster heartbeats go from the JobMaster, as in Flink.
//   - A slot is offered to its JobMaster as soon as it is allocated (Flink batches
//     the offers of a job); slot offers are not retried.
//   - Freed slots are not kept for a returning JobMaster (taskmanager.slot.timeout).
//   - No data exchange between tasks, no network buffers, no state backend: a
//     checkpoint is an acknowledgement.
package taskmanager
