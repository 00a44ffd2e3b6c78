// Package network is the simulated cluster network: hosts by IP (pods, nodes, the
// host machine), listeners, Service resolution (ClusterIP and DNS names
// <svc>.<ns>[.svc.cluster.local] → ready endpoints), and in-memory connections.
// Nothing listening means connection refused; a partition makes dials and open
// connections hang until their deadlines, as a dropped-packets partition does. Because
// connections are in-memory pipes, virtual time keeps working inside a synctest
// bubble.
//
// Partitions are between two hosts (Partition, Unpartition) or of one host from all
// others (Isolate), and Heal lifts them. A hang (Hang, Resume) is the fault of a process
// that is alive but unresponsive: everything of its host, its own localhost included,
// holds until the deadlines, and Heal does not end it. A Route is the path between two
// addresses for a client that does not use this network's connections: the pod's
// Kubernetes client asks the Route from the pod to the API server whether it is cut, so
// that partitioning a pod from the API server's address (or isolating or hanging the
// pod) holds its API requests and watches too.
package network
