// Package nodelifecycle is the simulated cluster's node lifecycle controller and pod
// garbage collector, ordinary client-go controllers as in kube-controller-manager:
// a node whose kubelet stops renewing its Lease in kube-node-lease for the grace
// period (50 s) turns Ready=Unknown and gets the node.kubernetes.io/unreachable
// NoSchedule and NoExecute taints; its pods' Ready condition is set to False
// (MarkPodsNotReady, with NodeNotReady events on the node and the pods), so the endpoints
// controllers take them out of service until the kubelet is back. Taint-based eviction then works as the taint-eviction
// controller's: pods that do not tolerate a NoExecute taint are evicted at once, those
// that tolerate it for tolerationSeconds when that time (counted from the taint's
// timeAdded) is up — 300 s for pods that got the defaults of the API server's
// DefaultTolerationSeconds admission — and those that tolerate it without a limit stay.
// An eviction marks the pod with the DisruptionTarget condition (reason
// DeletionByTaintManager) and deletes it with its own grace period; the controller wakes
// at the exact time an eviction is due rather than at its next 5 s check. Pods bound to a
// node that no longer exists are marked Failed with the DisruptionTarget condition
// (reason DeletionByPodGC) and force-deleted (the pod GC).
package nodelifecycle
