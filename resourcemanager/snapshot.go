package resourcemanager

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"time"
)

// Snapshot is the resource manager's state at one moment, for the REST endpoint,
// metrics and tests.
type Snapshot struct {
	// TaskManagers are the registered TaskManagers, by resource id.
	TaskManagers []TaskManagerInfo
	// PendingTaskManagers is the number of TaskManagers the slot manager waits for.
	PendingTaskManagers int
	// PendingWorkers are requested in this attempt and not registered (Flink's
	// numPendingTaskManagers metric); TotalWorkers adds the registered ones.
	PendingWorkers, TotalWorkers int
	// UnallocatedRequests are worker requests whose pod is not scheduled yet.
	UnallocatedRequests int
	// StartFailureRate is start failures of the last minute per second (Flink's
	// startWorkFailureRate meter).
	StartFailureRate float64
	// StartCoolDown: new workers are paused after too many start failures.
	StartCoolDown bool
	// Ready: resource requirements are served (see ReadyToServe).
	Ready bool
	// Requirements are the jobs' required slots.
	Requirements map[JobID]int
}

// TaskManagerInfo is one registered TaskManager.
type TaskManagerInfo struct {
	ResourceID ResourceID
	Instance   InstanceID
	Address    string
	NodeID     string
	Spec       WorkerSpec
	// Slots are known once the TaskManager sent its slot report.
	Slots     []SlotStatus
	FreeSlots int
	// Idle: no slot allocated; IdleSince says since when.
	Idle      bool
	IdleSince time.Time
	// Unwanted: chosen for release.
	Unwanted bool
}

// Snapshot returns the current state.
func (rm *ResourceManager) Snapshot(ctx context.Context) (Snapshot, error) {
	return do(ctx, rm, func() (Snapshot, error) { return rm.snapshot(), nil })
}

func (rm *ResourceManager) snapshot() Snapshot {
	a := &rm.active
	now := time.Now()
	s := Snapshot{
		PendingTaskManagers: len(rm.sm.pending),
		PendingWorkers:      a.pending.totalNum(),
		TotalWorkers:        a.total.totalNum(),
		UnallocatedRequests: len(a.unallocated),
		StartFailureRate:    a.failures.ratePerSecond(now),
		StartCoolDown:       a.coolDown != nil,
		Ready:               rm.ready,
		Requirements:        map[JobID]int{},
	}
	for job, req := range rm.sm.jobs {
		s.Requirements[job] = req.Slots
	}
	for _, id := range slices.Sorted(maps.Keys(rm.taskExecutors)) {
		te := rm.taskExecutors[id]
		info := TaskManagerInfo{ResourceID: id, Instance: te.instance, Address: te.reg.Address, NodeID: te.reg.NodeID, Spec: te.reg.Spec}
		if tm := rm.sm.registered[te.instance]; tm != nil {
			for i, sl := range tm.slots {
				info.Slots = append(info.Slots, SlotStatus{Slot: SlotID{ResourceID: id, Index: i}, Allocation: sl.alloc, Job: sl.job})
			}
			info.FreeSlots, info.Idle, info.IdleSince = tm.free(), tm.idle, tm.idleSince
			info.Unwanted = rm.sm.unwanted[te.instance]
		}
		s.TaskManagers = append(s.TaskManagers, info)
	}
	slices.SortFunc(s.TaskManagers, func(x, y TaskManagerInfo) int { return cmp.Compare(x.ResourceID, y.ResourceID) })
	return s
}
