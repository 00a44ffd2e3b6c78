// Command kubernetes-session is Flink's bin/kubernetes-session.sh: it deploys a
// session cluster on Kubernetes, or attaches to a running one. See flinksim/cli.
//
//	kubernetes-session -Dkubernetes.cluster-id=my-session
//	kubernetes-session -Dkubernetes.cluster-id=my-session -Dexecution.attached=true
//	echo stop | kubernetes-session -Dkubernetes.cluster-id=my-session -Dexecution.attached=true
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"flinksim/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.KubernetesSession(ctx, cli.OS())
	stop()
	os.Exit(code)
}
