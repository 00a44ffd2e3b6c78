package resourcemanager

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"

	"flinksim/config"
	"flinksim/process"
	"flinksim/sim"
	"flinksim/sim/apiserver"
)

// e2e is the resource manager with its Kubernetes driver on a simulated cluster whose
// TaskManager pods run a small TaskManager: it registers under its resource id,
// reports its slots and heartbeats, and registers again with a new resource manager
// after a JobManager failover. The test plays the JobManager.
type e2e struct {
	t           *testing.T
	cluster     *sim.Cluster
	admin       kubernetes.Interface
	stopCluster func()

	rm     atomic.Pointer[ResourceManager]
	stopRM func() error

	mu       sync.Mutex
	gateways map[ResourceID]*fakeGateway
}

func newE2E(t *testing.T, simCfg sim.Config) *e2e {
	e := &e2e{t: t, gateways: map[ResourceID]*fakeGateway{}}
	e.cluster, e.stopCluster = simCluster(t, simCfg, e.taskManager)
	e.admin = e.cluster.Client()
	createJobManagerDeployment(t, e.admin)
	return e
}

// startRM starts a resource manager (a new JobManager attempt).
func (e *e2e) startRM(conf *config.Configuration) *ResourceManager {
	e.t.Helper()
	rm, err := New(Config{Configuration: conf, Client: e.cluster.ClientFor(jobManagerUser), Rand: testRand()})
	mustf(e.t, err, "new resource manager")
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- rm.Start(ctx) }()
	e.rm.Store(rm)
	e.stopRM = func() error { cancel(); return <-errc }
	return rm
}

func (e *e2e) stop() {
	if err := e.stopRM(); err != nil {
		e.t.Errorf("resource manager: %v", err)
	}
	e.stopCluster()
}

var resourceIDArg = regexp.MustCompile(`-Dtaskmanager\.resource-id='?([^' ]+)'?`)

