package scenarios

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"
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

	traceMu sync.Mutex
	trace   []string
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
	}
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
	sc.StepContext().Before(func(ctx context.Context, st *godog.Step) (context.Context, error) {
		w.tracef("step: %s", st.Text)
		return ctx, nil
	})
}

// Close stops everything the scenario started and waits for it to stop.
func (w *World) Close(ctx context.Context) error {
	w.cancel()
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
	w.traceMu.Lock()
	for _, l := range w.trace {
		b.WriteString("  " + l + "\n")
	}
	w.traceMu.Unlock()
	if w.cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		b.WriteString("\ncluster:\n")
		b.WriteString(w.cluster.Describe(ctx))
		b.WriteString("\nAPI requests (newest 30):\n")
		b.WriteString(w.cluster.Server().RequestLog().Tail(30))
	}
	return b.String()
}

// tracef records a line of the scenario's trace, stamped with simulated time.
func (w *World) tracef(format string, args ...interface{}) {
	w.traceMu.Lock()
	defer w.traceMu.Unlock()
	w.trace = append(w.trace, time.Now().UTC().Format("15:04:05.000")+" "+fmt.Sprintf(format, args...))
}

// Trace returns the scenario's trace lines.
func (w *World) Trace() []string {
	w.traceMu.Lock()
	defer w.traceMu.Unlock()
	return append([]string(nil), w.trace...)
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
	w.tracef("cluster started with %d nodes", max(len(cfg.Nodes), 3))
	return nil
}
