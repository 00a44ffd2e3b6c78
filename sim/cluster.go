package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"flinksim/sim/apiserver"
	"flinksim/sim/deployment"
	"flinksim/sim/endpoints"
	"flinksim/sim/gc"
	"flinksim/sim/kubelet"
	"flinksim/sim/loadbalancer"
	"flinksim/sim/namespace"
	"flinksim/sim/network"
	"flinksim/sim/nodelifecycle"
	"flinksim/sim/proxy"
	"flinksim/sim/rbac"
	"flinksim/sim/scheduler"
)

// Config describes a simulated cluster. The zero value is a three-node cluster.
type Config struct {
	// Seed makes everything random in the cluster reproducible: UIDs, generated
	// names, scheduling ties, start-up latencies.
	Seed int64
	// Nodes are the worker nodes. Default: three nodes of DefaultNode.
	Nodes []NodeConfig
	// APIServer tunes the API server (watch history, buffers, authorizer).
	APIServer apiserver.Config
	// PodStartLatency is the least time from scheduling to Running, and
	// PodStartJitter the largest random extra. Defaults 1 s and 1 s.
	PodStartLatency time.Duration
	PodStartJitter  time.Duration
	// Images are pushed to the cluster's image registry, besides the default
	// registry.k8s.io/pause and busybox. Images not there fail with ErrImagePull.
	Images []*kubelet.Image
	// VolumeSyncPeriod is how often the kubelet refreshes mounted ConfigMaps and
	// Secrets in running pods (one to one and a half periods apart). Default 60 s.
	VolumeSyncPeriod time.Duration
	// LoadBalancerDelay is how long the simulated cloud provider takes to give a
	// LoadBalancer Service its ingress IP (default 30 s). NoLoadBalancer leaves them without one,
	// as a cluster without a cloud provider does.
	LoadBalancerDelay time.Duration
	NoLoadBalancer    bool
	// NodeGracePeriod is how long a node may miss heartbeats before it turns
	// NotReady (Ready=Unknown) and gets the unreachable taints. Default 50 s.
	NodeGracePeriod time.Duration
	// NoEvents switches off the events of the scheduler (Scheduled, FailedScheduling),
	// the kubelet (Pulling, Pulled, Created, Started, Killing, BackOff, FailedMount…) and
	// the Deployment and ReplicaSet controllers (ScalingReplicaSet, SuccessfulCreate…),
	// for benchmarks.
	NoEvents bool
	// Log receives the controllers' debug logs. Default: discarded.
	Log *slog.Logger
	// RBAC enforces authorization: every identity but cluster-admin (system:masters)
	// needs Roles or ClusterRoles bound to it, as on a real cluster. The bootstrap
	// policy (cluster-admin, admin, edit, view, and the roles of the cluster's own
	// components) exists either way. Default off: every identity may do everything.
	RBAC bool
	// Backend, when set, is a real API server the cluster runs its controllers and nodes
	// against instead of the in-process one (flinksim/sim/envtestbackend starts one).
	// Time is then real time, Server() is nil (no faults, no request log) and pod logs
	// are not served. One cluster per backend.
	Backend Backend
}

// Backend is a real API server for a cluster (see Config.Backend).
type Backend interface {
	// Name names the backend in errors, e.g. "envtest".
	Name() string
	// ClientFor returns a client authenticated as user, in the groups
	// apiserver.GroupsOf gives it.
	ClientFor(user string) (kubernetes.Interface, error)
}

// NodeConfig describes one node.
type NodeConfig struct {
	Name   string
	CPU    string // e.g. "4"
	Memory string // e.g. "16Gi"
	Pods   int64  // default 110
	Labels map[string]string
	Taints []corev1.Taint
}

// DefaultNode is the shape of the default nodes: 4 CPUs, 16 GiB, 110 pods.
var DefaultNode = NodeConfig{CPU: "4", Memory: "16Gi", Pods: 110}

// DefaultNodeCount is how many nodes a cluster gets when its Config names none.
const DefaultNodeCount = 3

