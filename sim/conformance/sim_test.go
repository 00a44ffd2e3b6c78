package conformance

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/sim"
	"flinksim/sim/simtest"
)

// TestConformanceSim runs the suite against the simulated API server, each case in
// its own synctest bubble (virtual time) with its own cluster and controllers.
func TestConformanceSim(t *testing.T) {
	for i, c := range Cases() {
		t.Run(c.Name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cluster := simtest.Start(t, sim.Config{Seed: int64(i + 1), RBAC: true})
				ctx := t.Context()
				ns := fmt.Sprintf("conformance-%d", i+1)
				if _, err := cluster.Client().CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
				env := &Env{
					Client:      cluster.Client(),
					ClientFor:   cluster.ClientFor,
					Namespace:   ns,
					Backend:     BackendSim,
					Eventually:  virtualEventually,
					Controllers: true,
				}
				c.Run(t, env)
			})
		})
	}
}

// virtualEventually polls in simulated time: inside the bubble a sleep costs no wall time.
func virtualEventually(t testing.TB, timeout time.Duration, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for {
		ok, err := cond()
		if ok {
			return
		}
		last = err
		if !time.Now().Before(deadline) {
			t.Fatalf("condition not met within %v (simulated): last error: %v", timeout, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
