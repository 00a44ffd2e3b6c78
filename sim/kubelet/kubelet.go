package kubelet

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"flinksim/process"
	"flinksim/sim/controller"
)

// NetworkProvider gives a host's view of the cluster network.
type NetworkProvider interface {
	Host(ip string) process.Network
	RemoveHost(ip string)
	Isolate(ip string)
	Heal(ip string)
	// Hang and Resume make a host unresponsive and responsive again (a hung process).
	Hang(ip string)
	Resume(ip string)
}

// Config configures the kubelet.
type Config struct {
	// Client is the kubelet's own identity (status updates, events, deletion).
	Client kubernetes.Interface
	// Clients gives a client for a pod's service account (its in-cluster identity).
	Clients func(user string) kubernetes.Interface
	// PodClient, when set, gives the client the processes of the pod named pod get:
	// acting as user (the pod's service account) from the pod's IP, so that the network
	// between the pod and the API server applies to it, and as that pod (a pod-bound
	// token). Default: Clients(user).
	PodClient func(user, pod, podIP string) kubernetes.Interface
	// Images is the image registry.
	Images *Registry
	// Network is the cluster network.
	Network NetworkProvider
	// Rand draws start-up latencies. Required: pass a seeded source.
	Rand *rand.Rand
	// MinStart is the least time from binding to the sandbox being ready, and
	// StartJitter the largest random extra. Defaults 1 s and 1 s.
	MinStart    time.Duration
	StartJitter time.Duration
	// VolumeSyncPeriod is how often mounted ConfigMaps and Secrets are refreshed in
	// running pods (the kubelet's sync-frequency): each resync comes one to one and a
	// half periods after the last, as the kubelet jitters it. Default 60 s.
	VolumeSyncPeriod time.Duration
	// Events records Kubernetes events (Started, Killing, BackOff, FailedMount…).
	// Default true; benchmarks switch it off.
	NoEvents bool
	Log      *slog.Logger
}

// Kubelet runs the pods of every node.
type Kubelet struct {
	cfg     Config
	factory informers.SharedInformerFactory
	podInf  cache.SharedIndexInformer
	nodeInf cache.SharedIndexInformer
	cmInf   cache.SharedIndexInformer
	secInf  cache.SharedIndexInformer
	pods    corelisters.PodLister
	nodes   corelisters.NodeLister
	sources volumeSources
	images  nodeImages // what each node has pulled, for the Pulled events
	events  *controller.Recorder

	mu      sync.Mutex
	ctx     context.Context
	workers map[string]*podWorker // pod key → worker
	byUID   map[string]*podWorker
	ips     map[string]*ipPool // node → pod IPs
	podIPs  map[string]string  // pod UID → IP
	stopped map[string]bool    // nodes whose kubelet is down
	// jitterSeed, drawn from Config.Rand once, and a pod's UID give the pod's start-up
	// jitter (see startJitter).
	jitterSeed uint64
	// confirmed are the pods (by UID) whose deletion the kubelet has confirmed with a
	// delete of grace 0, until the API shows them gone. Their last updates (the final
	// status, the grace period set to 0) need no second confirmation: a real kubelet's
	// pod worker stays terminated until the pod is removed.
	confirmed map[string]bool
	wg        sync.WaitGroup
}

