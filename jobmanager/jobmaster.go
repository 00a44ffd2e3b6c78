package jobmanager

import (
	"cmp"
	"context"
	"errors"
	"flinksim/ha"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"flinksim/flinklog"
	"flinksim/gateway"
	"flinksim/mainloop"
	"flinksim/resourcemanager"
	"flinksim/rpc"
)

const (
	jobMasterLogger  = "org.apache.flink.runtime.jobmaster.JobMaster"
	executionLogger  = "org.apache.flink.runtime.executiongraph.ExecutionGraph"
	checkpointLogger = "org.apache.flink.runtime.checkpoint.CheckpointCoordinator"
)

// jobMasterServices is what a JobMaster uses of its JobManager.
type jobMasterServices struct {
	client *rpc.Client
	// token is the leader session the JobMaster runs in; TaskManagers fence their
	// calls with it and the JobMaster sends it along.
	token string
	// address is where TaskManagers reach the JobMaster.
	address string
	// declare sets the job's slot requirements at the resource manager.
	declare func(ctx context.Context, req resourcemanager.JobRequirements) error
	newID   func() string
	rand    func() float64
	log     *slog.Logger

	heartbeatInterval   time.Duration
	heartbeatTimeout    time.Duration
	rpcFailureThreshold int
	slotRequestTimeout  time.Duration
	// terminated is told once the job reached a terminal state, with its final details.
	terminated func(jobDetails)
	// recovered: a previous leader ran the job (it restores its latest checkpoint).
	recovered bool
	// ha is Kubernetes HA (nil without): the job's leader information, checkpoint
	// store and counter; endpoint is the JobMaster's RPC endpoint name.
	ha       *haProcess
	endpoint string
}

// jobMaster runs one job (Flink's JobMaster with its scheduler, slot pool and
// checkpoint coordinator), on its own main loop. Every failure restarts the whole job
// (see doc.go).
type jobMaster struct {
	svc      jobMasterServices
	g        *jobGraph
	loop     *mainloop.Loop
	log      *slog.Logger
	execLog  *slog.Logger
	cpLog    *slog.Logger
	strategy restartStrategy

	status     ha.JobStatus
	timestamps map[ha.JobStatus]time.Time
	start, end time.Time
	attempt    int
	restarts   int
	failure    string

	slots      map[resourcemanager.AllocationID]*allocatedSlot
	tms        map[resourcemanager.ResourceID]*tmConnection
	executions [][]*execution // [vertex][subtask] of the current attempt
	byID       map[string]*execution

	slotTimer    *mainloop.Timer
	restartTimer *mainloop.Timer
	hbTimer      *mainloop.Timer
	cp           checkpointCoordinator
	exceptions   []exceptionEntry
	declared     int
	// declaring is closed once the latest declaration has been made; the next one
	// waits for it, so that the resource manager gets them in the order made.
	declaring  chan struct{}
	cancelling int // cancel calls in flight while CANCELLING / FAILING
	// instance tells this JobMaster's executions from those of the job's earlier
	// JobMasters (Flink's ExecutionAttemptID carries the execution graph's id).
	instance string
}

// allocatedSlot is a slot the job holds.
type allocatedSlot struct {
	alloc   resourcemanager.AllocationID
	tm      resourcemanager.ResourceID
	index   int
	subtask int // the subtask index whose tasks it runs; -1 when free
}

// tmConnection is a TaskManager the job holds slots on, with its heartbeat state.
type tmConnection struct {
	id           resourcemanager.ResourceID
	address      string
	slots        map[resourcemanager.AllocationID]*allocatedSlot
	lastAnswer   time.Time
	failures     int
	heartbeating bool
}

// execution is one attempt of one task.
type execution struct {
	id        string
	vertex    int
	subtask   int
	attempt   int
	state     gateway.ExecutionState
	slot      resourcemanager.AllocationID
	tm        resourcemanager.ResourceID
	started   time.Time
	ended     time.Time
	failure   string
	timestamp map[gateway.ExecutionState]time.Time
}

// exceptionEntry is one failure of the job's exception history.
type exceptionEntry struct {
	Time     time.Time
	Cause    string
	TaskName string
	Location string
}

