package resourcemanager

import (
	"context"

	"flinksim/config"
	"flinksim/mainloop"
)

// workerNode is a worker a driver started or recovered (Flink's KubernetesWorkerNode):
// its resource id is the pod name.
type workerNode struct {
	ID ResourceID
}

// eventHandler is what a driver reports to the active resource manager. Every call
// happens on the loop.
type eventHandler interface {
	// onPreviousAttemptWorkersRecovered reports the workers a previous attempt left
	// running; called once, from initialize.
	onPreviousAttemptWorkersRecovered(workers []workerNode)
	// onWorkerTerminated reports a worker that is gone (its pod terminated or was
	// deleted), with diagnostics saying why.
	onWorkerTerminated(id ResourceID, diagnostics string)
	// onError reports an error the driver cannot recover from: the resource manager
	// fails.
	onError(err error)
}

// driver is the platform side of the resource manager (Flink's ResourceManagerDriver):
// it starts and stops workers and watches them. Unless said otherwise, methods are
// called on the loop.
type driver interface {
	// initialize starts the driver: watches, recovery of previous workers (reported to
	// h before it returns). It runs on the loop goroutine before the loop serves any
	// task; an error fails the resource manager's start.
	initialize(ctx context.Context, l *mainloop.Loop, h eventHandler) error
	// terminate stops the driver's background work. It runs on the loop goroutine after
	// the loop has stopped (mainloop.Loop.Run returned: no task runs any more, and the
	// goroutines of the loop, whose context ended, have returned).
	terminate()
	// requestResource starts a worker with process specification spec. done runs on the
	// loop exactly once — with the worker once it is allocated, or with an error —
	// unless cancel is called first, after which it never runs.
	requestResource(spec config.TaskManagerMemory, done func(workerNode, error)) (cancel func())
	// releaseResource stops a worker. Failures are only logged.
	releaseResource(id ResourceID)
	// deregisterApplication ends the whole cluster. Called off the loop; it blocks.
	deregisterApplication(ctx context.Context, status ApplicationStatus, diagnostics string) error
}
