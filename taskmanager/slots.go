package taskmanager

import (
	"context"
	"errors"
	"fmt"
	"time"

	"flinksim/gateway"
	"flinksim/mainloop"
	"flinksim/resourcemanager"
	"flinksim/rpc"
)

// register binds the TaskExecutor's RPC methods; each runs on the main loop.
func (te *taskExecutor) register(srv *rpc.Server) {
	rpc.Handle(srv, gateway.RequestSlot, func(ctx context.Context, req gateway.RequestSlotRequest) (gateway.Empty, error) {
		return on(ctx, te, func() error { return te.requestSlot(req) })
	})
	rpc.Handle(srv, gateway.CanBeReleased, func(ctx context.Context, _ gateway.Empty) (gateway.CanBeReleasedResponse, error) {
		// No result partitions are kept (no data exchange is simulated), so the
		// TaskManager can always go.
		return gateway.CanBeReleasedResponse{CanBeReleased: true}, nil
	})
	rpc.Handle(srv, gateway.DisconnectResourceManager, func(ctx context.Context, req gateway.DisconnectRequest) (gateway.Empty, error) {
		return on(ctx, te, func() error {
			if rpc.CallerToken(ctx) == te.token {
				te.rmLost(errors.New("the resource manager closed the connection: " + req.Cause))
			}
			return nil
		})
	})
	rpc.Handle(srv, gateway.SubmitTasks, func(ctx context.Context, req gateway.SubmitTasksRequest) (gateway.Empty, error) {
		return on(ctx, te, func() error { return te.submitTasks(req, rpc.CallerToken(ctx)) })
	})
	rpc.Handle(srv, gateway.CancelTasks, func(ctx context.Context, req gateway.CancelTasksRequest) (gateway.Empty, error) {
		return on(ctx, te, func() error {
			if te.fromJobMaster(ctx, req.Job) {
				te.cancelTasks(req)
			}
			return nil
		})
	})
	rpc.Handle(srv, gateway.FreeSlot, func(ctx context.Context, req gateway.FreeSlotRequest) (gateway.Empty, error) {
		return on(ctx, te, func() error {
			if idx := te.slotOf(req.Allocation); idx >= 0 && te.fromJobMaster(ctx, te.slots[idx].job) {
				te.freeSlot(req.Allocation, req.Cause)
			}
			return nil
		})
	})
	rpc.Handle(srv, gateway.HeartbeatFromJobManager, func(ctx context.Context, req gateway.JobHeartbeatRequest) (gateway.JobHeartbeatResponse, error) {
		return mainloop.Do(ctx, te.loop, func() (gateway.JobHeartbeatResponse, error) {
			return te.jobHeartbeat(req.Job, rpc.CallerToken(ctx)), nil
		})
	})
	rpc.Handle(srv, gateway.TriggerCheckpoint, func(ctx context.Context, req gateway.TriggerCheckpointRequest) (gateway.TriggerCheckpointResponse, error) {
		return mainloop.Do(ctx, te.loop, func() (gateway.TriggerCheckpointResponse, error) { return te.triggerCheckpoint(req), nil })
	})
	rpc.Handle(srv, gateway.DisconnectJobManager, func(ctx context.Context, req gateway.DisconnectRequest) (gateway.Empty, error) {
		return on(ctx, te, func() error {
			if te.fromJobMaster(ctx, req.Job) {
				te.disconnectJob(req.Job, errors.New("the JobManager disconnected: "+req.Cause))
			}
			return nil
		})
	})
}

// fromJobMaster reports whether a call comes from the JobMaster this TaskManager is
// connected to for job (fenced with its leader session): a JobMaster deposed by a
// failover must not cancel, free or disconnect what its successor now holds.
func (te *taskExecutor) fromJobMaster(ctx context.Context, job resourcemanager.JobID) bool {
	jc := te.jobs[job]
	return jc == nil || rpc.CallerToken(ctx) == jc.token
}

// on runs f on the loop for a handler.
func on(ctx context.Context, te *taskExecutor, f func() error) (gateway.Empty, error) {
	return mainloop.Do(ctx, te.loop, func() (gateway.Empty, error) { return gateway.Empty{}, f() })
}

// requestSlot allocates a slot for a job and offers it to the job's JobMaster.
func (te *taskExecutor) requestSlot(req gateway.RequestSlotRequest) error {
	if te.state != registered || req.ResourceManagerID != te.token {
		return rpc.Errorf(gateway.SlotRefused, "TaskManager %s is not connected to the resource manager with leader id %s", te.s.resourceID, req.ResourceManagerID)
	}
	idx := req.Slot.Index
	if idx < 0 || idx >= len(te.slots) {
		return rpc.Errorf(gateway.SlotRefused, "TaskManager %s has no slot %d (it has %d)", te.s.resourceID, idx, len(te.slots))
	}
	s := &te.slots[idx]
	if s.alloc == req.Allocation {
		return nil
	}
	if s.alloc != "" {
		return rpc.Errorf(gateway.SlotOccupied, "slot %d of TaskManager %s is allocated to %s (job %s)", idx, te.s.resourceID, s.alloc, s.job)
	}
	te.log.Info(fmt.Sprintf("Receive slot request %s for job %s from resource manager with leader id %s.", req.Allocation, req.Job, req.ResourceManagerID))
	*s = slot{alloc: req.Allocation, job: req.Job}
	te.slotsL.Info(fmt.Sprintf("Allocated slot for %s.", req.Allocation))
	jc := te.jobConnection(req.Job, te.resolve(req.TargetAddress), te.token)
	te.log.Info("Offer reserved slots to the leader of job " + string(req.Job) + ".")
	jm := gateway.JobMaster{Client: te.client, Address: jc.address, Token: jc.token}
	offer := gateway.OfferSlotsRequest{Job: req.Job, ResourceID: te.s.resourceID, Address: te.s.address,
		Slots: []gateway.SlotOffer{{Allocation: req.Allocation, Index: idx}}}
	te.loop.Go(func(ctx context.Context) {
		resp, err := jm.OfferSlots(ctx, offer)
		te.loop.Post(func() { te.onOfferResult(req.Allocation, resp, err) })
	})
	return nil
}

