package resourcemanager

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"

	"flinksim/config"
	"flinksim/kubeobjects"
	"flinksim/mainloop"
	"flinksim/process"
	"flinksim/sim"
	"flinksim/sim/apiserver"
	"flinksim/sim/kubelet"
	"flinksim/sim/simtest"
)

const (
	testClusterID = "my-flink"
	testNamespace = "default"
	// jobManagerUser is the identity the resource manager talks to the API server as.
	jobManagerUser = "system:serviceaccount:default:flink"
	// testImage is the TaskManager image the tests push into the simulated registry.
	testImage = "flink-test:1"
)

// testConfiguration is a minimal JobManager configuration, plus kv pairs.
func testConfiguration(kv ...string) *config.Configuration {
	c := config.FromMap(map[string]string{
		"kubernetes.cluster-id":           testClusterID,
		"kubernetes.namespace":            testNamespace,
		"kubernetes.container.image.ref":  testImage,
		"taskmanager.memory.process.size": "1728m",
		"taskmanager.numberOfTaskSlots":   "1",
		// The deployer pins the TaskManager RPC port before shipping the configuration.
		"taskmanager.rpc.port": "6122",
	})
	for i := 0; i+1 < len(kv); i += 2 {
		c.SetString(kv[i], kv[i+1])
	}
	return c
}

// simCluster starts a simulated cluster in the current bubble; stop ends it.
func simCluster(t *testing.T, cfg sim.Config, program process.Program) (*sim.Cluster, func()) {
	t.Helper()
	if program == nil {
		program = func(ctx context.Context, _ *process.Env) error { <-ctx.Done(); return nil }
	}
	cfg.Images = append(cfg.Images, &kubelet.Image{Name: "flink-test", Tag: "1",
		Programs: map[string]process.Program{"/docker-entrypoint.sh": program}})
	return simtest.Start(t, cfg), func() {}
}

// createJobManagerDeployment creates the Deployment <cid> TaskManager pods are owned by
// (with no replicas: the tests play the JobManager).
func createJobManagerDeployment(t *testing.T, client kubernetes.Interface) *appsv1.Deployment {
	t.Helper()
	zero := int32(0)
	sel := kubeobjects.JobManagerSelector(testClusterID)
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: testClusterID, Namespace: testNamespace, Labels: kubeobjects.CommonLabels(testClusterID)},
		Spec: appsv1.DeploymentSpec{
			Replicas: &zero,
			Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: sel},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "flink-main-container", Image: testImage}}},
			},
		},
	}
	out, err := client.AppsV1().Deployments(testNamespace).Create(context.Background(), dep, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The TaskManager pods mount the cluster's configuration, as the deployer ships it.
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: kubeobjects.FlinkConfigMapName(testClusterID), Namespace: testNamespace},
		Data:       map[string]string{kubeobjects.ConfigFileName: "kubernetes.cluster-id: " + testClusterID + "\n"},
	}
	kubeobjects.SetOwner(kubeobjects.OwnerReference(out), cm)
	if _, err := client.CoreV1().ConfigMaps(testNamespace).Create(context.Background(), cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return out
}

// eventually waits, in virtual time, until cond holds.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// taskManagerPods lists the TaskManager pods of the test cluster by name.
func taskManagerPods(t *testing.T, client kubernetes.Interface) map[string]*corev1.Pod {
	t.Helper()
	list, err := client.CoreV1().Pods(testNamespace).List(context.Background(), metav1.ListOptions{
		LabelSelector: labels.SelectorFromSet(kubeobjects.TaskManagerSelector(testClusterID)).String()})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*corev1.Pod{}
	for i := range list.Items {
		out[list.Items[i].Name] = &list.Items[i]
	}
	return out
}

func podNames(pods map[string]*corev1.Pod) []string {
	var out []string
	for n := range pods {
		out = append(out, n)
	}
	return sortedStrings(out)
}

func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// ---- faults -----------------------------------------------------------------------------

// requestFault fails or holds the requests of one user that match verb and resource.
type requestFault struct {
	user, verb, resource string
	// failures is how many matching requests fail (-1: all); err is their error.
	failures int
	err      error
	// hold, when set, makes matching requests wait until it is closed (or their
	// caller gives up).
	hold chan struct{}

	mu   sync.Mutex
	seen int
}

func (f *requestFault) Intercept(req apiserver.Request, serve func() (runtime.Object, error)) (runtime.Object, error) {
	if req.User != f.user || req.Verb != f.verb || req.Resource.Resource != f.resource {
		return serve()
	}
	f.mu.Lock()
	f.seen++
	fail := f.failures < 0 || f.seen <= f.failures
	hold := f.hold
	f.mu.Unlock()
	if hold != nil {
		// Let go when the caller gives up, as a held request does (Request.Context).
		select {
		case <-hold:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
	if fail && f.err != nil {
		return nil, f.err
	}
	return serve()
}

func (f *requestFault) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen
}

// ---- a client whose pod watches can be given extra events ------------------------------

// injectingClient wraps a client so that a test can push events into the pod watches
// it opens and see when they are stopped. The simulated API server has no fault that
// delivers an ERROR event on an open watch (410 Gone or another error), which a real
// server does; this stands in for it.
type injectingClient struct {
	kubernetes.Interface
	mu      sync.Mutex
	watches []*injectableWatch
	// podOptions are the options of every pod list and watch, in order.
	podOptions []podCall
}

// podCall is one pod list or watch and its options.
type podCall struct {
	verb string
	opts metav1.ListOptions
}

func (c *injectingClient) record(verb string, opts metav1.ListOptions) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.podOptions = append(c.podOptions, podCall{verb, opts})
}

