// Package deployer is Flink's client side for native Kubernetes: the cluster descriptor
// that deploys session and application clusters, attaches to, lists and kills them,
// and the factories that build exactly the objects Flink creates (JobManager
// Deployment, Services, ConfigMaps, secrets, pod templates, owner references).
//
// It talks to Kubernetes only through kubernetes.Interface, so the same code runs on
// the simulated cluster, on a real kube-apiserver (envtest) and on a real cluster.
package deployer
