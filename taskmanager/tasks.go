package taskmanager

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"flinksim/gateway"
	"flinksim/mainloop"
	"flinksim/resourcemanager"
	"flinksim/rpc"
)

// initializationTime is how long a simulated task initialises (restores state, opens
// its operators) before it runs.
const initializationTime = 200 * time.Millisecond

// task is one simulated task execution.
type task struct {
	d      gateway.TaskDeployment
	job    resourcemanager.JobID
	name   string
	alloc  resourcemanager.AllocationID
	state  gateway.ExecutionState
	err    string
	timers []*mainloop.Timer
}

func (t *task) String() string {
	return fmt.Sprintf("%s (%d/%d)#%d (%s)", t.d.VertexName, t.d.Subtask+1, t.d.Parallelism, t.d.Attempt, t.d.ExecutionID)
}

func (te *taskExecutor) sortedTasks() []*task {
	ts := slices.Collect(maps.Values(te.tasks))
	slices.SortFunc(ts, func(a, b *task) int { return cmp.Compare(a.d.ExecutionID, b.d.ExecutionID) })
	return ts
}

func (te *taskExecutor) tasksOf(alloc resourcemanager.AllocationID) []*task {
	var out []*task
	for _, t := range te.sortedTasks() {
		if t.alloc == alloc {
			out = append(out, t)
		}
	}
	return out
}

// submitTasks deploys tasks into an allocated slot.
func (te *taskExecutor) submitTasks(req gateway.SubmitTasksRequest, token string) error {
	idx := te.slotOf(req.Allocation)
	if idx < 0 || te.slots[idx].job != req.Job {
		return rpc.Errorf(gateway.SlotRefused, "org.apache.flink.runtime.taskexecutor.exceptions.TaskSubmissionException: "+
			"No task slot allocated for job ID %s and allocation ID %s on TaskManager %s.", req.Job, req.Allocation, te.s.resourceID)
	}
	te.slots[idx].active = true
	jc := te.jobs[req.Job]
	if jc == nil || jc.token != token {
		return rpc.Errorf(gateway.SlotRefused, "TaskManager %s is not connected to the JobManager of job %s with leader id %s", te.s.resourceID, req.Job, token)
	}
	te.jobHeard(jc)
	for _, t := range te.tasksOf(req.Allocation) {
		if t.state.Terminal() {
			delete(te.tasks, t.d.ExecutionID)
		}
	}
	for _, d := range req.Tasks {
		if te.tasks[d.ExecutionID] != nil {
			continue
		}
		t := &task{d: d, job: req.Job, alloc: req.Allocation, state: gateway.Deploying}
		te.tasks[d.ExecutionID] = t
		te.tasksL.Info("Received task " + t.String() + ", deploy into slot with allocation id " + string(req.Allocation) + ".")
		te.report(t)
		te.transition(t, gateway.Initializing)
		t.timers = append(t.timers, te.loop.After(initializationTime, func() { te.startRunning(t) }))
	}
	return nil
}

func (te *taskExecutor) startRunning(t *task) {
	if t.state != gateway.Initializing {
		return
	}
	te.transition(t, gateway.Running)
	if t.d.FailAfter > 0 && (t.d.Duration == 0 || t.d.FailAfter < t.d.Duration) {
		t.timers = append(t.timers, te.loop.After(t.d.FailAfter, func() {
			if t.state == gateway.Running {
				te.failTask(t, t.d.FailMessage)
			}
		}))
	}
	if t.d.Duration > 0 {
		t.timers = append(t.timers, te.loop.After(t.d.Duration, func() {
			if t.state == gateway.Running {
				te.transition(t, gateway.Finished)
			}
		}))
	}
}

// transition moves a task to a new state and reports it.
func (te *taskExecutor) transition(t *task, to gateway.ExecutionState) {
	from := t.state
	t.state = to
	te.tasksL.Info(fmt.Sprintf("%s switched from %s to %s.", t, from, to))
	if to.Terminal() {
		for _, tm := range t.timers {
			tm.Cancel()
		}
		t.timers = nil
	}
	te.report(t)
}

func (te *taskExecutor) failTask(t *task, cause string) {
	if t.state.Terminal() {
		return
	}
	t.err = cause
	from := t.state
	t.state = gateway.Failed
	te.tasksL.Warn(fmt.Sprintf("%s switched from %s to FAILED with failure cause: %s", t, from, cause))
	for _, tm := range t.timers {
		tm.Cancel()
	}
	t.timers = nil
	te.report(t)
}

func (te *taskExecutor) cancelTasks(req gateway.CancelTasksRequest) {
	for _, id := range req.Executions {
		t := te.tasks[id]
		if t == nil || t.job != req.Job || t.state.Terminal() {
			continue
		}
		te.tasksL.Info("Attempting to cancel task " + t.String() + ".")
		te.transition(t, gateway.Canceling)
		te.transition(t, gateway.Canceled)
	}
}

// report queues a task's state for its JobMaster and sends what is queued.
func (te *taskExecutor) report(t *task) {
	jc := te.jobs[t.job]
	if jc == nil {
		return
	}
	jc.pending = append(jc.pending, gateway.TaskExecutionState{ExecutionID: t.d.ExecutionID, State: t.state, Error: t.err})
	te.flush(jc)
}

// flush sends the queued task states of a job, one call at a time so that they
// arrive in order. States that cannot be delivered are dropped: the JobMaster's next
// heartbeat learns the current ones.
func (te *taskExecutor) flush(jc *jobConnection) {
	if jc.sending || len(jc.pending) == 0 {
		return
	}
	jc.sending = true
	batch := jc.pending
	jc.pending = nil
	jm := gateway.JobMaster{Client: te.client, Address: jc.address, Token: jc.token}
	req := gateway.UpdateTaskExecutionStateRequest{Job: jc.job, ResourceID: te.s.resourceID, Updates: batch}
	te.loop.Go(func(ctx context.Context) {
		err := jm.UpdateTaskExecutionState(ctx, req)
		te.loop.Post(func() {
			jc.sending = false
			if err != nil {
				te.log.Debug("Could not report task states to the JobManager of job "+string(jc.job), "error", err)
			}
			te.flush(jc)
			if te.jobs[jc.job] == jc && !te.holdsSlotsOf(jc.job) && len(jc.pending) == 0 && !jc.sending {
				jc.timeout.Cancel()
				delete(te.jobs, jc.job)
			}
		})
	})
}

func (te *taskExecutor) holdsSlotsOf(job resourcemanager.JobID) bool {
	for _, s := range te.slots {
		if s.job == job && s.alloc != "" {
			return true
		}
	}
	return false
}

// triggerCheckpoint acknowledges the checkpoint for every named task that runs.
func (te *taskExecutor) triggerCheckpoint(req gateway.TriggerCheckpointRequest) gateway.TriggerCheckpointResponse {
	var out gateway.TriggerCheckpointResponse
	for _, id := range req.Executions {
		t := te.tasks[id]
		switch {
		case t == nil || t.job != req.Job:
			out.Declined = "task " + id + " is not on TaskManager " + string(te.s.resourceID)
		case t.state != gateway.Running:
			out.Declined = fmt.Sprintf("Task %s is not running (%s)", t, t.state)
		default:
			out.Acknowledged = append(out.Acknowledged, id)
		}
	}
	return out
}
