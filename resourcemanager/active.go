package resourcemanager

import (
	"cmp"
	"slices"
	"time"

	"flinksim/internal/mutation"
	"flinksim/mainloop"
)

// The active resource manager (reference §4.6, §4.7; Flink's ActiveResourceManager):
// how many workers of each spec exist, requesting and releasing them through the
// driver, the start-failure rate and its cool-down, registration timeouts, and the
// recovery of previous-attempt workers. Everything here runs on the loop.

// activeState is the active resource manager's bookkeeping.
type activeState struct {
	// workers are the allocated workers (pod scheduled) and the recovered ones.
	workers map[ResourceID]workerNode
	// specs are the specs of the workers whose spec is known: every worker of this
	// attempt, and recovered workers once they registered.
	specs map[ResourceID]WorkerSpec
	// currentUnregistered: allocated in this attempt, not registered yet.
	currentUnregistered map[ResourceID]bool
	// previousUnregistered: recovered from an earlier attempt, not registered yet.
	previousUnregistered map[ResourceID]bool
	// pending = requested in this attempt and not registered; total = pending +
	// registered (recovered ones once registered).
	pending, total *workerCounter
	// unallocated are the requests the driver has not completed, by request number.
	unallocated map[uint64]*workerRequest
	nextRequest uint64
	// order numbers workers in the order they were allocated or recovered, for a
	// deterministic release order.
	order    map[ResourceID]uint64
	nextSeq  uint64
	declared []resourceDeclaration

	failures failureRater
	// lost counts the workers that terminated or were lost by heartbeat; a request
	// after a loss is a replacement.
	lost int
	// coolDown is set while new workers are paused after too many start failures;
	// recheck says a declaration check was deferred by it.
	coolDown *mainloop.Timer
	recheck  bool
	// checking guards checkResourceDeclarations against re-entry; checkAgain asks it
	// for another round.
	checking, checkAgain bool
}

// workerRequest is one request to the driver.
type workerRequest struct {
	n      uint64
	spec   WorkerSpec
	cancel func()
}

func newActiveState(maxFailureRate float64) activeState {
	return activeState{
		workers:              map[ResourceID]workerNode{},
		specs:                map[ResourceID]WorkerSpec{},
		currentUnregistered:  map[ResourceID]bool{},
		previousUnregistered: map[ResourceID]bool{},
		pending:              newWorkerCounter(),
		total:                newWorkerCounter(),
		unallocated:          map[uint64]*workerRequest{},
		order:                map[ResourceID]uint64{},
		failures:             failureRater{max: maxFailureRate},
	}
}

// declareResourceNeeded replaces the declarations and acts on them.
func (rm *ResourceManager) declareResourceNeeded(decls []resourceDeclaration) {
	rm.active.declared = decls
	rm.checkResourceDeclarations()
}

// checkResourceDeclarations brings the number of workers of each declared spec to the
// declared number: releasing in the order of reference §4.6, or requesting new ones
// unless a start cool-down is running (then once it ends).
func (rm *ResourceManager) checkResourceDeclarations() {
	a := &rm.active
	// Releasing a worker can lead straight back here when the slot manager's delays
	// are 0 (unregister → requirement check → declaration): run once more instead.
	if a.checking {
		a.checkAgain = true
		return
	}
	a.checking = true
	defer func() { a.checking = false }()
	for again := true; again; again, a.checkAgain = a.checkAgain, false {
		rm.applyDeclarations()
	}
}

func (rm *ResourceManager) applyDeclarations() {
	a := &rm.active
	for _, d := range a.declared {
		delta := declarationDelta(a.total.num(d.spec), d.needed)
		switch {
		case delta > 0:
			rm.log.Info("releasing workers that are no longer needed", "spec", d.spec.String(), "count", delta,
				"total", a.total.num(d.spec), "declared", d.needed)
			plan := planRelease(delta, rm.releaseCandidates(d))
			for _, n := range plan.cancel {
				rm.cancelRequest(a.unallocated[n])
			}
			for _, id := range plan.release {
				rm.releaseWorker(id, "the resource manager no longer needs the TaskManager")
			}
			if plan.remaining > 0 {
				rm.log.Error("internal error: could not release enough workers", "spec", d.spec.String(), "remaining", plan.remaining)
			}
		case delta < 0:
			if a.coolDown != nil {
				a.recheck = true
				continue
			}
			rm.log.Info("requesting new workers", "spec", d.spec.String(), "count", -delta,
				"total", a.total.num(d.spec), "declared", d.needed)
			for range -delta {
				rm.requestNewWorker(d.spec)
			}
		}
	}
}

