package jobmanager

import (
	"testing"

	"flinksim/gateway"
)

// A vertex's state is Flink's ExecutionJobVertex.getAggregateJobVertexState of its
// tasks' states: the REST API's vertex "status" and the per-TaskManager "status" of
// /jobs/<id>/vertices/<vertex>/taskmanagers.
func TestAggregateStateIsFlinks(t *testing.T) {
	const (
		created      = gateway.Created
		scheduled    = gateway.Scheduled
		deploying    = gateway.Deploying
		initializing = gateway.Initializing
		running      = gateway.Running
		finished     = gateway.Finished
		canceling    = gateway.Canceling
		canceled     = gateway.Canceled
		failed       = gateway.Failed
	)
	for _, tc := range []struct {
		states []gateway.ExecutionState
		want   gateway.ExecutionState
	}{
		{nil, created},
		{[]gateway.ExecutionState{scheduled, scheduled}, created},
		{[]gateway.ExecutionState{deploying, scheduled}, created},
		{[]gateway.ExecutionState{deploying, deploying}, created},
		{[]gateway.ExecutionState{running, initializing}, initializing},
		{[]gateway.ExecutionState{running, deploying}, running},
		{[]gateway.ExecutionState{finished, scheduled}, running},
		{[]gateway.ExecutionState{finished, finished}, finished},
		{[]gateway.ExecutionState{finished, running}, running},
		{[]gateway.ExecutionState{running, canceled}, canceled},
		{[]gateway.ExecutionState{canceled, canceling}, canceling},
		{[]gateway.ExecutionState{canceling, failed}, failed},
		{[]gateway.ExecutionState{finished, failed}, failed},
	} {
		if got := aggregateState(tc.states); got != tc.want {
			t.Errorf("aggregateState(%v) = %s, want %s", tc.states, got, tc.want)
		}
	}
}
