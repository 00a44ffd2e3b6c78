// Package network is the simulated cluster network: hosts by IP (pods, nodes, the
// host machine), listeners, Service resolution (ClusterIP and DNS names
// <svc>.<ns>[.svc.cluster.local] → ready endpoints), and in-memory connections.
// Nothing listening means connection refused; a partition makes dials and open
// connections hang until their deadlines, as a dropped-packets partition does. Because
// connections are in-memory pipes, virtual time keeps working inside a synctest
// bubble.
package network
