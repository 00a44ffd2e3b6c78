// Package nodelifecycle is the simulated cluster's node lifecycle controller and pod
// garbage collector, ordinary client-go controllers as in kube-controller-manager:
// a node whose kubelet stops renewing its Lease in kube-node-lease for the grace
// period (50 s) turns Ready=Unknown and gets the node.kubernetes.io/unreachable
// NoSchedule and NoExecute taints; pods that do not tolerate a NoExecute taint are
// evicted (deleted) at once, those that tolerate it for tolerationSeconds (300 s by
// the DefaultTolerationSeconds admission plugin) after that. Pods bound to a node that
// no longer exists are force-deleted.
package nodelifecycle
