package ha

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/config"
	"flinksim/sim"
	"flinksim/sim/apiserver"
)

func testConfiguration(extra map[string]string) *config.Configuration {
	m := map[string]string{
		"high-availability.type":       "kubernetes",
		"high-availability.storageDir": "s3://flink/ha",
		"high-availability.cluster-id": testClusterID,
		"kubernetes.cluster-id":        testClusterID,
		"kubernetes.namespace":         testNamespace,
	}
	for k, v := range extra {
		m[k] = v
	}
	return config.FromMap(m)
}

// fatalLog collects fatal errors.
type fatalLog struct {
	mu   sync.Mutex
	errs []error
}

func (f *fatalLog) handle(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, err)
}

func newTestServices(t *testing.T, c *sim.Cluster, name string, fs FileSystem, seed uint64, fatal *fatalLog) *Services {
	t.Helper()
	if fatal == nil {
		fatal = &fatalLog{}
	}
	s, err := New(ServicesConfig{Client: c.ClientFor(userOf(name)), Configuration: testConfiguration(nil), FileSystem: fs, Rand: testRand(seed), FatalErrorHandler: fatal.handle})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewServicesValidates(t *testing.T) {
	c, err := sim.New(sim.Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		extra map[string]string
		want  string
	}{
		{map[string]string{"high-availability.type": "NONE"}, "high-availability.type"},
		{map[string]string{"high-availability.storageDir": ""}, "high-availability.storageDir"},
		{map[string]string{"kubernetes.cluster-id": " "}, "kubernetes.cluster-id"},
		{map[string]string{"high-availability.kubernetes.leader-election.retry-period": "0 s"}, "retry-period"},
		{map[string]string{"high-availability.kubernetes.leader-election.renew-deadline": "5 s"}, "must be longer than"},
		{map[string]string{"kubernetes.transactional-operation.max-retries": "-1"}, "max-retries"},
		{map[string]string{"execution.checkpointing.num-retained": "0"}, "num-retained"},
	} {
		_, err := New(ServicesConfig{Client: c.Client(), Configuration: testConfiguration(tc.extra), FileSystem: NewMemFileSystem(), Rand: testRand(1), FatalErrorHandler: func(error) {}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v, want one naming %s", tc.extra, err, tc.want)
		}
	}
	if _, err := New(ServicesConfig{Client: c.Client(), Configuration: testConfiguration(map[string]string{"high-availability.type": config.KubernetesHAServicesFactoryClass}), FileSystem: NewMemFileSystem(), Rand: testRand(1), FatalErrorHandler: func(error) {}}); err != nil {
		t.Errorf("factory class name refused: %v", err)
	}
	if _, err := New(ServicesConfig{Client: c.Client(), Configuration: testConfiguration(nil), FileSystem: NewMemFileSystem(), FatalErrorHandler: func(error) {}}); err == nil {
		t.Error("nil Rand accepted")
	}
}

func TestLeaderElectionService(t *testing.T) {
	timing := DefaultElectionTiming()
	maxAcquireWait := time.Duration(float64(timing.RetryPeriod) * (1 + JitterFactor))
	dispatcherAddr := "pekko.tcp://flink@10.244.0.5:6123/user/rpc/dispatcher_1"

	t.Run("selfHealsExternalEdits", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			jm := newTestServices(t, c, "jm-0", NewMemFileSystem(), 1, nil)
			r := run(jm.Start)
			defer r.stop()
			d := newContender(t, jm, DispatcherComponent, dispatcherAddr, true)
			newContender(t, jm, RestServerComponent, "http://10.244.0.5:8081", false) // never confirms
			eventually(t, maxAcquireWait, "the dispatcher's leader information is published", func() bool {
				return d.Session() != uuid.Nil && dataOf(c.Client(), testClusterConfigMap)[LeaderKey(DispatcherComponent)] == d.Info().String()
			})
			for _, edit := range []struct {
				what string
				fn   func(cm *corev1.ConfigMap)
			}{
				{"overwritten", func(cm *corev1.ConfigMap) {
					cm.Data[LeaderKey(DispatcherComponent)] = uuid.NewString() + ",somewhere-else"
				}},
				{"garbled", func(cm *corev1.ConfigMap) { cm.Data[LeaderKey(DispatcherComponent)] = "garbage" }},
				{"removed", func(cm *corev1.ConfigMap) { delete(cm.Data, LeaderKey(DispatcherComponent)) }},
			} {
				editConfigMap(t, c.Client(), testClusterConfigMap, edit.fn)
				eventually(t, time.Second, "the "+edit.what+" entry is corrected", func() bool {
					return getConfigMap(t, c.Client(), testClusterConfigMap).Data[LeaderKey(DispatcherComponent)] == d.Info().String()
				})
			}
			// An entry for a component that has not confirmed is removed.
			editConfigMap(t, c.Client(), testClusterConfigMap, func(cm *corev1.ConfigMap) { cm.Data[LeaderKey(RestServerComponent)] = d.Info().String() })
			eventually(t, time.Second, "the unconfirmed entry is removed", func() bool {
				_, ok := getConfigMap(t, c.Client(), testClusterConfigMap).Data[LeaderKey(RestServerComponent)]
				return !ok
			})
		})
	})

	t.Run("externalDeletionWhileLeadingIsFatalForContenders", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			jm := newTestServices(t, c, "jm-0", NewMemFileSystem(), 1, nil)
			r := run(jm.Start)
			defer r.stop()
			d := newContender(t, jm, DispatcherComponent, dispatcherAddr, true)
			eventually(t, maxAcquireWait, "leading", func() bool { return d.Session() != uuid.Nil })
			deleteTestConfigMap(t, c.Client(), testClusterConfigMap)
			eventually(t, time.Second, "an error reaches the contender", func() bool {
				errs := d.Errors()
				return len(errs) == 1 && errors.Is(errs[0], ErrConfigMapDeletedExternally)
			})
		})
	})

	t.Run("lastContenderLeavingReleasesLockAndRemovesItsKey", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			fs := NewMemFileSystem()
			jm0, jm1 := newTestServices(t, c, "jm-0", fs, 1, nil), newTestServices(t, c, "jm-1", fs, 2, nil)
			r0 := run(jm0.Start)
			d0 := newContender(t, jm0, DispatcherComponent, dispatcherAddr, true)
			eventually(t, maxAcquireWait, "jm-0 leads", func() bool { return d0.Session() != uuid.Nil })
			r1 := run(jm1.Start)
			d1 := newContender(t, jm1, DispatcherComponent, "pekko.tcp://flink@10.244.1.9:6123/user/rpc/dispatcher_1", true)
			time.Sleep(time.Minute)
			if d1.Session() != uuid.Nil {
				t.Fatal("the standby leads while the leader is alive")
			}
			d0.election.Close(context.Background())
			closedAt := time.Now()
			if _, ok := getConfigMap(t, c.Client(), testClusterConfigMap).Data[LeaderKey(DispatcherComponent)]; ok {
				t.Error("leader key kept after the contender left")
			}
			eventually(t, maxAcquireWait, "the standby leads", func() bool {
				return dataOf(c.Client(), testClusterConfigMap)[LeaderKey(DispatcherComponent)] == d1.Info().String()
			})
			t.Logf("standby published %v after the leader's last contender left", time.Since(closedAt))
			r1.stop()
			r0.stop()
		})
	})

	// Issue 7's takeover at the HA layer: the leader is cut off from the API server; a
	// standby's components lead within lease + jittered retry of the last renew, the
	// TaskManager's retriever follows, and no two contenders lead at once.
	t.Run("standbyTakesOverFromCutOffLeader", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			fs := NewMemFileSystem()
			jm0, jm1, tm := newTestServices(t, c, "jm-0", fs, 1, nil), newTestServices(t, c, "jm-1", fs, 2, nil), newTestServices(t, c, "tm-0", fs, 3, nil)
			r0, r1, rtm := run(jm0.Start), run(jm1.Start), run(tm.Start)
			d0 := newContender(t, jm0, ResourceManagerComponent, "pekko.tcp://flink@10.244.0.5:6123/user/rpc/resourcemanager_0", true)
			eventually(t, maxAcquireWait, "jm-0 leads", func() bool { return d0.Session() != uuid.Nil })
			d1 := newContender(t, jm1, ResourceManagerComponent, "pekko.tcp://flink@10.244.1.9:6123/user/rpc/resourcemanager_0", true)
			seen := &leaderLog{}
			ret, _ := tm.LeaderRetriever(ResourceManagerComponent, seen.add)
			rr := run(ret.Start)
			eventually(t, time.Second, "the TaskManager finds jm-0", func() bool { return seen.last() == d0.Info() })
			time.Sleep(12 * time.Second)
			synctest.Wait()
			var last LeaderRecord
			_ = last.UnmarshalJSON([]byte(getConfigMap(t, c.Client(), testClusterConfigMap).Annotations[LeaderAnnotationKey]))
			cut := &fault{match: func(r apiserver.Request) bool { return r.User == userOf("jm-0") }, err: errInternal("connection refused")}
			c.Server().AddFault(cut)
			eventually(t, timing.LeaseDuration+maxAcquireWait, "the TaskManager follows jm-1", func() bool {
				return d1.Session() != uuid.Nil && seen.last() == d1.Info()
			})
			revoked, granted := d0.History()[1], d1.History()[0]
			if revoked.session != uuid.Nil || revoked.at.After(granted.at) {
				t.Errorf("jm-0 revoked at %v, jm-1 granted at %v: overlap", revoked.at, granted.at)
			}
			if d := granted.at.Sub(last.RenewTime); d <= timing.LeaseDuration || d > timing.LeaseDuration+maxAcquireWait {
				t.Errorf("jm-1 leads %v after the last renew, want within (%v, %v]", d, timing.LeaseDuration, timing.LeaseDuration+maxAcquireWait)
			}
			if granted.session == d0.History()[0].session {
				t.Error("the new leader reuses the old session id")
			}
			t.Logf("revoked +%v, granted +%v after the last renew", revoked.at.Sub(last.RenewTime), granted.at.Sub(last.RenewTime))
			c.Server().RemoveFault(cut)
			rr.stop()
			rtm.stop()
			r1.stop()
			r0.stop()
		})
	})

	// The election backend exists only while a contender is registered (reference §5.3):
	// services without one (a TaskManager's) never touch the lock, and the first
	// contender starts the contest.
	t.Run("electionStartsWithTheFirstContender", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			jm := newTestServices(t, c, "jm-0", NewMemFileSystem(), 1, nil)
			r := run(jm.Start)
			defer r.stop()
			time.Sleep(time.Minute)
			for _, verb := range []string{"create", "update"} {
				if n := c.Server().RequestLog().Count(userOf("jm-0"), verb, "configmaps"); n != 0 {
					t.Errorf("%d ConfigMap %ss without a contender", n, verb)
				}
			}
			if data := dataOf(c.Client(), testClusterConfigMap); data != nil {
				t.Errorf("cluster ConfigMap exists without a contender: %v", data)
			}
			d := newContender(t, jm, DispatcherComponent, dispatcherAddr, true)
			eventually(t, maxAcquireWait, "the first contender leads", func() bool { return d.Session() != uuid.Nil })
		})
	})

	// A correction of edited leader information that is slow to land must write what
	// the component has confirmed by then, not what it had confirmed when the edit was
	// seen: Flink corrects and confirms under one lock. Here the correction (remove the
	// edited key of a component that has not confirmed) is held at the API server while
	// the component confirms; retrievers must never see the confirmed leader vanish.
	t.Run("slowCorrectionDoesNotUndoALaterConfirmation", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			jm := newTestServices(t, c, "jm-0", NewMemFileSystem(), 1, nil)
			r := run(jm.Start)
			defer r.stop()
			d := newContender(t, jm, DispatcherComponent, dispatcherAddr, false)
			eventually(t, maxAcquireWait, "leading", func() bool { return d.Session() != uuid.Nil })
			seen := &leaderLog{}
			ret, _ := jm.LeaderRetriever(DispatcherComponent, seen.add)
			rr := run(ret.Start)
			defer rr.stop()
			// Start right after a renewal, so that the next update of jm-0 is the
			// correction (the next renewal is a retry period away).
			renewTime := func() string {
				return getConfigMap(t, c.Client(), testClusterConfigMap).Annotations[LeaderAnnotationKey]
			}
			before := renewTime()
			eventually(t, timing.RetryPeriod+time.Second, "a renewal", func() bool { return renewTime() != before })
			synctest.Wait()
			held := &fault{match: on(userOf("jm-0"), "update", testClusterConfigMap), delay: 2 * time.Second, times: 1}
			c.Server().AddFault(held)
			bogus := LeaderInformation{SessionID: uuid.MustParse("ffffffff-0000-4000-8000-000000000002"), Address: "edited-by-hand"}
			editConfigMap(t, c.Client(), testClusterConfigMap, func(cm *corev1.ConfigMap) { cm.Data[LeaderKey(DispatcherComponent)] = bogus.String() })
			time.Sleep(500 * time.Millisecond)
			if held.Hits() != 1 {
				t.Fatalf("the correction was not held (%d hits)", held.Hits())
			}
			d.election.ConfirmLeadership(context.Background(), d.Session(), dispatcherAddr)
			confirmed := d.Info()
			time.Sleep(3 * time.Second)
			synctest.Wait()
			c.Server().RemoveFault(held)
			if got := dataOf(c.Client(), testClusterConfigMap)[LeaderKey(DispatcherComponent)]; got != confirmed.String() {
				t.Errorf("stored %q, want the confirmed %q", got, confirmed)
			}
			if got, want := fmt.Sprint(seen.all()), fmt.Sprint([]LeaderInformation{bogus, confirmed}); got != want {
				t.Errorf("the retriever saw %s, want %s (the confirmed leader never withdrawn)", got, want)
			}
		})
	})

	// A confirmation still under way when the process dies (its services stop with
	// ErrProcessDied, so the lock stays its own until the lease runs out) must not
	// publish afterwards: a dead process writes nothing (reference §5.9).
	t.Run("confirmationInFlightEndsWithTheElection", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			jm := newTestServices(t, c, "jm-0", NewMemFileSystem(), 1, nil)
			ctx, die := context.WithCancelCause(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); _ = jm.Start(ctx) }()
			d := newContender(t, jm, DispatcherComponent, dispatcherAddr, false)
			eventually(t, maxAcquireWait, "leading", func() bool { return d.Session() != uuid.Nil })
			slow := &fault{match: on(userOf("jm-0"), "get", testClusterConfigMap), delay: 3 * time.Second}
			c.Server().AddFault(slow)
			confirmed := make(chan struct{})
			go func() {
				defer close(confirmed)
				d.election.ConfirmLeadership(context.Background(), d.Session(), dispatcherAddr)
			}()
			time.Sleep(time.Second)
			die(ErrProcessDied)
			<-done
			<-confirmed
			c.Server().RemoveFault(slow)
			cm := getConfigMap(t, c.Client(), testClusterConfigMap)
			if v, ok := cm.Data[LeaderKey(DispatcherComponent)]; ok {
				t.Errorf("the dead process published %q after its election stopped", v)
			}
			if leaderOf(cm) != jm.Identity() {
				t.Errorf("lock held by %q, want the dead process's %s (not released)", leaderOf(cm), jm.Identity())
			}
		})
	})

	t.Run("contenderRegisteredWhileLeadingIsGranted", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			jm := newTestServices(t, c, "jm-0", NewMemFileSystem(), 1, nil)
			r := run(jm.Start)
			defer r.stop()
			d := newContender(t, jm, DispatcherComponent, dispatcherAddr, true)
			eventually(t, maxAcquireWait, "leading", func() bool { return d.Session() != uuid.Nil })
			job := newContender(t, jm, JobMasterComponent(JobID{1}), "pekko.tcp://flink@10.244.0.5:6123/user/rpc/jobmanager_2", true)
			synctest.Wait()
			if job.Session() != d.Session() || len(job.History()) != 1 {
				t.Errorf("job master history %v, want one grant with the dispatcher's session %v", job.History(), d.Session())
			}
			if _, err := jm.LeaderElection(DispatcherComponent); err == nil {
				t.Error("a second election for the dispatcher was allowed")
			}
		})
	})
}

