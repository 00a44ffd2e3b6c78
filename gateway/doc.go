// Package gateway is the RPC protocol between a JobManager and its TaskManagers, over
// package rpc: the method names, the messages, and typed clients for the three
// endpoints Flink has —
//
//   - the ResourceManager (in the JobManager, port jobmanager.rpc.port): TaskManagers
//     register under their resource id, report slots, heartbeat, say a slot is free,
//     disconnect;
//   - the JobMaster of a job (same port, routed by job id): TaskManagers offer slots,
//     report task execution states, disconnect;
//   - the TaskExecutor (in each TaskManager, port taskmanager.rpc.port): the resource
//     manager requests slots and asks whether the TaskManager can be released; the
//     JobMaster deploys and cancels tasks, frees slots, triggers checkpoints and sends
//     heartbeats.
//
// Calls to the JobManager carry its leader session id as fencing token (the
// TaskManager learns it from its registration); the JobManager's server refuses stale
// tokens, so once Kubernetes HA elects another JobManager, calls meant for the old
// one fail with rpc.FencingTokenMismatch.
//
// Method names follow Flink's gateway interfaces (ResourceManagerGateway,
// JobMasterGateway, TaskExecutorGateway); payloads are JSON of the types below.
package gateway
