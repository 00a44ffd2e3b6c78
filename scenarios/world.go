package scenarios

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/cucumber/godog"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"flinksim/deployer"
	"flinksim/flinkimage"
	"flinksim/sim"
)

// World is the state of one scenario: its own simulated cluster, the Flink side,
// the seed and the event trace. A World is made fresh for every scenario.
type World struct {
	Seed int64
	Rand *rand.Rand

	ctx    context.Context
	cancel context.CancelFunc

	clusterCfg sim.Config
	cluster    *sim.Cluster
	stopped    chan error

	namespace string
	files     map[string][]byte
	// lastErr is the error of the last action a step expects may fail.
	lastErr error
	clients map[string]*deployer.ClusterClient

	trace    *traceLog
	observer *observer
	// shared, when set, is the cluster this scenario uses in a namespace of its own
	// instead of starting one (a real API server's; see NewWorldOn).
	shared *SharedCluster
}

// SharedCluster is one running cluster that scenarios use one after another, each in a
// namespace of its own: a cluster on a real API server (sim.Config.Backend), which runs
// in real time and is too slow to start for every scenario.
type SharedCluster struct {
	Cluster *sim.Cluster
	// Config is what Cluster was made with; a scenario that asks for another shape
	// (other nodes, RBAC) fails, saying so.
	Config sim.Config
}

// NewWorld makes the World of one scenario. Everything random in the scenario draws
// from its seed, so a scenario rerun with the same seed repeats itself.
func NewWorld(seed int64) *World {
	ctx, cancel := context.WithCancel(context.Background())
	return &World{
		Seed:      seed,
		Rand:      rand.New(rand.NewPCG(uint64(seed), 0x5eed)),
		ctx:       ctx,
		cancel:    cancel,
		namespace: "default",
		files:     map[string][]byte{},
		clients:   map[string]*deployer.ClusterClient{},
		trace:     newTraceLog(time.Now()),
	}
}

// NewWorldOn makes the World of a scenario that runs on a shared cluster, in a
// namespace of its own, in real time (see SharedCluster).
func NewWorldOn(seed int64, shared *SharedCluster) *World {
	w := NewWorld(seed)
	w.shared = shared
	return w
}

// Register binds the step library to this World.
func (w *World) Register(sc *godog.ScenarioContext) {
	w.registerClusterSteps(sc)
	w.registerDeploySteps(sc)
	w.registerAssertSteps(sc)
	w.registerTimeSteps(sc)
	w.registerRESTSteps(sc)
	w.registerClientSteps(sc)
	w.registerJobSteps(sc)
	// Before each step and after the last, the scenario is quiescent (settle): the
	// trace's segment of the step before is complete and can be sealed (see traceLog).
	sc.StepContext().Before(func(ctx context.Context, st *godog.Step) (context.Context, error) {
		settle()
		w.trace.seal()
		w.tracef("step: %s", st.Text)
		return ctx, nil
	})
	sc.After(func(ctx context.Context, _ *godog.Scenario, err error) (context.Context, error) {
		settle()
		w.tracef("end") // when the last step returned
		w.trace.freeze()
		return ctx, nil
	})
}

// Close stops everything the scenario started and waits for it to stop.
func (w *World) Close(ctx context.Context) error {
	w.trace.freeze()
	w.cancel()
	if w.observer != nil {
		w.observer.factory.Shutdown()
	}
	if w.shared != nil {
		return w.leaveSharedCluster(ctx)
	}
	if w.stopped != nil {
		select {
		case err := <-w.stopped:
			return err
		case <-ctx.Done():
			return fmt.Errorf("the simulated cluster did not stop: %w", ctx.Err())
		}
	}
	return nil
}

// Report is what a person needs when the scenario failed: the seed, the
// simulated-time event trace and the cluster state.
func (w *World) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "seed: %d\n\ntrace (simulated time):\n", w.Seed)
	for _, l := range w.trace.lines() {
		b.WriteString("  " + l + "\n")
	}
	if w.cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		b.WriteString("\ncluster:\n")
		b.WriteString(w.cluster.Describe(ctx))
		if s := w.cluster.Server(); s != nil {
			b.WriteString("\nAPI requests (newest 30):\n")
			b.WriteString(s.RequestLog().Tail(30))
		}
		b.WriteString(w.flinkLogs(ctx, 60))
	}
	return b.String()
}

// flinkLogs are the last n lines of every Flink pod's main container log.
func (w *World) flinkLogs(ctx context.Context, n int) string {
	cs := w.cluster.Client()
	pods, err := cs.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{LabelSelector: "type=flink-native-kubernetes"})
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, p := range pods.Items {
		raw, err := cs.CoreV1().Pods(p.Namespace).GetLogs(p.Name, &corev1.PodLogOptions{Container: "flink-main-container"}).DoRaw(ctx)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
		fmt.Fprintf(&b, "\nlog of %s/%s (last %d lines):\n", p.Namespace, p.Name, n)
		for _, l := range lines[max(0, len(lines)-n):] {
			b.WriteString("  " + l + "\n")
		}
	}
	return b.String()
}

// tracef records a line of the scenario's trace, stamped with simulated time since
// the scenario started. Steps call it from the scenario's goroutine only: the trace
// keeps their lines in the order they were written.
func (w *World) tracef(format string, args ...interface{}) {
	w.trace.add(false, fmt.Sprintf(format, args...))
}

// Trace returns the scenario's trace lines: the steps, what they did, and the
// cluster's history as the observer saw it (see observe.go). With the same seed, a
// scenario leaves the same trace (see traceLog for how that is kept).
func (w *World) Trace() []string { return w.trace.lines() }

// observe starts writing the cluster's history into the trace.
func (w *World) observe(namespace string) {
	w.observer = startObserver(w.cluster.Client(), namespace, func(text string) { w.trace.add(true, text) }, w.ctx.Done())
}

// kube returns the admin client, starting the default cluster if no step made one.
func (w *World) kube() (kubernetes.Interface, error) {
	if w.cluster == nil {
		if err := w.startCluster(); err != nil {
			return nil, err
		}
	}
	return w.cluster.Client(), nil
}

func (w *World) startCluster() error {
	if w.cluster != nil {
		return fmt.Errorf("the cluster is already running: describe its shape before the first step that uses it")
	}
	if w.shared != nil {
		return w.joinSharedCluster()
	}
	cfg := w.clusterCfg
	cfg.Seed = w.Seed
	cfg.Images = append(cfg.Images, flinkimage.Images()...)
	c, err := sim.New(cfg)
	if err != nil {
		return err
	}
	w.cluster = c
	w.stopped = make(chan error, 1)
	go func() { w.stopped <- c.Start(w.ctx) }()
	nodes := len(cfg.Nodes)
	if nodes == 0 {
		nodes = sim.DefaultNodeCount
	}
	w.tracef("cluster started with %d nodes", nodes)
	w.observe("")
	return nil
}