func (te *taskExecutor) onOfferResult(alloc resourcemanager.AllocationID, resp gateway.OfferSlotsResponse, err error) {
	idx := te.slotOf(alloc)
	if idx < 0 {
		return
	}
	s := &te.slots[idx]
	for _, a := range resp.Accepted {
		if a == alloc && err == nil {
			s.active = true
			return
		}
	}
	cause := "the JobMaster rejected the slot offer"
	if err != nil {
		cause = "the slot offer failed: " + err.Error()
	}
	te.freeSlot(alloc, cause)
}

func (te *taskExecutor) slotOf(alloc resourcemanager.AllocationID) int {
	if alloc == "" {
		return -1
	}
	for i, s := range te.slots {
		if s.alloc == alloc {
			return i
		}
	}
	return -1
}

// jobConnection returns the connection to a job's JobMaster, making it (and starting
// its heartbeat timeout) when it is new.
func (te *taskExecutor) jobConnection(job resourcemanager.JobID, address, token string) *jobConnection {
	jc := te.jobs[job]
	if jc == nil {
		jc = &jobConnection{job: job}
		te.jobs[job] = jc
		te.followJob(jc)
	}
	jc.address, jc.token = address, token
	te.jobHeard(jc)
	return jc
}

// jobHeard restarts the JobMaster's heartbeat timeout.
func (te *taskExecutor) jobHeard(jc *jobConnection) {
	jc.lastSeen = time.Now()
	jc.timeout.Cancel()
	jc.timeout = te.loop.After(te.s.heartbeatTimeout, func() {
		if te.jobs[jc.job] != jc {
			return
		}
		te.disconnectJob(jc.job, fmt.Errorf("the heartbeat of JobManager with id %s timed out (heartbeat.timeout %s)", jc.token, te.s.heartbeatTimeout))
	})
}

// disconnectJob closes the JobMaster connection of a job: its tasks fail and its slots
// are freed.
func (te *taskExecutor) disconnectJob(job resourcemanager.JobID, cause error) {
	jc := te.jobs[job]
	if jc == nil {
		return
	}
	te.log.Info("Close JobManager connection for job " + string(job) + ": " + cause.Error())
	for i := range te.slots {
		if te.slots[i].job == job && te.slots[i].alloc != "" {
			te.freeSlot(te.slots[i].alloc, cause.Error())
		}
	}
	if te.jobs[job] == jc {
		jc.timeout.Cancel()
		if jc.stopFollowing != nil {
			jc.stopFollowing()
		}
		delete(te.jobs, job)
	}
}

// freeSlot frees a slot: its tasks end, the resource manager learns the slot is free.
func (te *taskExecutor) freeSlot(alloc resourcemanager.AllocationID, cause string) {
	idx := te.slotOf(alloc)
	if idx < 0 {
		return
	}
	s := te.slots[idx]
	for _, t := range te.tasksOf(alloc) {
		te.failTask(t, "the slot was freed: "+cause)
	}
	te.slots[idx] = slot{}
	te.slotsL.Info(fmt.Sprintf("Free slot TaskSlot(index:%d, state:ALLOCATED, allocationId: %s, jobId: %s).", idx, alloc, s.job))
	if te.state == registered {
		rm := te.rm()
		req := gateway.SlotAvailableRequest{Instance: te.instance, Slot: resourcemanager.SlotID{ResourceID: te.s.resourceID, Index: idx}, Allocation: alloc}
		te.loop.Go(func(ctx context.Context) { _ = rm.NotifySlotAvailable(ctx, req) })
	}
	held := false
	for _, sl := range te.slots {
		held = held || sl.job == s.job && sl.alloc != ""
	}
	if !held {
		if jc := te.jobs[s.job]; jc != nil {
			te.flush(jc)
			if len(jc.pending) == 0 && !jc.sending {
				jc.timeout.Cancel()
				delete(te.jobs, s.job)
			}
		}
	}
}

// jobHeartbeat answers a JobMaster's heartbeat with what this TaskManager holds of the
// job.
func (te *taskExecutor) jobHeartbeat(job resourcemanager.JobID, token string) gateway.JobHeartbeatResponse {
	var out gateway.JobHeartbeatResponse
	jc := te.jobs[job]
	if jc == nil || jc.token != token {
		return out
	}
	te.jobHeard(jc)
	te.log.Debug("Received heartbeat request from JobManager " + jc.address + " for job " + string(job) + ".")
	for _, s := range te.slots {
		if s.job == job && s.alloc != "" {
			out.Allocations = append(out.Allocations, s.alloc)
		}
	}
	for _, t := range te.sortedTasks() {
		if t.job == job {
			out.Executions = append(out.Executions, gateway.TaskExecutionState{ExecutionID: t.d.ExecutionID, State: t.state, Error: t.err})
		}
	}
	return out
}
