package kubeclient

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"flinksim/config"
)

// Options are how Resolve reaches the local machine. The zero value uses the
// operating system.
type Options struct {
	// Kubeconfig is an explicit kubeconfig path (the CLIs' --kubeconfig flag); it
	// wins over kubernetes.config.file.
	Kubeconfig string
	// LookupEnv reads KUBECONFIG, HOME, KUBERNETES_SERVICE_HOST and
	// KUBERNETES_MAX_CONCURRENT_REQUESTS. nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// ReadFile reads kubeconfig files. nil means os.ReadFile.
	ReadFile func(string) ([]byte, error)
	// InCluster builds the configuration of the pod's service account. nil means
	// rest.InClusterConfig.
	InCluster func() (*rest.Config, error)
}

// Target is a resolved connection to an API server.
type Target struct {
	// Config is ready for kubernetes.NewForConfig: server, credentials, User-Agent,
	// rate limit and in-flight cap.
	Config *rest.Config
	// Source says where the connection came from, for messages: the kubeconfig
	// file(s) or "the in-cluster service account".
	Source string
	// Context is the kubeconfig context used ("" in-cluster).
	Context string
	// Namespace is kubernetes.namespace.
	Namespace string
	// MaxConcurrentRequests is the in-flight cap and rate limit applied.
	MaxConcurrentRequests int
}

// Resolve works out which API server to talk to and how (see the package doc).
func Resolve(conf *config.Configuration, opts Options) (*Target, error) {
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	if opts.ReadFile == nil {
		opts.ReadFile = os.ReadFile
	}
	if opts.InCluster == nil {
		opts.InCluster = rest.InClusterConfig
	}
	namespace, err := config.Get(conf, config.KubernetesNamespace)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(namespace) == "" {
		return nil, fmt.Errorf("%s must not be blank", config.KubernetesNamespace.Key())
	}
	contextName, _, err := config.GetOptional(conf, config.KubernetesContext)
	if err != nil {
		return nil, err
	}
	contextName = strings.TrimSpace(contextName)

	t := &Target{Namespace: namespace}
	files, looked, err := kubeconfigFiles(conf, opts)
	if err != nil {
		return nil, err
	}
	switch {
	case len(files) > 0:
		t.Config, t.Context, err = fromKubeconfig(files, contextName)
		if err != nil {
			return nil, err
		}
		t.Source = "kubeconfig " + strings.Join(paths(files), ", ")
	default:
		if _, ok := opts.LookupEnv("KUBERNETES_SERVICE_HOST"); !ok {
			return nil, fmt.Errorf("no Kubernetes cluster to talk to: no kubeconfig found (looked at %s) and not running in a pod; "+
				"give one with --kubeconfig, the KUBECONFIG environment variable or -D%s=<path>",
				strings.Join(looked, ", "), config.KubernetesConfigFile.Key())
		}
		t.Config, err = opts.InCluster()
		if err != nil {
			return nil, fmt.Errorf("no kubeconfig found (looked at %s), and the in-cluster service account cannot be used: %w",
				strings.Join(looked, ", "), err)
		}
		t.Source = "the in-cluster service account"
	}

	userAgent, err := config.Get(conf, config.KubernetesClientUserAgent)
	if err != nil {
		return nil, err
	}
	t.Config.UserAgent = userAgent
	if t.MaxConcurrentRequests, err = maxConcurrentRequests(conf, opts.LookupEnv); err != nil {
		return nil, err
	}
	applyLimits(t.Config, t.MaxConcurrentRequests)
	return t, nil
}

type kubeconfigFile struct {
	path string
	data []byte
}

func paths(files []kubeconfigFile) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.path
	}
	return out
}