func newJobMaster(svc jobMasterServices, g *jobGraph, strategy restartStrategy) *jobMaster {
	return &jobMaster{
		svc: svc, g: g, loop: mainloop.New(), strategy: strategy, instance: svc.newID(),
		log:        svc.log.With(flinklog.LoggerKey, jobMasterLogger),
		execLog:    svc.log.With(flinklog.LoggerKey, executionLogger),
		cpLog:      svc.log.With(flinklog.LoggerKey, checkpointLogger),
		status:     ha.JobCreated,
		timestamps: map[ha.JobStatus]time.Time{ha.JobInitializing: time.Now(), ha.JobCreated: time.Now()},
		start:      time.Now(),
		slots:      map[resourcemanager.AllocationID]*allocatedSlot{},
		tms:        map[resourcemanager.ResourceID]*tmConnection{},
		byID:       map[string]*execution{},
	}
}

// run runs the JobMaster until the job ends or ctx ends (then the job is suspended).
func (m *jobMaster) run(ctx context.Context) {
	stop := context.AfterFunc(ctx, func() { m.loop.Post(m.suspend) })
	defer stop()
	if h := m.svc.ha; h != nil {
		j, recovered, err := h.openJob(ctx, m.g, m.svc.token, rpc.URL(m.svc.address, m.svc.endpoint), m.log)
		if err != nil {
			m.loop.Post(m.suspend) // the term ended before the job's HA data could be read
		} else {
			m.cp.useStores(m, j, recovered)
			defer func() { j.close(m.status) }()
		}
	}
	m.loop.Post(m.startScheduling)
	m.loop.Run(context.Background())
}

// ---- scheduling ------------------------------------------------------------------------

func (m *jobMaster) startScheduling() {
	m.log.Info(fmt.Sprintf("Starting execution of job '%s' (%s) under job master id %s.", m.g.name, m.g.id, m.svc.token))
	m.log.Info("Using restart back off time strategy " + m.strategy.String() + " for " + m.g.name + " (" + string(m.g.id) + ").")
	m.transitionJob(ha.JobRunning, nil)
	if m.svc.recovered {
		m.cp.restore(m)
	}
	m.newAttempt()
	m.hbTimer = m.loop.After(m.svc.heartbeatInterval, m.heartbeat)
}

// newAttempt creates the executions of a (re)start and waits for slots.
func (m *jobMaster) newAttempt() {
	m.executions = nil
	m.byID = map[string]*execution{}
	for vi, v := range m.g.vertices {
		var row []*execution
		for st := range v.parallelism {
			e := &execution{id: fmt.Sprintf("%.8s_%.8s_%.8s_%d_%d", m.g.id, m.instance, v.id, st, m.attempt), vertex: vi, subtask: st, attempt: m.attempt,
				state: gateway.Created, timestamp: map[gateway.ExecutionState]time.Time{gateway.Created: time.Now()}}
			row = append(row, e)
			m.byID[e.id] = e
		}
		m.executions = append(m.executions, row)
	}
	for _, e := range m.all() {
		m.setState(e, gateway.Scheduled)
	}
	m.declare(m.g.slots)
	m.slotTimer.Cancel()
	m.slotTimer = m.loop.After(m.svc.slotRequestTimeout, func() {
		m.slotTimer = nil
		if m.status == ha.JobRunning && m.waitingForSlots() {
			m.failover(fmt.Errorf("org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException: Could not acquire the minimum required resources "+
				"(%d slots, %d held) within slot.request.timeout %s", m.g.slots, len(m.slots), m.svc.slotRequestTimeout), "", "")
		}
	})
	m.tryDeploy()
}

func (m *jobMaster) all() []*execution {
	var out []*execution
	for _, row := range m.executions {
		out = append(out, row...)
	}
	return out
}

func (m *jobMaster) waitingForSlots() bool {
	for _, e := range m.all() {
		if e.state != gateway.Scheduled {
			return false
		}
	}
	return len(m.executions) > 0
}

// declare tells the resource manager how many slots the job needs.
func (m *jobMaster) declare(slots int) {
	if m.declared == slots {
		return
	}
	m.declared = slots
	req := resourcemanager.JobRequirements{Job: m.g.id, TargetAddress: m.svc.address, Slots: slots}
	declare := m.svc.declare
	// Each declaration runs on a goroutine of its own; without the chain a job that
	// ends right after it started could have its 0 overtaken by its N, and the
	// resource manager would keep TaskManagers for a job that is gone (Flink's
	// declarations travel in order over one RPC connection).
	prev, done := m.declaring, make(chan struct{})
	m.declaring = done
	m.loop.Go(func(ctx context.Context) {
		defer close(done)
		if prev != nil {
			<-prev
		}
		// The last declaration (0 slots) is made as the JobMaster stops: it must
		// outlive the loop.
		ctx = context.WithoutCancel(ctx)
		if err := declare(ctx, req); err != nil {
			m.log.Warn("Could not declare the resource requirements of job "+string(m.g.id), "error", err)
		}
	})
}

