package ha

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"

	"flinksim/sim"
	"flinksim/sim/apiserver"
)

// KubernetesLeaderElectorTest: the "am I leader" substring test.
func TestKubernetesLeaderElector(t *testing.T) {
	const identity = "5b2c9d8e-2f0a-4c39-9a53-2d2f7a1c0e11"
	for _, tc := range []struct {
		name        string
		annotations map[string]string
		want        bool
	}{
		{"testNoAnnotation", nil, false},
		{"testAnnotationNotMatch", map[string]string{LeaderAnnotationKey: `{"holderIdentity":"someone-else"}`}, false},
		{"testAnnotationMatched", map[string]string{LeaderAnnotationKey: "prefix" + identity + "suffix"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: testClusterConfigMap, Annotations: tc.annotations}}
			if got := IsLeader(cm, identity); got != tc.want {
				t.Errorf("IsLeader = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNextRecord(t *testing.T) {
	t0 := time.Date(2024, 11, 20, 10, 0, 0, 0, time.UTC)
	lease := 15 * time.Second
	for _, tc := range []struct {
		name     string
		observed LeaderRecord
		now      time.Time
		want     LeaderRecord
		ok       bool
	}{
		{"other holder, lease valid", LeaderRecord{HolderIdentity: "b", LeaseDuration: lease, AcquireTime: t0, RenewTime: t0, LeaderTransitions: 3}, t0.Add(lease), LeaderRecord{}, false},
		{"other holder, lease expired", LeaderRecord{HolderIdentity: "b", LeaseDuration: lease, AcquireTime: t0, RenewTime: t0, LeaderTransitions: 3}, t0.Add(lease + time.Millisecond),
			LeaderRecord{HolderIdentity: "a", LeaseDuration: lease, AcquireTime: t0.Add(lease + time.Millisecond), RenewTime: t0.Add(lease + time.Millisecond), LeaderTransitions: 4}, true},
		{"released", LeaderRecord{LeaseDuration: time.Second, AcquireTime: t0, RenewTime: t0, LeaderTransitions: 3}, t0,
			LeaderRecord{HolderIdentity: "a", LeaseDuration: lease, AcquireTime: t0, RenewTime: t0, LeaderTransitions: 4}, true},
		{"own record renewed", LeaderRecord{HolderIdentity: "a", LeaseDuration: lease, AcquireTime: t0, RenewTime: t0, LeaderTransitions: 3}, t0.Add(5 * time.Second),
			LeaderRecord{HolderIdentity: "a", LeaseDuration: lease, AcquireTime: t0, RenewTime: t0.Add(5 * time.Second), LeaderTransitions: 3}, true},
		{"own record renewed after expiry", LeaderRecord{HolderIdentity: "a", LeaseDuration: lease, AcquireTime: t0, RenewTime: t0, LeaderTransitions: 3}, t0.Add(time.Minute),
			LeaderRecord{HolderIdentity: "a", LeaseDuration: lease, AcquireTime: t0, RenewTime: t0.Add(time.Minute), LeaderTransitions: 3}, true},
		{"no annotation", LeaderRecord{}, t0, LeaderRecord{HolderIdentity: "a", LeaseDuration: lease, AcquireTime: t0, RenewTime: t0, LeaderTransitions: 1}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := nextRecord(tc.observed, "a", lease, tc.now)
			if ok != tc.ok || got != tc.want {
				t.Errorf("nextRecord = %+v, %v; want %+v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// leadershipLog records when each elector started and stopped leading.
type leadershipLog struct {
	mu     sync.Mutex
	events []leadershipEvent
}

type leadershipEvent struct {
	at      time.Time
	who     int
	leading bool
}

func (l *leadershipLog) record(who int, leading bool) func() {
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.events = append(l.events, leadershipEvent{at: time.Now(), who: who, leading: leading})
	}
}

// leaders is who leads now according to the callbacks.
func (l *leadershipLog) leaders() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	state := map[int]bool{}
	for _, e := range l.events {
		state[e.who] = e.leading
	}
	var out []int
	for who, leading := range state {
		if leading {
			out = append(out, who)
		}
	}
	return out
}

func (l *leadershipLog) all() []leadershipEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]leadershipEvent(nil), l.events...)
}

// checkNoOverlap fails if two electors ever led at the same time.
func (l *leadershipLog) checkNoOverlap(t *testing.T) {
	t.Helper()
	leading := map[int]bool{}
	for _, e := range l.all() {
		leading[e.who] = e.leading
		n := 0
		for _, v := range leading {
			if v {
				n++
			}
		}
		if n > 1 {
			t.Errorf("at %v %d electors lead at once: %v", e.at.Format(time.TimeOnly), n, l.all())
		}
	}
}

// runner runs a Start(ctx) function in the background.
type runner struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func run(start func(context.Context) error) *runner {
	ctx, cancel := context.WithCancel(context.Background())
	r := &runner{cancel: cancel, done: make(chan struct{})}
	go func() { defer close(r.done); _ = start(ctx) }()
	return r
}

func (r *runner) stop() { r.cancel(); <-r.done }

func newTestElector(t *testing.T, client kubernetes.Interface, who int, timing ElectionTiming, log *leadershipLog) *LeaderElector {
	t.Helper()
	e, err := NewLeaderElector(ElectorConfig{
		Client: client, Namespace: testNamespace, ClusterID: testClusterID, Timing: timing, Rand: testRand(uint64(who)),
		OnStartedLeading: log.record(who, true), OnStoppedLeading: log.record(who, false),
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// electors starts n electors, each with its own client (identity jm-<i>).
func electors(t *testing.T, c *sim.Cluster, n int, timing ElectionTiming, log *leadershipLog) ([]*LeaderElector, []*runner) {
	var es []*LeaderElector
	var rs []*runner
	for i := range n {
		e := newTestElector(t, c.ClientFor(userOf(fmt.Sprintf("jm-%d", i))), i, timing, log)
		es = append(es, e)
		rs = append(rs, run(e.Start))
	}
	return es, rs
}

func oneLeader(log *leadershipLog) func() bool {
	return func() bool { return len(log.leaders()) == 1 }
}

// KubernetesLeaderElectorITCase, against the simulated API server in virtual time.
func TestKubernetesLeaderElectorITCase(t *testing.T) {
	timing := DefaultElectionTiming()
	maxAcquireWait := time.Duration(float64(timing.RetryPeriod) * (1 + JitterFactor))

	t.Run("testMultipleKubernetesLeaderElectors", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stopCluster := startCluster(t, 1)
			defer stopCluster()
			log := &leadershipLog{}
			es, rs := electors(t, c, 3, timing, log)
			eventually(t, maxAcquireWait, "one elector leads", oneLeader(log))
			time.Sleep(time.Minute) // many renewals later, still the same single leader
			leaders := log.leaders()
			if len(leaders) != 1 || len(log.all()) != 1 {
				t.Fatalf("after a minute: leaders %v, events %v", leaders, log.all())
			}
			first := leaders[0]
			if got := leaderOf(getConfigMap(t, c.Client(), testClusterConfigMap)); got != es[first].Identity() {
				t.Fatalf("lock names %q, leader is %q", got, es[first].Identity())
			}
			stoppedAt := time.Now()
			rs[first].stop()
			if es[first].IsLeading() {
				t.Fatal("stopped elector still leads")
			}
			eventually(t, maxAcquireWait, "another elector leads", func() bool {
				l := log.leaders()
				return len(l) == 1 && l[0] != first
			})
			t.Logf("handover after %v (released lock, bound %v)", time.Since(stoppedAt), maxAcquireWait)
			for i, r := range rs {
				if i != first {
					r.stop()
				}
			}
			log.checkNoOverlap(t)
		})
	})

	t.Run("testLeaderCutOffHandsOverWithinLeaseAndRetry", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stopCluster := startCluster(t, 2)
			defer stopCluster()
			log := &leadershipLog{}
			es, rs := electors(t, c, 3, timing, log)
			eventually(t, maxAcquireWait, "one elector leads", oneLeader(log))
			time.Sleep(7 * time.Second)
			synctest.Wait()
			old := log.leaders()[0]
			var last LeaderRecord
			_ = last.UnmarshalJSON([]byte(getConfigMap(t, c.Client(), testClusterConfigMap).Annotations[LeaderAnnotationKey]))
			// The leader loses the API server: every request fails.
			cutOff := &fault{match: func(r apiserver.Request) bool { return r.User == userOf(fmt.Sprintf("jm-%d", old)) }, err: errInternal("connection refused")}
			c.Server().AddFault(cutOff)
			eventually(t, timing.LeaseDuration+maxAcquireWait, "a standby leads", func() bool {
				l := log.leaders()
				return len(l) == 1 && l[0] != old
			})
			var stopped, started time.Time
			for _, e := range log.all() {
				if e.who == old && !e.leading {
					stopped = e.at
				}
				if e.who != old && e.leading {
					started = e.at
				}
			}
			if d := stopped.Sub(last.RenewTime); d > timing.RenewDeadline {
				t.Errorf("old leader revoked %v after its last renew; renew deadline %v", d, timing.RenewDeadline)
			}
			if d := started.Sub(last.RenewTime); d <= timing.LeaseDuration || d > timing.LeaseDuration+maxAcquireWait {
				t.Errorf("standby led %v after the last renew; want in (%v, %v]", d, timing.LeaseDuration, timing.LeaseDuration+maxAcquireWait)
			}
			t.Logf("last renew %v, old leader revoked +%v, standby leads +%v", last.RenewTime.Format(time.TimeOnly), stopped.Sub(last.RenewTime), started.Sub(last.RenewTime))
			c.Server().RemoveFault(cutOff)
			for _, r := range rs {
				r.stop()
			}
			log.checkNoOverlap(t)
			_ = es
		})
	})

	t.Run("testClusterConfigMapLabelsAreSet", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stopCluster := startCluster(t, 3)
			defer stopCluster()
			log := &leadershipLog{}
			_, rs := electors(t, c, 1, timing, log)
			eventually(t, maxAcquireWait, "the elector leads", oneLeader(log))
			cm := getConfigMap(t, c.Client(), testClusterConfigMap)
			if len(cm.Labels) != 2 || cm.Labels[LabelType] != LabelTypeNativeValue || cm.Labels[LabelApp] != testClusterID {
				t.Errorf("labels %v, want exactly the COMMON labels", cm.Labels)
			}
			if len(cm.OwnerReferences) != 0 {
				t.Errorf("owner references %v, want none", cm.OwnerReferences)
			}
			rs[0].stop()
		})
	})

	t.Run("testLeaderElectorLifecycleManagement", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stopCluster := startCluster(t, 4)
			defer stopCluster()
			short := ElectionTiming{LeaseDuration: time.Second, RenewDeadline: 100 * time.Millisecond, RetryPeriod: 20 * time.Millisecond}
			log := &leadershipLog{}
			_, rs := electors(t, c, 1, short, log)
			eventually(t, time.Second, "the elector leads", oneLeader(log))
			// Stall the renew loop: its writes fail.
			stall := &fault{match: on(userOf("jm-0"), "update", testClusterConfigMap), err: errInternal("etcd is slow")}
			stalledAt := time.Now()
			c.Server().AddFault(stall)
			eventually(t, time.Second, "leadership lost", func() bool { return len(log.leaders()) == 0 })
			if d := time.Since(stalledAt); d > short.RenewDeadline+short.RetryPeriod {
				t.Errorf("leadership lost %v after the stall; renew deadline %v", d, short.RenewDeadline)
			}
			c.Server().RemoveFault(stall)
			eventually(t, 2*time.Second, "leadership re-acquired by the next round", oneLeader(log))
			rs[0].stop()
			if n := len(log.all()); n != 4 {
				t.Errorf("events %v, want started, stopped, started, stopped", log.all())
			}
		})
	})

	t.Run("testKubernetesLeaderElectorSendingLeadershipLostSignalOnStop", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stopCluster := startCluster(t, 5)
			defer stopCluster()
			log := &leadershipLog{}
			es, rs := electors(t, c, 1, timing, log)
			eventually(t, maxAcquireWait, "the elector leads", oneLeader(log))
			stopAt := time.Now()
			rs[0].stop()
			events := log.all()
			if last := events[len(events)-1]; last.leading || !last.at.Equal(stopAt) {
				t.Errorf("last event %+v, want 'stopped leading' at %v", last, stopAt)
			}
			if es[0].IsLeading() {
				t.Error("IsLeading after stop")
			}
			var rec LeaderRecord
			if err := rec.UnmarshalJSON([]byte(getConfigMap(t, c.Client(), testClusterConfigMap).Annotations[LeaderAnnotationKey])); err != nil {
				t.Fatal(err)
			}
			if rec.HolderIdentity != "" || rec.LeaseDuration != time.Second {
				t.Errorf("record after release %+v, want empty holder and a 1 s lease", rec)
			}
		})
	})

	// A renew whose request hangs past the renew deadline loses leadership at the
	// deadline, before a standby can acquire. The hang is injected on the client side
	// (a slow network): a latency Fault on the simulated API server would hold
	// client-go's fake clientset lock while it sleeps, blocking every other request of
	// that identity on a mutex, which stops virtual time (see the report in doc.go).
	t.Run("testRenewHangingPastDeadlineLosesLeadership", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stopCluster := startCluster(t, 6)
			defer stopCluster()
			log := &leadershipLog{}
			slow := &slowClient{Interface: c.ClientFor(userOf("jm-0"))}
			leader := newTestElector(t, slow, 0, timing, log)
			r0 := run(leader.Start)
			eventually(t, maxAcquireWait, "jm-0 leads", oneLeader(log))
			standby := newTestElector(t, c.ClientFor(userOf("jm-1")), 1, timing, log)
			r1 := run(standby.Start)
			time.Sleep(3 * time.Second)
			synctest.Wait()
			var last LeaderRecord
			_ = last.UnmarshalJSON([]byte(getConfigMap(t, c.Client(), testClusterConfigMap).Annotations[LeaderAnnotationKey]))
			slow.updateDelay.Store(int64(time.Minute))
			eventually(t, timing.LeaseDuration+maxAcquireWait, "jm-1 leads", func() bool {
				l := log.leaders()
				return len(l) == 1 && l[0] == 1
			})
			ev := log.all()
			if ev[1].who != 0 || ev[1].leading || ev[1].at.Sub(last.RenewTime) != timing.RenewDeadline {
				t.Errorf("events %v: want jm-0 to stop leading exactly %v after its last renew at %v", ev, timing.RenewDeadline, last.RenewTime.Format(time.TimeOnly))
			}
			slow.updateDelay.Store(0)
			r0.stop()
			r1.stop()
			log.checkNoOverlap(t)
			slow.inflight.Wait() // the requests still on the slow network
		})
	})
}