// New validates the configuration; it starts nothing.
func New(cfg Config) (*Kubelet, error) {
	switch {
	case cfg.Client == nil:
		return nil, fmt.Errorf("kubelet: Config.Client is required")
	case cfg.Rand == nil:
		return nil, fmt.Errorf("kubelet: Config.Rand is required (a seeded *rand.Rand, so that start-up latencies are reproducible)")
	case cfg.Images == nil:
		return nil, fmt.Errorf("kubelet: Config.Images is required (the image registry pods pull from)")
	case cfg.Network == nil:
		return nil, fmt.Errorf("kubelet: Config.Network is required")
	case cfg.StartJitter < 0 || cfg.MinStart < 0:
		return nil, fmt.Errorf("kubelet: start latencies must not be negative")
	}
	if cfg.Clients == nil {
		cfg.Clients = func(string) kubernetes.Interface { return cfg.Client }
	}
	if cfg.MinStart == 0 {
		cfg.MinStart = time.Second
	}
	if cfg.StartJitter == 0 {
		cfg.StartJitter = time.Second
	}
	if cfg.VolumeSyncPeriod <= 0 {
		cfg.VolumeSyncPeriod = time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	f := informers.NewSharedInformerFactory(cfg.Client, 0)
	k := &Kubelet{
		cfg: cfg, factory: f,
		podInf: f.Core().V1().Pods().Informer(), nodeInf: f.Core().V1().Nodes().Informer(),
		cmInf: f.Core().V1().ConfigMaps().Informer(), secInf: f.Core().V1().Secrets().Informer(),
		pods: f.Core().V1().Pods().Lister(), nodes: f.Core().V1().Nodes().Lister(),
		sources: volumeSources{configMaps: f.Core().V1().ConfigMaps().Lister(), secrets: f.Core().V1().Secrets().Lister()},
		workers: map[string]*podWorker{}, byUID: map[string]*podWorker{},
		ips: map[string]*ipPool{}, podIPs: map[string]string{}, stopped: map[string]bool{}, confirmed: map[string]bool{},
		jitterSeed: cfg.Rand.Uint64(),
		// Slot 1: after the scheduler's Scheduled at one instant.
		events: &controller.Recorder{Client: cfg.Client, Component: "kubelet", Slot: 1, Disabled: cfg.NoEvents, Log: cfg.Log},
	}
	if _, err := k.nodeInf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: k.nodeAdded}); err != nil {
		return nil, err
	}
	if _, err := k.podInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o interface{}) { k.podChanged(o) },
		UpdateFunc: func(_, n interface{}) { k.podChanged(n) },
		DeleteFunc: k.podDeleted,
	}); err != nil {
		return nil, err
	}
	return k, nil
}

// Start runs the kubelet until ctx ends; running containers are stopped then.
func (k *Kubelet) Start(ctx context.Context) error {
	k.mu.Lock()
	k.ctx = ctx
	k.mu.Unlock()
	k.factory.Start(ctx.Done())
	// Informer handlers start pod workers: stop the informers (and so the handlers)
	// before waiting for the workers.
	defer func() {
		k.factory.Shutdown()
		k.wg.Wait()
	}()
	if !controller.WaitForCacheSync(ctx, k.podInf.HasSynced, k.nodeInf.HasSynced, k.cmInf.HasSynced, k.secInf.HasSynced) {
		return nil
	}
	// Pods seen before the caches synced.
	pods, _ := k.pods.List(labelsEverything())
	for _, p := range pods {
		k.podChanged(p)
	}
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		k.heartbeat(ctx)
	}()
	<-ctx.Done()
	return nil
}

func (k *Kubelet) podChanged(obj interface{}) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Spec.NodeName == "" {
		return
	}
	if _, err := k.nodes.Get(pod.Spec.NodeName); err != nil {
		// Not one of this kubelet's nodes: nobody runs the pod, as on a real cluster.
		// Pods of a node that appears later are picked up by nodeAdded.
		return
	}
	key := pod.Namespace + "/" + pod.Name
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ctx == nil || k.ctx.Err() != nil || k.stopped[pod.Spec.NodeName] {
		return
	}
	if w := k.byUID[string(pod.UID)]; w != nil {
		w.update(pod)
		return
	}
	if k.confirmed[string(pod.UID)] {
		return
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		if pod.DeletionTimestamp != nil {
			// Nothing runs; confirm the deletion.
			k.confirmed[string(pod.UID)] = true
			k.wg.Add(1)
			go func() {
				defer k.wg.Done()
				k.confirmDeletion(k.ctx, pod)
			}()
		}
		return
	}
	if pod.DeletionTimestamp != nil && !k.ownsIP(pod) {
		k.confirmed[string(pod.UID)] = true
		k.wg.Add(1)
		go func() {
			defer k.wg.Done()
			k.confirmDeletion(k.ctx, pod)
		}()
		return
	}
	r := k.podRand(pod)
	w := newPodWorker(k, key, pod, r, time.Now().Add(k.cfg.MinStart+time.Duration(r.Int64N(int64(k.cfg.StartJitter)+1))))
	k.workers[key] = w
	k.byUID[string(pod.UID)] = w
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		w.run(k.ctx)
	}()
}