// sortedSlots lists the held slots by TaskManager and index, so that subtasks are
// placed the same way in every run.
func (m *jobMaster) sortedSlots() []*allocatedSlot {
	out := slices.Collect(maps.Values(m.slots))
	slices.SortFunc(out, func(a, b *allocatedSlot) int {
		return cmp.Or(cmp.Compare(a.tm, b.tm), cmp.Compare(a.index, b.index))
	})
	return out
}

// tryDeploy deploys the attempt once the job holds a slot for every subtask index (the
// job is one pipelined region, whose slots are allocated in bulk).
func (m *jobMaster) tryDeploy() {
	if m.status != ha.JobRunning || !m.waitingForSlots() || len(m.slots) < m.g.slots {
		return
	}
	m.slotTimer.Cancel()
	m.slotTimer = nil
	slots := m.sortedSlots()
	for _, s := range slots {
		s.subtask = -1
	}
	for i := range m.g.slots {
		s := slots[i]
		s.subtask = i
		tm := m.tms[s.tm]
		var tasks []gateway.TaskDeployment
		var execs []*execution
		for vi, row := range m.executions {
			if i >= len(row) {
				continue
			}
			e := row[i]
			e.slot, e.tm = s.alloc, s.tm
			m.setState(e, gateway.Deploying)
			failAfter, msg := m.g.failureFor(vi, i, m.attempt)
			tasks = append(tasks, gateway.TaskDeployment{ExecutionID: e.id, VertexID: m.g.vertices[vi].id, VertexName: m.g.vertices[vi].name,
				Subtask: i, Parallelism: m.g.vertices[vi].parallelism, Attempt: e.attempt, Duration: m.g.taskDuration, FailAfter: failAfter, FailMessage: msg})
			execs = append(execs, e)
			m.execLog.Info(fmt.Sprintf("Deploying %s (%d/%d) (attempt #%d) with attempt id %s to %s with allocation id %s",
				m.g.vertices[vi].name, i+1, m.g.vertices[vi].parallelism, e.attempt, e.id, s.tm, s.alloc))
		}
		te := gateway.TaskExecutor{Client: m.svc.client, Address: tm.address, Token: m.svc.token}
		req := gateway.SubmitTasksRequest{Job: m.g.id, JobName: m.g.name, JobMasterID: m.svc.token, Allocation: s.alloc, Tasks: tasks}
		attempt := m.attempt
		m.loop.Go(func(ctx context.Context) {
			err := te.SubmitTasks(ctx, req)
			if err == nil {
				return
			}
			m.loop.Post(func() {
				if m.attempt != attempt || m.status != ha.JobRunning {
					return
				}
				if rpc.IsUnreachable(err) {
					// Nothing listens there any more: the TaskManager's process is gone
					// (as Pekko's death watch tells Flink), and with it the job's slots.
					m.taskManagerLost(tm.id, fmt.Errorf("Could not deploy the task to TaskManager %s: %w", tm.id, err))
					return
				}
				for _, e := range execs {
					if e.state == gateway.Deploying {
						m.executionFailed(e, fmt.Sprintf("Could not deploy the task to TaskManager %s: %v", tm.id, err))
						return
					}
				}
			})
		})
	}
}

// ---- messages from TaskManagers -----------------------------------------------------

// offerSlots takes offered slots while the job needs them.
func (m *jobMaster) offerSlots(req gateway.OfferSlotsRequest) gateway.OfferSlotsResponse {
	var out gateway.OfferSlotsResponse
	if m.status != ha.JobRunning && m.status != ha.JobRestarting {
		return out
	}
	tm := m.tms[req.ResourceID]
	for _, o := range req.Slots {
		if s := m.slots[o.Allocation]; s != nil {
			out.Accepted = append(out.Accepted, o.Allocation)
			continue
		}
		if len(m.slots) >= m.g.slots {
			continue
		}
		if tm == nil {
			m.log.Info("Registering TaskManager with ResourceID " + string(req.ResourceID) + " (" + req.Address + ") at JobManager for job " + string(m.g.id))
			tm = &tmConnection{id: req.ResourceID, slots: map[resourcemanager.AllocationID]*allocatedSlot{}}
			m.tms[req.ResourceID] = tm
		}
		s := &allocatedSlot{alloc: o.Allocation, tm: req.ResourceID, index: o.Index, subtask: -1}
		m.slots[o.Allocation] = s
		tm.slots[o.Allocation] = s
		out.Accepted = append(out.Accepted, o.Allocation)
	}
	if tm != nil && len(out.Accepted) > 0 {
		tm.address, tm.lastAnswer, tm.failures = req.Address, time.Now(), 0
	}
	m.loop.Post(m.tryDeploy)
	return out
}