// taskManager is the program of the TaskManager pods.
func (e *e2e) taskManager(ctx context.Context, env *process.Env) error {
	id := ResourceID(env.Hostname)
	if m := resourceIDArg.FindStringSubmatch(strings.Join(env.Args, " ")); m != nil {
		id = ResourceID(m[1])
	}
	gw := newFakeGateway()
	e.mu.Lock()
	e.gateways[id] = gw
	e.mu.Unlock()
	var rm *ResourceManager
	var instance InstanceID
	disconnects := 0
	for {
		if cur := e.rm.Load(); cur != nil && (cur != rm || instance == "" || len(gw.disconnected()) != disconnects) {
			disconnects = len(gw.disconnected())
			instance = ""
			resp, err := cur.RegisterTaskManager(ctx, TaskManagerRegistration{ResourceID: id, NodeID: env.Getenv("_POD_NODE_ID"),
				Spec: cur.DefaultWorkerSpec(), Gateway: gw})
			if err == nil && resp.Accepted && cur.SendSlotReport(ctx, id, resp.Instance, gw.report(id, cur.DefaultWorkerSpec().NumSlots)) == nil {
				rm, instance = cur, resp.Instance
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
		if instance != "" {
			if err := rm.Heartbeat(ctx, id, instance, gw.report(id, rm.DefaultWorkerSpec().NumSlots)); err != nil {
				instance = ""
			}
		}
	}
}

func (e *e2e) gateway(id ResourceID) *fakeGateway {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.gateways[id]
}

func (e *e2e) require(job JobID, slots int) {
	e.t.Helper()
	mustf(e.t, e.rm.Load().DeclareRequirements(context.Background(), JobRequirements{Job: job, TargetAddress: "jm", Slots: slots}), "declare")
}

func (e *e2e) snapshot() Snapshot {
	s, err := e.rm.Load().Snapshot(context.Background())
	mustf(e.t, err, "snapshot")
	return s
}

// jobSlots counts the slots the job holds on registered TaskManagers.
func (e *e2e) jobSlots(job JobID) int {
	n := 0
	for _, tm := range e.snapshot().TaskManagers {
		for _, s := range tm.Slots {
			if s.Job == job {
				n++
			}
		}
	}
	return n
}

func (e *e2e) pods() map[string]*corev1.Pod { return taskManagerPods(e.t, e.admin) }

func (e *e2e) podCreations() int {
	return e.cluster.Server().RequestLog().Count(jobManagerUser, "create", "pods")
}

func phases(pods map[string]*corev1.Pod) map[string]corev1.PodPhase {
	out := map[string]corev1.PodPhase{}
	for n, p := range pods {
		out[n] = p.Status.Phase
	}
	return out
}

func TestEndToEndOnSimulatedCluster(t *testing.T) {
	t.Run("a job with parallelism 4 and 2 slots per TaskManager gets exactly 2 pods; a crashed one is replaced", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			e := newE2E(t, sim.Config{Seed: 1})
			defer e.stop()
			e.startRM(testConfiguration("taskmanager.numberOfTaskSlots", "2", "kubernetes.taskmanager.cpu.amount", "1"))
			e.require("job", 4)
			eventually(t, time.Minute, "the job holds 4 slots", func() bool { return e.jobSlots("job") == 4 })
			if names := podNames(e.pods()); !slices.Equal(names, []string{"my-flink-taskmanager-1-1", "my-flink-taskmanager-1-2"}) {
				t.Fatalf("TaskManager pods %v, want exactly 2", names)
			}
			mustf(t, e.cluster.Kubelet().Crash(testNamespace, "my-flink-taskmanager-1-1", "", 1), "crash")
			eventually(t, time.Minute, "the crashed pod is deleted", func() bool { return e.pods()["my-flink-taskmanager-1-1"] == nil })
			eventually(t, time.Minute, "the job holds 4 slots again", func() bool { return e.jobSlots("job") == 4 })
			if names := podNames(e.pods()); !slices.Equal(names, []string{"my-flink-taskmanager-1-2", "my-flink-taskmanager-1-3"}) {
				t.Fatalf("TaskManager pods %v, want the replacement with the next index", names)
			}
			// The job ends: its TaskManagers free their slots and go idle.
			e.require("job", 0)
			for _, id := range []ResourceID{"my-flink-taskmanager-1-2", "my-flink-taskmanager-1-3"} {
				e.gateway(id).free()
			}
			t0 := time.Now()
			eventually(t, 2*time.Minute, "idle TaskManager pods are deleted", func() bool { return len(e.pods()) == 0 })
			if d := time.Since(t0); d < 30*time.Second {
				t.Fatalf("idle pods deleted after %v, before resourcemanager.taskmanager-timeout", d)
			}
		})
	})

	t.Run("a pod that never schedules stays Pending and is not requested again and again (FLINK-31498)", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			// One node with room for one TaskManager (1 CPU each).
			e := newE2E(t, sim.Config{Seed: 2, Nodes: []sim.NodeConfig{{Name: "node-1", CPU: "1500m", Memory: "8Gi"}}})
			defer e.stop()
			e.startRM(testConfiguration("slotmanager.redundant-taskmanager-num", "1"))
			e.require("job", 2)
			eventually(t, time.Minute, "one slot for the job", func() bool { return e.jobSlots("job") == 1 })
			time.Sleep(time.Hour)
			// Which of the first two pods gets the node depends on the scheduler's order.
			got := phases(e.pods())
			running, pending := 0, 0
			for _, ph := range got {
				switch ph {
				case corev1.PodRunning:
					running++
				case corev1.PodPending:
					pending++
				}
			}
			if names := podNames(e.pods()); running != 1 || pending != 2 || !slices.Equal(names,
				[]string{"my-flink-taskmanager-1-1", "my-flink-taskmanager-1-2", "my-flink-taskmanager-1-3"}) {
				t.Fatalf("pods after an hour %v, want 1-1, 1-2 and 1-3, one Running and two Pending", got)
			}
			if n := e.podCreations(); n != 3 {
				t.Fatalf("%d pod creations in an hour, want 3: Pending pods are waited for, not replaced", n)
			}
		})
	})

	t.Run("a pod deleted while Pending is replaced (FLINK-31652)", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			e := newE2E(t, sim.Config{Seed: 3})
			defer e.stop()
			// No node has disk=ssd yet: the pod stays Pending.
			e.startRM(testConfiguration("kubernetes.taskmanager.node-selector", "disk:ssd"))
			e.require("job", 1)
			eventually(t, time.Minute, "a Pending pod", func() bool {
				p := e.pods()["my-flink-taskmanager-1-1"]
				return p != nil && p.Status.Phase == corev1.PodPending
			})
			mustf(t, e.admin.CoreV1().Pods(testNamespace).Delete(context.Background(), "my-flink-taskmanager-1-1", metav1.DeleteOptions{}), "delete")
			eventually(t, time.Minute, "a replacement pod", func() bool { return e.pods()["my-flink-taskmanager-1-2"] != nil })
			// Reference §4.8: a pod gone before it was scheduled is a start failure.
			if r := e.snapshot().StartFailureRate; r != 1.0/60 {
				t.Fatalf("start failure rate %v, want the deleted Pending pod counted (1 per minute)", r)
			}
			// The cluster gets an ssd node: the replacement runs and serves the job.
			node, err := e.admin.CoreV1().Nodes().Get(context.Background(), "node-2", metav1.GetOptions{})
			mustf(t, err, "get node")
			node.Labels["disk"] = "ssd"
			_, err = e.admin.CoreV1().Nodes().Update(context.Background(), node, metav1.UpdateOptions{})
			mustf(t, err, "label node")
			eventually(t, 10*time.Minute, "the job gets its slot", func() bool { return e.jobSlots("job") == 1 })
			if names := podNames(e.pods()); !slices.Equal(names, []string{"my-flink-taskmanager-1-2"}) {
				t.Fatalf("pods %v", names)
			}
		})
	})

	t.Run("the maximum start failure rate pauses pod creation for the retry interval", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			e := newE2E(t, sim.Config{Seed: 4})
			defer e.stop()
			fault := &requestFault{user: jobManagerUser, verb: "create", resource: "pods", failures: 5,
				err: apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New(`exceeded quota: pods`))}
			e.cluster.Server().AddFault(fault)
			e.startRM(testConfiguration("resourcemanager.start-worker.max-failure-rate", "3", "resourcemanager.start-worker.retry-interval", "10 s"))
			t0 := time.Now()
			e.require("job", 1)
			eventually(t, 5*time.Minute, "the job gets its slot", func() bool { return e.jobSlots("job") == 1 })
			var at []time.Duration
			for _, en := range e.cluster.Server().RequestLog().Entries(func(en apiserver.Entry) bool {
				return en.User == jobManagerUser && en.Verb == "create" && en.Resource.Resource == "pods"
			}) {
				at = append(at, en.Time.Sub(t0).Round(time.Second))
			}
			// Three failures in a row, then one attempt per retry interval while the
			// failures of the last minute stay at or above 3.
			want := []time.Duration{0, 0, 0, 10 * time.Second, 20 * time.Second, 30 * time.Second}
			if !slices.Equal(at, want) {
				t.Fatalf("pod creations at %v (after the requirement), want %v", at, want)
			}
		})
	})

	t.Run("JobManager failover: pods of attempt 1 are recovered, new ones get attempt 2", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			e := newE2E(t, sim.Config{Seed: 5})
			defer e.stop()
			conf := testConfiguration("resourcemanager.previous-worker.recovery.timeout", "1 min")
			e.startRM(conf)
			e.require("job", 2)
			eventually(t, time.Minute, "the job holds 2 slots", func() bool { return e.jobSlots("job") == 2 })
			mustf(t, e.stopRM(), "stop the first attempt")
			rm2 := e.startRM(conf)
			e.require("job", 3)
			<-rm2.ReadyToServe()
			eventually(t, time.Minute, "the job holds 3 slots", func() bool { return e.jobSlots("job") == 3 })
			names := podNames(e.pods())
			if !slices.Equal(names, []string{"my-flink-taskmanager-1-1", "my-flink-taskmanager-1-2", "my-flink-taskmanager-2-1"}) {
				t.Fatalf("pods %v, want the two recovered and one new of attempt 2", names)
			}
			if n := e.podCreations(); n != 3 {
				t.Fatalf("%d pod creations, want 3", n)
			}
		})
	})
}

func (g *fakeGateway) free() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.slotRequests = nil
}