// Cluster is a simulated Kubernetes cluster in one process.
type Cluster struct {
	cfg    Config
	server *apiserver.Server // nil with a Backend
	admin  kubernetes.Interface

	images  *kubelet.Registry
	network *network.Network

	mu      sync.Mutex
	clients map[string]kubernetes.Interface
	started bool

	gc      *gc.Collector
	kubelet *kubelet.Kubelet
}

// New builds a cluster: the API server with its default namespaces and the nodes.
// Client() works right away; controllers run only after Start.
//
// A Config without Nodes gets DefaultNodeCount nodes named node-1, node-2… of DefaultNode's shape.
func New(cfg Config) (*Cluster, error) {
	if cfg.APIServer.Seed == 0 {
		cfg.APIServer.Seed = cfg.Seed
	}
	if len(cfg.Nodes) == 0 {
		for i := 1; i <= DefaultNodeCount; i++ {
			n := DefaultNode
			n.Name = fmt.Sprintf("node-%d", i)
			cfg.Nodes = append(cfg.Nodes, n)
		}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	c := &Cluster{cfg: cfg, clients: map[string]kubernetes.Interface{},
		images:  kubelet.NewRegistry(append([]*kubelet.Image{kubelet.Pause(), kubelet.Busybox()}, cfg.Images...)...),
		network: network.New(rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6e7))),
	}
	ctx := context.Background()
	if cfg.Backend != nil {
		if err := c.useBackend(ctx); err != nil {
			return nil, err
		}
	} else if err := c.startServer(ctx); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, n := range cfg.Nodes {
		if n.Name == "" {
			n.Name = fmt.Sprintf("node-%d", i+1)
		}
		if seen[n.Name] {
			return nil, fmt.Errorf("sim: node %q is configured twice: node names must be unique", n.Name)
		}
		seen[n.Name] = true
		node, err := buildNode(n, i)
		if err != nil {
			return nil, err
		}
		if _, err := c.admin.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("sim: creating node %s: %w", n.Name, err)
		}
	}
	return c, nil
}

// startServer builds the in-process API server with the namespaces and the RBAC policy
// of a fresh cluster.
func (c *Cluster) startServer(ctx context.Context) error {
	server, err := apiserver.New(c.cfg.APIServer)
	if err != nil {
		return err
	}
	c.server = server
	c.admin = server.Clientset(apiserver.AdminUser)
	for _, ns := range []string{metav1.NamespaceDefault, metav1.NamespaceSystem, metav1.NamespacePublic, corev1.NamespaceNodeLease} {
		if _, err := c.admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("sim: creating namespace %s: %w", ns, err)
		}
	}
	// A real watch cache starts at its first list, after the bootstrap writes.
	server.StartWatchHistory()
	if err := rbac.Bootstrap(ctx, c.admin); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	if c.cfg.RBAC {
		authz, err := rbac.New(rbac.Config{Source: server})
		if err != nil {
			return fmt.Errorf("sim: %w", err)
		}
		server.SetAuthorizer(authz)
	}
	return nil
}

func buildNode(n NodeConfig, index int) (*corev1.Node, error) {
	if n.CPU == "" {
		n.CPU = DefaultNode.CPU
	}
	if n.Memory == "" {
		n.Memory = DefaultNode.Memory
	}
	if n.Pods == 0 {
		n.Pods = DefaultNode.Pods
	}
	cpu, err := resource.ParseQuantity(n.CPU)
	if err != nil {
		return nil, fmt.Errorf("sim: node %s: cpu %q is not a quantity (try \"4\" or \"3500m\"): %w", n.Name, n.CPU, err)
	}
	mem, err := resource.ParseQuantity(n.Memory)
	if err != nil {
		return nil, fmt.Errorf("sim: node %s: memory %q is not a quantity (try \"16Gi\"): %w", n.Name, n.Memory, err)
	}
	labels := map[string]string{
		"kubernetes.io/hostname": n.Name,
		"kubernetes.io/os":       "linux",
		"kubernetes.io/arch":     "amd64",
	}
	for k, v := range n.Labels {
		labels[k] = v
	}
	podCIDR, err := nodePodCIDR(index)
	if err != nil {
		return nil, fmt.Errorf("sim: node %s: %w", n.Name, err)
	}
	capacity := corev1.ResourceList{corev1.ResourceCPU: cpu, corev1.ResourceMemory: mem, corev1.ResourcePods: *resource.NewQuantity(n.Pods, resource.DecimalSI)}
	nowT := metav1.Now()
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: n.Name, Labels: labels},
		Spec:       corev1.NodeSpec{PodCIDR: podCIDR, PodCIDRs: []string{podCIDR}, Taints: n.Taints},
		Status: corev1.NodeStatus{
			Capacity:    capacity,
			Allocatable: capacity.DeepCopy(),
			Phase:       corev1.NodeRunning,
			Conditions: []corev1.NodeCondition{{
				Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status",
				LastHeartbeatTime: nowT, LastTransitionTime: nowT,
			}},
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: fmt.Sprintf("192.168.%d.%d", index/250, index%250+10)},
				{Type: corev1.NodeHostName, Address: n.Name},
			},
			NodeInfo: corev1.NodeSystemInfo{KubeletVersion: "v1.37.2", OperatingSystem: "linux", Architecture: "amd64", ContainerRuntimeVersion: "sim://1.0"},
		},
	}, nil
}

