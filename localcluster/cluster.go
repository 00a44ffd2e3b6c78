package localcluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"flinksim/dfs"
	"flinksim/flinkimage"
	"flinksim/kubeserver"
	"flinksim/portforward"
	"flinksim/sim"
	"flinksim/sim/apiserver"
	"flinksim/sim/rbac"
)

// Cluster is a simulated cluster served to the host: the Kubernetes API for kubectl
// and client-go, forwards to the Flink clusters' REST endpoints, and a control
// endpoint for faults.
type Cluster struct {
	cfg       Config
	sim       *sim.Cluster
	api       *kubeserver.Server
	forwarder *portforward.Forwarder
	faults    *faultBook
	store     *dfs.FS
}

// New builds the cluster, binds the API server's port and writes the kubeconfig; it
// starts no goroutine. Start runs it; a cluster that is never started should be
// Closed.
func New(cfg Config) (*Cluster, error) {
	if cfg.Kubeconfig == "" {
		return nil, errors.New("localcluster: Config.Kubeconfig is required (where to write the kubeconfig)")
	}
	cfg.Kubeconfig = expandHome(cfg.Kubeconfig)
	c, err := newSimulation(cfg)
	if err != nil {
		return nil, err
	}
	cfg, simCluster := c.cfg, c.sim
	var authz apiserver.Authorizer
	if cfg.RBAC {
		a, err := rbac.New(rbac.Config{Source: simCluster.Server()})
		if err != nil {
			return nil, err
		}
		authz = a
	}
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	forwarder, err := portforward.New(portforward.Config{
		Client: simCluster.Client(), Network: simCluster.Network(),
		Select: func(svc *corev1.Service) []corev1.ServicePort {
			if !cfg.ForwardRESTServices {
				return nil
			}
			return flinkRESTPorts(svc)
		},
		PreferServicePort: cfg.PreferServicePorts,
		LoadBalancers:     cfg.LoadBalancers,
		OnChange:          c.announceForward,
		Log:               cfg.Log,
	})
	if err != nil {
		return nil, err
	}
	c.forwarder = forwarder
	apiCfg := kubeserver.Config{
		API: simCluster.Server(), Logs: c.podLogs, Authorizer: authz,
		Tokens:     map[string]string{token: apiserver.AdminUser},
		Address:    cfg.Address,
		Extensions: c.controlHandler(),
		Log:        cfg.Log,
	}
	var caPEM []byte
	if cfg.HTTP {
		// client-go sends no bearer token over plain HTTP: the loopback port itself is
		// the credential, as kube-apiserver's old insecure port was.
		apiCfg.Anonymous, apiCfg.Tokens, token = apiserver.AdminUser, nil, ""
	} else {
		certs, err := newCertificates(time.Now())
		if err != nil {
			return nil, fmt.Errorf("localcluster: %w", err)
		}
		apiCfg.TLS, caPEM = certs.tlsConfig(), certs.caPEM
	}
	api, err := kubeserver.New(apiCfg)
	if err != nil {
		return nil, err
	}
	c.api = api
	if err := writeKubeconfig(cfg.Kubeconfig, api.URL(), token, caPEM); err != nil {
		api.Close()
		return nil, err
	}
	if cfg.FlinkHome != "" {
		c.cfg.FlinkHome = expandHome(cfg.FlinkHome)
		if err := writeFlinkHome(c.cfg.FlinkHome); err != nil {
			api.Close()
			return nil, err
		}
	}
	return c, nil
}

// newSimulation builds what the cluster is without its HTTP side (API server,
// forwards, kubeconfig): the simulated cluster with the Flink image, its object store
// and the fault book. Tests in virtual time run just this, in a synctest bubble, and
// reach the control endpoint through its handler.
func newSimulation(cfg Config) (*Cluster, error) {
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	store, err := newObjectStore(cfg.Buckets)
	if err != nil {
		return nil, err
	}
	if cfg.Images == nil {
		cfg.Images = flinkimage.ImagesWith(flinkimage.Options{ObjectStore: store})
	}
	if len(cfg.Nodes) == 0 {
		cfg.Nodes, _ = Nodes(3, sim.DefaultNode.CPU, sim.DefaultNode.Memory)
	}

	simCluster, err := sim.New(sim.Config{Seed: cfg.Seed, Nodes: cfg.Nodes, RBAC: cfg.RBAC, Images: cfg.Images, Log: cfg.Log})
	if err != nil {
		return nil, fmt.Errorf("building the simulated cluster: %w", err)
	}
	return &Cluster{cfg: cfg, sim: simCluster, faults: newFaultBook(simCluster, cfg.Seed), store: store}, nil
}

func newToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("localcluster: making the admin token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// flinkRESTPorts picks the REST port of a Flink cluster's REST Service (<cid>-rest,
// labelled type=flink-native-kubernetes, port named rest).
func flinkRESTPorts(svc *corev1.Service) []corev1.ServicePort {
	if svc.Labels["type"] != "flink-native-kubernetes" || !strings.HasSuffix(svc.Name, "-rest") {
		return nil
	}
	for _, p := range svc.Spec.Ports {
		if p.Name == "rest" {
			return []corev1.ServicePort{p}
		}
	}
	return nil
}

// newObjectStore is the cluster's object store with the buckets made: the shared
// file:// and the s3://… buckets the JobManagers keep HA data in and the clients
// upload artifacts to.
func newObjectStore(buckets []string) (*dfs.FS, error) {
	store := dfs.New()
	for _, b := range buckets {
		if !strings.Contains(b, "://") {
			b = "s3://" + b
		}
		if err := store.MakeBucket(b); err != nil {
			return nil, fmt.Errorf("bucket %w", err)
		}
	}
	return store, nil
}

// ObjectStore is the cluster's object store (s3:// buckets, the shared file://): the
// Flink image's processes keep HA data and fetch artifacts there, and clients upload
// artifacts to it through the control endpoint.
func (c *Cluster) ObjectStore() *dfs.FS { return c.store }

// Sim is the simulated cluster.
func (c *Cluster) Sim() *sim.Cluster { return c.sim }

// URL is the API server's URL.
func (c *Cluster) URL() string { return c.api.URL() }

// Kubeconfig is the path of the kubeconfig written.
func (c *Cluster) Kubeconfig() string { return c.cfg.Kubeconfig }

// Forwards are the open forwards of Service ports.
func (c *Cluster) Forwards() []portforward.Forward {
	if c.forwarder == nil { // a cluster without its HTTP side (tests in virtual time)
		return []portforward.Forward{}
	}
	return c.forwarder.List()
}

// Close gives back the API server's port of a cluster that was never started.
func (c *Cluster) Close() error { return c.api.Close() }

// Start runs the simulated cluster, the API server and the forwarder until ctx ends,
// then stops them all and waits for them.
func (c *Cluster) Start(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		what string
		err  error
	}
	parts := map[string]func(context.Context) error{
		"the simulated cluster": c.sim.Start,
		"the API server":        c.api.Start,
		"the port forwarder":    c.forwarder.Start,
	}
	done := make(chan result, len(parts))
	for what, start := range parts {
		go func() { done <- result{what, start(ctx)} }()
	}
	rbacState := "off (every identity may do everything)"
	if c.cfg.RBAC {
		rbacState = "on"
	}
	fmt.Fprintf(c.cfg.Out, "flinksim is up: Kubernetes API at %s, RBAC %s, %d nodes\n", c.api.URL(), rbacState, len(c.cfg.Nodes))
	fmt.Fprintf(c.cfg.Out, "kubeconfig: %s\n  export KUBECONFIG=%s\n", c.cfg.Kubeconfig, c.cfg.Kubeconfig)
	buckets := "no buckets (flinksim up --bucket s3://<name> makes one)"
	if b := c.store.Buckets(); len(b) > 0 {
		buckets = "buckets " + strings.Join(b, ", ")
	}
	fmt.Fprintf(c.cfg.Out, "object store (high-availability.storageDir, kubernetes.artifacts.local-upload-target): file:/// shared by all pods, %s\n", buckets)
	if c.cfg.FlinkHome != "" {
		fmt.Fprintf(c.cfg.Out, "Flink home (conf/, examples/): %s\n  export FLINK_HOME=%s\n", c.cfg.FlinkHome, c.cfg.FlinkHome)
	}
	var errs []error
	for range parts {
		r := <-done
		if r.err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.what, r.err))
			cancel() // one part failing stops the others
		}
	}
	c.faults.clear()
	return errors.Join(errs...)
}

func (c *Cluster) announceForward(f portforward.Forward, open bool) {
	what := "port-forward"
	if f.LoadBalancer {
		what = "load balancer"
	}
	if open {
		fmt.Fprintf(c.cfg.Out, "%s: service %s/%s port %d → %s\n", what, f.Namespace, f.Service, f.Port, f.URL())
		return
	}
	fmt.Fprintf(c.cfg.Out, "%s closed: service %s/%s port %d (%s)\n", what, f.Namespace, f.Service, f.Port, f.Local)
}

// podLogs reads a container's log from the kubelet, for kubectl logs.
func (c *Cluster) podLogs(namespace, pod, container string, opts *corev1.PodLogOptions) ([]byte, error) {
	kl := c.sim.Kubelet()
	if kl == nil {
		return nil, fmt.Errorf("the simulated cluster is still starting: try again in a moment")
	}
	return kl.Logs(namespace, pod, container, opts)
}
