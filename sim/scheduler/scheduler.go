package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"flinksim/sim/controller"
)

// Name is the scheduler name pods ask for by default.
const Name = corev1.DefaultSchedulerName

// Config configures the scheduler.
type Config struct {
	Client kubernetes.Interface
	// Rand breaks ties between equally scored nodes. Required: pass a seeded source.
	Rand *rand.Rand
	// RetryInterval is how often unschedulable pods are tried again even when nothing
	// in the cluster changed. Default 60 s.
	RetryInterval time.Duration
	Log           *slog.Logger
}

// Scheduler binds pending pods to nodes.
type Scheduler struct {
	cfg     Config
	factory informers.SharedInformerFactory
	podInf  cache.SharedIndexInformer
	nodeInf cache.SharedIndexInformer
	pods    corelisters.PodLister
	nodes   corelisters.NodeLister
	loop    *controller.Loop

	mu sync.Mutex // guards Rand and the assumed bindings
	// assumed are pods bound by this scheduler that the cache has not shown bound yet,
	// so that two pods do not both take the last free slot of a node.
	assumed map[string]assumedPod
}

type assumedPod struct {
	node string
	pod  *corev1.Pod
}

// New validates the configuration; it starts nothing.
func New(cfg Config) (*Scheduler, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("scheduler: Config.Client is required")
	}
	if cfg.Rand == nil {
		return nil, fmt.Errorf("scheduler: Config.Rand is required (a seeded *rand.Rand, so that placements are reproducible)")
	}
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = 60 * time.Second
	}
	f := informers.NewSharedInformerFactory(cfg.Client, 0)
	s := &Scheduler{
		cfg: cfg, factory: f,
		podInf: f.Core().V1().Pods().Informer(), nodeInf: f.Core().V1().Nodes().Informer(),
		pods: f.Core().V1().Pods().Lister(), nodes: f.Core().V1().Nodes().Lister(),
		assumed: map[string]assumedPod{},
	}
	s.loop = &controller.Loop{Name: "scheduler", Workers: 1, Reconcile: s.schedule, Log: cfg.Log}
	if _, err := s.podInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o interface{}) { s.podChanged(o, false) },
		UpdateFunc: func(_, n interface{}) { s.podChanged(n, false) },
		DeleteFunc: func(o interface{}) { s.podChanged(o, true) },
	}); err != nil {
		return nil, err
	}
	if _, err := s.nodeInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(interface{}) { s.retryPending() },
		UpdateFunc: func(interface{}, interface{}) { s.retryPending() },
	}); err != nil {
		return nil, err
	}
	return s, nil
}

func pending(p *corev1.Pod) bool {
	return p.Spec.NodeName == "" && p.DeletionTimestamp == nil && (p.Spec.SchedulerName == "" || p.Spec.SchedulerName == Name) &&
		p.Status.Phase != corev1.PodFailed && p.Status.Phase != corev1.PodSucceeded
}

func (s *Scheduler) podChanged(obj interface{}, deleted bool) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if p.Spec.NodeName != "" || deleted {
		s.mu.Lock()
		delete(s.assumed, p.Namespace+"/"+p.Name)
		s.mu.Unlock()
	}
	switch {
	case !deleted && pending(p):
		s.loop.EnqueueObject(p)
	case deleted || p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded:
		// Capacity may have freed.
		if p.Spec.NodeName != "" {
			s.retryPending()
		}
	}
}

func (s *Scheduler) retryPending() {
	pods, _ := s.pods.List(labels.Everything())
	for _, p := range pods {
		if pending(p) {
			s.loop.EnqueueObject(p)
		}
	}
}

// Start runs the scheduler until ctx ends.
func (s *Scheduler) Start(ctx context.Context) error {
	s.factory.Start(ctx.Done())
	defer s.factory.Shutdown()
	go func() {
		t := time.NewTicker(s.cfg.RetryInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.retryPending()
			}
		}
	}()
	return s.loop.Run(ctx, s.podInf.HasSynced, s.nodeInf.HasSynced)
}

