// Package kube holds small helpers the simulator's controllers share: a uniform way
// to reach the typed clients of the resources the simulator serves, by resource.
package kube
