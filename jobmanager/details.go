package jobmanager

import (
	"flinksim/ha"
	"time"

	"flinksim/gateway"
	"flinksim/jobjar"
	"flinksim/resourcemanager"
)

// jobDetails is a job as the REST endpoint reports it: a copy taken on the
// JobMaster's loop, or the archived final state.
type jobDetails struct {
	ID         resourcemanager.JobID
	Name       string
	Type       jobjar.JobType
	Status     ha.JobStatus
	Start, End time.Time
	Timestamps map[ha.JobStatus]time.Time
	Vertices   []vertexDetails
	Tasks      map[gateway.ExecutionState]int
	Restarts   int
	Failure    string
	Exceptions []exceptionEntry

	CheckpointInterval time.Duration
	Checkpoints        checkpointCounts
}

type vertexDetails struct {
	ID, Name    string
	Parallelism int
	Status      gateway.ExecutionState
	Start, End  time.Time
	Tasks       map[gateway.ExecutionState]int
	// TaskManagers counts the vertex's current task executions by the TaskManager
	// whose slot they were deployed into, and by state.
	TaskManagers map[resourcemanager.ResourceID]map[gateway.ExecutionState]int
}

type checkpointCounts struct {
	Completed, Failed, Restored, InProgress int
	Latest, LastFailed, LastRestored        *checkpointInfo
	History                                 []checkpointInfo
}

// details copies the job's state (on the loop).
func (m *jobMaster) details() jobDetails {
	d := jobDetails{
		ID: m.g.id, Name: m.g.name, Type: m.g.jobType, Status: m.status, Start: m.start, End: m.end,
		Timestamps: map[ha.JobStatus]time.Time{}, Tasks: map[gateway.ExecutionState]int{}, Restarts: m.restarts,
		Failure: m.failure, Exceptions: append([]exceptionEntry(nil), m.exceptions...),
		CheckpointInterval: m.g.checkpointInterval,
		Checkpoints: checkpointCounts{Completed: m.cp.completed, Failed: m.cp.failed, Restored: m.cp.restoredCount,
			Latest: m.cp.latest, LastFailed: m.cp.lastFailed, LastRestored: m.cp.restored, History: append([]checkpointInfo(nil), m.cp.history...)},
	}
	if m.cp.pending != nil {
		d.Checkpoints.InProgress = 1
	}
	for k, v := range m.timestamps {
		d.Timestamps[k] = v
	}
	for vi, v := range m.g.vertices {
		vd := vertexDetails{ID: v.id, Name: v.name, Parallelism: v.parallelism, Tasks: map[gateway.ExecutionState]int{},
			TaskManagers: map[resourcemanager.ResourceID]map[gateway.ExecutionState]int{}}
		var states []gateway.ExecutionState
		if vi < len(m.executions) {
			for _, e := range m.executions[vi] {
				vd.Tasks[e.state]++
				if e.tm != "" {
					if vd.TaskManagers[e.tm] == nil {
						vd.TaskManagers[e.tm] = map[gateway.ExecutionState]int{}
					}
					vd.TaskManagers[e.tm][e.state]++
				}
				d.Tasks[e.state]++
				states = append(states, e.state)
				if !e.started.IsZero() && (vd.Start.IsZero() || e.started.Before(vd.Start)) {
					vd.Start = e.started
				}
				if e.ended.After(vd.End) {
					vd.End = e.ended
				}
			}
		}
		vd.Status = aggregateState(states)
		// A vertex has ended once all its tasks have (JobDetailsHandler), whatever its
		// aggregate state says.
		if !allTerminal(states) {
			vd.End = time.Time{}
		}
		d.Vertices = append(d.Vertices, vd)
	}
	return d
}

// aggregateState is a vertex's state from its tasks' (Flink's
// ExecutionJobVertex.getAggregateJobVertexState): FAILED, CANCELING, CANCELED,
// INITIALIZING and RUNNING win in that order; FINISHED only once every task finished
// (RUNNING while some have not); everything else (SCHEDULED, DEPLOYING, …) is CREATED.
func aggregateState(states []gateway.ExecutionState) gateway.ExecutionState {
	count := map[gateway.ExecutionState]int{}
	for _, s := range states {
		count[s]++
	}
	for _, s := range []gateway.ExecutionState{gateway.Failed, gateway.Canceling, gateway.Canceled, gateway.Initializing, gateway.Running} {
		if count[s] > 0 {
			return s
		}
	}
	switch {
	case count[gateway.Finished] == 0:
		return gateway.Created
	case count[gateway.Finished] == len(states):
		return gateway.Finished
	}
	return gateway.Running
}

func allTerminal(states []gateway.ExecutionState) bool {
	for _, s := range states {
		if !s.Terminal() {
			return false
		}
	}
	return true
}
