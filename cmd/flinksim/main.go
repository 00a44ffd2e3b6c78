// Command flinksim runs the simulated Kubernetes cluster for local experiments with
// Flink's native Kubernetes integration, and talks to it while it runs:
//
//	flinksim up [--rbac] [--nodes 3 --node-cpu 4 --node-memory 16Gi | --config cluster.yaml]
//	flinksim status [--watch]
//	flinksim port-forward service/<cid>-rest [LOCAL:]8081
//	flinksim fault kill-pod|crash|oom|evict|node-notready|node-ready|delete-node|drain|partition|isolate|heal|api-errors|clear-api-errors …
//
// See package flinksim/localcluster.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
