package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"flinksim/kubeserver"
	"flinksim/sim"
	"flinksim/sim/apiserver"
	"flinksim/sim/rbac"
)

// TestConformanceHTTP runs the suite against the simulated API server served over HTTP by
// kubeserver, as flinksim up serves it to kubectl and Flink's CLIs: every client is
// client-go over loopback HTTP (per-identity clients impersonate, as kubectl --as does),
// RBAC is enforced, the cluster's controllers run, and time is real. Where this run fails
// and TestConformanceSim passes, the HTTP layer changes the simulator's semantics.
func TestConformanceHTTP(t *testing.T) {
	hs := httpServer(t)
	Run(t, func(t *testing.T) *Env { return hs.newEnv(t) })
}

// adminToken is the bearer token of the HTTP run's cluster-admin.
const adminToken = "conformance-admin"

// servedCluster is the one simulated cluster of this test binary served over HTTP,
// started on first use and stopped by TestMain.
type servedCluster struct {
	cluster *sim.Cluster
	base    rest.Config
	stop    context.CancelFunc
	stopped chan error // one error (or nil) from each of the cluster and the server

	mu      sync.Mutex
	clients map[string]kubernetes.Interface // by impersonated user, "" for the admin
	http    []*http.Client
}

// sharedServedCluster is package state on purpose: one served cluster per test binary.
var sharedServedCluster struct {
	once sync.Once
	sc   *servedCluster
	err  error
}

func httpServer(t *testing.T) *servedCluster {
	t.Helper()
	sharedServedCluster.once.Do(func() {
		sharedServedCluster.sc, sharedServedCluster.err = startServedCluster()
	})
	require.NoError(t, sharedServedCluster.err, "starting the simulated cluster behind kubeserver")
	return sharedServedCluster.sc
}

func startServedCluster() (*servedCluster, error) {
	cluster, err := sim.New(sim.Config{Seed: 1, RBAC: true})
	if err != nil {
		return nil, err
	}
	// The authorizer of access reviews and impersonation, as localcluster gives it.
	authz, err := rbac.New(rbac.Config{Source: cluster.Server()})
	if err != nil {
		return nil, err
	}
	srv, err := kubeserver.New(kubeserver.Config{
		API: cluster.Server(), Authorizer: authz,
		Tokens: map[string]string{adminToken: apiserver.AdminUser},
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	sc := &servedCluster{
		cluster: cluster,
		base:    rest.Config{Host: srv.URL(), BearerToken: adminToken, QPS: -1},
		stop:    cancel,
		stopped: make(chan error, 2),
		clients: map[string]kubernetes.Interface{},
	}
	go func() { sc.stopped <- cluster.Start(ctx) }()
	go func() { sc.stopped <- srv.Start(ctx) }()
	return sc, nil
}

// stopServedCluster stops the shared served cluster, if it was started: the server ends
// its watches and waits for its requests, the controllers stop, and the clients' idle
// connections are closed.
func stopServedCluster() error {
	sc := sharedServedCluster.sc
	if sc == nil {
		return nil
	}
	sc.stop()
	var errs []error
	for range 2 {
		if err := <-sc.stopped; err != nil {
			errs = append(errs, err)
		}
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	for _, hc := range sc.http {
		hc.CloseIdleConnections()
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("the simulated cluster served over HTTP: %w", err)
	}
	return nil
}

// client is a clientset over HTTP acting as the admin (user "") or impersonating user.
func (sc *servedCluster) client(user string) kubernetes.Interface {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if cs, ok := sc.clients[user]; ok {
		return cs
	}
	cfg := rest.CopyConfig(&sc.base)
	cfg.Impersonate.UserName = user
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		panic(fmt.Sprintf("conformance: an HTTP client for %q: %v", user, err))
	}
	cs, err := kubernetes.NewForConfigAndClient(cfg, hc)
	if err != nil {
		panic(fmt.Sprintf("conformance: a clientset for %q: %v", user, err))
	}
	sc.http = append(sc.http, hc)
	sc.clients[user] = cs
	return cs
}

// newEnv gives a case a fresh namespace; the namespace controller removes it with its
// contents after the case.
func (sc *servedCluster) newEnv(t *testing.T) *Env {
	t.Helper()
	admin := sc.client("")
	ns, err := admin.CoreV1().Namespaces().Create(t.Context(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "conformance-"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		if err := admin.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{}); err != nil {
			t.Logf("deleting namespace %s: %v", ns.Name, err)
		}
	})
	return &Env{
		Client: admin,
		ClientFor: func(user string) kubernetes.Interface {
			return sc.client(user)
		},
		Namespace:   ns.Name,
		Backend:     BackendHTTP,
		Eventually:  realTimeEventually,
		Controllers: true,
	}
}