// ClusterPodCIDR is the cluster's pod range, cut into one /24 per node in node order
// (node IPAM's range allocator): 10.244.0.0/24, 10.244.1.0/24, … 10.247.255.0/24. A /14
// with /24 per node is GKE's default, room for 1,024 nodes of 110 pods; kind's /16 would
// stop at 256 nodes.
const ClusterPodCIDR = "10.244.0.0/14"

const nodePodCIDRBits = 24

// nodePodCIDR is the pod CIDR of the index-th node.
func nodePodCIDR(index int) (string, error) {
	cluster := netip.MustParsePrefix(ClusterPodCIDR)
	room := 1 << (nodePodCIDRBits - cluster.Bits())
	if index < 0 || index >= room {
		return "", fmt.Errorf("no pod CIDR left: the cluster pod range %s has room for %d nodes of /%d (node IPAM's CIDRNotAvailable)", ClusterPodCIDR, room, nodePodCIDRBits)
	}
	b := cluster.Addr().As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v += uint32(index) << (32 - nodePodCIDRBits)
	addr := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	return netip.PrefixFrom(addr, nodePodCIDRBits).String(), nil
}

// Client is a cluster-admin client. It works before Start.
func (c *Cluster) Client() kubernetes.Interface { return c.admin }

// ClientFor is a client acting as user, e.g. "system:serviceaccount:<ns>:<name>".
func (c *Cluster) ClientFor(user string) kubernetes.Interface {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cs, ok := c.clients[user]; ok {
		return cs
	}
	var cs kubernetes.Interface
	if c.server != nil {
		cs = c.server.Clientset(user)
	} else {
		cs = c.backendClient(user)
	}
	c.clients[user] = cs
	return cs
}

// podClient is the client a pod's processes get: acting as the pod's service account,
// over the network path from the pod to the API server, so that partitions between them
// (PartitionFromAPIServer, an isolated or hung pod, a stopped node) hold its requests,
// and with the pod's name in the request log (apiserver.Request.Pod). Against a Backend
// neither the path nor the pod is modelled.
func (c *Cluster) podClient(user, pod, podIP string) kubernetes.Interface {
	if c.server == nil || podIP == "" {
		return c.ClientFor(user)
	}
	return c.server.PodClientsetOver(user, pod, c.network.Route(podIP, c.APIServerIP()))
}

// APIServerIP is the API server's address on the cluster network (the kubernetes
// Service's ClusterIP, 10.96.0.1 by default); "" with a Backend.
func (c *Cluster) APIServerIP() string {
	if c.server == nil {
		return ""
	}
	host, _, _ := net.SplitHostPort(c.server.Address())
	return host
}

// PartitionFromAPIServer cuts a pod off from the API server: the requests of its
// processes' Kubernetes client hang until their contexts end (and fail as client-go's do
// when the server does not answer), its open watches deliver nothing; the rest of the
// pod's network is untouched. HealAPIServer (or Network().Heal of the pod's IP) mends
// it, and held watch events then arrive. Not available with a Backend.
func (c *Cluster) PartitionFromAPIServer(ctx context.Context, namespace, pod string) error {
	ip, err := c.apiPathOf(ctx, namespace, pod)
	if err != nil {
		return err
	}
	c.network.Partition(ip, c.APIServerIP())
	return nil
}