func (s *Scheduler) usage() map[string]Usage {
	out := map[string]Usage{}
	pods, _ := s.pods.List(labels.Everything())
	count := func(node string, p *corev1.Pod) {
		u := out[node]
		cpu, mem := Requests(p)
		u.CPU.Add(cpu)
		u.Memory.Add(mem)
		u.Pods++
		out[node] = u
	}
	seen := map[string]bool{}
	for _, p := range pods {
		if p.Spec.NodeName == "" || p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded {
			continue
		}
		seen[p.Namespace+"/"+p.Name] = true
		count(p.Spec.NodeName, p)
	}
	s.mu.Lock()
	for key, a := range s.assumed {
		if !seen[key] {
			count(a.node, a.pod)
		}
	}
	s.mu.Unlock()
	return out
}

func (s *Scheduler) schedule(ctx context.Context, key string) error {
	ns, name, _ := cache.SplitMetaNamespaceKey(key)
	pod, err := s.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil || !pending(pod) {
		return err
	}
	s.mu.Lock()
	_, already := s.assumed[key]
	s.mu.Unlock()
	if already {
		return nil
	}
	nodes, err := s.nodes.List(labels.Everything())
	if err != nil {
		return err
	}
	used := s.usage()
	reasons := map[string]int{}
	var best []*corev1.Node
	var bestScore int64 = -1 << 62
	for _, n := range sortedNodes(nodes) {
		if !nodeReady(n) {
			reasons["node(s) were not ready"]++
			continue
		}
		if rs := Fit(pod, n, used[n.Name]); len(rs) > 0 {
			for _, r := range rs {
				reasons[r]++
			}
			continue
		}
		switch sc := Score(pod, n, used[n.Name]); {
		case sc > bestScore:
			best, bestScore = []*corev1.Node{n}, sc
		case sc == bestScore:
			best = append(best, n)
		}
	}
	if len(best) == 0 {
		return s.unschedulable(ctx, pod, FailureMessage(len(nodes), reasons))
	}
	s.mu.Lock()
	node := best[s.cfg.Rand.IntN(len(best))]
	s.assumed[key] = assumedPod{node: node.Name, pod: pod}
	s.mu.Unlock()
	err = s.cfg.Client.CoreV1().Pods(ns).Bind(ctx, &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: ns, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: node.Name},
	}, metav1.CreateOptions{})
	if err != nil {
		s.mu.Lock()
		delete(s.assumed, key)
		s.mu.Unlock()
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return nil
		}
		return err
	}
	s.event(ctx, pod, corev1.EventTypeNormal, "Scheduled", fmt.Sprintf("Successfully assigned %s/%s to %s", ns, pod.Name, node.Name))
	return nil
}

func (s *Scheduler) unschedulable(ctx context.Context, pod *corev1.Pod, msg string) error {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Message == msg {
			return nil // already said
		}
	}
	upd := pod.DeepCopy()
	cond := corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable, Message: msg, LastTransitionTime: metav1.Now()}
	replaced := false
	for i := range upd.Status.Conditions {
		if upd.Status.Conditions[i].Type == corev1.PodScheduled {
			upd.Status.Conditions[i] = cond
			replaced = true
		}
	}
	if !replaced {
		upd.Status.Conditions = append(upd.Status.Conditions, cond)
	}
	if _, err := s.cfg.Client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, upd, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return err
	}
	s.event(ctx, pod, corev1.EventTypeWarning, "FailedScheduling", msg)
	return nil
}

func (s *Scheduler) event(ctx context.Context, pod *corev1.Pod, typ, reason, msg string) {
	ts := metav1.Now()
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", pod.Name, ts.UnixNano()), Namespace: pod.Namespace},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID, APIVersion: "v1"},
		Reason:         reason, Message: msg, Type: typ,
		Source:         corev1.EventSource{Component: Name},
		FirstTimestamp: ts, LastTimestamp: ts, Count: 1,
		ReportingController: Name,
	}
	_, _ = s.cfg.Client.CoreV1().Events(pod.Namespace).Create(ctx, ev, metav1.CreateOptions{})
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func sortedNodes(nodes []*corev1.Node) []*corev1.Node {
	out := append([]*corev1.Node(nil), nodes...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Name < out[j-1].Name; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
