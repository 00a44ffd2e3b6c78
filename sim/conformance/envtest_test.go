package conformance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// The real control plane: kube-apiserver and etcd built by hack/envtest-assets.sh.
const (
	envtestVersion = "v1.37.2"
	// requireEnvtestVar, when "1", turns missing binaries into a failure (make test sets it).
	requireEnvtestVar = "FLINKSIM_REQUIRE_ENVTEST"
)

// TestConformanceEnvtest runs the suite against a real kube-apiserver: the judge.
func TestConformanceEnvtest(t *testing.T) {
	cp := realControlPlane(t)
	Run(t, func(t *testing.T) *Env { return cp.newEnv(t) })
}

// controlPlane is the one real API server of this test binary, started on first use and
// stopped by TestMain.
type controlPlane struct {
	env    *envtest.Environment
	admin  kubernetes.Interface
	config *rest.Config

	mu    sync.Mutex
	users map[string]kubernetes.Interface
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
	dir, err := envtestAssets()
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

// stopControlPlane stops the shared control plane if one was started.
func stopControlPlane() error {
	if cp := sharedControlPlane.cp; cp != nil {
		return cp.env.Stop()
	}
	return nil
}

// envtestAssets returns the folder holding kube-apiserver and etcd: $KUBEBUILDER_ASSETS,
// else $FLINKSIM_ENVTEST_DIR, else the cache folder hack/envtest-assets.sh builds into.
func envtestAssets() (string, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		dir = os.Getenv("FLINKSIM_ENVTEST_DIR")
	}
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("finding the envtest binaries: %w", err)
		}
		dir = filepath.Join(home, ".cache", "flinksim", "envtest", envtestVersion)
	}
	var missing []error
	for _, bin := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(dir, bin)); err != nil {
			missing = append(missing, err)
		}
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("real API server binaries missing in %s (build them with `make envtest-assets`, about 10 minutes): %w",
			dir, errors.Join(missing...))
	}
	return dir, nil
}

func startControlPlane(dir string) (*controlPlane, error) {
	// envtest logs through controller-runtime's logger; without one it complains.
	ctrllog.SetLogger(logr.Discard())
	env := &envtest.Environment{
		BinaryAssetsDirectory:    dir,
		ControlPlaneStartTimeout: time.Minute,
		ControlPlaneStopTimeout:  time.Minute,
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, err
	}
	admin, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, errors.Join(err, env.Stop())
	}
	return &controlPlane{env: env, admin: admin, config: cfg, users: map[string]kubernetes.Interface{}}, nil
}

// newEnv gives a case a fresh namespace on the real server. Namespaces are not deleted:
// without a namespace controller they would only turn Terminating, and the whole control
// plane goes away with the test binary.
func (cp *controlPlane) newEnv(t *testing.T) *Env {
	t.Helper()
	ns, err := cp.admin.CoreV1().Namespaces().Create(t.Context(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "conformance-"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	return &Env{
		Client:      cp.admin,
		ClientFor:   func(user string) kubernetes.Interface { return cp.clientFor(t, user) },
		Namespace:   ns.Name,
		Backend:     BackendEnvtest,
		Eventually:  realTimeEventually,
		Controllers: false,
	}
}

// clientFor returns a client authenticated (by client certificate) as user, with the
// groups the real server gives that identity.
func (cp *controlPlane) clientFor(t testing.TB, user string) kubernetes.Interface {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if c, ok := cp.users[user]; ok {
		return c
	}
	au, err := cp.env.AddUser(envtest.User{Name: user, Groups: groupsOf(user)}, rest.CopyConfig(cp.config))
	require.NoError(t, err, "adding user %s", user)
	c, err := kubernetes.NewForConfig(au.Config())
	require.NoError(t, err)
	cp.users[user] = c
	return c
}

// groupsOf returns the groups a real server gives user: for a service account
// "system:serviceaccount:<ns>:<name>", system:serviceaccounts and
// system:serviceaccounts:<ns> (system:authenticated is added by the server itself).
func groupsOf(user string) []string {
	parts := strings.Split(user, ":")
	if len(parts) == 4 && parts[0] == "system" && parts[1] == "serviceaccount" {
		return []string{"system:serviceaccounts", "system:serviceaccounts:" + parts[2]}
	}
	return nil
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
