// Package scenarios is the godog step library: a World per scenario wires a simulated
// cluster to the Flink side, and steps speak Flink and Kubernetes.
package scenarios
