// Package resourcemanager is the JobManager's active resource manager and its
// Kubernetes driver: TaskManager pods on demand, the pod watch, start-failure rate,
// registration and idle timeouts, and recovery of previous-attempt workers.
package resourcemanager
