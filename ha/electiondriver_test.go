package ha

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"
	corev1 "k8s.io/api/core/v1"

	"flinksim/sim"
)

// driverRecorder is a LeaderElectionListener that records everything.
type driverRecorder struct {
	mu      sync.Mutex
	grants  []uuid.UUID
	revokes int
	changes []map[string]LeaderInformation
	errs    []error
}

func (r *driverRecorder) OnGrantLeadership(s uuid.UUID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.grants = append(r.grants, s)
}

func (r *driverRecorder) OnRevokeLeadership() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.revokes++
}

func (r *driverRecorder) OnLeaderInformationChange(all map[string]LeaderInformation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.changes = append(r.changes, all)
}

func (r *driverRecorder) OnError(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

func (r *driverRecorder) counts() (grants, revokes, changes, errs int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.grants), r.revokes, len(r.changes), len(r.errs)
}

func (r *driverRecorder) lastGrant() uuid.UUID {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.grants[len(r.grants)-1]
}

func (r *driverRecorder) lastChange() map[string]LeaderInformation {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.changes) == 0 {
		return nil
	}
	return r.changes[len(r.changes)-1]
}

func (r *driverRecorder) hasError(target error) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, err := range r.errs {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

func newClusterWatcher(t *testing.T, c *sim.Cluster, user string) *ConfigMapWatcher {
	t.Helper()
	w, err := NewConfigMapWatcher(ConfigMapWatcherConfig{Client: c.ClientFor(user), Namespace: testNamespace, Name: testClusterConfigMap})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// driverEnv is a driver with its watcher, not yet started.
type driverEnv struct {
	c       *sim.Cluster
	rec     *driverRecorder
	watcher *ConfigMapWatcher
	driver  *LeaderElectionDriver
	ctx     context.Context
	running []*runner
}

func newDriverEnv(t *testing.T, c *sim.Cluster) *driverEnv {
	t.Helper()
	rec := &driverRecorder{}
	w := newClusterWatcher(t, c, userOf("jm-0"))
	d, err := NewLeaderElectionDriver(LeaderElectionDriverConfig{
		Client: c.ClientFor(userOf("jm-0")), Namespace: testNamespace, ClusterID: testClusterID,
		MaxRetries: 3, Watcher: w, Listener: rec, Rand: testRand(7),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &driverEnv{c: c, rec: rec, watcher: w, driver: d, ctx: context.Background()}
}

// lead starts watcher and driver and waits for the grant.
func (e *driverEnv) lead(t *testing.T) {
	t.Helper()
	e.running = append(e.running, run(e.watcher.Start), run(e.driver.Start))
	eventually(t, 15*time.Second, "leadership granted", func() bool { g, _, _, _ := e.rec.counts(); return g == 1 })
}

func (e *driverEnv) stop() {
	for i := len(e.running) - 1; i >= 0; i-- {
		e.running[i].stop()
	}
	e.running = nil
}

func driverBubble(t *testing.T, name string, test func(t *testing.T, e *driverEnv)) {
	t.Run(name, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			e := newDriverEnv(t, c)
			defer e.stop()
			test(t, e)
		})
	})
}

// KubernetesLeaderElectionDriverTest. testErrorForwarding (a watch ERROR while
// leading) has no counterpart: as in Flink, the shared informer never reports watch
// errors to its handlers (client-go's reflector re-lists and re-watches by itself).
func TestKubernetesLeaderElectionDriver(t *testing.T) {
	info := LeaderInformation{SessionID: uuid.MustParse("a1b2c3d4-0000-4000-8000-000000000001"), Address: "pekko.tcp://flink@10.244.1.5:6123/user/rpc/resourcemanager_0"}

	driverBubble(t, "testIsLeader", func(t *testing.T, e *driverEnv) {
		e.lead(t)
		if e.rec.lastGrant() == uuid.Nil {
			t.Error("granted with a nil session id")
		}
		if ok := e.driver.HasLeadership(e.ctx); !ok {
			t.Error("HasLeadership = false while leading")
		}
	})
	driverBubble(t, "testNotLeader", func(t *testing.T, e *driverEnv) {
		e.lead(t)
		e.stop()
		if _, revokes, _, _ := e.rec.counts(); revokes != 1 {
			t.Errorf("%d revocations, want 1", revokes)
		}
		data := getConfigMap(t, e.c.Client(), testClusterConfigMap).Data
		if _, ok := data["address"]; ok {
			t.Error("legacy key address present")
		}
		if _, ok := data["sessionId"]; ok {
			t.Error("legacy key sessionId present")
		}
	})
	driverBubble(t, "testHasLeadershipWhenConfigMapNotExist", func(t *testing.T, e *driverEnv) {
		if e.driver.HasLeadership(e.ctx) {
			t.Error("HasLeadership = true without ConfigMap")
		}
		if !e.rec.hasError(ErrConfigMapNotExist) || !strings.Contains(e.rec.errs[0].Error(), "does not exist") {
			t.Errorf("errors %v, want one saying the ConfigMap does not exist", e.rec.errs)
		}
	})
	driverBubble(t, "testWriteLeaderInformation", func(t *testing.T, e *driverEnv) {
		e.lead(t)
		e.driver.PublishLeaderInformation(e.ctx, ResourceManagerComponent, info)
		if got := getConfigMap(t, e.c.Client(), testClusterConfigMap).Data[LeaderKey(ResourceManagerComponent)]; got != info.SessionID.String()+","+info.Address {
			t.Errorf("stored %q", got)
		}
		e.driver.DeleteLeaderInformation(e.ctx, ResourceManagerComponent)
		if _, ok := getConfigMap(t, e.c.Client(), testClusterConfigMap).Data[LeaderKey(ResourceManagerComponent)]; ok {
			t.Error("empty information kept the key")
		}
	})
	driverBubble(t, "testWriteLeaderInformationWhenConfigMapNotExist", func(t *testing.T, e *driverEnv) {
		e.driver.PublishLeaderInformation(e.ctx, ResourceManagerComponent, info)
		if !e.rec.hasError(ErrConfigMapNotExist) {
			t.Errorf("errors %v, want ErrConfigMapNotExist", e.rec.errs)
		}
	})
	driverBubble(t, "testPublishWithoutLeadershipWritesNothing", func(t *testing.T, e *driverEnv) {
		createConfigMap(t, e.c.Client(), testClusterConfigMap, leaderAnnotation("another-jobmanager"), nil)
		e.driver.PublishLeaderInformation(e.ctx, ResourceManagerComponent, info)
		if data := getConfigMap(t, e.c.Client(), testClusterConfigMap).Data; len(data) != 0 {
			t.Errorf("data %v written without leadership", data)
		}
	})
	driverBubble(t, "testLeaderConfigMapModifiedExternallyShouldBeCorrected", func(t *testing.T, e *driverEnv) {
		e.lead(t)
		e.driver.PublishLeaderInformation(e.ctx, ResourceManagerComponent, info)
		faulty := LeaderInformation{SessionID: uuid.MustParse("ffffffff-0000-4000-8000-000000000002"), Address: "faulty-address"}
		editConfigMap(t, e.c.Client(), testClusterConfigMap, func(cm *corev1.ConfigMap) {
			cm.Data[LeaderKey(ResourceManagerComponent)] = faulty.String()
		})
		eventually(t, time.Second, "a change event with the faulty value", func() bool {
			return e.rec.lastChange()[ResourceManagerComponent] == faulty
		})
		e.driver.PublishLeaderInformation(e.ctx, ResourceManagerComponent, info)
		if got := getConfigMap(t, e.c.Client(), testClusterConfigMap).Data[LeaderKey(ResourceManagerComponent)]; got != info.String() {
			t.Errorf("stored %q after re-publishing", got)
		}
	})
	driverBubble(t, "testLeaderConfigMapDeletedExternally", func(t *testing.T, e *driverEnv) {
		e.lead(t)
		deleteTestConfigMap(t, e.c.Client(), testClusterConfigMap)
		eventually(t, time.Second, "an error event", func() bool { return e.rec.hasError(ErrConfigMapDeletedExternally) })
		if !strings.Contains(e.rec.errs[0].Error(), testClusterConfigMap) {
			t.Errorf("error %v does not name the ConfigMap", e.rec.errs[0])
		}
	})
	driverBubble(t, "testToStringContainingConfigMap", func(t *testing.T, e *driverEnv) {
		if s := e.driver.String(); !strings.Contains(s, testClusterConfigMap) {
			t.Errorf("%s does not name %s", s, testClusterConfigMap)
		}
	})
}