// releaseCandidates lists the workers of d's spec by release category.
func (rm *ResourceManager) releaseCandidates(d resourceDeclaration) releaseCandidates {
	a := &rm.active
	var c releaseCandidates
	for _, id := range d.unwanted {
		if rm.taskExecutors[id] != nil {
			c.unwanted = append(c.unwanted, id)
		}
	}
	for n, r := range a.unallocated {
		if r.spec == d.spec {
			c.unallocated = append(c.unallocated, n)
		}
	}
	// The newest requests first: the older ones have waited longest for a node.
	slices.SortFunc(c.unallocated, func(x, y uint64) int { return cmp.Compare(y, x) })
	for id, spec := range a.specs {
		if spec != d.spec {
			continue
		}
		if a.currentUnregistered[id] {
			c.allocatedUnregistered = append(c.allocatedUnregistered, id)
		} else if _, ok := a.workers[id]; ok {
			c.registered = append(c.registered, id)
		}
	}
	byOrder := func(x, y ResourceID) int { return cmp.Compare(a.order[x], a.order[y]) }
	slices.SortFunc(c.allocatedUnregistered, byOrder)
	slices.SortFunc(c.registered, byOrder)
	return c
}

// requestNewWorker asks the driver for one worker of spec.
func (rm *ResourceManager) requestNewWorker(spec WorkerSpec) {
	a := &rm.active
	if a.lost > 0 && mutation.On(mutation.PodReplacement) {
		rm.log.Warn("mutation "+mutation.PodReplacement+": not requesting a worker after a worker was lost", "spec", spec.String())
		return
	}
	process, err := processSpecOf(rm.s.effective, spec)
	if err != nil {
		rm.log.Error("cannot request a worker", "spec", spec.String(), "error", err)
		return
	}
	a.pending.increase(spec)
	a.total.increase(spec)
	a.nextRequest++
	req := &workerRequest{n: a.nextRequest, spec: spec}
	a.unallocated[req.n] = req
	req.cancel = rm.driver.requestResource(process, func(w workerNode, err error) { rm.onRequestDone(req, w, err) })
}

// onRequestDone: the driver allocated the worker (its pod is scheduled) or failed.
func (rm *ResourceManager) onRequestDone(req *workerRequest, w workerNode, err error) {
	a := &rm.active
	if a.unallocated[req.n] != req {
		return
	}
	delete(a.unallocated, req.n)
	if err != nil {
		rm.decrease(a.pending, req.spec)
		rm.decrease(a.total, req.spec)
		rm.log.Warn("requesting a worker failed", "spec", req.spec.String(), "pending", a.pending.num(req.spec), "error", err)
		rm.recordStartFailure()
		rm.checkResourceDeclarations()
		return
	}
	a.workers[w.ID] = w
	a.specs[w.ID] = req.spec
	a.currentUnregistered[w.ID] = true
	a.nextSeq++
	a.order[w.ID] = a.nextSeq
	rm.log.Info("worker allocated", "worker", w.ID, "spec", req.spec.String())
	rm.scheduleRegistrationTimeout(w.ID)
}

// cancelRequest gives up a request that has no worker yet; its pod, if created, is
// deleted by the driver. Not a failure.
func (rm *ResourceManager) cancelRequest(req *workerRequest) {
	a := &rm.active
	if req == nil || a.unallocated[req.n] != req {
		return
	}
	delete(a.unallocated, req.n)
	req.cancel()
	rm.decrease(a.pending, req.spec)
	rm.decrease(a.total, req.spec)
	rm.log.Info("worker request cancelled", "spec", req.spec.String(), "pending", a.pending.num(req.spec))
}

func (rm *ResourceManager) decrease(c *workerCounter, spec WorkerSpec) {
	if _, err := c.decrease(spec); err != nil {
		rm.log.Error("internal error", "error", err)
	}
}

// releaseWorker closes the worker's TaskManager connection and stops it.
func (rm *ResourceManager) releaseWorker(id ResourceID, why string) {
	rm.closeTaskManagerConnection(id, expectedError(why))
	rm.internalStopWorker(id)
}

// internalStopWorker stops a worker through the driver and forgets it.
func (rm *ResourceManager) internalStopWorker(id ResourceID) {
	a := &rm.active
	if _, ok := a.workers[id]; ok {
		delete(a.workers, id)
		rm.log.Info("stopping worker", "worker", id)
		rm.driver.releaseResource(id)
	}
	rm.clearStateForWorker(id)
}

// clearStateForWorker forgets everything about a worker but its driver-side
// existence, and fixes the counts.
func (rm *ResourceManager) clearStateForWorker(id ResourceID) {
	a := &rm.active
	delete(a.order, id)
	if spec, ok := a.specs[id]; ok {
		delete(a.specs, id)
		rm.decrease(a.total, spec)
		if a.currentUnregistered[id] {
			delete(a.currentUnregistered, id)
			rm.decrease(a.pending, spec)
		}
	}
	// Last: it may apply the requirements held back until now.
	rm.forgetRecoveredWorker(id)
}

