package localcluster

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// ContextName names the cluster, user and context of the kubeconfig flinksim writes.
const ContextName = "flinksim"

// writeKubeconfig writes the kubeconfig of a running flinksim: cluster-admin by bearer
// token, the CA of this run (HTTPS), namespace default. It refuses to overwrite a
// kubeconfig that holds anything but flinksim's own entries.
func writeKubeconfig(path, server, token string, caPEM []byte) error {
	if existing, err := clientcmd.LoadFromFile(path); err == nil {
		for name := range existing.Clusters {
			if name != ContextName {
				return fmt.Errorf("the kubeconfig %s holds other clusters (%q): flinksim writes a file of its own; "+
					"choose another --kubeconfig path (default %s)", path, name, DefaultKubeconfig())
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("the kubeconfig %s exists but cannot be read (%v): choose another --kubeconfig path or remove it", path, err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[ContextName] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos[ContextName+"-admin"] = &clientcmdapi.AuthInfo{Token: token} // no token over plain HTTP
	cfg.Contexts[ContextName] = &clientcmdapi.Context{Cluster: ContextName, AuthInfo: ContextName + "-admin", Namespace: "default"}
	cfg.CurrentContext = ContextName
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating the directory of the kubeconfig %s: %w", path, err)
	}
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("writing the kubeconfig %s: %w", path, err)
	}
	return os.Chmod(path, 0o600)
}

// RESTConfig is the client configuration of the kubeconfig a running flinksim up wrote.
func RESTConfig(path string) (*rest.Config, error) {
	path = expandHome(path)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no kubeconfig at %s (%v): start the cluster with `flinksim up` first, or give --kubeconfig the path it printed", path, err)
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: path},
		&clientcmd.ConfigOverrides{CurrentContext: ContextName}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("the kubeconfig %s is not one flinksim up wrote: %w", path, err)
	}
	return cfg, nil
}
