package jobmanager

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"flinksim/gateway"
	"flinksim/ha"
	"flinksim/mainloop"
	"flinksim/resourcemanager"
)

// checkpointCoordinator triggers a checkpoint every interval while all tasks run
// (one at a time), completes it when every task acknowledged, aborts it when a task
// declines, the job fails over or execution.checkpointing.timeout passes. Completed
// checkpoints are kept in memory (no state backend is simulated); a restarted job
// restores the latest one.
type checkpointCoordinator struct {
	timer   *mainloop.Timer
	running bool
	nextID  int64
	pending *pendingCheckpoint
	// triggering: a checkpoint id is being fetched from the counter.
	triggering bool

	// With Kubernetes HA, checkpoint ids come from the job's counter and completed
	// checkpoints go to the job's store before they count; nil without HA.
	store   *ha.CompletedCheckpointStore
	counter *ha.CheckpointIDCounter

	completed, failed, restoredCount int
	// consecutiveFailures counts checkpoints that failed in a way Flink's
	// CheckpointFailureManager counts (expired, not finalized) since the last
	// completed one.
	consecutiveFailures int
	latest              *checkpointInfo
	lastFailed          *checkpointInfo
	restored            *checkpointInfo
	history             []checkpointInfo
}

type pendingCheckpoint struct {
	id        int64
	triggered time.Time
	waiting   map[string]bool
	total     int
	timeout   *mainloop.Timer
}

// checkpointInfo is a checkpoint as /jobs/<id>/checkpoints reports it.
type checkpointInfo struct {
	ID           int64
	Status       string // COMPLETED, FAILED
	Triggered    time.Time
	Finished     time.Time
	Acknowledged int
	Total        int
	Failure      string
	Restored     time.Time
}

const checkpointHistorySize = 10

// start begins periodic checkpoints (all tasks of the attempt run).
func (c *checkpointCoordinator) start(m *jobMaster) {
	if c.running || m.g.checkpointInterval <= 0 || m.status != ha.JobRunning {
		return
	}
	c.running = true
	c.timer = m.loop.After(m.g.checkpointInterval, func() { c.trigger(m) })
}

func (c *checkpointCoordinator) stop() {
	c.timer.Cancel()
	c.timer = nil
	c.running = false
	if c.pending != nil {
		c.pending.timeout.Cancel()
		c.pending = nil
	}
}

// abort discards the pending checkpoint and stops triggering until all tasks run
// again.
func (c *checkpointCoordinator) abort(m *jobMaster, why string) {
	if p := c.pending; p != nil {
		c.fail(m, p, "Checkpoint was canceled: "+why)
	}
	c.stop()
}

func (c *checkpointCoordinator) trigger(m *jobMaster) {
	c.timer = m.loop.After(m.g.checkpointInterval, func() { c.trigger(m) })
	if c.pending != nil || c.triggering || !m.allRunning() {
		return
	}
	if c.counter == nil {
		c.nextID++
		c.begin(m, c.nextID)
		return
	}
	c.triggering = true
	counter := c.counter
	m.loop.Go(func(ctx context.Context) {
		id, err := counter.GetAndIncrement(ctx)
		m.loop.Post(func() {
			c.triggering = false
			switch {
			case err != nil:
				m.cpLog.Warn("Failed to trigger a checkpoint for job "+string(m.g.id)+": the checkpoint id counter failed.", "error", err)
			case c.running && c.pending == nil && m.allRunning():
				c.nextID = id
				c.begin(m, id)
			}
		})
	})
}

// begin starts checkpoint id: every running task is asked to take it.
func (c *checkpointCoordinator) begin(m *jobMaster, id int64) {
	p := &pendingCheckpoint{id: id, triggered: time.Now(), waiting: map[string]bool{}}
	byTM := map[resourcemanager.ResourceID][]string{}
	for _, e := range m.all() {
		p.waiting[e.id] = true
		byTM[e.tm] = append(byTM[e.tm], e.id)
	}
	p.total = len(p.waiting)
	c.pending = p
	m.cpLog.Info(fmt.Sprintf("Triggering checkpoint %d (type=CheckpointType{name='Checkpoint', sharingFilesStrategy=FORWARD_BACKWARD}) @ %d for job %s.",
		p.id, p.triggered.UnixMilli(), m.g.id))
	p.timeout = m.loop.After(m.g.checkpointTimeout, func() {
		if c.pending == p {
			c.fail(m, p, fmt.Sprintf("Checkpoint expired before completing (execution.checkpointing.timeout %s).", m.g.checkpointTimeout))
			c.countFailure(m, "Checkpoint expired before completing.")
		}
	})
	for _, id := range slices.Sorted(maps.Keys(byTM)) {
		tm := m.tms[id]
		if tm == nil {
			c.fail(m, p, "TaskManager "+string(id)+" is gone")
			return
		}
		te := gateway.TaskExecutor{Client: m.svc.client, Address: tm.address, Token: m.svc.token}
		req := gateway.TriggerCheckpointRequest{Job: m.g.id, CheckpointID: p.id, Timestamp: p.triggered.UnixMilli(), Executions: byTM[id]}
		m.loop.Go(func(ctx context.Context) {
			resp, err := te.TriggerCheckpoint(ctx, req)
			m.loop.Post(func() { c.acknowledge(m, p, resp, err) })
		})
	}
}

