package resourcemanager

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"flinksim/config"
	"flinksim/kubeobjects"
	"flinksim/mainloop"
	"flinksim/sim"
)

// driverHarness runs the Kubernetes driver against a simulated cluster, on a loop of
// its own, with a recording event handler, the way Flink's
// KubernetesResourceManagerDriverTest drives it.
type driverHarness struct {
	t       *testing.T
	cluster *sim.Cluster
	admin   kubernetes.Interface
	client  *injectingClient
	conf    *config.Configuration
	process config.TaskManagerMemory
	blocked []string
	local   kubeobjects.Local
	webURL  string

	l       *mainloop.Loop
	d       *kubernetesDriver
	h       *recordingHandler
	initErr error
	stopRun func()

	stopCluster func()
}

type harnessOptions struct {
	conf  *config.Configuration
	sim   sim.Config
	local kubeobjects.Local
	// webInterfaceURL is the JobManager's REST endpoint the driver is given.
	webInterfaceURL string
	// beforeInit runs after the cluster started, before the driver initializes.
	beforeInit func(h *driverHarness)
}

func newDriverHarness(t *testing.T, o harnessOptions) *driverHarness {
	t.Helper()
	c, stopCluster := simCluster(t, o.sim, nil)
	h := &driverHarness{t: t, cluster: c, admin: c.Client(), stopCluster: stopCluster,
		client: &injectingClient{Interface: c.ClientFor(jobManagerUser)}}
	h.conf, h.local, h.webURL = o.conf, o.local, o.webInterfaceURL
	if h.conf == nil {
		h.conf = testConfiguration()
	}
	createJobManagerDeployment(t, h.admin)
	s, err := parseSettings(Config{Configuration: h.conf, Rand: testRand()})
	mustf(t, err, "settings")
	h.process, err = processSpecOf(s.effective, s.defaultSpec)
	mustf(t, err, "process spec")
	if o.beforeInit != nil {
		o.beforeInit(h)
	}
	h.startDriver()
	return h
}

// startDriver builds a driver (a new resource-manager attempt) and initializes it.
func (h *driverHarness) startDriver() {
	s, _ := parseSettings(Config{Configuration: h.conf, Rand: testRand()})
	h.d = newKubernetesDriver(kubernetesDriverConfig{
		clusterID: testClusterID, namespace: testNamespace, client: h.client, conf: s.effective, local: h.local,
		log: slog.New(slog.DiscardHandler), watchMaxRetries: 15, watchInitialDelay: 50 * time.Millisecond, watchMaxDelay: time.Minute,
		blockedNodes: func() []string { return h.blocked }, webInterfaceURL: h.webURL,
	})
	h.h = &recordingHandler{}
	h.l = mainloop.New()
	ctx, cancel := context.WithCancel(context.Background())
	h.initErr = h.d.initialize(ctx, h.l, h.h)
	go h.l.Run(ctx)
	h.stopRun = func() {
		cancel()
		<-h.l.Done()
		h.d.terminate()
	}
}

func (h *driverHarness) stop() {
	h.stopRun()
	h.stopCluster()
}

// restartDriver ends the current attempt and starts the next, as a JobManager failover
// does.
func (h *driverHarness) restartDriver() {
	h.stopRun()
	h.startDriver()
}

func (h *driverHarness) mustInit() {
	h.t.Helper()
	if h.initErr != nil {
		h.t.Fatalf("driver did not initialize: %v", h.initErr)
	}
}

func (h *driverHarness) on(f func()) { h.t.Helper(); onLoop(h.t, h.l, f) }

// requestRecord is what one requestResource call produced.
type requestRecord struct {
	mu     sync.Mutex
	calls  int
	worker workerNode
	err    error
	cancel func()
}

func (r *requestRecord) result() (calls int, w workerNode, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls, r.worker, r.err
}

func (h *driverHarness) request() *requestRecord {
	r := &requestRecord{}
	h.on(func() {
		r.cancel = h.d.requestResource(h.process, func(w workerNode, err error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.calls++
			r.worker, r.err = w, err
		})
	})
	return r
}

func (h *driverHarness) handler() (recovered [][]workerNode, terminated []terminatedWorker, errs []error) {
	h.on(func() {
		recovered = append(recovered, h.h.recovered...)
		terminated = append(terminated, h.h.terminated...)
		errs = append(errs, h.h.errors...)
	})
	return
}

