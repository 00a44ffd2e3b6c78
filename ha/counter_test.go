package ha

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

	corev1 "k8s.io/api/core/v1"

	"flinksim/sim"
)

var testJobConfigMap = JobConfigMapName(testClusterID, JobID{0xab, 0xcd})

func newTestCounter(t *testing.T, c *sim.Cluster, lockIdentity string) *CheckpointIDCounter {
	t.Helper()
	counter, err := NewCheckpointIDCounter(CheckpointIDCounterConfig{
		Client: c.ClientFor(userOf("jm-0")), Namespace: testNamespace, ConfigMapName: testJobConfigMap,
		LockIdentity: lockIdentity, MaxRetries: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	return counter
}

// KubernetesCheckpointIDCounterTest.
func TestKubernetesCheckpointIDCounter(t *testing.T) {
	ctx := context.Background()
	bubble := func(name string, annotations map[string]string, lockIdentity string, test func(t *testing.T, c *sim.Cluster, counter *CheckpointIDCounter)) {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, stop := startCluster(t, 1)
				defer stop()
				createConfigMap(t, c.Client(), testJobConfigMap, annotations, nil)
				test(t, c, newTestCounter(t, c, lockIdentity))
			})
		})
	}
	counterKey := func(t *testing.T, c *sim.Cluster) (string, bool) {
		v, ok := getConfigMap(t, c.Client(), testJobConfigMap).Data[CounterKey]
		return v, ok
	}

	bubble("testGetAndIncrement", nil, "", func(t *testing.T, c *sim.Cluster, counter *CheckpointIDCounter) {
		if err := counter.SetCount(ctx, 100); err != nil {
			t.Fatal(err)
		}
		if n, err := counter.GetAndIncrement(ctx); n != 100 || err != nil {
			t.Errorf("GetAndIncrement = %d, %v; want 100", n, err)
		}
		if n, err := counter.Get(ctx); n != 101 || err != nil {
			t.Errorf("Get = %d, %v; want 101", n, err)
		}
	})
	bubble("initialValueIsOne", nil, "", func(t *testing.T, c *sim.Cluster, counter *CheckpointIDCounter) {
		if n, err := counter.GetAndIncrement(ctx); n != 1 || err != nil {
			t.Errorf("GetAndIncrement = %d, %v; want 1", n, err)
		}
		if v, _ := counterKey(t, c); v != "2" {
			t.Errorf("counter %q, want 2", v)
		}
	})
	bubble("testShutdown", nil, "", func(t *testing.T, c *sim.Cluster, counter *CheckpointIDCounter) {
		_, _ = counter.GetAndIncrement(ctx)
		if err := counter.Shutdown(ctx, JobFinished); err != nil {
			t.Fatal(err)
		}
		if _, ok := counterKey(t, c); ok {
			t.Error("counter kept after FINISHED")
		}
	})
	bubble("testShutdownForLocallyTerminatedJobStatus", nil, "", func(t *testing.T, c *sim.Cluster, counter *CheckpointIDCounter) {
		_, _ = counter.GetAndIncrement(ctx)
		if err := counter.Shutdown(ctx, JobSuspended); err != nil {
			t.Fatal(err)
		}
		if _, ok := counterKey(t, c); !ok {
			t.Error("counter removed after SUSPENDED")
		}
	})
	bubble("testIdempotentShutdown", nil, "", func(t *testing.T, c *sim.Cluster, counter *CheckpointIDCounter) {
		_, _ = counter.GetAndIncrement(ctx)
		for range 2 {
			if err := counter.Shutdown(ctx, JobFinished); err != nil {
				t.Fatal(err)
			}
		}
		if _, ok := counterKey(t, c); ok {
			t.Error("counter kept after FINISHED")
		}
	})
	bubble("testShutdownFailureDueToMissingConfigMap", nil, "", func(t *testing.T, c *sim.Cluster, counter *CheckpointIDCounter) {
		deleteTestConfigMap(t, c.Client(), testJobConfigMap)
		if err := counter.Shutdown(ctx, JobFinished); !errors.Is(err, ErrConfigMapNotExist) {
			t.Fatalf("Shutdown: %v, want ErrConfigMapNotExist", err)
		}
		if err := CreateConfigMapIfNotExist(ctx, c.Client(), testNamespace, testJobConfigMap, testClusterID); err != nil {
			t.Fatal(err)
		}
		if err := counter.Shutdown(ctx, JobFinished); err != nil {
			t.Errorf("Shutdown after re-creating the ConfigMap: %v", err)
		}
	})
	bubble("testGetAndIncrementWithNoLeadership", leaderAnnotation("another-jobmanager"), testLockIdentity, func(t *testing.T, c *sim.Cluster, counter *CheckpointIDCounter) {
		if _, err := counter.GetAndIncrement(ctx); !errors.Is(err, ErrNoLeadership) {
			t.Errorf("GetAndIncrement: %v, want ErrNoLeadership", err)
		}
	})
	bubble("testSetAndGet", nil, "", func(t *testing.T, c *sim.Cluster, counter *CheckpointIDCounter) {
		if err := counter.SetCount(ctx, 42); err != nil {
			t.Fatal(err)
		}
		if n, err := counter.Get(ctx); n != 42 || err != nil {
			t.Errorf("Get = %d, %v; want 42", n, err)
		}
	})
	bubble("testGetWhenConfigMapNotExist", nil, "", func(t *testing.T, c *sim.Cluster, counter *CheckpointIDCounter) {
		deleteTestConfigMap(t, c.Client(), testJobConfigMap)
		if _, err := counter.Get(ctx); !errors.Is(err, ErrConfigMapNotExist) {
			t.Errorf("Get: %v, want ErrConfigMapNotExist", err)
		}
	})
	bubble("testSetWithNoLeadershipShouldNotBeIssued", leaderAnnotation(testLockIdentity), testLockIdentity, func(t *testing.T, c *sim.Cluster, counter *CheckpointIDCounter) {
		if err := counter.SetCount(ctx, 2); err != nil {
			t.Fatal(err)
		}
		editConfigMap(t, c.Client(), testJobConfigMap, func(cm *corev1.ConfigMap) { cm.Annotations = leaderAnnotation("another-jobmanager") })
		if err := counter.SetCount(ctx, 100); err != nil {
			t.Fatal(err)
		}
		if v, _ := counterKey(t, c); v != "2" {
			t.Errorf("counter %q, want 2 (set without leadership ignored)", v)
		}
	})
}
