package resourcemanager

import (
	"strings"
	"testing"
)

// Mirrors KubernetesWorkerNodeTest.
func TestKubernetesWorkerNode(t *testing.T) {
	t.Run("testGetAttemptFromWorkerNode", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			attempt int64
			wantErr bool
		}{
			{name: "flink-cluster-taskmanager-11-5", attempt: 11},
			{name: "my-flink-taskmanager-1-1", attempt: 1},
			// The search is unanchored: the first match wins.
			{name: "a-taskmanager-taskmanager-3-4", attempt: 3},
			{name: "my-flink-taskmanager-2-1-extra", attempt: 2},
			{name: "my-flink-jobmanager-1-1", wantErr: true},
			{name: "taskmanager-1-1", wantErr: true},
			{name: "my-flink-taskmanager-x-1", wantErr: true},
			{name: "my-flink-taskmanager-99999999999999999999-1", wantErr: true},
		} {
			got, err := AttemptOf(tc.name)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), tc.name) {
					t.Errorf("AttemptOf(%q) = %d, %v; want an error naming the pod", tc.name, got, err)
				}
				continue
			}
			if err != nil || got != tc.attempt {
				t.Errorf("AttemptOf(%q) = %d, %v; want %d", tc.name, got, err, tc.attempt)
			}
		}
	})
}
