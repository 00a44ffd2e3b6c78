// Package jobmanager is the Flink JobManager process as it runs inside its pod: the
// leader-gated dispatcher, resource manager and REST endpoint.
package jobmanager
