package resourcemanager

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"time"

	"flinksim/internal/mutation"
)

// The slot manager (reference §4.6; Flink's FineGrainedSlotManager with the default
// allocation strategy): the jobs' slot requirements, the slots of registered
// TaskManagers, the pending TaskManagers it planned, and the number of workers it
// declares to the active resource manager. Its decisions are the pure functions of
// slotplan.go; this file applies them. Everything here runs on the loop.

type registrationResult int

const (
	registrationSuccess  registrationResult = iota
	registrationIgnored                     // already registered: treated as a slot report
	registrationRejected                    // the cluster would exceed its maximum
)

type slotManager struct {
	rm *ResourceManager

	registered    map[InstanceID]*registeredTM
	nextSeq       int
	pending       map[int]*pendingTM
	nextPendingID int
	unwanted      map[InstanceID]bool
	jobs          map[JobID]JobRequirements

	checkScheduled   bool
	declareScheduled bool
	checking         bool
	checkAgain       bool
}

// registeredTM is a TaskManager whose slots the slot manager knows.
type registeredTM struct {
	te        *taskExecutor
	seq       int
	slots     []slotState
	idle      bool
	idleSince time.Time
}

// slotState is one slot: free when alloc is empty; pending while the TaskManager has
// not confirmed the allocation.
type slotState struct {
	alloc   AllocationID
	job     JobID
	pending bool
}

// pendingTM is a TaskManager the slot manager wants but that has not registered; the
// active resource manager starts a worker for it. planned are the slots of each job
// it will take.
type pendingTM struct {
	id      int
	spec    WorkerSpec
	planned map[JobID]int
}

func newSlotManager(rm *ResourceManager) *slotManager {
	return &slotManager{
		rm:         rm,
		registered: map[InstanceID]*registeredTM{},
		pending:    map[int]*pendingTM{},
		unwanted:   map[InstanceID]bool{},
		jobs:       map[JobID]JobRequirements{},
	}
}

// start runs the reconciliation now and every resourcemanager.taskmanager-timeout.
func (sm *slotManager) start() {
	sm.rm.loop.Post(sm.periodicReconcile)
}

func (sm *slotManager) periodicReconcile() {
	if sm.reconcile() {
		sm.declareWithDelay()
	}
	sm.rm.loop.After(sm.rm.s.taskManagerTimeout, sm.periodicReconcile)
}

// ---- requirements -------------------------------------------------------------------

func (sm *slotManager) processResourceRequirements(req JobRequirements) {
	old, known := sm.jobs[req.Job]
	if req.Slots == 0 {
		if !known || old.Slots == 0 {
			return
		}
		delete(sm.jobs, req.Job)
		for _, p := range sm.pending {
			delete(p.planned, req.Job)
		}
		sm.rm.log.Info("clearing the resource requirements of a job", "job", req.Job)
	} else {
		sm.jobs[req.Job] = req
		sm.rm.log.Info("resource requirements of a job", "job", req.Job, "slots", req.Slots)
	}
	sm.checkWithDelay()
}

// checkWithDelay batches requirement checks (slotmanager.requirement-check.delay).
func (sm *slotManager) checkWithDelay() {
	d := sm.rm.s.requirementCheckDelay
	if d <= 0 {
		sm.checkResourceRequirements()
		return
	}
	if sm.checkScheduled {
		return
	}
	sm.checkScheduled = true
	sm.rm.loop.After(d, func() {
		sm.checkScheduled = false
		sm.checkResourceRequirements()
	})
}

// acquired is the number of slots (allocated or being allocated) a job holds.
func (sm *slotManager) acquired(job JobID) int {
	n := 0
	for _, tm := range sm.registered {
		for _, s := range tm.slots {
			if s.alloc != "" && s.job == job {
				n++
			}
		}
	}
	return n
}

func (sm *slotManager) needs() []jobNeed {
	var out []jobNeed
	for _, job := range slices.Sorted(maps.Keys(sm.jobs)) {
		if missing := sm.jobs[job].Slots - sm.acquired(job); missing > 0 {
			out = append(out, jobNeed{job: job, missing: missing})
		}
	}
	return out
}

func (sm *slotManager) byRegistration() []*registeredTM {
	tms := slices.Collect(maps.Values(sm.registered))
	slices.SortFunc(tms, func(a, b *registeredTM) int { return cmp.Compare(a.seq, b.seq) })
	return tms
}

func (sm *slotManager) pendingIDs() []int { return slices.Sorted(maps.Keys(sm.pending)) }