// HealAPIServer ends a PartitionFromAPIServer of the pod.
func (c *Cluster) HealAPIServer(ctx context.Context, namespace, pod string) error {
	ip, err := c.apiPathOf(ctx, namespace, pod)
	if err != nil {
		return err
	}
	c.network.Unpartition(ip, c.APIServerIP())
	return nil
}

func (c *Cluster) apiPathOf(ctx context.Context, namespace, pod string) (string, error) {
	if c.server == nil {
		return "", fmt.Errorf("sim: partitions from the API server need the in-process API server, not the %s backend", c.cfg.Backend.Name())
	}
	p, err := c.admin.CoreV1().Pods(namespace).Get(ctx, pod, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("sim: pod %s/%s: %w", namespace, pod, err)
	}
	if p.Status.PodIP == "" {
		return "", fmt.Errorf("sim: pod %s/%s has no IP yet (phase %s): it has not started on a node", namespace, pod, p.Status.Phase)
	}
	if p.Spec.HostNetwork {
		return "", fmt.Errorf("sim: pod %s/%s uses the host network: partition its node instead", namespace, pod)
	}
	return p.Status.PodIP, nil
}

// Server is the simulated API server, for its request log and fault injection; nil
// when the cluster runs against a Backend.
func (c *Cluster) Server() *apiserver.Server { return c.server }

// Images is the cluster's image registry.
func (c *Cluster) Images() *kubelet.Registry { return c.images }

// Network is the cluster network (pod IPs, Services, partitions).
func (c *Cluster) Network() *network.Network { return c.network }

// Kubelet is the running kubelet of all nodes, for pod faults (nil before Start).
func (c *Cluster) Kubelet() *kubelet.Kubelet {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.kubelet
}

// GarbageCollector is the running collector (nil before Start).
func (c *Cluster) GarbageCollector() *gc.Collector {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gc
}

// component is anything the cluster runs.
type component interface {
	Start(ctx context.Context) error
}

