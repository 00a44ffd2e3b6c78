// Package localcluster is flinksim up: a simulated cluster (package sim, with the
// apache/flink image) running in real time and served to the host — the Kubernetes API
// over HTTPS or HTTP on loopback for kubectl, client-go and this project's flink and
// kubernetes-session commands (package kubeserver), a kubeconfig for it, forwards of
// the Flink clusters' REST Services to loopback ports and, optionally, loopback load
// balancers (package portforward), and a control endpoint for faults under
// /flinksim/v1 of the same server, authenticated like the API.
//
// The Flink image's JobManagers get the cluster's object store (package dfs): a
// file:/// every pod shares and the s3://… buckets of Config.Buckets, for
// high-availability.storageDir and fetched artifacts. The flink CLI uploads local
// artifacts there through the control endpoint (ArtifactsFor), when its kubeconfig
// context is flinksim's.
//
// Faults (FaultKinds) are described once, by their usage line: ParseFault reads
// flinksim fault's command line from it, and the control endpoint checks a Fault's
// arguments against it. kill-leader finds the leading JobManager pod as flinksim
// status does (Leader: the lock holder of <cluster-id>-cluster-config-map and the pod
// its published leader address names).
//
// Client is the other side, for flinksim status, fault and port-forward: it reads the
// kubeconfig a running flinksim up wrote. Gather and Render make the status view.
package localcluster
