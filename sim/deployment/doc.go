// Package deployment is the simulated cluster's Deployment and ReplicaSet
// controllers: Deployment → ReplicaSet (named <deployment>-<pod-template-hash>) →
// Pods (generateName <replicaset>-), with owner references as Kubernetes sets them,
// replacement of deleted or failed pods, scaling, rolling updates on template change,
// and status counts with the Available and Progressing conditions (NewReplicaSetCreated,
// ReplicaSetUpdated, NewReplicaSetAvailable, ProgressDeadlineExceeded after
// progressDeadlineSeconds without progress). Ordinary client-go controllers: they run against a real
// kube-apiserver too.
package deployment
