// Package localcluster is flinksim up: a simulated cluster (package sim, with the
// apache/flink image) running in real time and served to the host — the Kubernetes API
// over HTTPS or HTTP on loopback for kubectl, client-go and this project's flink and
// kubernetes-session commands (package kubeserver), a kubeconfig for it, forwards of
// the Flink clusters' REST Services to loopback ports and, optionally, loopback load
// balancers (package portforward), and a control endpoint for faults under
// /flinksim/v1 of the same server, authenticated like the API.
//
// Client is the other side, for flinksim status, fault and port-forward: it reads the
// kubeconfig a running flinksim up wrote. Gather and Render make the status view.
package localcluster
