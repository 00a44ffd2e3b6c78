package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
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
	// NoEvents switches off the scheduler's events (Scheduled, FailedScheduling), as
	// benchmarks do.
	NoEvents bool
	Log      *slog.Logger
}

// Scheduler binds pending pods to nodes.
type Scheduler struct {
	cfg     Config
	events  *controller.Recorder
	factory informers.SharedInformerFactory
	podInf  cache.SharedIndexInformer
	nodeInf cache.SharedIndexInformer
	pods    corelisters.PodLister
	nodes   corelisters.NodeLister
	loop    *controller.Loop

	mu sync.Mutex // guards Rand, the accounting and the assumed bindings
	// assumed are pods bound by this scheduler that the cache has not shown bound yet,
	// so that two pods do not both take the last free slot of a node.
	assumed map[string]assumedPod
	// counted is what each bound, unfinished pod takes from its node; used is the sum
	// per node. Kept up to date from pod events, so a decision costs no pod listing.
	counted map[string]accounted
	used    map[string]demand
	// assumedUsed is what the assumed pods take per node.
	assumedUsed map[string]demand
	// pendingKeys are the pods waiting for a node, so a retry touches only them.
	pendingKeys map[string]bool
	// queued are the pending pods due for an attempt (see schedule).
	queued map[string]bool
	// next is where the search for feasible nodes starts, rotating as the real
	// scheduler's does.
	next int
	// nodeOrder is the nodes in name order, the order the search goes round; rebuilt
	// from the cache when nodeEvents has moved since (nodes change rarely, pods are
	// scheduled often).
	nodeOrder      []*corev1.Node
	nodeEvents     uint64
	nodeOrderEvent uint64
}

type accounted struct {
	node string
	demand
}