func (c *checkpointCoordinator) acknowledge(m *jobMaster, p *pendingCheckpoint, resp gateway.TriggerCheckpointResponse, err error) {
	if c.pending != p {
		return
	}
	switch {
	case err != nil:
		c.fail(m, p, "Checkpoint could not be triggered: "+err.Error())
		return
	case resp.Declined != "":
		c.fail(m, p, "Task declined the checkpoint: "+resp.Declined)
		return
	}
	for _, id := range resp.Acknowledged {
		delete(p.waiting, id)
	}
	if len(p.waiting) > 0 {
		return
	}
	p.timeout.Cancel()
	info := checkpointInfo{ID: p.id, Status: "COMPLETED", Triggered: p.triggered, Finished: time.Now(), Acknowledged: p.total, Total: p.total}
	if c.store == nil {
		c.pending = nil
		c.complete(m, info)
		return
	}
	// With HA a checkpoint completes once its pointer is in the job ConfigMap;
	// pending stays set meanwhile, so no other checkpoint starts.
	store := c.store
	m.loop.Go(func(ctx context.Context) {
		meta, _ := json.Marshal(info)
		_, err := store.Add(ctx, ha.CompletedCheckpoint{ID: info.ID, Metadata: meta})
		m.loop.Post(func() {
			if c.pending == p {
				c.pending = nil
			}
			if err != nil {
				c.fail(m, p, "Could not finalize the checkpoint in the HA store: "+err.Error())
				c.countFailure(m, "Failure to finalize checkpoint.")
				return
			}
			info.Finished = time.Now()
			c.complete(m, info)
		})
	})
}

func (c *checkpointCoordinator) complete(m *jobMaster, info checkpointInfo) {
	c.completed++
	c.consecutiveFailures = 0
	c.latest = &info
	c.remember(info)
	m.cpLog.Info(fmt.Sprintf("Completed checkpoint %d for job %s (0 bytes, checkpointDuration=%d ms, finalizationTime=0 ms).", info.ID, m.g.id, info.Finished.Sub(info.Triggered).Milliseconds()))
}

// useStores switches to Kubernetes HA's counter and store and takes the latest
// checkpoint earlier leaders completed.
func (c *checkpointCoordinator) useStores(m *jobMaster, j *jobHA, recovered []ha.CompletedCheckpoint) {
	c.store, c.counter = j.checkpoints, j.counter
	if len(recovered) == 0 {
		return
	}
	latest := recovered[len(recovered)-1]
	var info checkpointInfo
	if err := json.Unmarshal(latest.Metadata, &info); err != nil {
		info = checkpointInfo{Status: "COMPLETED"}
	}
	info.ID = latest.ID
	c.latest, c.nextID = &info, latest.ID
	m.cpLog.Info(fmt.Sprintf("Recovered %d completed checkpoint(s) of job %s from the HA store; the latest is %d.", len(recovered), m.g.id, latest.ID))
}

func (c *checkpointCoordinator) fail(m *jobMaster, p *pendingCheckpoint, why string) {
	p.timeout.Cancel()
	if c.pending == p {
		c.pending = nil
	}
	c.failed++
	info := checkpointInfo{ID: p.id, Status: "FAILED", Triggered: p.triggered, Finished: time.Now(), Acknowledged: p.total - len(p.waiting), Total: p.total, Failure: why}
	c.lastFailed = &info
	c.remember(info)
	m.cpLog.Info(fmt.Sprintf("Failed to trigger or complete checkpoint %d for job %s. (%d consecutive failed attempts so far) %s", p.id, m.g.id, 1, why))
}

// countFailure counts a checkpoint failure that Flink's CheckpointFailureManager
// counts (CHECKPOINT_EXPIRED, FINALIZE_CHECKPOINT_FAILURE; not those of a failover,
// a cancellation or a task that is not running): one more than
// execution.checkpointing.tolerable-failed-checkpoints (default 0) in a row fails the
// job over.
func (c *checkpointCoordinator) countFailure(m *jobMaster, reason string) {
	c.consecutiveFailures++
	if c.consecutiveFailures <= m.g.tolerableCheckpointFailures {
		return
	}
	c.consecutiveFailures = 0
	m.failover(fmt.Errorf("org.apache.flink.util.FlinkRuntimeException: Exceeded checkpoint tolerable failure threshold. "+
		"The latest checkpoint failed due to %s, view the Checkpoint History tab or the Job Manager log to find out why continuous checkpoints failed.", reason), "", "")
}

func (c *checkpointCoordinator) remember(info checkpointInfo) {
	c.history = append(c.history, info)
	if len(c.history) > checkpointHistorySize {
		c.history = c.history[len(c.history)-checkpointHistorySize:]
	}
}

// restore is the restart of the job from its latest completed checkpoint.
func (c *checkpointCoordinator) restore(m *jobMaster) {
	if c.latest == nil {
		return
	}
	r := *c.latest
	r.Restored = time.Now()
	c.restored = &r
	c.restoredCount++
	m.cpLog.Info(fmt.Sprintf("Restoring job %s from Checkpoint %d @ %d for %s located at <in-memory>.", m.g.id, r.ID, r.Triggered.UnixMilli(), m.g.id))
}
