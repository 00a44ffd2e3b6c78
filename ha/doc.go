// Package ha is Flink's Kubernetes high-availability services: leader election on the
// ConfigMap <cluster-id>-cluster-config-map, leader retrieval, the state-handle store,
// the checkpoint counter and the cleanup of HA data.
package ha
