package resourcemanager

import (
	"cmp"
	"slices"
	"time"
)

// The slot manager's decisions (reference §4.6, Flink's DefaultResourceAllocationStrategy)
// as pure functions. All slots here have the default slot profile, so resources are
// counted in slots, TaskManagers, CPU and memory; see doc.go for what that leaves out.

// capacity is an amount of TaskManager resources.
type capacity struct {
	tms   int
	slots int
	cpu   float64
	mem   int64
}

func (c capacity) plus(spec WorkerSpec) capacity {
	return capacity{tms: c.tms + 1, slots: c.slots + spec.NumSlots, cpu: c.cpu + spec.CPU, mem: c.mem + int64(spec.TotalMemory())}
}

func (c capacity) add(o capacity) capacity {
	return capacity{tms: c.tms + o.tms, slots: c.slots + o.slots, cpu: c.cpu + o.cpu, mem: c.mem + o.mem}
}

// resourceLimits are the cluster-wide bounds: slotmanager.number-of-slots.min/max and
// slotmanager.min/max-total-resource.cpu/memory. A CPU or memory bound that is not
// configured is derived from the slot bound, as in Flink; it is then checked in slots,
// which is the same comparison without rounding.
type resourceLimits struct {
	minSlots, maxSlots int
	minCPU, maxCPU     *float64
	minMem, maxMem     *int64
}

// minFulfilled: total reaches every minimum.
func (l resourceLimits) minFulfilled(total capacity) bool {
	slotsOK := total.slots >= l.minSlots
	cpuOK, memOK := slotsOK, slotsOK
	if l.minCPU != nil {
		cpuOK = total.cpu >= *l.minCPU
	}
	if l.minMem != nil {
		memOK = total.mem >= *l.minMem
	}
	return cpuOK && memOK
}

// exceedsMax: total is beyond a maximum.
func (l resourceLimits) exceedsMax(total capacity) bool {
	slotsOver := total.slots > l.maxSlots
	cpuOver, memOver := slotsOver, slotsOver
	if l.maxCPU != nil {
		cpuOver = total.cpu > *l.maxCPU
	}
	if l.maxMem != nil {
		memOver = total.mem > *l.maxMem
	}
	return cpuOver || memOver
}

// requiredResources are what the cluster keeps beyond the jobs' needs: free slots for
// slotmanager.redundant-taskmanager-num spare TaskManagers, and the minimum totals.
type requiredResources struct {
	redundantSlots int
	limits         resourceLimits
}

func (r requiredResources) fulfilled(availableSlots int, total capacity) bool {
	return availableSlots >= r.redundantSlots && r.limits.minFulfilled(total)
}

// tmSlots is a registered TaskManager as the matching sees it.
type tmSlots struct {
	instance InstanceID
	free     int
	total    int
	spec     WorkerSpec
}

// jobNeed is a job's number of missing slots.
type jobNeed struct {
	job     JobID
	missing int
}

// fulfillInput is the state requirements are matched against.
type fulfillInput struct {
	needs      []jobNeed // in job order
	registered []tmSlots // candidates (not blocked, not unwanted), in registration order
	pending    []int     // ids of the pending TaskManagers, oldest first
	// registeredTotal and pendingTotal are the resources of all registered and
	// pending TaskManagers (the minimum is measured against these).
	registeredTotal, pendingTotal capacity
	defaultSpec                   WorkerSpec
	required                      requiredResources
	leastUtilization              bool // taskmanager.load-balance.mode: SLOTS
	nextPendingID                 int
}

// slotAllocation is n slots of a job on a registered TaskManager.
type slotAllocation struct {
	job      JobID
	instance InstanceID
	n        int
}

// fulfillResult is the plan for the missing slots.
type fulfillResult struct {
	onRegistered []slotAllocation
	// onPending maps pending TaskManager ids (old and new) to their jobs' slots; it
	// replaces every previous plan for pending TaskManagers.
	onPending map[int]map[JobID]int
	// newPending are the ids of the pending TaskManagers to add, in order.
	newPending []int
}

