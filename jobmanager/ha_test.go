package jobmanager_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/dfs"
	"flinksim/flinkimage"
	"flinksim/sim"
	"flinksim/sim/faults"
)

// haSessionCluster is an HA session cluster with one JobManager and a running job.
func haSessionCluster(t *testing.T, seed int64) (c *cluster, job string) {
	t.Helper()
	c = startClusterWith(t, sim.Config{Seed: seed, Images: flinkimage.ImagesWith(flinkimage.Options{ObjectStore: dfs.New()})},
		map[string]string{
			"high-availability.type": "kubernetes", "high-availability.storageDir": "file:///flink-ha",
			"execution.checkpointing.interval": "10 s",
		}, nil)
	job = c.submit("examples/streaming/TopSpeedWindowing.jar", 1)
	c.eventually(2*time.Minute, "the job runs", func() (bool, string) { return c.allTasksRunning(job) })
	return c, job
}

func (c *cluster) clusterConfigMapData() map[string]string {
	cm, err := c.sim.Client().CoreV1().ConfigMaps("default").Get(context.Background(), c.id+"-cluster-config-map", metav1.GetOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	return cm.Data
}

// A crashed JobManager is dead: it sends nothing more (process.ErrKilled), so the
// leader information its JobMasters published stays until a new leader overwrites it
// (reference §5.7, §5.9 "JM crash: nothing deleted"). Winding the term down after the
// kill must not remove the job's leader key, which only a JobMaster that deregisters
// while its process still leads does.
func TestACrashedLeaderWritesNothingMore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, job := haSessionCluster(t, 3)
		defer c.close()
		key := "org.apache.flink.k8s.leader.job-" + job
		var published string
		c.eventually(time.Minute, "the JobMaster's leader information is published", func() (bool, string) {
			published = c.clusterConfigMapData()[key]
			return published != "", "no key " + key
		})
		leader := c.leaderPod()
		if leader == "" {
			t.Fatal("no leading JobManager")
		}
		log := c.sim.Server().RequestLog()
		updates := log.CountFrom(leader, "update", "configmaps")
		if err := c.sim.Kubelet().Crash("default", leader, "", 1); err != nil {
			t.Fatal(err)
		}
		// Well within the lease (15 s): nobody may have changed the cluster ConfigMap's
		// data, least of all the dead process.
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if got := c.clusterConfigMapData()[key]; got != published {
			t.Errorf("after the crash %s = %q, want the dead leader's %q: the killed process still wrote", key, got, published)
		}
		if n := log.CountFrom(leader, "update", "configmaps"); n != updates {
			t.Errorf("%d ConfigMap updates from %s after its JobManager was killed, want none", n-updates, leader)
		}
	})
}

// The HA cleanup of a globally terminal job is retried while the JobManager leads, as
// Flink's retryable cleanup does (cleanup-strategy, exponential delay by default): an
// API server that refuses the first attempts must not leave the job ConfigMap and the
// execution plan behind until some later failover (reference §5.9).
func TestAFailedJobCleanupIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, job := haSessionCluster(t, 4)
		defer c.close()
		jobConfigMap := c.id + "-" + job + "-config-map"
		if _, err := c.sim.Client().CoreV1().ConfigMaps("default").Get(context.Background(), jobConfigMap, metav1.GetOptions{}); err != nil {
			t.Fatalf("job ConfigMap: %v", err)
		}
		refuse := faults.Error(faults.Match{Resource: "configmaps", Verb: "delete"}, 500, metav1.StatusReasonInternalError,
			"etcdserver: request timed out", faults.For(20*time.Second))
		c.sim.Server().AddFault(refuse)
		if err := c.rest.CancelJob(context.Background(), job); err != nil {
			t.Fatal(err)
		}
		c.eventually(time.Minute, "the job is CANCELED", func() (bool, string) { s := c.jobState(job); return s == "CANCELED", s })
		c.eventually(2*time.Minute, "the job's HA data is cleaned up after all", func() (bool, string) {
			if _, err := c.sim.Client().CoreV1().ConfigMaps("default").Get(context.Background(), jobConfigMap, metav1.GetOptions{}); err == nil {
				return false, "the job ConfigMap " + jobConfigMap + " exists"
			}
			for k := range c.clusterConfigMapData() {
				if strings.HasPrefix(k, "executionPlan-") {
					return false, "the cluster ConfigMap holds " + k
				}
			}
			return true, ""
		})
	})
}
