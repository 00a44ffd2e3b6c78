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
// (package rpc, methods of package gateway) and rest.bind-port, and becomes leader —
// at once without HA, by election with Kubernetes HA.
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
// failure, a lost TaskManager, slot.request.timeout or more checkpoints in a row
// expired or not finalized than execution.checkpointing.tolerable-failed-checkpoints
// (default 0) allows, and restarts it as the restart
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
// # Kubernetes HA (leadership.go)
//
// With high-availability.type: kubernetes the JobManager takes part in the election on
// <cluster-id>-cluster-config-map (package ha) with one lock identity for the process;
// its resource manager, dispatcher and REST endpoint contend together. Once all three
// hold the same leader session a term starts (session.go): the components start under
// that session (the RPC fencing token), the resource manager's and REST endpoint's
// addresses are confirmed (org.apache.flink.k8s.leader.<component> =
// "<session>,pekko.tcp://flink@<pod IP>:6123/user/rpc/…" or "http://<pod IP>:8081"), the
// dispatcher recovers the jobs and then confirms, and in application mode the
// application runs (or attaches to its recovered job). A revoke stops the term from
// acting at once (fencing token cleared, REST answers from the leader) before the ha
// package releases the lock, and then winds it down: jobs SUSPENDED, resource manager
// stopped. A killed process (process.Killed) does not release the lock: a standby
// takes over when the lease ran out.
//
// Jobs live in the HA stores: a submitted job's plan (program + submission) goes to
// the execution-plan store before its JobMaster starts; a JobMaster contends for
// job-<id>, takes its checkpoint ids from the job's counter and completes a checkpoint
// only once the checkpoint store took it, and a recovered JobMaster restores the
// latest stored checkpoint. A globally terminal job gets a dirty entry in the job
// result store, then its plan, job ConfigMap and leader key go, then the entry is
// marked clean (a failed cleanup is retried as Flink's default cleanup-strategy does,
// 1 s doubling up to 1 h, while the term lasts); a new leader finishes dirty cleanups
// and does not rerun jobs that have a result. A killed JobManager writes nothing more:
// its HA services stop before its term is wound down. An application with HA uses the job id derived from
// high-availability.cluster-id; when it finishes with
// execution.shutdown-on-application-finish, the JobManager deregisters (the
// Deployment goes) and removes the HA data (graceful shutdown, reference §5.9).
//
// A standby's REST endpoint forwards requests to the leader's REST address (as Flink's
// REST handlers reach the leading dispatcher through leader retrieval) and answers 503
// "Service temporarily unavailable due to an ongoing leader election" while no leader
// is known.
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
//   - Uploaded jars live in the process's memory (a new leader does not have the jars
//     uploaded to its predecessor; jobs submitted from them are recovered).
//   - A JobMaster whose HA stores cannot be read (API errors) retries until its term
//     ends; Flink fails the job with a JobInitializationException, which loses it to a
//     passing API outage.
//   - After a graceful shutdown (the application finished) the process waits for
//     SIGTERM instead of exiting, so the kubelet does not restart it into a cluster
//     whose HA data is gone before the pod is deleted.
//   - Slot offers are taken only while the job needs slots; there is no slot pool
//     that keeps idle slots for a while.
package jobmanager