type assumedPod struct {
	node string
	demand
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
		events: &controller.Recorder{Client: cfg.Client, Component: Name, Disabled: cfg.NoEvents, Log: cfg.Log},
		podInf: f.Core().V1().Pods().Informer(), nodeInf: f.Core().V1().Nodes().Informer(),
		pods: f.Core().V1().Pods().Lister(), nodes: f.Core().V1().Nodes().Lister(),
		assumed: map[string]assumedPod{}, counted: map[string]accounted{}, used: map[string]demand{},
		assumedUsed: map[string]demand{}, pendingKeys: map[string]bool{}, queued: map[string]bool{},
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
		AddFunc:    func(interface{}) { s.nodesChanged(); s.retryPending() },
		UpdateFunc: func(interface{}, interface{}) { s.nodesChanged(); s.retryPending() },
		DeleteFunc: func(interface{}) { s.nodesChanged() },
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
	key := p.Namespace + "/" + p.Name
	s.mu.Lock()
	if p.Spec.NodeName != "" || deleted {
		s.forget(key)
	}
	s.account(key, p, deleted)
	if !deleted && pending(p) {
		s.pendingKeys[key] = true
		s.queued[key] = true
	} else {
		delete(s.pendingKeys, key)
		delete(s.queued, key)
	}
	s.mu.Unlock()
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

func (s *Scheduler) nodesChanged() {
	s.mu.Lock()
	s.nodeEvents++
	s.mu.Unlock()
}

// sortedNodes is the nodes in name order. Called with s.mu held.
func (s *Scheduler) sortedNodes() ([]*corev1.Node, error) {
	if s.nodeOrder != nil && s.nodeOrderEvent == s.nodeEvents {
		return s.nodeOrder, nil
	}
	event := s.nodeEvents
	nodes, err := s.nodes.List(labels.Everything())
	if err != nil {
		return nil, err
	}
	slices.SortFunc(nodes, func(a, b *corev1.Node) int { return strings.Compare(a.Name, b.Name) })
	s.nodeOrder, s.nodeOrderEvent = nodes, event
	return nodes, nil
}

func (s *Scheduler) retryPending() {
	s.mu.Lock()
	keys := make([]string, 0, len(s.pendingKeys))
	for k := range s.pendingKeys {
		keys = append(keys, k)
		s.queued[k] = true
	}
	s.mu.Unlock()
	for _, k := range keys {
		s.loop.Enqueue(k)
	}
}

// assume records a binding the cache has not shown yet. Called with s.mu held.
func (s *Scheduler) assume(key, node string, want demand) {
	s.assumed[key] = assumedPod{node: node, demand: want}
	s.assumedUsed[node] = s.assumedUsed[node].plus(want)
}

// forget drops an assumed binding. Called with s.mu held.
func (s *Scheduler) forget(key string) {
	a, ok := s.assumed[key]
	if !ok {
		return
	}
	delete(s.assumed, key)
	s.assumedUsed[a.node] = s.assumedUsed[a.node].minus(a.demand)
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

// account keeps the per-node usage in step with one pod's latest state. Called with
// s.mu held.
func (s *Scheduler) account(key string, p *corev1.Pod, deleted bool) {
	if old, ok := s.counted[key]; ok {
		s.used[old.node] = s.used[old.node].minus(old.demand)
		delete(s.counted, key)
	}
	if deleted || p.Spec.NodeName == "" || p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded {
		return
	}
	want := demandOf(p)
	s.used[p.Spec.NodeName] = s.used[p.Spec.NodeName].plus(want)
	s.counted[key] = accounted{node: p.Spec.NodeName, demand: want}
}

// usageOf is a node's usage including pods this scheduler bound that the cache has
// not shown yet. Called with s.mu held.
func (s *Scheduler) usageOf(node string) demand {
	return s.used[node].plus(s.assumedUsed[node])
}

// feasibleToFind is how many feasible nodes the search stops at, as kube-scheduler's
// percentageOfNodesToScore: all of up to 100 nodes, else an adaptive share (50% minus
// one point per 125 nodes, at least 5%), but never fewer than 100.
func feasibleToFind(n int) int {
	if n <= 100 {
		return n
	}
	pct := 50 - n/125
	if pct < 5 {
		pct = 5
	}
	k := n * pct / 100
	if k < 100 {
		k = 100
	}
	return k
}

// cycleDelay is how long after work arrives a scheduling cycle starts.
const cycleDelay = time.Millisecond

// schedule runs a scheduling cycle for the queued pods, key's among them. The cycle
// starts cycleDelay after key was queued, and takes every pod queued by then in
// kube-scheduler's queue order — higher priority first, then earlier arrival — with
// the pod's namespace and name breaking ties. Pods that arrive at the same instant
// (the TaskManager pods a resource manager creates at once, from goroutines of its
// own) are thus placed in the same order whichever request reached the API server
// first: the same seed places them on the same nodes in every run. A pod another
// key's cycle took is not due any more, and its key's cycle does nothing.
func (s *Scheduler) schedule(ctx context.Context, key string) error {
	s.mu.Lock()
	due := s.queued[key]
	s.mu.Unlock()
	if !due {
		return nil
	}
	time.Sleep(cycleDelay)
	type queuedPod struct {
		key      string
		priority int32
		created  time.Time
	}
	s.mu.Lock()
	cycle := make([]queuedPod, 0, len(s.queued))
	for k := range s.queued {
		q := queuedPod{key: k}
		ns, name, _ := cache.SplitMetaNamespaceKey(k)
		if p, err := s.pods.Pods(ns).Get(name); err == nil {
			q.created = p.CreationTimestamp.Time
			if p.Spec.Priority != nil {
				q.priority = *p.Spec.Priority
			}
		}
		cycle = append(cycle, q)
	}
	clear(s.queued)
	s.mu.Unlock()
	sort.Slice(cycle, func(i, j int) bool {
		a, b := cycle[i], cycle[j]
		if a.priority != b.priority {
			return a.priority > b.priority
		}
		if !a.created.Equal(b.created) {
			return a.created.Before(b.created)
		}
		return a.key < b.key
	})
	var keyErr error
	for _, q := range cycle {
		err := s.scheduleOne(ctx, q.key)
		if err == nil {
			continue
		}
		s.mu.Lock()
		s.queued[q.key] = true
		s.mu.Unlock()
		if q.key == key {
			keyErr = err // the loop retries key, with back-off
		} else {
			s.loop.EnqueueAfter(q.key, time.Second)
		}
	}
	return keyErr
}

// scheduleOne binds one pending pod to the best node that fits, or says why none does.
func (s *Scheduler) scheduleOne(ctx context.Context, key string) error {
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
	reasons := map[string]int{}
	var best []*corev1.Node
	var bestScore int64 = -1 << 62
	want := demandOf(pod)
	s.mu.Lock()
	sorted, err := s.sortedNodes()
	if err != nil {
		s.mu.Unlock()
		return err
	}
	toFind := feasibleToFind(len(sorted))
	start := 0
	if len(sorted) > 0 {
		start = s.next % len(sorted)
	}
	found, examined := 0, 0
	for i := 0; i < len(sorted) && found < toFind; i++ {
		n := sorted[(start+i)%len(sorted)]
		examined++
		used := s.usageOf(n.Name)
		if rs := fit(pod, want, n, used); len(rs) > 0 {
			for _, r := range rs {
				reasons[r]++
			}
			continue
		}
		found++
		switch sc := score(want, n, used); {
		case sc > bestScore:
			best, bestScore = []*corev1.Node{n}, sc
		case sc == bestScore:
			best = append(best, n)
		}
	}
	s.next = start + examined
	s.mu.Unlock()
	if len(best) == 0 {
		return s.unschedulable(ctx, pod, FailureMessage(len(sorted), reasons))
	}
	s.mu.Lock()
	node := best[s.cfg.Rand.IntN(len(best))]
	s.assume(key, node.Name, want)
	s.mu.Unlock()
	err = s.cfg.Client.CoreV1().Pods(ns).Bind(ctx, &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: ns, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: node.Name},
	}, metav1.CreateOptions{})
	if err != nil {
		s.mu.Lock()
		s.forget(key)
		s.mu.Unlock()
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return nil
		}
		return err
	}
	if !s.cfg.NoEvents {
		s.event(ctx, pod, corev1.EventTypeNormal, "Scheduled", fmt.Sprintf("Successfully assigned %s/%s to %s", ns, pod.Name, node.Name))
	}
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
	s.events.Record(ctx, &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID, APIVersion: "v1"}, "", typ, reason, msg)
}
