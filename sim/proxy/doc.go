// Package proxy is the simulated cluster's DNS and kube-proxy: it resolves Service
// ClusterIPs and DNS names (<svc>.<ns>, <svc>.<ns>.svc, <svc>.<ns>.svc.cluster.local)
// to the endpoints behind them.
//
// Like kube-proxy and CoreDNS it reads EndpointSlices (the EndpointSlice controller's,
// flinksim/sim/endpoints, or any a user writes with the kubernetes.io/service-name
// label, so Services without a selector work too), never pods: an informer keeps the
// slices indexed by "<namespace>/<service>", so a lookup is one index read and a walk
// over that Service's endpoints, whatever the number of pods in the namespace. The
// price is the controller's hop: a pod that turns Ready is reachable once its slice is
// updated, as on a real cluster.
//
// A ClusterIP leads to the ready endpoints of the Service port dialed, at the slice's
// port of the same name (the target port the controller resolved, by number or by
// container port name); when none is ready, to the serving ones that are terminating
// (kube-proxy's terminating-endpoint fallback). A headless Service's name resolves, as
// DNS does, to the ready endpoints' IPs, dialed at the port given. ExternalName Services
// are not resolved.
package proxy