// kubeconfigFiles reads the kubeconfig files to use, in precedence order; looked
// lists the places tried, for the error when there are none.
func kubeconfigFiles(conf *config.Configuration, opts Options) (files []kubeconfigFile, looked []string, err error) {
	explicit, what := opts.Kubeconfig, "--kubeconfig"
	if explicit == "" {
		explicit, _, err = config.GetOptional(conf, config.KubernetesConfigFile)
		if err != nil {
			return nil, nil, err
		}
		what = config.KubernetesConfigFile.Key()
	}
	if explicit = strings.TrimSpace(explicit); explicit != "" {
		explicit = expandHome(explicit, opts.LookupEnv)
		data, err := opts.ReadFile(explicit)
		if err != nil {
			return nil, nil, fmt.Errorf("the kubeconfig %q (%s) cannot be read: %w; point %s at your kubeconfig file",
				explicit, what, err, what)
		}
		return []kubeconfigFile{{explicit, data}}, nil, nil
	}
	if list, ok := opts.LookupEnv("KUBECONFIG"); ok && strings.TrimSpace(list) != "" {
		for _, p := range filepath.SplitList(list) {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			looked = append(looked, p)
			data, err := opts.ReadFile(p)
			if errors.Is(err, fs.ErrNotExist) {
				continue // as kubectl: missing KUBECONFIG entries are skipped
			}
			if err != nil {
				return nil, nil, fmt.Errorf("the kubeconfig %q (from KUBECONFIG) cannot be read: %w", p, err)
			}
			files = append(files, kubeconfigFile{p, data})
		}
		if len(files) > 0 {
			return files, looked, nil
		}
	}
	if home, ok := opts.LookupEnv("HOME"); ok && home != "" {
		p := filepath.Join(home, ".kube", "config")
		looked = append(looked, p)
		data, err := opts.ReadFile(p)
		switch {
		case err == nil:
			return []kubeconfigFile{{p, data}}, looked, nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, nil, fmt.Errorf("the kubeconfig %q cannot be read: %w", p, err)
		}
	}
	return nil, looked, nil
}

func expandHome(p string, lookupEnv func(string) (string, bool)) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, ok := lookupEnv("HOME"); ok && home != "" {
			return filepath.Join(home, rest)
		}
	}
	return p
}

// fromKubeconfig merges the files (the first to set an entry wins), picks the context
// and builds the REST configuration.
func fromKubeconfig(files []kubeconfigFile, contextName string) (*rest.Config, string, error) {
	merged := clientcmdapi.NewConfig()
	for _, f := range files {
		c, err := clientcmd.Load(f.data)
		if err != nil {
			return nil, "", fmt.Errorf("the kubeconfig %q is not valid: %w", f.path, err)
		}
		for name, cl := range c.Clusters {
			cl.LocationOfOrigin = f.path
			if _, ok := merged.Clusters[name]; !ok {
				merged.Clusters[name] = cl
			}
		}
		for name, u := range c.AuthInfos {
			u.LocationOfOrigin = f.path
			if _, ok := merged.AuthInfos[name]; !ok {
				merged.AuthInfos[name] = u
			}
		}
		for name, cx := range c.Contexts {
			cx.LocationOfOrigin = f.path
			if _, ok := merged.Contexts[name]; !ok {
				merged.Contexts[name] = cx
			}
		}
		if merged.CurrentContext == "" {
			merged.CurrentContext = c.CurrentContext
		}
	}
	if err := clientcmd.ResolveLocalPaths(merged); err != nil {
		return nil, "", err
	}
	where := strings.Join(paths(files), ", ")
	contexts := make([]string, 0, len(merged.Contexts))
	for name := range merged.Contexts {
		contexts = append(contexts, name)
	}
	slices.Sort(contexts)
	switch {
	case contextName != "":
		if _, ok := merged.Contexts[contextName]; !ok {
			return nil, "", fmt.Errorf("%s %q is not a context of the kubeconfig %s; its contexts are: %s",
				config.KubernetesContext.Key(), contextName, where, strings.Join(contexts, ", "))
		}
	case merged.CurrentContext == "":
		return nil, "", fmt.Errorf("the kubeconfig %s has no current-context: choose one with -D%s=<context> (contexts: %s)",
			where, config.KubernetesContext.Key(), strings.Join(contexts, ", "))
	default:
		contextName = merged.CurrentContext
		if _, ok := merged.Contexts[contextName]; !ok {
			return nil, "", fmt.Errorf("the current-context %q of the kubeconfig %s is not defined there; "+
				"choose one with -D%s=<context> (contexts: %s)",
				contextName, where, config.KubernetesContext.Key(), strings.Join(contexts, ", "))
		}
	}
	rc, err := clientcmd.NewNonInteractiveClientConfig(*merged, contextName, &clientcmd.ConfigOverrides{}, nil).ClientConfig()
	if err != nil {
		return nil, "", fmt.Errorf("the context %q of the kubeconfig %s cannot be used: %w", contextName, where, err)
	}
	return rc, contextName, nil
}
