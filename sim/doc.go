// Package sim is the simulated Kubernetes cluster: an in-process API server with real
// API-server semantics behind client-go's fake clientset, and the controllers that make
// objects behave (garbage collector, Deployment and ReplicaSet controllers, scheduler,
// kubelet). It never imports a Flink package.
//
// Time is plain package time: inside a testing/synctest bubble it is virtual.
//
// With Config.Backend the same controllers and nodes run against a real API server
// instead (flinksim/sim/envtestbackend: kube-apiserver and etcd through envtest), in
// real time; the in-process server's faults and request log are then not available.
package sim
