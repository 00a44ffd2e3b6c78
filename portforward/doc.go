// Package portforward makes Services of the simulated cluster reachable from the host:
// it maps a Service port to a loopback port (what kubectl port-forward
// service/<name> <port> does against a real cluster), on request or on its own for
// the Services a selector picks (flinksim forwards the REST Service <cid>-rest of
// every Flink cluster), and it can play the cloud load balancer for Services of type
// LoadBalancer: each gets an address from a loopback pool as its ingress IP, and
// its ports are served there.
//
// A forwarded connection enters the simulated network from HostIP and is resolved
// there like any in-cluster connection to <service>.<namespace>:<port>, so it
// reaches whichever pod backs the Service at the time (after a JobManager failover,
// the new leader's pod) — unlike kubectl port-forward, which sticks to one pod.
package portforward
