// Package process is the contract between a container runtime and the programs it
// runs: what a process gets (arguments, environment, files, a Kubernetes client for
// its pod's service account, the network, stdout/stderr, a context cancelled on
// SIGTERM) and how it ends (its error maps to an exit code).
//
// The Flink processes (jobmanager, taskmanager) are written against it. The simulated
// kubelet backs it in memory; FromOS backs it with the operating system for a real
// container. Neither side imports the other.
package process