// updateStates applies task state reports.
func (m *jobMaster) updateStates(updates []gateway.TaskExecutionState) {
	for _, u := range updates {
		e := m.byID[u.ExecutionID]
		if e == nil || e.state.Terminal() || e.state == u.State {
			continue
		}
		switch u.State {
		case gateway.Failed:
			m.executionFailed(e, u.Error)
		case gateway.Canceled:
			m.setState(e, gateway.Canceled)
		case gateway.Finished:
			m.setState(e, gateway.Finished)
			m.checkFinished()
		default:
			m.setState(e, u.State)
			if u.State == gateway.Running && m.allRunning() {
				m.cp.start(m)
			}
		}
	}
}

func (m *jobMaster) setState(e *execution, to gateway.ExecutionState) {
	from := e.state
	e.state = to
	e.timestamp[to] = time.Now()
	switch {
	case to == gateway.Deploying:
		e.started = time.Now()
	case to.Terminal():
		e.ended = time.Now()
	}
	if from == gateway.Created || to == gateway.Scheduled || to == gateway.Deploying {
		return
	}
	v := m.g.vertices[e.vertex]
	m.execLog.Info(fmt.Sprintf("%s (%d/%d) (%s) switched from %s to %s.", v.name, e.subtask+1, v.parallelism, e.id, from, to))
}

func (m *jobMaster) allRunning() bool {
	for _, e := range m.all() {
		if e.state != gateway.Running {
			return false
		}
	}
	return len(m.executions) > 0
}

func (m *jobMaster) checkFinished() {
	for _, e := range m.all() {
		if e.state != gateway.Finished {
			return
		}
	}
	if m.status == ha.JobRunning {
		m.terminate(ha.JobFinished, nil)
	}
}

// executionFailed handles a task failure: the job restarts or fails.
func (m *jobMaster) executionFailed(e *execution, cause string) {
	if e.state.Terminal() {
		return
	}
	e.failure = cause
	m.setState(e, gateway.Failed)
	v := m.g.vertices[e.vertex]
	m.failover(errors.New(cause), fmt.Sprintf("%s (%d/%d)", v.name, e.subtask+1, v.parallelism), string(e.tm))
}

// ---- failover ------------------------------------------------------------------------

// failover restarts the job or fails it, as the restart strategy says.
func (m *jobMaster) failover(cause error, task, location string) {
	if m.status != ha.JobRunning {
		return
	}
	now := time.Now()
	m.exceptions = append(m.exceptions, exceptionEntry{Time: now, Cause: cause.Error(), TaskName: task, Location: location})
	m.cp.abort(m, "the job failed over")
	restart, backoff := m.strategy.onFailure(now)
	if !restart {
		m.log.Info(fmt.Sprintf("Job %s (%s) failed: the restart strategy %s allows no more restarts. Cause: %v", m.g.name, m.g.id, m.strategy, cause))
		// The job's failure is Flink's ExecutionFailureHandler's JobException, caused
		// by the failure (what the execution result's failure-cause shows).
		m.failure = "org.apache.flink.runtime.JobException: Recovery is suppressed by " + m.strategy.String() + "\nCaused by: " + cause.Error()
		m.transitionJob(ha.JobFailing, cause)
		m.cancelAll(func() { m.terminate(ha.JobFailed, cause) })
		return
	}
	m.log.Info(fmt.Sprintf("Job %s (%s) failed; restarting in %s. Cause: %v", m.g.name, m.g.id, backoff, cause))
	m.transitionJob(ha.JobRestarting, cause)
	m.cancelAll(nil)
	m.restartTimer = m.loop.After(backoff, m.restart)
}

func (m *jobMaster) restart() {
	m.restartTimer = nil
	if m.status != ha.JobRestarting {
		return
	}
	m.attempt++
	m.restarts++
	m.transitionJob(ha.JobRunning, nil)
	m.cp.restore(m)
	m.newAttempt()
}