func (sm *slotManager) registeredCapacity() capacity {
	var c capacity
	for _, tm := range sm.registered {
		c = c.plus(tm.te.reg.Spec)
	}
	return c
}

func (sm *slotManager) pendingCapacity() capacity {
	var c capacity
	for _, p := range sm.pending {
		c = c.plus(p.spec)
	}
	return c
}

// checkResourceRequirements matches the missing slots (fulfill), allocates slots on
// registered TaskManagers, adds pending TaskManagers, and declares the result.
func (sm *slotManager) checkResourceRequirements() {
	// With the batching delays at 0, a declaration can release a TaskManager whose
	// slots were in use, which asks for a check from inside this one: run once more
	// instead.
	if sm.checking {
		sm.checkAgain = true
		return
	}
	sm.checking = true
	defer func() { sm.checking = false }()
	for again := true; again; again, sm.checkAgain = sm.checkAgain, false {
		sm.matchRequirements()
	}
}

func (sm *slotManager) matchRequirements() {
	needs := sm.needs()
	if len(needs) == 0 {
		if len(sm.pending) > 0 {
			for _, p := range sm.pending {
				p.planned = map[JobID]int{}
			}
			sm.reconcile()
			sm.declareWithDelay()
		}
		return
	}
	in := fulfillInput{
		needs:            needs,
		pending:          sm.pendingIDs(),
		registeredTotal:  sm.registeredCapacity(),
		pendingTotal:     sm.pendingCapacity(),
		defaultSpec:      sm.rm.s.defaultSpec,
		required:         sm.rm.s.required,
		leastUtilization: sm.rm.s.leastUtilization,
		nextPendingID:    sm.nextPendingID,
	}
	for _, tm := range sm.byRegistration() {
		if sm.unwanted[tm.te.instance] || sm.rm.blocked[tm.te.reg.NodeID] {
			continue
		}
		in.registered = append(in.registered, tmSlots{instance: tm.te.instance, free: tm.free(), total: len(tm.slots), spec: tm.te.reg.Spec})
	}
	res := fulfill(in)
	for _, a := range res.onRegistered {
		for range a.n {
			sm.allocateSlot(a.instance, a.job)
		}
	}
	failed := map[int]bool{}
	for _, id := range res.newPending {
		sm.nextPendingID = max(sm.nextPendingID, id+1)
		if !sm.allocateResource(id) {
			failed[id] = true
		}
	}
	for id, p := range sm.pending {
		p.planned = map[JobID]int{}
		maps.Copy(p.planned, res.onPending[id])
	}
	unfulfillable := map[JobID]bool{}
	for id := range failed {
		for job := range res.onPending[id] {
			unfulfillable[job] = true
		}
	}
	for _, job := range slices.Sorted(maps.Keys(unfulfillable)) {
		sm.notifyNotEnoughResources(job)
	}
	sm.reconcile()
	sm.declareWithDelay()
}

// allocateResource adds a pending TaskManager of the default spec unless that would
// exceed the maximum resources.
func (sm *slotManager) allocateResource(id int) bool {
	spec := sm.rm.s.defaultSpec
	if sm.rm.s.required.limits.exceedsMax(sm.registeredCapacity().add(sm.pendingCapacity()).plus(spec)) {
		sm.rm.log.Info("cannot add a TaskManager: the maximum total resources are reached", "spec", spec.String())
		return false
	}
	sm.pending[id] = &pendingTM{id: id, spec: spec, planned: map[JobID]int{}}
	sm.nextPendingID = max(sm.nextPendingID, id+1)
	return true
}

func (sm *slotManager) notifyNotEnoughResources(job JobID) {
	req := sm.jobs[job]
	sm.rm.log.Warn("cannot fulfil the resource requirements of a job: the maximum total resources are reached", "job", job)
	if req.NotEnoughResources == nil {
		return
	}
	acquired, notify := sm.acquired(job), req.NotEnoughResources
	sm.rm.loop.Go(func(context.Context) { notify(acquired) })
}

// ---- slots of registered TaskManagers ----------------------------------------------

func (tm *registeredTM) free() int {
	n := 0
	for _, s := range tm.slots {
		if s.alloc == "" {
			n++
		}
	}
	return n
}

// updateIdle keeps idleSince: the moment the TaskManager last became idle.
func (tm *registeredTM) updateIdle(now time.Time) {
	idle := tm.free() == len(tm.slots)
	if idle && !tm.idle {
		tm.idleSince = now
	}
	tm.idle = idle
}

