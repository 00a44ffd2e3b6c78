// Package envtestbackend runs a real kube-apiserver and etcd (through controller-runtime's
// envtest) as the API server of a simulated cluster: sim.Config{Backend: b} runs the
// simulator's controllers — garbage collector, Deployment and ReplicaSet controllers,
// namespace controller, scheduler, kubelet, node lifecycle, service proxy — against it,
// in real time, so that behaviour that needs controllers can be checked against the real
// server's semantics.
//
// The binaries (kube-apiserver and etcd of Version) are not downloaded: `make
// envtest-assets` builds them into a cache folder (see FindAssets). Identities are client
// certificates whose subject carries the user and the groups apiserver.GroupsOf gives
// it; the real server authorizes them with its RBAC policy.
package envtestbackend