// recordStartFailure counts a failure to start a worker; when the failures of the last
// minute reach resourcemanager.start-worker.max-failure-rate, new workers pause for
// resourcemanager.start-worker.retry-interval.
func (rm *ResourceManager) recordStartFailure() {
	a := &rm.active
	now := time.Now()
	a.failures.mark(now)
	if !a.failures.exceeded(now) || a.coolDown != nil {
		return
	}
	if mutation.On(mutation.FailureRate) {
		rm.log.Warn("mutation " + mutation.FailureRate + ": reached the maximum start failure rate, but not pausing new workers")
		return
	}
	rm.log.Warn("reached the maximum start failure rate; pausing new workers", "pause", rm.s.startRetryInterval,
		"failuresLastMinute", a.failures.count(now))
	a.coolDown = rm.loop.After(rm.s.startRetryInterval, func() {
		a.coolDown = nil
		if a.recheck {
			a.recheck = false
			rm.checkResourceDeclarations()
		}
	})
}

// scheduleRegistrationTimeout stops the worker if it has not registered when
// resourcemanager.taskmanager-registration.timeout has passed since now (its
// allocation or recovery).
func (rm *ResourceManager) scheduleRegistrationTimeout(id ResourceID) {
	a := &rm.active
	rm.loop.After(rm.s.registrationTimeout, func() {
		if !a.currentUnregistered[id] && !a.previousUnregistered[id] {
			return
		}
		rm.log.Warn("worker did not register in time; stopping it and requesting a new one if needed", "worker", id,
			"timeout", rm.s.registrationTimeout)
		rm.internalStopWorker(id)
		rm.checkResourceDeclarations()
	})
}

// onWorkerTerminated implements eventHandler. A worker of this attempt that ends
// before registering counts as a start failure; a registered one does not. Only the
// end of a worker the resource manager still knows re-checks the declarations (as
// Flink's clearStateForWorker result decides): the pods it stopped itself — lost by
// heartbeat, disconnected, released — report their end too, and the declaration
// they meet may be older than their loss.
func (rm *ResourceManager) onWorkerTerminated(id ResourceID, diagnostics string) {
	a := &rm.active
	if a.currentUnregistered[id] {
		rm.recordStartFailure()
	}
	_, known := a.workers[id]
	if known {
		a.lost++
		delete(a.workers, id)
		rm.clearStateForWorker(id)
	}
	rm.closeTaskManagerConnection(id, expectedError(diagnostics))
	if known {
		rm.checkResourceDeclarations()
	}
}

// onPreviousAttemptWorkersRecovered implements eventHandler (reference §4.7).
func (rm *ResourceManager) onPreviousAttemptWorkersRecovered(workers []workerNode) {
	a := &rm.active
	for _, w := range workers {
		a.workers[w.ID] = w
		a.previousUnregistered[w.ID] = true
		a.nextSeq++
		a.order[w.ID] = a.nextSeq
		rm.scheduleRegistrationTimeout(w.ID)
		rm.log.Info("worker recovered from a previous attempt", "worker", w.ID)
	}
	if len(workers) > 0 && rm.s.recoveryTimeout > 0 {
		rm.loop.After(rm.s.recoveryTimeout, func() {
			if !rm.ready {
				rm.log.Info("recovery timeout passed; serving resource requirements", "unregistered", len(a.previousUnregistered))
			}
			rm.setReady()
		})
		return
	}
	rm.setReady()
}

// acceptRegistration: a TaskManager may register if the resource manager started or
// recovered it.
func (rm *ResourceManager) acceptRegistration(id ResourceID) bool {
	_, ok := rm.active.workers[id]
	return ok
}

// onWorkerRegistered updates the counts when a worker registers; a recovered worker
// brings its spec.
func (rm *ResourceManager) onWorkerRegistered(id ResourceID, spec WorkerSpec) {
	a := &rm.active
	known, ok := a.specs[id]
	if !ok {
		a.specs[id] = spec
		a.total.increase(spec)
		known = spec
	}
	if a.currentUnregistered[id] {
		delete(a.currentUnregistered, id)
		rm.decrease(a.pending, known)
	}
	rm.forgetRecoveredWorker(id)
	rm.log.Info("worker registered", "worker", id, "spec", known.String(), "pending", a.pending.num(known))
}

// forgetRecoveredWorker stops waiting for a recovered worker: it registered, or it is
// gone (its pod terminated, it missed the registration timeout, it was released).
// Once no recovered worker is left to wait for, the resource manager serves resource
// requirements (Flink's tryRemovePreviousPendingRecoveryTaskManager): a recovered pod
// that died must not hold the jobs back until
// resourcemanager.previous-worker.recovery.timeout.
func (rm *ResourceManager) forgetRecoveredWorker(id ResourceID) {
	a := &rm.active
	if !a.previousUnregistered[id] {
		return
	}
	delete(a.previousUnregistered, id)
	if len(a.previousUnregistered) == 0 {
		if !rm.ready {
			rm.log.Info("no recovered worker left to wait for; serving resource requirements")
		}
		rm.setReady()
	}
}

// setReady starts serving resource requirements, applying those held back.
func (rm *ResourceManager) setReady() {
	if rm.ready {
		return
	}
	rm.ready = true
	close(rm.readyCh)
	held := rm.heldBack
	rm.heldBack = nil
	for _, req := range held {
		rm.sm.processResourceRequirements(req)
	}
}
