// Package jobmanager is the Flink JobManager process as it runs inside its pod
// (kubernetes-jobmanager.sh → Program): the resource manager, the dispatcher with one
// JobMaster per job, the RPC endpoint TaskManagers talk to and the REST endpoint
// clients talk to.
//
// # Flow
//
// Program reads config.yaml from FLINK_CONF_DIR plus the -D properties of its command
// line (in HA mode it also requires _POD_IP_ADDRESS and advertises it). In application
// mode it first fetches pipeline.jars and user.artifacts.artifact-list (package
// flinkfs: local://, file://, s3:// and the other plugin schemes, http(s)://) into
// user.artifacts.base-dir/<namespace>/<cluster-id> and reads the program (package
// jobjar); a program that cannot be created ends the process with exit code 1, as
// KubernetesApplicationClusterEntrypoint does. Then it listens on jobmanager.rpc.port
// (package rpc, methods of package gateway) and rest.bind-port, and becomes leader.
//
// A leadership term (session.go) owns the components that Kubernetes HA gates in
// Flink: the resource manager (package resourcemanager: TaskManager pods, slot
// manager), the dispatcher and its JobMasters, all under one leader session id that
// fences the RPC endpoint. Without HA the term starts at once with a fresh session id
// and ends at SIGTERM (jobs are then SUSPENDED).
//
// A JobMaster (jobmaster.go) runs one job on its own main loop: it declares the job's
// slots to the resource manager (the largest vertex parallelism — vertices share
// slots), takes the slots TaskManagers offer, deploys all tasks once it holds them (the
// job is one pipelined region), follows task states, heartbeats the TaskManagers it
// holds slots on (a TaskManager silent for heartbeat.timeout, or refusing
// heartbeat.rpc-failure-threshold calls in a row, is lost), checkpoints streaming jobs
// every interval while all tasks run (checkpoints.go), fails the job over on a task
// failure, a lost TaskManager or slot.request.timeout, and restarts it as the restart
// strategy says (restart.go: none, fixed-delay, failure-rate, exponential-delay, with
// Flink's keys and defaults). When the job ends its slots are freed and its
// requirements cleared; idle TaskManagers then go after resourcemanager.taskmanager-timeout.
//
// The REST endpoint (rest.go, jars.go) serves Flink's paths and JSON: /config,
// /overview, /jobs, /jobs/overview, /jobs/<id>, PATCH /jobs/<id>?mode=cancel,
// /jobs/<id>/execution-result, /jobs/<id>/checkpoints, /jobs/<id>/exceptions,
// /jobs/<id>/metrics, /taskmanagers, /jobmanager/config, GET /jars, POST /jars/upload,
// POST /jars/<id>/run, DELETE /jars/<id> (all also under /v1).
//
// In application mode (application.go) the job of pipeline.jars runs at start
// ($internal.pipeline.job-id, $internal.application.program-args and
// $internal.application.main apply); when it ends and
// execution.shutdown-on-application-finish is set, the resource manager deregisters
// the application, which deletes the JobManager Deployment.
//
// # Wiring Kubernetes HA
//
// Only the leadership is missing: ha.LeaderElectionService grants and revokes, and
// JobManager.run starts a session on grant (startSession with the granted session
// id) and stops it on revoke (session.stop suspends the jobs and stops the resource
// manager). The RPC endpoint already refuses calls fenced with another session
// (rpc.FencingTokenMismatch), TaskManagers already register again when the resource
// manager no longer knows them, and the JobManager already advertises its pod IP in HA
// mode. Still to do: publish the RPC address for the resourcemanager, dispatcher and
// job-<id> components; let TaskManagers find the leader through ha.LeaderRetriever
// instead of jobmanager.rpc.address (and fence their registration with the retrieved
// session); keep job graphs and checkpoints in the HA stores so a new leader recovers
// the jobs; use the fixed job id of application mode with HA.
//
// # Differences from Flink
//
//   - Every failure restarts the whole job and the job passes through RESTARTING;
//     Flink's region failover restarts the affected region while the job stays
//     RUNNING (for the examples, whose vertices are connected all-to-all, the region
//     is the whole job, so the same tasks restart).
//   - Jobs are simulated (package jobjar): no operators, records, state or data
//     exchange; checkpoints are acknowledgements kept in memory; savepoints are not
//     supported.
//   - Uploaded jars live in the process's memory.
//   - Slot offers are taken only while the job needs slots; there is no slot pool
//     that keeps idle slots for a while.
package jobmanager