func (h *driverHarness) pods() map[string]*corev1.Pod { return taskManagerPods(h.t, h.admin) }

func (h *driverHarness) waitCompleted(r *requestRecord) workerNode {
	h.t.Helper()
	eventually(h.t, time.Minute, "the request completes", func() bool { n, _, _ := r.result(); return n > 0 })
	n, w, err := r.result()
	if n != 1 || err != nil {
		h.t.Fatalf("request completed %d times, last error %v", n, err)
	}
	return w
}

func (h *driverHarness) waitPodPhase(name string, phase corev1.PodPhase) {
	h.t.Helper()
	eventually(h.t, time.Minute, "pod "+name+" is "+string(phase), func() bool {
		p := h.pods()[name]
		return p != nil && p.Status.Phase == phase
	})
}

func (h *driverHarness) waitPodGone(name string) {
	h.t.Helper()
	eventually(h.t, time.Minute, "pod "+name+" is deleted", func() bool { return h.pods()[name] == nil })
}

// unschedulable makes TaskManager pods stay Pending: no node has the label.
func unschedulable() *config.Configuration {
	return testConfiguration("kubernetes.taskmanager.node-selector", "disk:none")
}

func scheduledCopy(p *corev1.Pod) *corev1.Pod {
	c := p.DeepCopy()
	c.Spec.NodeName = "node-1"
	c.Status.Conditions = append(c.Status.Conditions, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue})
	return c
}

func terminatedCopy(p *corev1.Pod) *corev1.Pod {
	c := scheduledCopy(p)
	c.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "flink-main-container",
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", Message: "boom"}}}}
	return c
}