// fulfill matches the missing slots of each job against the free slots of registered
// TaskManagers, then of pending ones, then of new pending TaskManagers of the default
// spec; then adds pending TaskManagers until the redundancy and minimum requirements
// hold (reference §4.6). Pending TaskManagers count as free slots for redundancy, so a
// pod that stays Pending is not requested again and again (FLINK-31498).
func fulfill(in fulfillInput) fulfillResult {
	res := fulfillResult{onPending: map[int]map[JobID]int{}}
	reg := slices.Clone(in.registered)
	type pendingFree struct{ id, free int }
	var pend []pendingFree
	for _, id := range in.pending {
		pend = append(pend, pendingFree{id, in.defaultSpec.NumSlots})
	}
	next := in.nextPendingID
	added := capacity{}
	onPending := func(id int, job JobID, n int) {
		if res.onPending[id] == nil {
			res.onPending[id] = map[JobID]int{}
		}
		res.onPending[id][job] += n
	}
	for _, need := range in.needs {
		missing := need.missing
		// Registered TaskManagers first.
		if in.leastUtilization {
			for missing > 0 {
				best := -1
				for i, t := range reg {
					if t.free == 0 {
						continue
					}
					if best < 0 || utilization(t) < utilization(reg[best]) {
						best = i
					}
				}
				if best < 0 {
					break
				}
				reg[best].free--
				missing--
				res.onRegistered = appendAllocation(res.onRegistered, need.job, reg[best].instance, 1)
			}
		} else {
			for i := range reg {
				if missing == 0 {
					break
				}
				n := min(missing, reg[i].free)
				if n > 0 {
					reg[i].free -= n
					missing -= n
					res.onRegistered = appendAllocation(res.onRegistered, need.job, reg[i].instance, n)
				}
			}
		}
		// Then pending TaskManagers.
		for i := range pend {
			if missing == 0 {
				break
			}
			n := min(missing, pend[i].free)
			if n > 0 {
				pend[i].free -= n
				missing -= n
				onPending(pend[i].id, need.job, n)
			}
		}
		// Then new pending TaskManagers.
		for missing > 0 && in.defaultSpec.NumSlots > 0 {
			id := next
			next++
			res.newPending = append(res.newPending, id)
			added = added.plus(in.defaultSpec)
			n := min(missing, in.defaultSpec.NumSlots)
			missing -= n
			onPending(id, need.job, n)
			pend = append(pend, pendingFree{id, in.defaultSpec.NumSlots - n})
		}
	}
	available := 0
	for _, t := range reg {
		available += t.free
	}
	for _, p := range pend {
		available += p.free
	}
	total := in.registeredTotal.add(in.pendingTotal).add(added)
	for !in.required.fulfilled(available, total) && in.defaultSpec.NumSlots > 0 {
		res.newPending = append(res.newPending, next)
		next++
		available += in.defaultSpec.NumSlots
		total = total.plus(in.defaultSpec)
	}
	return res
}

func utilization(t tmSlots) float64 {
	if t.total == 0 {
		return 1
	}
	return float64(t.total-t.free) / float64(t.total)
}

func appendAllocation(list []slotAllocation, job JobID, instance InstanceID, n int) []slotAllocation {
	for i := range list {
		if list[i].job == job && list[i].instance == instance {
			list[i].n += n
			return list
		}
	}
	return append(list, slotAllocation{job: job, instance: instance, n: n})
}

// tmIdleView is a registered TaskManager as the reconciliation sees it.
type tmIdleView struct {
	instance  InstanceID
	idle      bool // no allocated or pending slots
	idleSince time.Time
	free      int
	spec      WorkerSpec
}

// pendingView is a pending TaskManager: how many of its slots are planned for jobs.
type pendingView struct {
	id      int
	planned int
	spec    WorkerSpec
}

