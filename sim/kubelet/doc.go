// Package kubelet is the simulated cluster's kubelet for all nodes at once, an
// ordinary client-go controller: it starts the containers of pods bound to a node
// after a start-up latency, moves them Pending → Running with the conditions and
// container states Kubernetes derives, gives them pod IPs, and finishes graceful
// deletion by reporting the stopped pod's terminal phase (Failed, or Succeeded when every
// container exited 0) and confirming it with a delete of grace period 0.
//
// A container's process gets a Kubernetes client acting as the pod's service account;
// with Config.PodClient it is one client per pod that reaches the API server from the
// pod's IP, so network faults between the pod and the API server apply to it.
//
// Faults (Crash, OOMKill, Evict, Hang/Resume) are handed to the pod's worker. A hung
// process stays alive and Running (readiness is unchanged: there are no probes), its
// pod's network and API client hold everything until their deadlines, and it ignores
// SIGTERM, so a deletion kills it only when the grace period is up.
package kubelet
