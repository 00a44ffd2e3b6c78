// Package scheduler is the simulated cluster's scheduler, an ordinary client-go
// controller: it fits pending pods to nodes by resource requests against what is left
// on each node, node selectors, required node affinity and taints, binds them through
// the pods/binding subresource, and leaves unschedulable pods Pending with
// PodScheduled=False, reason Unschedulable, and a FailedScheduling event worded like
// the real scheduler's. Ties between equally good nodes are broken by a seeded random
// source.
package scheduler
