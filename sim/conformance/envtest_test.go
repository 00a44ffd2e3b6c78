package conformance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"flinksim/sim"
	"flinksim/sim/envtestbackend"
)

// requireEnvtestVar, when "1", turns missing binaries into a failure (make test sets it).
const requireEnvtestVar = "FLINKSIM_REQUIRE_ENVTEST"

// TestConformanceEnvtest runs the suite against a real kube-apiserver, the judge, with
// the simulator's controllers (garbage collector, namespace controller, …) running
// against it.
func TestConformanceEnvtest(t *testing.T) {
	cp := realControlPlane(t)
	Run(t, func(t *testing.T) *Env { return cp.newEnv(t) })
}

// controlPlane is the one real API server of this test binary with a simulated
// cluster's controllers running against it, started on first use and stopped by
// TestMain.
type controlPlane struct {
	backend *envtestbackend.Backend
	cluster *sim.Cluster
	stop    context.CancelFunc
	stopped chan error
}

// sharedControlPlane is package state on purpose: one real control plane per test binary.
var sharedControlPlane struct {
	once sync.Once
	cp   *controlPlane
	err  error
}

// realControlPlane returns the shared control plane, starting it on first use. Missing
// binaries skip the test, or fail it when FLINKSIM_REQUIRE_ENVTEST=1.
func realControlPlane(t *testing.T) *controlPlane {
	t.Helper()
	dir, err := envtestbackend.FindAssets()
	if err != nil {
		if os.Getenv(requireEnvtestVar) == "1" {
			t.Fatalf("%v (%s=1 requires the real API server)", err, requireEnvtestVar)
		}
		t.Skipf("%v; set %s=1 to make this a failure", err, requireEnvtestVar)
	}
	sharedControlPlane.once.Do(func() {
		sharedControlPlane.cp, sharedControlPlane.err = startControlPlane(dir)
	})
	require.NoError(t, sharedControlPlane.err, "starting kube-apiserver and etcd from %s", dir)
	return sharedControlPlane.cp
}

func startControlPlane(dir string) (*controlPlane, error) {
	backend, err := envtestbackend.Start(envtestbackend.Config{AssetsDir: dir})
	if err != nil {
		return nil, err
	}
	cluster, err := sim.New(sim.Config{Seed: 1, RBAC: true, Backend: backend})
	if err != nil {
		return nil, errors.Join(err, backend.Stop())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cp := &controlPlane{backend: backend, cluster: cluster, stop: cancel, stopped: make(chan error, 1)}
	go func() { cp.stopped <- cluster.Start(ctx) }()
	return cp, nil
}

// stopControlPlane stops the shared cluster's controllers, then the control plane, if
// they were started.
func stopControlPlane() error {
	cp := sharedControlPlane.cp
	if cp == nil {
		return nil
	}
	cp.stop()
	var errs []error
	if err := <-cp.stopped; err != nil {
		errs = append(errs, fmt.Errorf("the simulated cluster's controllers: %w", err))
	}
	if err := cp.backend.Stop(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// newEnv gives a case a fresh namespace on the real server; the namespace controller
// removes it with its contents after the case.
func (cp *controlPlane) newEnv(t *testing.T) *Env {
	t.Helper()
	admin := cp.cluster.Client()
	ns, err := admin.CoreV1().Namespaces().Create(t.Context(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "conformance-"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		if err := admin.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{}); err != nil {
			t.Logf("deleting namespace %s: %v", ns.Name, err)
		}
	})
	return &Env{
		Client:      admin,
		ClientFor:   cp.cluster.ClientFor,
		Namespace:   ns.Name,
		Backend:     BackendEnvtest,
		Eventually:  realTimeEventually,
		Controllers: true,
	}
}

// realTimeEventually polls cond every 20 ms of real time.
func realTimeEventually(t testing.TB, timeout time.Duration, cond func() (bool, error)) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, timeout, true,
		func(context.Context) (bool, error) {
			ok, err := cond()
			last = err
			return ok, nil
		})
	if err != nil {
		t.Fatalf("condition not met within %s (last error: %v)", timeout, last)
	}
}