// Mirrors KubernetesResourceManagerDriverTest (and the generic
// ResourceManagerDriverTestBase cases it runs).
func TestKubernetesResourceManagerDriver(t *testing.T) {
	t.Run("testInitialize", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{})
			defer h.stop()
			h.mustInit()
			if n := h.client.watchCount(); n != 1 {
				t.Fatalf("initialize opened %d pod watches, want 1", n)
			}
			if h.client.watch(0).isStopped() {
				t.Fatal("the pod watch is stopped right after initialize")
			}
		})
	})

	t.Run("testRequestResource", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{})
			defer h.stop()
			h.mustInit()
			w := h.waitCompleted(h.request())
			if w.ID != "my-flink-taskmanager-1-1" {
				t.Fatalf("worker id %q, want the pod name my-flink-taskmanager-1-1", w.ID)
			}
			pod := h.pods()[string(w.ID)]
			main := pod.Spec.Containers[len(pod.Spec.Containers)-1]
			for what, list := range map[string]corev1.ResourceList{"requests": main.Resources.Requests, "limits": main.Resources.Limits} {
				if mem := list[corev1.ResourceMemory]; mem.Cmp(resource.MustParse("1728Mi")) != 0 {
					t.Errorf("memory %s = %s, want the process size 1728Mi", what, mem.String())
				}
				if cpu := list[corev1.ResourceCPU]; cpu.Cmp(resource.MustParse("1")) != 0 {
					t.Errorf("cpu %s = %s, want 1", what, cpu.String())
				}
			}
			if !podScheduled(pod) {
				t.Fatal("the request completed before the pod was scheduled")
			}
		})
	})

	t.Run("testRequestResourceFailsWhenTheAPIServerDoesNotAnswer", func(t *testing.T) {
		// fabric8's requestTimeout (10 s): a JobManager cut off from the API server
		// sees its pod creation fail (a start failure the active resource manager
		// retries), not hang until the API server is back.
		synctest.Test(t, func(t *testing.T) {
			const jobManagerIP = "10.244.9.9"
			h := newDriverHarness(t, harnessOptions{beforeInit: func(h *driverHarness) {
				link := h.cluster.Network().Route(jobManagerIP, h.cluster.APIServerIP())
				h.client = &injectingClient{Interface: h.cluster.Server().ClientsetOver(jobManagerUser, link)}
			}})
			defer h.stop()
			h.mustInit()
			h.cluster.Network().Partition(jobManagerIP, h.cluster.APIServerIP())
			start := time.Now()
			r := h.request()
			eventually(t, time.Minute, "the request fails", func() bool { n, _, _ := r.result(); return n > 0 })
			if n, _, err := r.result(); n != 1 || err == nil {
				t.Fatalf("request completed %d times with error %v, want one failure", n, err)
			}
			if took := time.Since(start); took < defaultRequestTimeout || took > defaultRequestTimeout+time.Second {
				t.Fatalf("the request failed after %v, want the request timeout %v", took, defaultRequestTimeout)
			}
			if n := h.cluster.Server().RequestLog().Count(jobManagerUser, "create", "pods"); n != 0 {
				t.Fatalf("%d pod creations reached the API server through the partition", n)
			}
			h.cluster.Network().Unpartition(jobManagerIP, h.cluster.APIServerIP())
			if w := h.waitCompleted(h.request()); w.ID != "my-flink-taskmanager-1-2" {
				t.Fatalf("worker %q after the partition, want my-flink-taskmanager-1-2", w.ID)
			}
		})
	})

	t.Run("testCreateTaskManagerPodsOwnedByTheDeployment", func(t *testing.T) {
		// Fabric8FlinkKubeClientTest testCreateFlinkTaskManagerPod and
		// testCreateTwoTaskManagerPods: the owner is the Deployment, fetched once.
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{})
			defer h.stop()
			h.mustInit()
			dep, err := h.admin.AppsV1().Deployments(testNamespace).Get(context.Background(), testClusterID, metav1.GetOptions{})
			mustf(t, err, "get deployment")
			h.waitCompleted(h.request())
			h.cluster.Server().AddFault(&requestFault{user: jobManagerUser, verb: "get", resource: "deployments", failures: -1,
				err: apierrors.NewInternalError(errors.New("injected"))})
			h.waitCompleted(h.request())
			for _, name := range []string{"my-flink-taskmanager-1-1", "my-flink-taskmanager-1-2"} {
				p := h.pods()[name]
				if p == nil || len(p.OwnerReferences) != 1 || p.OwnerReferences[0].UID != dep.UID ||
					p.OwnerReferences[0].Controller == nil || !*p.OwnerReferences[0].Controller {
					t.Fatalf("pod %s: owner references %+v, want the Deployment (uid %s) as controller", name, p.OwnerReferences, dep.UID)
				}
			}
		})
	})

	t.Run("testConcurrentCreationsWhileTheDeploymentIsRead", func(t *testing.T) {
		// Several pods are requested at once while the first creation still reads the
		// Deployment. The others wait for it without a mutex: a goroutine blocked on a
		// mutex is not durably blocked, so virtual time would stop (this test would
		// hang in synctest.Wait) — and they give up at their request timeout.
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{})
			defer h.stop()
			h.mustInit()
			hold := &requestFault{user: jobManagerUser, verb: "get", resource: "deployments", hold: make(chan struct{})}
			h.cluster.Server().AddFault(hold)
			start := time.Now()
			r1, r2 := h.request(), h.request()
			synctest.Wait()
			if n := hold.count(); n != 1 {
				t.Fatalf("%d Deployment reads in flight, want 1: the Deployment is read once for all creations", n)
			}
			// The read outlasts the request timeout: both creations fail then.
			eventually(t, time.Minute, "both requests fail", func() bool {
				n1, _, _ := r1.result()
				n2, _, _ := r2.result()
				return n1 > 0 && n2 > 0
			})
			if took := time.Since(start); took > defaultRequestTimeout+time.Second {
				t.Fatalf("the requests failed after %v, want their request timeout %v", took, defaultRequestTimeout)
			}
			for i, r := range []*requestRecord{r1, r2} {
				if n, _, err := r.result(); n != 1 || err == nil {
					t.Fatalf("request %d: %d calls, error %v; want one failure", i+1, n, err)
				}
			}
			close(hold.hold)
			if w := h.waitCompleted(h.request()); w.ID != "my-flink-taskmanager-1-3" {
				t.Fatalf("worker %q once the Deployment can be read, want my-flink-taskmanager-1-3", w.ID)
			}
		})
	})

	t.Run("testCreateTaskManagerPodWithoutTheDeploymentFails", func(t *testing.T) {
		// Reference §4.3: the owner is the JobManager Deployment; without it the pod
		// creation fails with an error naming the cluster id and the namespace.
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{})
			defer h.stop()
			h.mustInit()
			orphan := metav1.DeletePropagationOrphan
			mustf(t, h.admin.AppsV1().Deployments(testNamespace).Delete(context.Background(), testClusterID,
				metav1.DeleteOptions{PropagationPolicy: &orphan}), "delete the Deployment")
			eventually(t, time.Minute, "the Deployment is gone", func() bool {
				_, err := h.admin.AppsV1().Deployments(testNamespace).Get(context.Background(), testClusterID, metav1.GetOptions{})
				return apierrors.IsNotFound(err)
			})
			r := h.request()
			eventually(t, time.Minute, "the request fails", func() bool { n, _, _ := r.result(); return n > 0 })
			_, _, err := r.result()
			if err == nil || !strings.Contains(err.Error(), `"`+testClusterID+`"`) || !strings.Contains(err.Error(), `"`+testNamespace+`"`) {
				t.Fatalf("request error %v, want one naming the Deployment %q and the namespace %q", err, testClusterID, testNamespace)
			}
			if n := h.cluster.Server().RequestLog().Count(jobManagerUser, "create", "pods"); n != 0 {
				t.Fatalf("%d pod creations without an owner", n)
			}
		})
	})

	t.Run("testReleaseResource", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{})
			defer h.stop()
			h.mustInit()
			w := h.waitCompleted(h.request())
			h.on(func() { h.d.releaseResource(w.ID) })
			h.waitPodGone(string(w.ID))
		})
	})

	t.Run("testCancelRequestedResource", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{})
			defer h.stop()
			h.mustInit()
			hold := &requestFault{user: jobManagerUser, verb: "create", resource: "pods", hold: make(chan struct{})}
			h.cluster.Server().AddFault(hold)
			r := h.request()
			synctest.Wait()
			if hold.count() != 1 {
				t.Fatalf("want the create call in flight, saw %d", hold.count())
			}
			h.on(func() { r.cancel() })
			close(hold.hold)
			synctest.Wait()
			// The create call returned after the cancellation: the pod is deleted.
			h.waitPodGone("my-flink-taskmanager-1-1")
			log := h.cluster.Server().RequestLog()
			if c, d := log.Count(jobManagerUser, "create", "pods"), log.Count(jobManagerUser, "delete", "pods"); c != 1 || d < 1 {
				t.Fatalf("%d pod creations and %d deletions, want the pod created, then deleted", c, d)
			}
			time.Sleep(time.Minute)
			if n, _, _ := r.result(); n != 0 {
				t.Fatalf("a cancelled request completed (%d times)", n)
			}
		})
	})

	t.Run("testCancelRequestedResourceAfterCreation", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{conf: unschedulable()})
			defer h.stop()
			h.mustInit()
			r := h.request()
			h.waitPodPhase("my-flink-taskmanager-1-1", corev1.PodPending)
			h.on(func() { r.cancel() })
			h.waitPodGone("my-flink-taskmanager-1-1")
		})
	})

	t.Run("testOnPodAdded", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{conf: unschedulable()})
			defer h.stop()
			h.mustInit()
			r := h.request()
			h.waitPodPhase("my-flink-taskmanager-1-1", corev1.PodPending)
			h.client.watch(0).send(watch.Event{Type: watch.Added, Object: scheduledCopy(h.pods()["my-flink-taskmanager-1-1"])})
			if w := h.waitCompleted(r); w.ID != "my-flink-taskmanager-1-1" {
				t.Fatalf("worker %q, want my-flink-taskmanager-1-1", w.ID)
			}
		})
	})

	t.Run("testOnPodModified", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{})
			defer h.stop()
			h.mustInit()
			w := h.waitCompleted(h.request())
			h.waitPodPhase(string(w.ID), corev1.PodRunning)
			// The container crashes: the kubelet reports it terminated (MODIFIED).
			mustf(t, h.cluster.Kubelet().Crash(testNamespace, string(w.ID), "", 1), "crash")
			h.waitPodGone(string(w.ID))
			_, terminated, _ := h.handler()
			if len(terminated) == 0 || terminated[0].id != w.ID || !strings.Contains(terminated[0].diagnostics, "flink-main-container(exitCode=1") {
				t.Fatalf("worker terminated: %+v, want %s with the container's exit code", terminated, w.ID)
			}
		})
	})

	t.Run("testOnPodDeleted", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{})
			defer h.stop()
			h.mustInit()
			w := h.waitCompleted(h.request())
			h.waitPodPhase(string(w.ID), corev1.PodRunning)
			mustf(t, h.admin.CoreV1().Pods(testNamespace).Delete(context.Background(), string(w.ID), metav1.DeleteOptions{}), "delete")
			h.waitPodGone(string(w.ID))
			eventually(t, time.Second, "worker terminated", func() bool { _, term, _ := h.handler(); return len(term) > 0 })
			_, terminated, _ := h.handler()
			if terminated[0].id != w.ID {
				t.Fatalf("terminated %+v, want %s", terminated, w.ID)
			}
		})
	})

	t.Run("testOnError", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{})
			defer h.stop()
			h.mustInit()
			w := h.waitCompleted(h.request())
			// An ERROR event that carries a terminated pod (as Flink's client delivers
			// them) is a termination like any other.
			h.client.watch(0).send(watch.Event{Type: watch.Error, Object: terminatedCopy(h.pods()[string(w.ID)])})
			h.waitPodGone(string(w.ID))
			_, terminated, errs := h.handler()
			if len(terminated) == 0 || terminated[0].id != w.ID || len(errs) != 0 {
				t.Fatalf("terminated %+v, errors %v; want %s terminated and no error", terminated, errs, w.ID)
			}
		})
	})

	t.Run("testOnPodDeletedBeforeScheduled", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{conf: unschedulable()})
			defer h.stop()
			h.mustInit()
			r := h.request()
			h.waitPodPhase("my-flink-taskmanager-1-1", corev1.PodPending)
			mustf(t, h.admin.CoreV1().Pods(testNamespace).Delete(context.Background(), "my-flink-taskmanager-1-1", metav1.DeleteOptions{}), "delete")
			eventually(t, time.Minute, "the request fails", func() bool { n, _, _ := r.result(); return n > 0 })
			if n, _, err := r.result(); n != 1 || err == nil {
				t.Fatalf("request: %d calls, error %v; want one failure", n, err)
			}
			_, terminated, _ := h.handler()
			if len(terminated) != 1 || terminated[0].id != "my-flink-taskmanager-1-1" {
				t.Fatalf("terminated %+v, want my-flink-taskmanager-1-1 once", terminated)
			}
		})
	})

	t.Run("testFatalHandleError", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{})
			defer h.stop()
			h.mustInit()
			h.client.watch(0).fail(&apierrors.NewInternalError(errors.New("etcd is gone")).ErrStatus)
			eventually(t, time.Second, "a fatal error", func() bool { _, _, errs := h.handler(); return len(errs) > 0 })
			_, _, errs := h.handler()
			if !apierrors.IsInternalError(errs[0]) || !strings.Contains(errs[0].Error(), "etcd is gone") {
				t.Fatalf("error %v, want the watch's internal error", errs[0])
			}
			time.Sleep(time.Minute)
			if n := h.client.watchCount(); n != 1 {
				t.Fatalf("%d watches after a fatal watch error, want no new one", n)
			}
		})
	})

	t.Run("testKubernetesExceptionHandling", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{})
			defer h.stop()
			h.mustInit()
			h.cluster.Server().AddFault(&requestFault{user: jobManagerUser, verb: "create", resource: "pods", failures: 1,
				err: apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New("quota exceeded"))})
			r := h.request()
			eventually(t, time.Minute, "the request fails", func() bool { n, _, _ := r.result(); return n > 0 })
			if _, _, err := r.result(); !apierrors.IsForbidden(err) {
				t.Fatalf("request error %v, want the API server's Forbidden", err)
			}
			// The driver carries on.
			if w := h.waitCompleted(h.request()); w.ID != "my-flink-taskmanager-1-2" {
				t.Fatalf("next worker %q, want my-flink-taskmanager-1-2 (indexes are not reused)", w.ID)
			}
			if _, _, errs := h.handler(); len(errs) != 0 {
				t.Fatalf("fatal errors %v after a failed create", errs)
			}
		})
	})

	t.Run("testRecoverPreviousAttemptWorkers", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{})
			defer h.stop()
			h.mustInit()
			w := h.waitCompleted(h.request())
			h.restartDriver()
			h.mustInit()
			recovered, _, _ := h.handler()
			if len(recovered) != 1 || len(recovered[0]) != 1 || recovered[0][0].ID != w.ID {
				t.Fatalf("recovered %+v, want [[%s]]", recovered, w.ID)
			}
			if w2 := h.waitCompleted(h.request()); w2.ID != "my-flink-taskmanager-2-1" {
				t.Fatalf("first pod of the second attempt is %q, want my-flink-taskmanager-2-1", w2.ID)
			}
			if h.pods()[string(w.ID)] == nil {
				t.Fatal("the recovered pod was deleted")
			}
		})
	})

	t.Run("testRecoverPreviousAttemptWorkersPodTerminated", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{})
			defer h.stop()
			h.mustInit()
			w := h.waitCompleted(h.request())
			h.waitPodPhase(string(w.ID), corev1.PodRunning)
			h.stopRun()
			// While no JobManager watches, the TaskManager crashes.
			mustf(t, h.cluster.Kubelet().Crash(testNamespace, string(w.ID), "", 1), "crash")
			eventually(t, time.Minute, "the container terminated", func() bool { return podTerminated(h.pods()[string(w.ID)]) })
			h.startDriver()
			h.mustInit()
			recovered, _, _ := h.handler()
			if len(recovered) != 1 || len(recovered[0]) != 0 {
				t.Fatalf("recovered %+v, want no worker", recovered)
			}
			h.waitPodGone(string(w.ID))
			if w2 := h.waitCompleted(h.request()); w2.ID != "my-flink-taskmanager-2-1" {
				t.Fatalf("attempt counted from the terminated pod: got %q, want my-flink-taskmanager-2-1", w2.ID)
			}
		})
	})

	t.Run("testRecoverPreviousAttemptWorkersPodNotScheduled", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{conf: unschedulable()})
			defer h.stop()
			h.mustInit()
			h.request()
			h.waitPodPhase("my-flink-taskmanager-1-1", corev1.PodPending)
			h.restartDriver()
			h.mustInit()
			if recovered, _, _ := h.handler(); len(recovered) != 1 || len(recovered[0]) != 0 {
				t.Fatalf("recovered %+v, want none: a Pending pod of a previous attempt is deleted", recovered)
			}
			h.waitPodGone("my-flink-taskmanager-1-1")
		})
	})

	t.Run("testRecoverPreviousAttemptWorkersMalformedName", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{beforeInit: func(h *driverHarness) {
				pod := &corev1.Pod{
					ObjectMeta: metav1.ObjectMeta{Name: "stray", Namespace: testNamespace, Labels: map[string]string{
						"type": "flink-native-kubernetes", "app": testClusterID, "component": "taskmanager"}},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: testImage}}},
				}
				_, err := h.admin.CoreV1().Pods(testNamespace).Create(context.Background(), pod, metav1.CreateOptions{})
				mustf(t, err, "create stray pod")
			}})
			defer h.stop()
			if h.initErr == nil || !strings.Contains(h.initErr.Error(), `pod "stray"`) {
				t.Fatalf("initialize error %v, want one naming the pod", h.initErr)
			}
		})
	})

	t.Run("testNewWatchCreationWhenKubernetesTooOldResourceVersionException", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{})
			defer h.stop()
			h.mustInit()
			h.client.watch(0).fail(&apierrors.NewResourceExpired("too old resource version: 1 (2)").ErrStatus)
			eventually(t, time.Second, "a second watch", func() bool { return h.client.watchCount() == 2 })
			synctest.Wait()
			if !h.client.watch(0).isStopped() || h.client.watch(1).isStopped() {
				t.Fatalf("old watch stopped: %v, new watch stopped: %v; want the old closed and the new open",
					h.client.watch(0).isStopped(), h.client.watch(1).isStopped())
			}
			if _, _, errs := h.handler(); len(errs) != 0 {
				t.Fatalf("errors %v, want a silent re-watch", errs)
			}
			// The new watch works: a pod request completes through it.
			h.waitCompleted(h.request())
		})
	})

	t.Run("testPodWatchAndRecoveryListFromResourceVersion0", func(t *testing.T) {
		// Reference §4.1 step 1, §4.5 (the re-watch after 410), §4.7 step 1 and the
		// cheat sheet: the TaskManager pods are listed and watched with the
		// TaskManager selector from resourceVersion 0, so a new watch first re-lists
		// every current pod as ADDED.
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{})
			defer h.stop()
			h.mustInit()
			h.client.watch(0).fail(&apierrors.NewResourceExpired("too old resource version").ErrStatus)
			eventually(t, time.Second, "a second watch", func() bool { return h.client.watchCount() == 2 })
			const selector = "app=my-flink,component=taskmanager,type=flink-native-kubernetes"
			var verbs []string
			for _, c := range h.client.podCalls() {
				verbs = append(verbs, c.verb)
				if c.opts.LabelSelector != selector || c.opts.ResourceVersion != "0" {
					t.Errorf("pod %s with selector %q from resourceVersion %q, want %q from \"0\"", c.verb, c.opts.LabelSelector, c.opts.ResourceVersion, selector)
				}
			}
			if want := []string{"watch", "list", "watch"}; !slices.Equal(verbs, want) {
				t.Fatalf("pod calls %v, want %v: watch, recovery list, re-watch after 410", verbs, want)
			}
		})
	})

	t.Run("testWatchClosedByServerIsRecreated", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{})
			defer h.stop()
			h.mustInit()
			w := h.waitCompleted(h.request())
			// A real API server ends a watch after 30 to 60 minutes.
			time.Sleep(2 * time.Hour)
			if n := h.cluster.Server().RequestLog().Count(jobManagerUser, "watch", "pods"); n < 2 {
				t.Fatalf("%d pod watches after 2 h, want the driver to watch again after the server closed the watch", n)
			}
			mustf(t, h.admin.CoreV1().Pods(testNamespace).Delete(context.Background(), string(w.ID), metav1.DeleteOptions{}), "delete")
			eventually(t, time.Minute, "the deletion is seen", func() bool { _, term, _ := h.handler(); return len(term) > 0 })
			if _, _, errs := h.handler(); len(errs) != 0 {
				t.Fatalf("errors %v", errs)
			}
		})
	})

	t.Run("testThrowExceptionWhenWatchPodsFailInInitializing", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var fault *requestFault
			var start time.Time
			h := newDriverHarness(t, harnessOptions{beforeInit: func(h *driverHarness) {
				fault = &requestFault{user: jobManagerUser, verb: "watch", resource: "pods", failures: -1,
					err: apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New("no watch for you"))}
				h.cluster.Server().AddFault(fault)
				start = time.Now()
			}})
			defer h.stop()
			if h.initErr == nil || !apierrors.IsForbidden(h.initErr) {
				t.Fatalf("initialize error %v, want the Forbidden of the watch", h.initErr)
			}
			if fault.count() != 16 {
				t.Fatalf("%d watch attempts, want 1 + kubernetes.transactional-operation.max-retries (15)", fault.count())
			}
			// 50 ms doubling to the 1 min cap: 50 ms × (2^11 − 1) + 4 × 1 min.
			want := 50*time.Millisecond*2047 + 4*time.Minute
			if got := time.Since(start); got != want {
				t.Fatalf("retries took %v of virtual time, want %v", got, want)
			}
		})
	})

	t.Run("testWatchCreationRetried", func(t *testing.T) {
		// Fabric8FlinkKubeClientTest testWatchPodsAndDoCallbackFail: two failures, then a
		// watch.
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{beforeInit: func(h *driverHarness) {
				h.cluster.Server().AddFault(&requestFault{user: jobManagerUser, verb: "watch", resource: "pods", failures: 2,
					err: apierrors.NewServiceUnavailable("try again")})
			}})
			defer h.stop()
			h.mustInit()
			if n := h.client.watchCount(); n != 1 {
				t.Fatalf("%d watches, want 1", n)
			}
		})
	})

	t.Run("testThrowExceptionWhenWatchPodsFailInHandlingError", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{})
			defer h.stop()
			h.mustInit()
			h.cluster.Server().AddFault(&requestFault{user: jobManagerUser, verb: "watch", resource: "pods", failures: -1,
				err: apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New("revoked"))})
			h.client.watch(0).fail(&apierrors.NewResourceExpired("too old resource version").ErrStatus)
			eventually(t, 10*time.Minute, "a fatal error", func() bool { _, _, errs := h.handler(); return len(errs) > 0 })
			if _, _, errs := h.handler(); !apierrors.IsForbidden(errs[0]) {
				t.Fatalf("error %v, want the Forbidden of the failed re-watch", errs[0])
			}
		})
	})

	t.Run("testTerminate", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{})
			defer h.stopCluster()
			h.mustInit()
			h.stopRun()
			synctest.Wait()
			if !h.client.watch(0).isStopped() {
				t.Fatal("terminate left the pod watch open")
			}
		})
	})

	for _, status := range []ApplicationStatus{ApplicationSucceeded, ApplicationFailed, ApplicationCanceled, ApplicationUnknown} {
		name := "testDeregisterApplication" + map[ApplicationStatus]string{ApplicationSucceeded: "Succeeded",
			ApplicationFailed: "Failed", ApplicationCanceled: "Canceled", ApplicationUnknown: "Unknown"}[status]
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newDriverHarness(t, harnessOptions{})
				defer h.stop()
				h.mustInit()
				h.waitCompleted(h.request())
				mustf(t, h.d.deregisterApplication(context.Background(), status, "done"), "deregister")
				_, err := h.admin.AppsV1().Deployments(testNamespace).Get(context.Background(), testClusterID, metav1.GetOptions{})
				if !apierrors.IsNotFound(err) {
					t.Fatalf("Deployment after deregistering: %v, want NotFound", err)
				}
				eventually(t, time.Minute, "the garbage collector removes the TaskManager pods", func() bool { return len(h.pods()) == 0 })
			})
		})
	}

	t.Run("testSidecarTerminationTerminatesTheWorker", func(t *testing.T) {
		// The pod template adds a sidecar; its end alone counts as the pod's.
		template := []byte("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: log-shipper\n    image: " + testImage + "\n    command: [/docker-entrypoint.sh]\n")
		local := kubeobjects.Local{ReadFile: func(path string) ([]byte, error) {
			if path == kubeobjects.TaskManagerPodTemplatePath {
				return template, nil
			}
			return nil, fs.ErrNotExist
		}}
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{local: local})
			defer h.stop()
			h.mustInit()
			w := h.waitCompleted(h.request())
			h.waitPodPhase(string(w.ID), corev1.PodRunning)
			if c := h.pods()[string(w.ID)].Spec.Containers; len(c) != 2 || c[0].Name != "log-shipper" || c[1].Name != "flink-main-container" {
				t.Fatalf("containers %+v, want the template's sidecar, then the main container", c)
			}
			mustf(t, h.cluster.Kubelet().Crash(testNamespace, string(w.ID), "log-shipper", 2), "crash the sidecar")
			h.waitPodGone(string(w.ID))
			_, terminated, _ := h.handler()
			if len(terminated) == 0 || !strings.Contains(terminated[0].diagnostics, "log-shipper(exitCode=2") {
				t.Fatalf("terminated %+v, want the sidecar's exit in the diagnostics", terminated)
			}
		})
	})

	t.Run("testBlockedNodesAsNodeAffinity", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{})
			defer h.stop()
			h.mustInit()
			h.blocked = []string{"node-2", "node-1"}
			w := h.waitCompleted(h.request())
			pod := h.pods()[string(w.ID)]
			aff := pod.Spec.Affinity
			if aff == nil || aff.NodeAffinity == nil || aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
				t.Fatalf("no required node affinity: %+v", aff)
			}
			expr := aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions[0]
			if expr.Key != "kubernetes.io/hostname" || expr.Operator != corev1.NodeSelectorOpNotIn || strings.Join(expr.Values, ",") != "node-1,node-2" {
				t.Fatalf("affinity %+v, want kubernetes.io/hostname NotIn [node-1 node-2]", expr)
			}
			if pod.Spec.NodeName != "node-3" {
				t.Fatalf("pod scheduled on %q, want node-3, the only node not blocked", pod.Spec.NodeName)
			}
		})
	})
}
