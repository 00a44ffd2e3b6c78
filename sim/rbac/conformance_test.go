package rbac_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/sim"
	"flinksim/sim/conformance"
)

// TestRBACEnforcedConformance runs the whole conformance suite against a simulated
// cluster that enforces RBAC: the rbac cases need it, and every other case shows that the
// cluster's own controllers hold the permissions they need.
func TestRBACEnforcedConformance(t *testing.T) {
	for i, c := range conformance.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cluster, err := sim.New(sim.Config{Seed: int64(i + 1), RBAC: true})
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				stopped := make(chan error, 1)
				go func() { stopped <- cluster.Start(ctx) }()
				defer func() {
					cancel()
					if err := <-stopped; err != nil {
						t.Errorf("cluster: %v", err)
					}
				}()
				ns := fmt.Sprintf("conformance-%d", i+1)
				if _, err := cluster.Client().CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
				c.Run(t, &conformance.Env{
					Client:      cluster.Client(),
					ClientFor:   cluster.ClientFor,
					Namespace:   ns,
					Backend:     conformance.BackendSim,
					Eventually:  eventually,
					Controllers: true,
				})
			})
		})
	}
}

// eventually polls in simulated time.
func eventually(t testing.TB, timeout time.Duration, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if ok {
			return
		}
		if !time.Now().Before(deadline) {
			t.Fatalf("condition not met within %v (simulated): last error: %v", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