// allocateSlot takes a free slot of a registered TaskManager for job and asks the
// TaskManager to allocate it.
func (sm *slotManager) allocateSlot(instance InstanceID, job JobID) {
	tm := sm.registered[instance]
	if tm == nil {
		return
	}
	idx := slices.IndexFunc(tm.slots, func(s slotState) bool { return s.alloc == "" })
	if idx < 0 {
		return
	}
	alloc := AllocationID(sm.rm.newID())
	tm.slots[idx] = slotState{alloc: alloc, job: job, pending: true}
	tm.updateIdle(time.Now())
	req := SlotRequest{Slot: SlotID{ResourceID: tm.te.id, Index: idx}, Job: job, Allocation: alloc, TargetAddress: sm.jobs[job].TargetAddress}
	gw := tm.te.reg.Gateway
	sm.rm.loop.Go(func(ctx context.Context) {
		err := gw.RequestSlot(ctx, req)
		sm.rm.loop.Post(func() { sm.onSlotRequestDone(instance, idx, alloc, err) })
	})
}

func (sm *slotManager) onSlotRequestDone(instance InstanceID, idx int, alloc AllocationID, err error) {
	tm := sm.registered[instance]
	if tm == nil || tm.slots[idx].alloc != alloc {
		return
	}
	if err != nil {
		sm.rm.log.Warn("the TaskManager refused a slot request", "taskmanager", tm.te.id, "slot", idx, "error", err)
		tm.slots[idx] = slotState{}
		tm.updateIdle(time.Now())
		sm.checkWithDelay()
		return
	}
	tm.slots[idx].pending = false
}

// registerTaskManager makes a TaskManager's slots known (its first slot report). It
// takes the place of a pending TaskManager of its spec — preferably one with planned
// slots, which it then gets — or is refused if the cluster would exceed its maximum.
func (sm *slotManager) registerTaskManager(te *taskExecutor, report SlotReport) registrationResult {
	if sm.registered[te.instance] != nil {
		sm.reportSlotStatus(te.instance, report)
		return registrationIgnored
	}
	var match *pendingTM
	if !report.hasAllocatedSlot() {
		match = sm.matchPending(te.reg.Spec)
	}
	if match == nil && sm.rm.s.required.limits.exceedsMax(sm.registeredCapacity().add(sm.pendingCapacity()).plus(te.reg.Spec)) {
		return registrationRejected
	}
	sm.nextSeq++
	tm := &registeredTM{te: te, seq: sm.nextSeq, slots: make([]slotState, te.reg.Spec.NumSlots)}
	sm.registered[te.instance] = tm
	tm.updateIdle(time.Now())
	if report.hasAllocatedSlot() {
		sm.applyReport(tm, report)
	}
	if match != nil {
		delete(sm.pending, match.id)
		for _, job := range slices.Sorted(maps.Keys(match.planned)) {
			for range match.planned[job] {
				sm.allocateSlot(te.instance, job)
			}
		}
		return registrationSuccess
	}
	sm.checkWithDelay()
	return registrationSuccess
}

func (sm *slotManager) matchPending(spec WorkerSpec) *pendingTM {
	var any, withSlots *pendingTM
	for _, id := range sm.pendingIDs() {
		p := sm.pending[id]
		if p.spec != spec {
			continue
		}
		if any == nil {
			any = p
		}
		if withSlots == nil && len(p.planned) > 0 {
			withSlots = p
		}
	}
	if withSlots != nil {
		return withSlots
	}
	return any
}

// unregisterTaskManager forgets a TaskManager; jobs that held its slots miss them.
func (sm *slotManager) unregisterTaskManager(instance InstanceID) {
	tm := sm.registered[instance]
	if tm == nil {
		return
	}
	delete(sm.registered, instance)
	delete(sm.unwanted, instance)
	if tm.free() < len(tm.slots) {
		sm.checkWithDelay()
	}
}

// reportSlotStatus reconciles the slot manager's view with a TaskManager's report.
func (sm *slotManager) reportSlotStatus(instance InstanceID, report SlotReport) {
	tm := sm.registered[instance]
	if tm == nil {
		return
	}
	if sm.applyReport(tm, report) {
		sm.checkWithDelay()
	}
}

