// Package proxy is the simulated cluster's DNS and kube-proxy: it resolves Service
// ClusterIPs and DNS names (<svc>.<ns>, <svc>.<ns>.svc, <svc>.<ns>.svc.cluster.local)
// to the ready pods behind them, mapping the Service port to the target port (by
// number or by container port name). Headless Services resolve to the ready pods'
// IPs directly.
package proxy
