package kubelet

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/process"
)

// Back-off of restarting containers, as the kubelet's CrashLoopBackOff: the first
// restart is immediate, then 10 s doubling up to 5 min; a container that ran 10 min
// starts over.
const (
	initialBackOff = 10 * time.Second
	maxBackOff     = 5 * time.Minute
	backOffReset   = 10 * time.Minute
)

// ctr is one container of a pod and its current instance.
type ctr struct {
	spec    corev1.Container
	init    bool
	sidecar bool // an init container with restartPolicy Always
	img     *Image
	fs      *containerFS

	gen       int // instance number, to ignore exits of old instances
	running   bool
	cancel    context.CancelCauseFunc
	startedAt time.Time
	state     corev1.ContainerState
	last      corev1.ContainerState
	restarts  int32
	backoff   time.Duration
	restartAt time.Time // when waiting in back-off
	everRan   bool
	// kill is set by a fault: the exit code and reason the instance ends with.
	kill *killSpec
	// hung: the instance hangs (Kubelet.Hang) and ignores SIGTERM.
	hung bool
	// waitErr is why the container cannot start yet (image, config).
	waitReason, waitMessage string
}

type killSpec struct {
	code   int32
	reason string
	msg    string
}

// exit is a finished container instance.
type exit struct {
	name string
	gen  int
	code int32
	err  error
	at   time.Time
}

// argv resolves what a container runs, with Kubernetes' rules for command, args and
// the image's ENTRYPOINT and CMD.
func argv(c *corev1.Container, img *Image) []string {
	switch {
	case len(c.Command) > 0:
		return append(append([]string{}, c.Command...), c.Args...)
	case len(c.Args) > 0:
		return append(append([]string{}, img.Entrypoint...), c.Args...)
	}
	return append(append([]string{}, img.Entrypoint...), img.Cmd...)
}

// runProgram runs prog, turning a panic into a logged non-zero exit.
func runProgram(ctx context.Context, prog process.Program, env *process.Env) (err error) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(env.Stderr, "panic: %v\n\n%s", r, debug.Stack())
			err = process.Exit(2, fmt.Errorf("panic: %v", r))
		}
	}()
	return prog(ctx, env)
}

func terminatedState(c *ctr, code int32, at time.Time, id string) corev1.ContainerState {
	reason := "Completed"
	msg := ""
	if code != 0 {
		reason = "Error"
	}
	if c.kill != nil {
		code, reason, msg = c.kill.code, c.kill.reason, c.kill.msg
	}
	started := metav1.NewTime(c.startedAt)
	if reason == "StartError" {
		started = metav1.Unix(0, 0) // never started: the runtime reports the epoch
	}
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode: code, Reason: reason, Message: msg, ContainerID: id,
		StartedAt: started, FinishedAt: metav1.NewTime(at),
	}}
}

// nextBackOff advances the container's back-off after an exit and returns the
// delay before its restart.
func nextBackOff(c *ctr, ranFor time.Duration) time.Duration {
	if ranFor >= backOffReset {
		c.backoff = 0
	}
	delay := c.backoff
	switch {
	case c.backoff == 0:
		c.backoff = initialBackOff
	case c.backoff*2 > maxBackOff:
		c.backoff = maxBackOff
	default:
		c.backoff *= 2
	}
	return delay
}
