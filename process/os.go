package process

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// FromOS is the environment of a real container: os.Args, the process environment,
// the root file system, the in-cluster Kubernetes configuration and the host network.
func FromOS() *Env {
	environ := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			environ[k] = v
		}
	}
	host, _ := os.Hostname()
	return &Env{
		Args:    os.Args[1:],
		Environ: environ,
		Files:   os.DirFS("/"),
		Write: func(path string, data []byte) error {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			return os.WriteFile(path, data, 0o644)
		},
		Kube: func() (kubernetes.Interface, error) {
			cfg, err := rest.InClusterConfig()
			if err != nil {
				return nil, err
			}
			return kubernetes.NewForConfig(cfg)
		},
		Network:  osNetwork{},
		Hostname: host,
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
	}
}

type osNetwork struct{}

func (osNetwork) Listen(ctx context.Context, network, address string) (net.Listener, error) {
	var lc net.ListenConfig
	return lc.Listen(ctx, network, address)
}

func (osNetwork) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, network, address)
}