// cancelAll cancels every execution that has not ended: locally at once, on the
// TaskManagers by a call; then (once the calls returned) runs done.
func (m *jobMaster) cancelAll(done func()) {
	byTM := map[resourcemanager.ResourceID][]string{}
	for _, e := range m.all() {
		if e.state.Terminal() {
			continue
		}
		if e.tm != "" && m.tms[e.tm] != nil && e.state != gateway.Scheduled {
			byTM[e.tm] = append(byTM[e.tm], e.id)
		}
		m.setState(e, gateway.Canceled)
	}
	if len(byTM) == 0 {
		if done != nil {
			done()
		}
		return
	}
	pending := len(byTM)
	for _, id := range slices.Sorted(maps.Keys(byTM)) {
		te := gateway.TaskExecutor{Client: m.svc.client, Address: m.tms[id].address, Token: m.svc.token}
		req := gateway.CancelTasksRequest{Job: m.g.id, Executions: byTM[id]}
		m.cancelling++
		m.loop.Go(func(ctx context.Context) {
			_ = te.CancelTasks(ctx, req)
			m.loop.Post(func() {
				m.cancelling--
				pending--
				if pending == 0 && done != nil {
					done()
				}
			})
		})
	}
}

// cancel is the user's cancellation of a job that has not ended.
func (m *jobMaster) cancel() {
	if jobTerminal(m.status) || m.status == ha.JobCancelling {
		return
	}
	m.log.Info(fmt.Sprintf("Trying to cancel job %s with job id %s.", m.g.name, m.g.id))
	m.restartTimer.Cancel()
	m.restartTimer = nil
	m.cp.abort(m, "the job is cancelled")
	m.transitionJob(ha.JobCancelling, nil)
	m.cancelAll(func() { m.terminate(ha.JobCanceled, nil) })
}

func (m *jobMaster) transitionJob(to ha.JobStatus, cause error) {
	from := m.status
	m.status = to
	m.timestamps[to] = time.Now()
	msg := fmt.Sprintf("Job %s (%s) switched from state %s to %s.", m.g.name, m.g.id, from, to)
	if cause != nil {
		m.execLog.Info(msg, "cause", cause.Error())
		return
	}
	m.execLog.Info(msg)
}

// terminate ends the job: its slots are freed, its requirements cleared, the
// dispatcher told, and the JobMaster stops.
func (m *jobMaster) terminate(status ha.JobStatus, cause error) {
	if jobTerminal(m.status) {
		return
	}
	if cause != nil && m.failure == "" {
		m.failure = cause.Error()
	}
	m.transitionJob(status, nil)
	m.end = time.Now()
	m.slotTimer.Cancel()
	m.restartTimer.Cancel()
	m.hbTimer.Cancel()
	m.cp.stop()
	if status.IsGloballyTerminal() {
		m.releaseSlots("Stopping JobMaster for job " + m.g.name + " (" + string(m.g.id) + ").")
		m.declare(0)
	} else {
		m.disconnectTaskManagers("JobManager is shutting down.")
	}
	details := m.details()
	m.svc.terminated(details)
	m.loop.Stop()
}

// suspend ends the job in this JobManager only (it shuts down or lost leadership).
func (m *jobMaster) suspend() {
	if jobTerminal(m.status) {
		return
	}
	m.cancelAll(nil)
	m.terminate(ha.JobSuspended, errors.New("the JobManager is shutting down"))
}

// releaseSlots frees every held slot on its TaskManager.
func (m *jobMaster) releaseSlots(cause string) {
	for _, s := range m.sortedSlots() {
		tm := m.tms[s.tm]
		if tm == nil || !m.inTouch(tm) {
			continue
		}
		te := gateway.TaskExecutor{Client: m.svc.client, Address: tm.address, Token: m.svc.token}
		req := gateway.FreeSlotRequest{Allocation: s.alloc, Cause: cause}
		m.loop.Go(func(ctx context.Context) { _ = te.FreeSlot(context.WithoutCancel(ctx), req) })
	}
	m.slots = map[resourcemanager.AllocationID]*allocatedSlot{}
	for _, tm := range m.tms {
		tm.slots = map[resourcemanager.AllocationID]*allocatedSlot{}
	}
}