// slowClient is a client on a slow network: ConfigMap updates take updateDelay
// before they reach the server, and every ConfigMap request returns when its context
// ends, as client-go's REST client does (the request may still reach the server).
type slowClient struct {
	kubernetes.Interface
	updateDelay atomic.Int64
	inflight    sync.WaitGroup
}

func (c *slowClient) CoreV1() corev1client.CoreV1Interface {
	return slowCore{c.Interface.CoreV1(), c}
}

type slowCore struct {
	corev1client.CoreV1Interface
	c *slowClient
}

func (s slowCore) ConfigMaps(ns string) corev1client.ConfigMapInterface {
	return slowConfigMaps{s.CoreV1Interface.ConfigMaps(ns), s.c}
}

type slowConfigMaps struct {
	corev1client.ConfigMapInterface
	c *slowClient
}

func withContext[T runtime.Object](ctx context.Context, inflight *sync.WaitGroup, delay time.Duration, call func() (T, error)) (T, error) {
	type result struct {
		obj T
		err error
	}
	ch := make(chan result, 1)
	inflight.Go(func() {
		time.Sleep(delay)
		o, err := call()
		ch <- result{o, err}
	})
	select {
	case r := <-ch:
		return r.obj, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

func (s slowConfigMaps) Get(ctx context.Context, name string, o metav1.GetOptions) (*corev1.ConfigMap, error) {
	return withContext(ctx, &s.c.inflight, 0, func() (*corev1.ConfigMap, error) { return s.ConfigMapInterface.Get(ctx, name, o) })
}

func (s slowConfigMaps) Create(ctx context.Context, cm *corev1.ConfigMap, o metav1.CreateOptions) (*corev1.ConfigMap, error) {
	return withContext(ctx, &s.c.inflight, 0, func() (*corev1.ConfigMap, error) { return s.ConfigMapInterface.Create(ctx, cm, o) })
}

func (s slowConfigMaps) Update(ctx context.Context, cm *corev1.ConfigMap, o metav1.UpdateOptions) (*corev1.ConfigMap, error) {
	d := time.Duration(s.c.updateDelay.Load())
	return withContext(ctx, &s.c.inflight, d, func() (*corev1.ConfigMap, error) { return s.ConfigMapInterface.Update(ctx, cm, o) })
}