func TestServices(t *testing.T) {
	ctx := context.Background()
	job := JobID{0xca, 0xfe}

	t.Run("jobConfigMapsAreCreatedOnDemandWithCommonLabels", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			s := newTestServices(t, c, "jm-0", NewMemFileSystem(), 1, nil)
			counter, err := s.CheckpointIDCounter(ctx, job)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := counter.GetAndIncrement(ctx); n != 1 || err != nil {
				t.Errorf("GetAndIncrement = %d, %v", n, err)
			}
			cm := getConfigMap(t, c.Client(), JobConfigMapName(testClusterID, job))
			if fmt.Sprint(cm.Labels) != fmt.Sprint(Labels(testClusterID)) || len(cm.OwnerReferences) != 0 {
				t.Errorf("labels %v, owner references %v", cm.Labels, cm.OwnerReferences)
			}
			if _, err := s.CompletedCheckpointStore(ctx, job); err != nil {
				t.Errorf("checkpoint store on the existing job ConfigMap: %v", err)
			}
			if err := s.CleanupJobData(ctx, job); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Client().CoreV1().ConfigMaps(testNamespace).Get(ctx, JobConfigMapName(testClusterID, job), metaGet); err == nil {
				t.Error("job ConfigMap kept after the job's cleanup")
			}
		})
	})

	t.Run("executionPlansAreLeadershipChecked", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			fs := NewMemFileSystem()
			jm0, jm1 := newTestServices(t, c, "jm-0", fs, 1, nil), newTestServices(t, c, "jm-1", fs, 2, nil)
			r0 := run(jm0.Start)
			d := newContender(t, jm0, DispatcherComponent, "a", true)
			eventually(t, 11*time.Second, "jm-0 leads", func() bool { return d.Session() != uuid.Nil })
			plans0, _ := jm0.ExecutionPlanStore()
			plans1, _ := jm1.ExecutionPlanStore()
			if err := plans0.Put(ctx, job, []byte("plan v1")); err != nil {
				t.Fatal(err)
			}
			if err := plans0.Put(ctx, job, []byte("plan v2")); err != nil {
				t.Fatal(err)
			}
			other := JobID{0xbe, 0xef}
			if err := plans1.Put(ctx, other, []byte("not the leader")); err != nil {
				t.Fatal(err)
			}
			ids, err := plans1.JobIDs(ctx)
			if err != nil || fmt.Sprint(ids) != fmt.Sprint([]JobID{job}) {
				t.Errorf("JobIDs = %v, %v; want only the leader's job", ids, err)
			}
			plan, found, err := plans1.Recover(ctx, job)
			if string(plan) != "plan v2" || !found || err != nil {
				t.Errorf("Recover = %q, %v, %v", plan, found, err)
			}
			if files := fs.Files(); len(files) != 1 || !strings.HasPrefix(files[0], "s3://flink/ha/"+testClusterID+"/"+ExecutionPlanFilePrefix) {
				t.Errorf("files %v, want one submittedExecutionPlan file", files)
			}
			if err := plans1.GlobalCleanup(ctx, job); !errors.Is(err, ErrNoLeadership) {
				t.Errorf("non-leader cleanup: %v, want ErrNoLeadership", err)
			}
			if err := plans0.GlobalCleanup(ctx, job); err != nil {
				t.Fatal(err)
			}
			if len(fs.Files()) != 0 {
				t.Errorf("files %v after cleanup", fs.Files())
			}
			r0.stop()
		})
	})

	t.Run("gracefulShutdownDeletesClusterConfigMapThenBlobs", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			fs := NewMemFileSystem()
			root := "s3://flink/ha/" + testClusterID
			for _, p := range []string{root + "/blob/job_x/blob_1", root + "/blob/no_job/blob_2", root + "/completedCheckpoint0123456789ab"} {
				_ = fs.Create(ctx, p, []byte("x"))
			}
			s := newTestServices(t, c, "jm-0", fs, 1, nil)
			r := run(s.Start)
			d := newContender(t, s, DispatcherComponent, "a", true)
			eventually(t, 11*time.Second, "leading", func() bool { return d.Session() != uuid.Nil })
			if err := s.CleanupAllData(ctx); err == nil {
				t.Error("CleanupAllData while running succeeded")
			}
			r.stop()
			// A failing delete keeps the blobs.
			f := &fault{match: on("", "delete", testClusterConfigMap), err: errInternal("nope"), times: 1}
			c.Server().AddFault(f)
			if err := s.CleanupAllData(ctx); err == nil || len(fs.Files()) != 3 {
				t.Errorf("CleanupAllData with a failing delete: %v, files %v", err, fs.Files())
			}
			if err := s.CleanupAllData(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Client().CoreV1().ConfigMaps(testNamespace).Get(ctx, testClusterConfigMap, metaGet); err == nil {
				t.Error("cluster ConfigMap kept")
			}
			if files := fs.Files(); len(files) != 1 || files[0] != root+"/completedCheckpoint0123456789ab" {
				t.Errorf("files %v, want only the non-blob file", files)
			}
		})
	})
}

var metaGet = metav1.GetOptions{}
