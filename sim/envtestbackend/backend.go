package envtestbackend

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"flinksim/sim/apiserver"
)

// Version is the Kubernetes version of the control plane `make envtest-assets` builds.
const Version = "v1.37.2"

// Config configures the control plane. The zero value is usable.
type Config struct {
	// AssetsDir holds the kube-apiserver and etcd binaries. Default: FindAssets.
	AssetsDir string
	// StartTimeout and StopTimeout bound starting and stopping. Default 1 minute each.
	StartTimeout, StopTimeout time.Duration
}

// Backend is a running kube-apiserver and etcd; it implements sim.Backend.
type Backend struct {
	env    *envtest.Environment
	config *rest.Config

	mu    sync.Mutex
	users map[string]*rest.Config
}

// FindAssets returns the folder holding kube-apiserver and etcd: $KUBEBUILDER_ASSETS,
// else $FLINKSIM_ENVTEST_DIR, else ~/.cache/flinksim/envtest/<Version>, where `make
// envtest-assets` builds them. The error says what is missing and how to build it.
func FindAssets() (string, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		dir = os.Getenv("FLINKSIM_ENVTEST_DIR")
	}
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("envtestbackend: finding the binaries (no home folder; set KUBEBUILDER_ASSETS): %w", err)
		}
		dir = filepath.Join(home, ".cache", "flinksim", "envtest", Version)
	}
	var missing []error
	for _, bin := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(dir, bin)); err != nil {
			missing = append(missing, err)
		}
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("envtestbackend: the real API server's binaries are missing in %s (build them with `make envtest-assets`, about 10 minutes, or point KUBEBUILDER_ASSETS at them): %w",
			dir, errors.Join(missing...))
	}
	return dir, nil
}

// Start starts kube-apiserver and etcd and waits until the API server serves.
func Start(cfg Config) (*Backend, error) {
	if cfg.AssetsDir == "" {
		dir, err := FindAssets()
		if err != nil {
			return nil, err
		}
		cfg.AssetsDir = dir
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = time.Minute
	}
	if cfg.StopTimeout <= 0 {
		cfg.StopTimeout = time.Minute
	}
	// envtest logs through controller-runtime's logger and complains when there is none.
	ctrllog.SetLogger(logr.Discard())
	env := &envtest.Environment{
		BinaryAssetsDirectory:    cfg.AssetsDir,
		ControlPlaneStartTimeout: cfg.StartTimeout,
		ControlPlaneStopTimeout:  cfg.StopTimeout,
	}
	config, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("envtestbackend: starting kube-apiserver and etcd from %s: %w", cfg.AssetsDir, err)
	}
	return &Backend{env: env, config: config, users: map[string]*rest.Config{}}, nil
}

// Stop stops kube-apiserver and etcd.
func (b *Backend) Stop() error {
	if err := b.env.Stop(); err != nil {
		return fmt.Errorf("envtestbackend: stopping the control plane: %w", err)
	}
	return nil
}

// Name implements sim.Backend.
func (b *Backend) Name() string { return "envtest" }

// ClientFor implements sim.Backend: a client authenticated by a client certificate as
// user, in the groups apiserver.GroupsOf gives it (system:authenticated is the server's
// to add).
func (b *Backend) ClientFor(user string) (kubernetes.Interface, error) {
	cfg, err := b.RESTConfigFor(user)
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}

// RESTConfigFor is the client configuration of user (see ClientFor).
func (b *Backend) RESTConfigFor(user string) (*rest.Config, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if cfg, ok := b.users[user]; ok {
		return rest.CopyConfig(cfg), nil
	}
	groups := slices.DeleteFunc(slices.Clone(apiserver.GroupsOf(user)), func(g string) bool { return g == apiserver.GroupAuthenticated })
	au, err := b.env.AddUser(envtest.User{Name: user, Groups: groups}, rest.CopyConfig(b.config))
	if err != nil {
		return nil, fmt.Errorf("envtestbackend: a client certificate for %s: %w", user, err)
	}
	cfg := au.Config()
	b.users[user] = cfg
	return rest.CopyConfig(cfg), nil
}