// reconcileResult is what the periodic check changes.
type reconcileResult struct {
	release        []InstanceID // idle TaskManagers to release
	releasePending []int        // pending TaskManagers no longer needed
	allocate       int          // pending TaskManagers to add
}

func (r reconcileResult) changes() bool {
	return len(r.release) > 0 || len(r.releasePending) > 0 || r.allocate > 0
}

// reconcile decides, every resourcemanager.taskmanager-timeout, which TaskManagers
// idle for at least timeout and which pending TaskManagers without planned slots can
// go, keeping as many as the redundancy and minimum requirements need, and how many
// pending TaskManagers to add if even everything is not enough (Flink's
// tryReconcileClusterResources).
func reconcile(registered []tmIdleView, pending []pendingView, now time.Time, timeout time.Duration, req requiredResources, defaultSpec WorkerSpec) reconcileResult {
	var res reconcileResult
	var timedOut, active []tmIdleView
	for _, t := range registered {
		if t.idle && now.Sub(t.idleSince) >= timeout {
			timedOut = append(timedOut, t)
		} else {
			active = append(active, t)
		}
	}
	var unused, inUse []pendingView
	for _, p := range pending {
		if p.planned == 0 {
			unused = append(unused, p)
		} else {
			inUse = append(inUse, p)
		}
	}
	available := 0
	total := capacity{}
	for _, t := range active {
		available += t.free
		total = total.plus(t.spec)
	}
	fulfilled := req.fulfilled(available, total)
	if !fulfilled {
		for _, p := range inUse {
			available += p.spec.NumSlots - p.planned
			total = total.plus(p.spec)
		}
	}
	for _, t := range timedOut {
		if fulfilled || req.fulfilled(available, total) {
			fulfilled = true
			res.release = append(res.release, t.instance)
		} else {
			available += t.free
			total = total.plus(t.spec)
		}
	}
	for _, p := range unused {
		if fulfilled || req.fulfilled(available, total) {
			fulfilled = true
			res.releasePending = append(res.releasePending, p.id)
		} else {
			available += p.spec.NumSlots
			total = total.plus(p.spec)
		}
	}
	if !fulfilled {
		for !req.fulfilled(available, total) && defaultSpec.NumSlots > 0 {
			res.allocate++
			available += defaultSpec.NumSlots
			total = total.plus(defaultSpec)
		}
	}
	return res
}

// resourceDeclaration is what the slot manager tells the active resource manager for
// one spec: how many workers it needs, and which registered ones it does not want.
type resourceDeclaration struct {
	spec     WorkerSpec
	needed   int
	unwanted []ResourceID
}

// declaredWorker is a registered or pending TaskManager as the declaration counts it.
type declaredWorker struct {
	spec     WorkerSpec
	id       ResourceID // empty for a pending TaskManager
	unwanted bool
}

// declarations counts, per spec, the registered TaskManagers that are wanted plus the
// pending ones (reference §4.6), and lists the unwanted ones; ordered by spec. The
// default spec is always declared, if need be with zero workers: Flink declares only
// the specs it has TaskManagers of, so once the last pending TaskManager of a spec is
// dropped, requests of that spec still waiting for a pod are never cancelled.
func declarations(defaultSpec WorkerSpec, workers []declaredWorker) []resourceDeclaration {
	bySpec := map[WorkerSpec]*resourceDeclaration{defaultSpec: {spec: defaultSpec}}
	order := []WorkerSpec{defaultSpec}
	for _, w := range workers {
		d := bySpec[w.spec]
		if d == nil {
			d = &resourceDeclaration{spec: w.spec}
			bySpec[w.spec] = d
			order = append(order, w.spec)
		}
		if w.unwanted {
			d.unwanted = append(d.unwanted, w.id)
		} else {
			d.needed++
		}
	}
	slices.SortFunc(order, func(a, b WorkerSpec) int { return cmp.Compare(a.String(), b.String()) })
	out := make([]resourceDeclaration, 0, len(order))
	for _, s := range order {
		out = append(out, *bySpec[s])
	}
	return out
}
