// Package sim is the simulated Kubernetes cluster: an in-process API server with real
// API-server semantics behind client-go's fake clientset, and the controllers that make
// objects behave (garbage collector, Deployment and ReplicaSet controllers, endpoints and
// EndpointSlice controllers, scheduler, kubelet, service proxy, node lifecycle, load
// balancers). It never imports a Flink package.
//
// Faults besides the API server's: node NotReady, deleted or drained (Cluster), pod
// crash, OOMKill, eviction and hang (Kubelet), network partitions between pods, of a pod,
// and between a pod and the API server (Network, PartitionFromAPIServer): a pod's
// processes get a Kubernetes client that reaches the API server over the simulated
// network from the pod's IP.
//
// Time is plain package time: inside a testing/synctest bubble it is virtual.
//
// With Config.Backend the same controllers and nodes run against a real API server
// instead (flinksim/sim/envtestbackend: kube-apiserver and etcd through envtest), in
// real time; the in-process server's faults and request log are then not available.
package sim
