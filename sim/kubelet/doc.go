// Package kubelet is the simulated cluster's kubelet for all nodes at once, an
// ordinary client-go controller: it starts the containers of pods bound to a node
// after a start-up latency, moves them Pending → Running with the conditions and
// container states Kubernetes derives, gives them pod IPs, and finishes graceful
// deletion by confirming it with a delete of grace period 0.
package kubelet