// applyReport takes the TaskManager's word for its slots, except for allocations still
// on their way to it. It reports whether a slot the slot manager counted as allocated
// turned out free.
func (sm *slotManager) applyReport(tm *registeredTM, report SlotReport) (freed bool) {
	reported := map[int]SlotStatus{}
	for _, s := range report {
		reported[s.Slot.Index] = s
	}
	for i := range tm.slots {
		cur := &tm.slots[i]
		r, ok := reported[i]
		switch {
		case ok && r.Allocation != "":
			if cur.alloc != r.Allocation {
				*cur = slotState{alloc: r.Allocation, job: r.Job}
			} else {
				cur.pending = false
			}
		case cur.alloc != "" && !cur.pending:
			*cur = slotState{}
			freed = true
		}
	}
	tm.updateIdle(time.Now())
	return freed
}

// freeSlot: the job released a slot.
func (sm *slotManager) freeSlot(instance InstanceID, slot SlotID, alloc AllocationID) {
	tm := sm.registered[instance]
	if tm == nil || slot.Index < 0 || slot.Index >= len(tm.slots) || tm.slots[slot.Index].alloc != alloc {
		return
	}
	tm.slots[slot.Index] = slotState{}
	tm.updateIdle(time.Now())
	sm.checkWithDelay()
}

// ---- reconciliation and declarations ----------------------------------------------

// reconcile applies the periodic decision (slotplan.go reconcile) and reports whether
// anything changed. Idle TaskManagers are first asked whether they can be released.
func (sm *slotManager) reconcile() bool {
	var views []tmIdleView
	for _, tm := range sm.byRegistration() {
		if sm.unwanted[tm.te.instance] {
			continue
		}
		views = append(views, tmIdleView{instance: tm.te.instance, idle: tm.idle, idleSince: tm.idleSince, free: tm.free(), spec: tm.te.reg.Spec})
	}
	var pend []pendingView
	for _, id := range sm.pendingIDs() {
		p := sm.pending[id]
		planned := 0
		for _, n := range p.planned {
			planned += n
		}
		pend = append(pend, pendingView{id: id, planned: planned, spec: p.spec})
	}
	if mutation.On(mutation.PendingSpares) {
		pend = nil
	}
	res := reconcile(views, pend, time.Now(), sm.rm.s.taskManagerTimeout, sm.rm.s.required, sm.rm.s.defaultSpec)
	for _, id := range res.releasePending {
		delete(sm.pending, id)
	}
	for _, instance := range res.release {
		if mutation.On(mutation.IdleRelease) {
			continue
		}
		sm.releaseIdle(sm.registered[instance])
	}
	for range res.allocate {
		sm.allocateResource(sm.nextPendingID)
	}
	return res.changes()
}

// releaseIdle asks an idle TaskManager whether it can go; if it says yes and is still
// idle since the same moment, it becomes unwanted and the next declaration releases
// it.
func (sm *slotManager) releaseIdle(tm *registeredTM) {
	instance, since, gw := tm.te.instance, tm.idleSince, tm.te.reg.Gateway
	sm.rm.log.Info("TaskManager idle for resourcemanager.taskmanager-timeout; asking whether it can be released", "taskmanager", tm.te.id)
	sm.rm.loop.Go(func(ctx context.Context) {
		ok, err := gw.CanBeReleased(ctx)
		sm.rm.loop.Post(func() {
			cur := sm.registered[instance]
			if cur == nil || !cur.idle || !cur.idleSince.Equal(since) || err != nil || !ok {
				return
			}
			sm.rm.log.Info("releasing idle TaskManager", "taskmanager", cur.te.id)
			sm.unwanted[instance] = true
			sm.declareWithDelay()
		})
	})
}

// declareWithDelay batches declarations (slotmanager.declare-needed-resource.delay).
func (sm *slotManager) declareWithDelay() {
	d := sm.rm.s.declareDelay
	if d <= 0 {
		sm.declare()
		return
	}
	if sm.declareScheduled {
		return
	}
	sm.declareScheduled = true
	sm.rm.loop.After(d, func() {
		sm.declareScheduled = false
		sm.declare()
	})
}

// declare tells the active resource manager how many workers of each spec are needed.
func (sm *slotManager) declare() {
	var ws []declaredWorker
	for _, tm := range sm.byRegistration() {
		ws = append(ws, declaredWorker{spec: tm.te.reg.Spec, id: tm.te.id, unwanted: sm.unwanted[tm.te.instance]})
	}
	for _, id := range sm.pendingIDs() {
		ws = append(ws, declaredWorker{spec: sm.pending[id].spec})
	}
	sm.rm.declareResourceNeeded(declarations(sm.rm.s.defaultSpec, ws))
}