// Start runs the controllers — garbage collector, Deployment, ReplicaSet, namespace,
// endpoints and EndpointSlice controllers, scheduler, kubelet, service proxy, node
// lifecycle, load balancers — and blocks until ctx ends and all have stopped.
func (c *Cluster) Start(ctx context.Context) error {
	c.mu.Lock()
	if c.started {
		c.mu.Unlock()
		return errors.New("sim: cluster already started")
	}
	c.started = true
	c.mu.Unlock()

	seeds := rand.New(rand.NewPCG(uint64(c.cfg.Seed), 0xc1a5))
	// The controllers act as the service accounts kube-controller-manager gives them.
	collector, err := gc.New(gc.Config{Client: c.ClientFor(rbac.GarbageCollectorUser), Log: c.cfg.Log})
	if err != nil {
		return err
	}
	deployments, err := deployment.New(deployment.Config{Client: c.ClientFor(rbac.DeploymentControllerUser), NoEvents: c.cfg.NoEvents, Log: c.cfg.Log})
	if err != nil {
		return err
	}
	replicasets, err := deployment.NewReplicaSetController(deployment.ReplicaSetConfig{Client: c.ClientFor(rbac.ReplicaSetControllerUser),
		NoEvents: c.cfg.NoEvents, Log: c.cfg.Log})
	if err != nil {
		return err
	}
	namespaces, err := namespace.New(namespace.Config{Client: c.ClientFor(rbac.NamespaceControllerUser), Log: c.cfg.Log})
	if err != nil {
		return err
	}
	sched, err := scheduler.New(scheduler.Config{Client: c.ClientFor(rbac.SchedulerUser), Rand: rand.New(rand.NewPCG(seeds.Uint64(), 1)),
		NoEvents: c.cfg.NoEvents, Log: c.cfg.Log})
	if err != nil {
		return err
	}
	// Informers read as kube-controller-manager, writes go out as each controller's own
	// service account.
	eps, err := endpoints.New(endpoints.Config{Client: c.ClientFor(rbac.ControllerManagerUser),
		EndpointsClient: c.ClientFor(rbac.EndpointControllerUser), SlicesClient: c.ClientFor(rbac.EndpointSliceControllerUser), Log: c.cfg.Log})
	if err != nil {
		return err
	}
	px, err := proxy.New(proxy.Config{Client: c.ClientFor(rbac.ProxyUser)})
	if err != nil {
		return err
	}
	c.network.SetResolver(px.Resolve)
	kl, err := kubelet.New(kubelet.Config{Client: c.ClientFor("system:node:kubelet"), Clients: c.ClientFor, PodClient: c.podClient,
		Images: c.images, Network: c.network, Rand: rand.New(rand.NewPCG(seeds.Uint64(), 2)),
		MinStart: c.cfg.PodStartLatency, StartJitter: c.cfg.PodStartJitter,
		VolumeSyncPeriod: c.cfg.VolumeSyncPeriod, NoEvents: c.cfg.NoEvents, Log: c.cfg.Log})
	if err != nil {
		return err
	}
	lifecycle, err := nodelifecycle.New(nodelifecycle.Config{Client: c.ClientFor(rbac.NodeControllerUser), GracePeriod: c.cfg.NodeGracePeriod, Log: c.cfg.Log})
	if err != nil {
		return err
	}
	lbs, err := loadbalancer.New(loadbalancer.Config{Client: c.ClientFor(rbac.ControllerManagerUser), Delay: c.cfg.LoadBalancerDelay,
		Disabled: c.cfg.NoLoadBalancer, Log: c.cfg.Log})
	if err != nil {
		return err
	}
	if c.server != nil {
		c.server.SetLogSource(kl.Logs)
	}
	c.mu.Lock()
	c.gc = collector
	c.kubelet = kl
	c.mu.Unlock()
	if Mutated("gc") {
		collector.SetDisabled(true)
	}

	components := []component{collector, deployments, replicasets, namespaces, sched, kl, eps, px, lifecycle, lbs}
	errs := make(chan error, len(components))
	for _, comp := range components {
		go func() { errs <- comp.Start(ctx) }()
	}
	var all []error
	for range components {
		if err := <-errs; err != nil {
			all = append(all, err)
		}
	}
	return errors.Join(all...)
}

// NodeNotReady stops a node's kubelet, as when the node crashes or is cut from the
// control plane: after the grace period it turns NotReady and its pods are evicted by
// taint when their tolerations end (300 s by default; they stay Terminating while the
// kubelet is away). Meanwhile the pods' processes keep running, cut from the network
// and from the API server.
func (c *Cluster) NodeNotReady(name string) error {
	kl := c.Kubelet()
	if kl == nil {
		return errors.New("sim: the cluster is not started")
	}
	if _, err := c.admin.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{}); err != nil {
		return fmt.Errorf("sim: node %q: %w", name, err)
	}
	kl.StopNode(name)
	return nil
}

// NodeReady brings a stopped node's kubelet back.
func (c *Cluster) NodeReady(name string) error {
	kl := c.Kubelet()
	if kl == nil {
		return errors.New("sim: the cluster is not started")
	}
	kl.StartNode(name)
	return nil
}

// DeleteNode removes a node, as a cloud provider does for a vanished machine; its pods
// are then force-deleted by the pod garbage collector.
func (c *Cluster) DeleteNode(name string) error {
	if kl := c.Kubelet(); kl != nil {
		kl.StopNode(name)
	}
	return c.admin.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{})
}

// DrainNode cordons a node and evicts its pods through the eviction API, as
// `kubectl drain` does.
func (c *Cluster) DrainNode(ctx context.Context, name string) error {
	node, err := c.admin.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("sim: node %q: %w", name, err)
	}
	node.Spec.Unschedulable = true
	if _, err := c.admin.CoreV1().Nodes().Update(ctx, node, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("sim: cordoning node %q: %w", name, err)
	}
	pods, err := c.admin.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + name})
	if err != nil {
		return err
	}
	for _, p := range pods.Items {
		ev := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace}}
		if err := c.admin.CoreV1().Pods(p.Namespace).EvictV1(ctx, ev); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("sim: evicting pod %s/%s: %w", p.Namespace, p.Name, err)
		}
	}
	return nil
}