// podRand is a pod's own random stream: its start-up latency and the jitter of its
// volume resyncs come from it. It derives from the pod's UID rather than from one
// stream shared by all pods, so that pods whose workers start at the same instant get
// the same draws whichever worker draws first.
func (k *Kubelet) podRand(pod *corev1.Pod) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(pod.UID))
	return rand.New(rand.NewPCG(k.jitterSeed, h.Sum64()))
}

// nodeAdded starts the pods already bound to a node that just appeared.
func (k *Kubelet) nodeAdded(obj interface{}) {
	n, ok := obj.(*corev1.Node)
	if !ok {
		return
	}
	pods, _ := k.pods.List(labelsEverything())
	for _, p := range pods {
		if p.Spec.NodeName == n.Name {
			k.podChanged(p)
		}
	}
}

func (k *Kubelet) ownsIP(pod *corev1.Pod) bool {
	_, ok := k.podIPs[string(pod.UID)]
	return ok
}

func (k *Kubelet) podDeleted(obj interface{}) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	k.mu.Lock()
	w := k.byUID[string(pod.UID)]
	down := k.stopped[pod.Spec.NodeName]
	delete(k.confirmed, string(pod.UID))
	k.mu.Unlock()
	if w != nil && !down {
		w.update(nil)
	}
}

// confirmDeletion deletes a pod with grace 0, as the kubelet does once nothing of the
// pod runs any more. A failed confirmation is tried again on the pod's next update.
func (k *Kubelet) confirmDeletion(ctx context.Context, pod *corev1.Pod) {
	uid := pod.UID
	zero := int64(0)
	err := k.cfg.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &uid}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		if ctx.Err() == nil {
			k.cfg.Log.Debug("kubelet: confirming deletion", "pod", pod.Namespace+"/"+pod.Name, "err", err)
		}
		k.mu.Lock()
		delete(k.confirmed, string(uid))
		k.mu.Unlock()
	}
}

// releasePod forgets a worker and frees the pod's network; confirming says that the
// worker goes on to confirm the pod's deletion.
func (k *Kubelet) releasePod(w *podWorker, confirming bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if confirming {
		k.confirmed[w.uid] = true
	}
	if k.workers[w.key] == w {
		delete(k.workers, w.key)
	}
	uid := string(w.pod.UID)
	delete(k.byUID, uid)
	if ip, ok := k.podIPs[uid]; ok {
		if pool := k.ips[w.pod.Spec.NodeName]; pool != nil {
			pool.release(ip)
		}
		delete(k.podIPs, uid)
		if !w.pod.Spec.HostNetwork {
			k.cfg.Network.RemoveHost(ip)
		}
	}
}

func (k *Kubelet) worker(ns, name string) *podWorker {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.workers[ns+"/"+name]
}

// Crash makes a container's process exit with code (all containers when container is "").
func (k *Kubelet) Crash(ns, pod, container string, code int32) error {
	return k.inject(ns, pod, fault{container: container, kill: killSpec{code: code, reason: "Error"}})
}

// OOMKill ends a container as the kernel's OOM killer does: exit 137, reason OOMKilled.
func (k *Kubelet) OOMKill(ns, pod, container string) error {
	return k.inject(ns, pod, fault{container: container, kill: killSpec{code: 137, reason: "OOMKilled"}})
}

// Hang makes a container's process (all of the pod's when container is "") hang: it stays
// alive and Running — its readiness does not change, the simulated kubelet has no
// probes — but answers nothing. The pod's network holds (its listeners accept nothing,
// its dials and open connections hang until their deadlines; containers share the pod's
// network, so this is pod-wide while any container hangs), its Kubernetes client's
// requests hang until their contexts end and its watches deliver nothing, and it ignores
// SIGTERM: a graceful deletion kills it when the grace period is up. A hang ends with
// Resume, or when the process ends (crash, OOMKill, eviction, deletion); a restarted
// container is a new process and does not hang.
func (k *Kubelet) Hang(ns, pod, container string) error {
	return k.inject(ns, pod, fault{container: container, hang: hangOn})
}

