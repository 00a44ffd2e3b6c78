package kubelet

import (
	"context"
	"fmt"
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

	"flinksim/sim/controller"
)

// Config configures the kubelet.
type Config struct {
	Client kubernetes.Interface
	// Rand draws start-up latencies. Required: pass a seeded source.
	Rand *rand.Rand
	// StartLatency is the time from binding to Running: MinStart plus a uniform draw
	// up to StartJitter. Defaults 1 s and 1 s.
	MinStart    time.Duration
	StartJitter time.Duration
	Log         *slog.Logger
}

// Kubelet runs the pods of every node.
type Kubelet struct {
	cfg     Config
	factory informers.SharedInformerFactory
	podInf  cache.SharedIndexInformer
	nodeInf cache.SharedIndexInformer
	pods    corelisters.PodLister
	nodes   corelisters.NodeLister
	loop    *controller.Loop

	mu      sync.Mutex
	startAt map[string]time.Time // pod key → when its containers run
	ips     map[string]*ipPool   // node → pod IPs
	podIPs  map[string]string    // pod UID → IP
}

// New validates the configuration; it starts nothing.
func New(cfg Config) (*Kubelet, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("kubelet: Config.Client is required")
	}
	if cfg.Rand == nil {
		return nil, fmt.Errorf("kubelet: Config.Rand is required (a seeded *rand.Rand, so that start-up latencies are reproducible)")
	}
	if cfg.MinStart <= 0 {
		cfg.MinStart = time.Second
	}
	if cfg.StartJitter < 0 {
		return nil, fmt.Errorf("kubelet: Config.StartJitter must not be negative")
	}
	if cfg.StartJitter == 0 {
		cfg.StartJitter = time.Second
	}
	f := informers.NewSharedInformerFactory(cfg.Client, 0)
	k := &Kubelet{
		cfg: cfg, factory: f,
		podInf: f.Core().V1().Pods().Informer(), nodeInf: f.Core().V1().Nodes().Informer(),
		pods: f.Core().V1().Pods().Lister(), nodes: f.Core().V1().Nodes().Lister(),
		startAt: map[string]time.Time{}, ips: map[string]*ipPool{}, podIPs: map[string]string{},
	}
	k.loop = &controller.Loop{Name: "kubelet", Workers: 2, Reconcile: k.sync, Log: cfg.Log}
	if _, err := k.podInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    k.podEvent,
		UpdateFunc: func(_, n interface{}) { k.podEvent(n) },
		DeleteFunc: k.podGone,
	}); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *Kubelet) podEvent(obj interface{}) {
	if p, ok := obj.(*corev1.Pod); ok && p.Spec.NodeName != "" {
		k.loop.EnqueueObject(p)
	}
}

func (k *Kubelet) podGone(obj interface{}) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.startAt, p.Namespace+"/"+p.Name)
	if ip, ok := k.podIPs[string(p.UID)]; ok {
		if pool := k.ips[p.Spec.NodeName]; pool != nil {
			pool.release(ip)
		}
		delete(k.podIPs, string(p.UID))
	}
}

// Start runs the kubelet until ctx ends.
func (k *Kubelet) Start(ctx context.Context) error {
	k.factory.Start(ctx.Done())
	defer k.factory.Shutdown()
	return k.loop.Run(ctx, k.podInf.HasSynced, k.nodeInf.HasSynced)
}

func (k *Kubelet) sync(ctx context.Context, key string) error {
	ns, name, _ := cache.SplitMetaNamespaceKey(key)
	pod, err := k.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil || pod.Spec.NodeName == "" {
		return err
	}
	if pod.DeletionTimestamp != nil {
		return k.terminate(ctx, pod)
	}
	if pod.Status.Phase != corev1.PodPending {
		return nil
	}
	k.mu.Lock()
	at, planned := k.startAt[key]
	if !planned {
		jitter := time.Duration(k.cfg.Rand.Int64N(int64(k.cfg.StartJitter) + 1))
		at = time.Now().Add(k.cfg.MinStart + jitter)
		k.startAt[key] = at
	}
	k.mu.Unlock()
	if wait := time.Until(at); wait > 0 {
		k.loop.EnqueueAfter(key, wait)
		return nil
	}
	return k.run(ctx, pod)
}

// run marks the pod's containers as running and the pod Ready.
func (k *Kubelet) run(ctx context.Context, pod *corev1.Pod) error {
	node, err := k.nodes.Get(pod.Spec.NodeName)
	if err != nil {
		return err
	}
	ip, err := k.podIP(node, pod)
	if err != nil {
		return err
	}
	nowT := metav1.Now()
	upd := pod.DeepCopy()
	st := &upd.Status
	st.Phase = corev1.PodRunning
	st.HostIP = nodeIP(node)
	if st.HostIP != "" {
		st.HostIPs = []corev1.HostIP{{IP: st.HostIP}}
	}
	st.PodIP = ip
	st.PodIPs = []corev1.PodIP{{IP: ip}}
	st.StartTime = &nowT
	st.InitContainerStatuses = nil
	for _, c := range pod.Spec.InitContainers {
		st.InitContainerStatuses = append(st.InitContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: imageID(c.Image), ContainerID: containerID(pod, c.Name),
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: nowT, FinishedAt: nowT}},
		})
	}
	st.ContainerStatuses = nil
	for _, c := range pod.Spec.Containers {
		st.ContainerStatuses = append(st.ContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: imageID(c.Image), ContainerID: containerID(pod, c.Name),
			Ready: true, Started: ptr(true),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: nowT}},
		})
	}
	for _, t := range []corev1.PodConditionType{"PodReadyToStartContainers", corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady, corev1.PodScheduled} {
		setCondition(st, corev1.PodCondition{Type: t, Status: corev1.ConditionTrue, LastTransitionTime: nowT})
	}
	_, err = k.cfg.Client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, upd, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// terminate stops the containers of a pod being deleted and confirms the deletion.
func (k *Kubelet) terminate(ctx context.Context, pod *corev1.Pod) error {
	uid := pod.UID
	err := k.cfg.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: ptr[int64](0), Preconditions: &metav1.Preconditions{UID: &uid},
	})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

func (k *Kubelet) podIP(node *corev1.Node, pod *corev1.Pod) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if ip, ok := k.podIPs[string(pod.UID)]; ok {
		return ip, nil
	}
	if pod.Spec.HostNetwork {
		return nodeIP(node), nil
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

func imageID(image string) string { return "sim.local/" + image }

func containerID(pod *corev1.Pod, name string) string {
	return fmt.Sprintf("sim://%s-%s", pod.UID, name)
}

func setCondition(st *corev1.PodStatus, c corev1.PodCondition) {
	for i := range st.Conditions {
		if st.Conditions[i].Type == c.Type {
			if st.Conditions[i].Status != c.Status {
				st.Conditions[i] = c
			}
			return
		}
	}
	st.Conditions = append(st.Conditions, c)
}

func ptr[T any](v T) *T { return &v }

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
