// Package resourcemanager is the JobManager's active resource manager and its
// Kubernetes driver: TaskManager pods on demand, the pod watch, start-failure rate,
// registration and idle timeouts, and recovery of previous-attempt workers
// (reference §4), plus the slot manager that turns jobs' slot requirements into a
// number of TaskManagers (§4.6).
//
// # Layers
//
// As in Flink there are three parts, all owned by one main loop (a mainloop.Loop): a
// single goroutine runs every state change; Kubernetes calls and calls to TaskManagers run on
// goroutines of their own and post their results back.
//
//   - The Kubernetes driver (kubernetes_driver.go) creates TaskManager pods named
//     <cluster-id>-taskmanager-<attempt>-<index> (built by package kubeobjects, owned
//     by the JobManager Deployment), completes a request when the pod is scheduled,
//     watches the TaskManager pods from resourceVersion 0 and applies the event rules of
//     §4.5 (pod.go), watches again after 410 Gone or a watch the server closed, fails
//     the resource manager on any other watch error, retries watch creation with
//     exponential back-off, deletes pods on cancel and release, keeps blocked nodes off
//     new pods (§4.9), deletes the Deployment on deregistration, and recovers the pods
//     of earlier attempts (§4.7). Each pod create and delete gets the 10 s request
//     timeout of Flink's fabric8 client, so that a JobManager cut off from the API
//     server fails its pod creations (start failures, retried) instead of waiting.
//   - The active resource manager (active.go) counts workers per WorkerSpec, acts on the
//     slot manager's declarations with the release order of §4.6, rates start failures
//     over a minute and pauses new pods after too many, stops workers that do not
//     register in time, and serves requirements only once every recovered TaskManager
//     is back (or gone) or the recovery timeout passed. TaskManager registrations and heartbeats are
//     in registry.go.
//   - The slot manager (slotmanager.go) matches missing slots against free slots of
//     registered TaskManagers, then of pending ones, then new ones; keeps redundant
//     TaskManagers and the configured minimum, never exceeds the maximum; releases
//     TaskManagers idle for resourcemanager.taskmanager-timeout; batches its checks
//     and declarations (50 ms).
//
// The decisions are pure functions of what was observed and the time (decisions.go,
// slotplan.go, pod.go), table-tested; the files above apply them.
//
// # API
//
// A JobManager builds a ResourceManager with New, runs Start, and calls
// DeclareRequirements (a job's slots; 0 clears them), ReadyToServe, SetBlockedNodes,
// Deregister and Snapshot. A TaskManager calls RegisterTaskManager (its resource id is
// its pod name), SendSlotReport once registered, Heartbeat every heartbeat.interval,
// NotifySlotAvailable when a job frees a slot, and DisconnectTaskManager; the resource
// manager reaches it through the TaskExecutorGateway it registered with. All of these
// are plain methods taking a context and plain values, so that a network layer can
// carry them.
//
// # Differences from Flink
//
//   - Slots all have the default profile: requirements are numbers of slots per job,
//     and resource bounds are compared in slots unless slotmanager.*-total-resource.*
//     is set (fine-grained slot profiles are not modelled).
//   - Heartbeats go from TaskManager to resource manager (Heartbeat); Flink's resource
//     manager asks and the TaskManager answers. A TaskManager silent for
//     heartbeat.timeout is lost either way.
//   - A watch the server closes without an error is watched again (Flink's client
//     library reconnects on its own); events of the gap are re-listed as ADDED.
//   - The slot manager always declares the default worker spec, with zero workers if
//     need be, so that requests still waiting for a pod are cancelled once nothing
//     needs them; Flink declares only specs it holds TaskManagers of.
//   - The newest unallocated requests are cancelled first (Flink: hash order).
//   - DeclareRequirements returns at once while the resource manager is not ready;
//     Flink's call completes once it is.
//   - Not modelled: host-network Service port patching (§4.1 step 3), JobMaster
//     registration and heartbeats, fencing tokens, metrics other than Snapshot's, and
//     the partition tracker (CanBeReleased is the TaskManager's own answer).
package resourcemanager