func (c *injectingClient) podCalls() []podCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]podCall(nil), c.podOptions...)
}

func (c *injectingClient) CoreV1() corev1client.CoreV1Interface {
	return injectingCoreV1{CoreV1Interface: c.Interface.CoreV1(), c: c}
}

type injectingCoreV1 struct {
	corev1client.CoreV1Interface
	c *injectingClient
}

func (x injectingCoreV1) Pods(ns string) corev1client.PodInterface {
	return injectingPods{PodInterface: x.CoreV1Interface.Pods(ns), c: x.c}
}

type injectingPods struct {
	corev1client.PodInterface
	c *injectingClient
}

func (p injectingPods) List(ctx context.Context, opts metav1.ListOptions) (*corev1.PodList, error) {
	p.c.record("list", opts)
	return p.PodInterface.List(ctx, opts)
}

func (p injectingPods) Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	p.c.record("watch", opts)
	w, err := p.PodInterface.Watch(ctx, opts)
	if err != nil {
		return nil, err
	}
	iw := &injectableWatch{inner: w, out: make(chan watch.Event), inject: make(chan watch.Event), stop: make(chan struct{}), closeOut: make(chan struct{})}
	go iw.forward()
	p.c.mu.Lock()
	p.c.watches = append(p.c.watches, iw)
	p.c.mu.Unlock()
	return iw, nil
}

// watch returns the i-th watch opened, or nil.
func (c *injectingClient) watch(i int) *injectableWatch {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i < len(c.watches) {
		return c.watches[i]
	}
	return nil
}

func (c *injectingClient) watchCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.watches)
}

type injectableWatch struct {
	inner    watch.Interface
	out      chan watch.Event
	inject   chan watch.Event
	stop     chan struct{}
	closeOut chan struct{}
	once     sync.Once
	closed   sync.Once
	mu       sync.Mutex
	stopped  bool
}

func (w *injectableWatch) ResultChan() <-chan watch.Event { return w.out }

func (w *injectableWatch) Stop() {
	w.once.Do(func() {
		w.mu.Lock()
		w.stopped = true
		w.mu.Unlock()
		close(w.stop)
	})
}

func (w *injectableWatch) isStopped() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stopped
}

func (w *injectableWatch) forward() {
	defer close(w.out)
	defer w.inner.Stop()
	for {
		var ev watch.Event
		var ok bool
		select {
		case ev, ok = <-w.inner.ResultChan():
			if !ok {
				return
			}
		case ev = <-w.inject:
		case <-w.closeOut:
			return
		case <-w.stop:
			return
		}
		select {
		case w.out <- ev:
		case <-w.stop:
			return
		}
	}
}

// send delivers ev to the watch's consumer.
func (w *injectableWatch) send(ev watch.Event) {
	select {
	case w.inject <- ev:
	case <-w.stop:
	}
}

// fail delivers an ERROR event with status and closes the watch, as a real server
// does.
func (w *injectableWatch) fail(status *metav1.Status) {
	w.send(watch.Event{Type: watch.Error, Object: status})
	w.closed.Do(func() { close(w.closeOut) })
}

// ---- the resource manager's event handler, recorded -------------------------------------

type recordingHandler struct {
	recovered  [][]workerNode
	terminated []terminatedWorker
	errors     []error
}

type terminatedWorker struct {
	id          ResourceID
	diagnostics string
}

func (h *recordingHandler) onPreviousAttemptWorkersRecovered(ws []workerNode) {
	h.recovered = append(h.recovered, ws)
}
func (h *recordingHandler) onWorkerTerminated(id ResourceID, diagnostics string) {
	h.terminated = append(h.terminated, terminatedWorker{id, diagnostics})
}
func (h *recordingHandler) onError(err error) { h.errors = append(h.errors, err) }

// ---- running a loop in a test --------------------------------------------------------------

// onLoop lets the bubble settle (timers that are due have fired, their tasks are
// queued), then runs f on the loop and waits for it.
func onLoop(t *testing.T, l *mainloop.Loop, f func()) {
	t.Helper()
	synctest.Wait()
	done := make(chan struct{})
	if !l.Post(func() { f(); close(done) }) {
		t.Fatal("the loop has stopped")
	}
	<-done
}

func testRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

func mustf(t *testing.T, err error, format string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(format, args...), err)
	}
}
