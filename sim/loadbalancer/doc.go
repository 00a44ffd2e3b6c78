// Package loadbalancer is the simulated cloud provider's load-balancer controller: a
// Service of type LoadBalancer gets an ingress IP from a pool after a configurable
// provisioning delay (status.loadBalancer.ingress), as a cloud controller manager
// sets it; the address is freed when the Service goes or changes type.
package loadbalancer