// Resume ends a Hang of a container (all of the pod's when container is ""): held
// traffic and requests go on.
func (k *Kubelet) Resume(ns, pod, container string) error {
	return k.inject(ns, pod, fault{container: container, hang: hangOff})
}

// Evict fails the pod as the kubelet's eviction manager does: phase Failed, reason
// Evicted, containers killed and not restarted.
func (k *Kubelet) Evict(ns, pod, message string) error {
	return k.inject(ns, pod, fault{evict: true, kill: killSpec{code: 137, reason: "Evicted", msg: message}})
}

func (k *Kubelet) inject(ns, pod string, f fault) error {
	w := k.worker(ns, pod)
	if w == nil {
		return fmt.Errorf("pod %s/%s is not running on any node", ns, pod)
	}
	select {
	case w.faults <- f:
		return nil
	case <-w.done:
		return fmt.Errorf("pod %s/%s has stopped", ns, pod)
	}
}

// Logs returns a container's log; it is the API server's log source.
func (k *Kubelet) Logs(ns, pod, container string, opts *corev1.PodLogOptions) ([]byte, error) {
	w := k.worker(ns, pod)
	if w == nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("pod %s/%s is not running on a node", ns, pod))
	}
	if container == "" {
		if len(w.containerNames) != 1 {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: %v", pod, w.containerNames))
		}
		container = w.containerNames[0]
	}
	previous := opts != nil && opts.Previous
	b, ok := w.logs.get(container, previous)
	if !ok {
		if previous {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("previous terminated container %q in pod %q not found", container, pod))
		}
		return nil, apierrors.NewBadRequest(fmt.Sprintf("container %q in pod %q is waiting to start: ContainerCreating", container, pod))
	}
	return b.read(opts), nil
}

func (k *Kubelet) event(ctx context.Context, pod *corev1.Pod, typ, reason, msg string) {
	k.record(ctx, pod, "", typ, reason, msg)
}

func (k *Kubelet) podIP(node *corev1.Node, pod *corev1.Pod) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if ip, ok := k.podIPs[string(pod.UID)]; ok {
		return ip, nil
	}
	if pod.Spec.HostNetwork {
		ip := nodeIP(node)
		k.podIPs[string(pod.UID)] = ip
		return ip, nil
	}
	pool := k.ips[node.Name]
	if pool == nil {
		var err error
		if pool, err = newIPPool(node.Spec.PodCIDR); err != nil {
			return "", fmt.Errorf("node %s: pod CIDR %q: %w", node.Name, node.Spec.PodCIDR, err)
		}
		k.ips[node.Name] = pool
	}
	ip, err := pool.allocate()
	if err != nil {
		return "", fmt.Errorf("node %s: %w", node.Name, err)
	}
	k.podIPs[string(pod.UID)] = ip
	return ip, nil
}

func nodeIP(n *corev1.Node) string {
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			return a.Address
		}
	}
	return ""
}

func containerID(pod *corev1.Pod, name string) string {
	return fmt.Sprintf("sim://%s-%s", pod.UID, name)
}

// ipPool hands out pod IPs from a node's pod CIDR.
type ipPool struct {
	prefix netip.Prefix
	used   map[string]bool
	next   netip.Addr
}

func newIPPool(cidr string) (*ipPool, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, err
	}
	return &ipPool{prefix: p.Masked(), used: map[string]bool{}, next: p.Masked().Addr().Next()}, nil
}

func (p *ipPool) allocate() (string, error) {
	start := p.next
	for {
		ip := p.next
		p.next = p.next.Next()
		if !p.prefix.Contains(p.next) {
			p.next = p.prefix.Addr().Next()
		}
		if !p.used[ip.String()] {
			p.used[ip.String()] = true
			return ip.String(), nil
		}
		if p.next == start {
			return "", fmt.Errorf("pod CIDR %s is full", p.prefix)
		}
	}
}

func (p *ipPool) release(ip string) { delete(p.used, ip) }