// inTouch reports whether a TaskManager answered lately. Farewell calls go only to
// those: a TaskManager behind a partition would hold the call until its deadline, and
// it frees the job's slots by its own heartbeat timeout anyway.
func (m *jobMaster) inTouch(tm *tmConnection) bool {
	return time.Since(tm.lastAnswer) <= 2*m.svc.heartbeatInterval
}

func (m *jobMaster) disconnectTaskManagers(cause string) {
	for _, id := range slices.Sorted(maps.Keys(m.tms)) {
		if !m.inTouch(m.tms[id]) {
			continue
		}
		te := gateway.TaskExecutor{Client: m.svc.client, Address: m.tms[id].address, Token: m.svc.token}
		req := gateway.DisconnectRequest{Job: m.g.id, Cause: cause}
		m.loop.Go(func(ctx context.Context) {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			defer cancel()
			_ = te.DisconnectJobManager(ctx, req)
		})
	}
}

// ---- TaskManager heartbeats and loss ---------------------------------------------------

// heartbeat asks every TaskManager the job holds slots on what it holds, and declares
// lost those that did not answer for heartbeat.timeout, or whose calls found nothing
// listening heartbeat.rpc-failure-threshold times in a row.
func (m *jobMaster) heartbeat() {
	m.hbTimer = m.loop.After(m.svc.heartbeatInterval, m.heartbeat)
	for _, id := range slices.Sorted(maps.Keys(m.tms)) {
		tm := m.tms[id]
		if time.Since(tm.lastAnswer) >= m.svc.heartbeatTimeout {
			m.taskManagerLost(id, fmt.Errorf("java.util.concurrent.TimeoutException: Heartbeat of TaskManager with id %s timed out.", id))
			continue
		}
		if tm.heartbeating {
			continue
		}
		tm.heartbeating = true
		te := gateway.TaskExecutor{Client: m.svc.client, Address: tm.address, Token: m.svc.token}
		m.loop.Go(func(ctx context.Context) {
			resp, err := te.Heartbeat(ctx, gateway.JobHeartbeatRequest{Job: m.g.id})
			m.loop.Post(func() { m.onHeartbeat(tm, resp, err) })
		})
	}
}

func (m *jobMaster) onHeartbeat(tm *tmConnection, resp gateway.JobHeartbeatResponse, err error) {
	tm.heartbeating = false
	if m.tms[tm.id] != tm || jobTerminal(m.status) {
		return
	}
	if err != nil {
		if rpc.IsUnreachable(err) {
			tm.failures++
			if t := m.svc.rpcFailureThreshold; t > 0 && tm.failures >= t {
				m.taskManagerLost(tm.id, fmt.Errorf("org.apache.flink.runtime.jobmaster.JobMasterException: TaskManager with id %s is no longer reachable.", tm.id))
			}
		}
		return
	}
	tm.lastAnswer, tm.failures = time.Now(), 0
	held := map[resourcemanager.AllocationID]bool{}
	for _, a := range resp.Allocations {
		held[a] = true
	}
	// Task states the TaskManager reported but that did not arrive.
	m.updateStates(resp.Executions)
	for _, s := range tm.sortedSlots() {
		if !held[s.alloc] {
			m.slotLost(s, fmt.Errorf("the slot %s on TaskManager %s was freed", s.alloc, tm.id))
		}
	}
}

// sortedSlots lists the job's slots on the TaskManager by index.
func (tm *tmConnection) sortedSlots() []*allocatedSlot {
	out := slices.Collect(maps.Values(tm.slots))
	slices.SortFunc(out, func(a, b *allocatedSlot) int { return cmp.Compare(a.index, b.index) })
	return out
}

// taskManagerLost forgets a TaskManager: its slots are gone, and the job fails over if
// it ran tasks there.
func (m *jobMaster) taskManagerLost(id resourcemanager.ResourceID, cause error) {
	if m.tms[id] == nil {
		return
	}
	m.log.Info("Disconnect TaskManager " + string(id) + " because: " + cause.Error())
	tm := m.tms[id]
	delete(m.tms, id)
	for _, s := range tm.sortedSlots() {
		m.slotLost(s, cause)
	}
}

func (m *jobMaster) slotLost(s *allocatedSlot, cause error) {
	delete(m.slots, s.alloc)
	if tm := m.tms[s.tm]; tm != nil {
		delete(tm.slots, s.alloc)
	}
	for _, e := range m.all() {
		if e.slot == s.alloc && !e.state.Terminal() {
			m.executionFailed(e, cause.Error())
			return
		}
	}
}
