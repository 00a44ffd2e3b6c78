// Command flink is Flink's bin/flink for native Kubernetes: run (application or
// session target), run-application, list and cancel. See flinksim/cli.
//
//	flink run -t kubernetes-application -Dkubernetes.cluster-id=my-app local:///opt/flink/usrlib/job.jar
//	flink run -t kubernetes-session -Dkubernetes.cluster-id=my-session ./job.jar --input in.txt
//	flink list -t kubernetes-session -Dkubernetes.cluster-id=my-session
//	flink cancel -t kubernetes-session -Dkubernetes.cluster-id=my-session fd72014d4c864993a2e5a9287b4a9c5d
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"flinksim/cli"
	"flinksim/localcluster"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := cli.OS()
	// Against flinksim up, local artifacts are uploaded to its object store.
	env.ArtifactsFor = localcluster.ArtifactsFor
	code := cli.Flink(ctx, env)
	stop()
	os.Exit(code)
}
