package ha

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestRetrievedLeader(t *testing.T) {
	info := LeaderInformation{SessionID: uuid.MustParse("a1b2c3d4-0000-4000-8000-000000000001"), Address: "addr"}
	with := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: testClusterConfigMap}, Data: map[string]string{LeaderKey("dispatcher"): info.String()}}
	without := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: testClusterConfigMap}}
	for _, tc := range []struct {
		name   string
		ev     configMapEvent
		cm     *corev1.ConfigMap
		want   LeaderInformation
		notify bool
	}{
		{"added with entry", configMapAdded, with, info, true},
		{"added without entry", configMapAdded, without, LeaderInformation{}, false},
		{"modified with entry", configMapModified, with, info, true},
		{"modified without entry", configMapModified, without, LeaderInformation{}, true},
		{"deleted", configMapDeleted, with, LeaderInformation{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, notify := retrievedLeader(tc.ev, tc.cm, "dispatcher")
			if got != tc.want || notify != tc.notify {
				t.Errorf("= %+v, %v; want %+v, %v", got, notify, tc.want, tc.notify)
			}
		})
	}
}

// leaderLog records what a retriever reported.
type leaderLog struct {
	mu   sync.Mutex
	seen []LeaderInformation
}

func (l *leaderLog) add(info LeaderInformation) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, info)
}

func (l *leaderLog) all() []LeaderInformation {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]LeaderInformation(nil), l.seen...)
}

func (l *leaderLog) last() LeaderInformation {
	all := l.all()
	if len(all) == 0 {
		return LeaderInformation{}
	}
	return all[len(all)-1]
}

// KubernetesLeaderRetrievalDriverTest. testErrorForwarding has no counterpart: the
// shared informer never reports watch errors (see the election driver's test).
func TestKubernetesLeaderRetrievalDriver(t *testing.T) {
	first := LeaderInformation{SessionID: uuid.MustParse("a1b2c3d4-0000-4000-8000-000000000001"), Address: "pekko.tcp://flink@10.244.0.5:6123/user/rpc/resourcemanager_0"}
	second := LeaderInformation{SessionID: uuid.MustParse("a1b2c3d4-0000-4000-8000-000000000002"), Address: "pekko.tcp://flink@10.244.1.7:6123/user/rpc/resourcemanager_1"}
	retrieve := func(t *testing.T, test func(t *testing.T, edit func(func(*corev1.ConfigMap)), log *leaderLog)) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			createConfigMap(t, c.Client(), testClusterConfigMap, nil, map[string]string{LeaderKey(ResourceManagerComponent): first.String()})
			w := newClusterWatcher(t, c, userOf("tm-0"))
			log := &leaderLog{}
			r, err := NewLeaderRetriever(LeaderRetrieverConfig{Watcher: w, Component: ResourceManagerComponent, OnLeaderChange: log.add})
			if err != nil {
				t.Fatal(err)
			}
			rw, rr := run(w.Start), run(r.Start)
			defer rw.stop()
			defer rr.stop()
			eventually(t, time.Second, "the current leader from ADDED", func() bool { return log.last() == first })
			test(t, func(f func(*corev1.ConfigMap)) { editConfigMap(t, c.Client(), testClusterConfigMap, f) }, log)
		})
	}
	t.Run("testKubernetesLeaderRetrievalOnModified", func(t *testing.T) {
		retrieve(t, func(t *testing.T, edit func(func(*corev1.ConfigMap)), log *leaderLog) {
			edit(func(cm *corev1.ConfigMap) { cm.Data[LeaderKey(ResourceManagerComponent)] = second.String() })
			eventually(t, time.Second, "the new leader", func() bool { return log.last() == second })
			// Changes of other keys do not repeat the same leader.
			edit(func(cm *corev1.ConfigMap) { cm.Data[LeaderKey(DispatcherComponent)] = first.String() })
			synctest.Wait()
			if n := len(log.all()); n != 2 {
				t.Errorf("reports %v, want first and second only", log.all())
			}
		})
	})
	t.Run("testKubernetesLeaderRetrievalOnModifiedWithEmpty", func(t *testing.T) {
		retrieve(t, func(t *testing.T, edit func(func(*corev1.ConfigMap)), log *leaderLog) {
			edit(func(cm *corev1.ConfigMap) { cm.Data = nil })
			eventually(t, time.Second, "no leader", func() bool { return len(log.all()) == 2 && log.last().IsEmpty() })
		})
	})
}

// testContender is a LeaderContender that confirms every grant with its address.
type testContender struct {
	address  string
	election *LeaderElection
	confirm  bool

	mu      sync.Mutex
	session uuid.UUID
	history []contenderEvent
	errs    []error
}

type contenderEvent struct {
	at      time.Time
	session uuid.UUID // nil for a revocation
}

func newContender(t *testing.T, s *Services, component, address string, confirm bool) *testContender {
	t.Helper()
	e, err := s.LeaderElection(component)
	if err != nil {
		t.Fatal(err)
	}
	c := &testContender{address: address, election: e, confirm: confirm}
	if err := e.StartLeaderElection(c); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *testContender) GrantLeadership(session uuid.UUID) {
	c.mu.Lock()
	c.session = session
	c.history = append(c.history, contenderEvent{at: time.Now(), session: session})
	c.mu.Unlock()
	if c.confirm {
		c.election.ConfirmLeadership(context.Background(), session, c.address)
	}
}

func (c *testContender) RevokeLeadership() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.session = uuid.Nil
	c.history = append(c.history, contenderEvent{at: time.Now()})
}

func (c *testContender) HandleError(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, err)
}

func (c *testContender) Session() uuid.UUID {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session
}

func (c *testContender) Info() LeaderInformation {
	return LeaderInformation{SessionID: c.Session(), Address: c.address}
}

func (c *testContender) Errors() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]error(nil), c.errs...)
}

func (c *testContender) History() []contenderEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]contenderEvent(nil), c.history...)
}

// KubernetesLeaderElectionAndRetrievalITCase.
func TestKubernetesLeaderElectionAndRetrievalITCase(t *testing.T) {
	t.Run("testLeaderElectionAndRetrieval", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			fs := NewMemFileSystem()
			jm := newTestServices(t, c, "jm-0", fs, 1, nil)
			tm := newTestServices(t, c, "tm-0", fs, 2, nil)
			rjm, rtm := run(jm.Start), run(tm.Start)
			early, late := &leaderLog{}, &leaderLog{}
			r1, err := tm.LeaderRetriever(ResourceManagerComponent, early.add)
			if err != nil {
				t.Fatal(err)
			}
			run1 := run(r1.Start)
			contender := newContender(t, jm, ResourceManagerComponent, "pekko.tcp://flink@10.244.0.5:6123/user/rpc/resourcemanager_0", true)
			eventually(t, 15*time.Second, "the early retriever learns the leader", func() bool {
				return contender.Session() != uuid.Nil && early.last() == contender.Info()
			})
			r2, err := tm.LeaderRetriever(ResourceManagerComponent, late.add)
			if err != nil {
				t.Fatal(err)
			}
			run2 := run(r2.Start)
			eventually(t, time.Second, "the late retriever learns the leader from ADDED", func() bool { return late.last() == contender.Info() })
			if got := late.all(); len(got) != 1 {
				t.Errorf("late retriever saw %v, want the leader once", got)
			}
			run2.stop()
			run1.stop()
			rtm.stop()
			rjm.stop()
		})
	})
}
