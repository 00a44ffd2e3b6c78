package ha

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"

	"flinksim/sim"
)

func newTestCheckpointStore(t *testing.T, c *sim.Cluster, fs FileSystem, retained int) *CompletedCheckpointStore {
	t.Helper()
	store, err := NewStateHandleStore(StateHandleStoreConfig{
		Client: c.ClientFor(userOf("jm-0")), Namespace: testNamespace, ConfigMapName: testJobConfigMap,
		KeyPrefix: CheckpointKeyPrefix, MaxRetries: 3, FileSystem: fs, Dir: testStorageDir, FilePrefix: CompletedCheckpointFilePrefix, Rand: testRand(1),
	})
	if err != nil {
		t.Fatal(err)
	}
	cps, err := NewCompletedCheckpointStore(CompletedCheckpointStoreConfig{Store: store, MaxRetained: retained})
	if err != nil {
		t.Fatal(err)
	}
	return cps
}

func ids(cps []CompletedCheckpoint) string {
	var out []int64
	for _, cp := range cps {
		out = append(out, cp.ID)
	}
	return fmt.Sprint(out)
}

func TestCompletedCheckpointStore(t *testing.T) {
	ctx := context.Background()
	t.Run("keepsNumRetainedAndRecovers", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			if err := CreateConfigMapIfNotExist(ctx, c.Client(), testNamespace, testJobConfigMap, testClusterID); err != nil {
				t.Fatal(err)
			}
			fs := newCountingFS()
			store := newTestCheckpointStore(t, c, fs, 2)
			for id := int64(1); id <= 4; id++ {
				if _, err := store.Add(ctx, CompletedCheckpoint{ID: id, Metadata: []byte(fmt.Sprint("cp-", id))}); err != nil {
					t.Fatal(err)
				}
			}
			if got := ids(store.All()); got != "[3 4]" {
				t.Errorf("retained %s, want [3 4]", got)
			}
			cm := getConfigMap(t, c.Client(), testJobConfigMap)
			if _, ok := cm.Data["checkpointID-0000000000000000004"]; !ok || len(cm.Data) != 2 {
				t.Errorf("ConfigMap data keys %v, want checkpointID-…3 and …4", cm.Data)
			}
			if len(fs.Files()) != 2 || fs.TotalDeletes() != 2 {
				t.Errorf("files %v, deletions %d; want the subsumed checkpoints' files deleted", fs.Files(), fs.TotalDeletes())
			}
			// A new JobManager rebuilds the store from the ConfigMap.
			recovered, err := newTestCheckpointStore(t, c, fs, 2).Recover(ctx)
			if err != nil || ids(recovered) != "[3 4]" || string(recovered[1].Metadata) != "cp-4" {
				t.Errorf("Recover = %v, %v", recovered, err)
			}
			// Suspended: nothing removed; globally terminal: everything.
			if err := store.Shutdown(ctx, JobSuspended); err != nil || len(fs.Files()) != 2 {
				t.Errorf("after SUSPENDED: %v, files %v", err, fs.Files())
			}
			again := newTestCheckpointStore(t, c, fs, 2)
			if _, err := again.Recover(ctx); err != nil {
				t.Fatal(err)
			}
			if err := again.Shutdown(ctx, JobCanceled); err != nil || len(fs.Files()) != 0 {
				t.Errorf("after CANCELED: %v, files %v", err, fs.Files())
			}
			if cm := getConfigMap(t, c.Client(), testJobConfigMap); len(cm.Data) != 0 {
				t.Errorf("data after CANCELED: %v", cm.Data)
			}
		})
	})
}

func TestCheckpointKey(t *testing.T) {
	if got := CheckpointKey(42); got != "checkpointID-0000000000000000042" {
		t.Errorf("CheckpointKey(42) = %s", got)
	}
	if id, err := CheckpointIDFromKey(CheckpointKey(9223372036854775807)); err != nil || id != 9223372036854775807 {
		t.Errorf("round trip: %d, %v", id, err)
	}
}
