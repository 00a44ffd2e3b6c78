package nodelifecycle

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	coordinationlisters "k8s.io/client-go/listers/coordination/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"flinksim/sim/controller"
)

// Config configures the controller.
type Config struct {
	Client kubernetes.Interface
	// GracePeriod is how long a node may go without renewing its lease (the
	// kube-controller-manager's --node-monitor-grace-period). Default 50 s.
	GracePeriod time.Duration
	// MonitorPeriod is how often nodes are checked. Default 5 s.
	MonitorPeriod time.Duration
	Log           *slog.Logger
}

// OrphanQuarantine is how long the node of a pod must be missing before the pod garbage
// collector deletes the pod, as kube-controller-manager's pod GC waits (its
// quarantineTime) for its node informer to catch up; it then asks the API server whether
// the node is really gone.
const OrphanQuarantine = 40 * time.Second

// Controller watches node health, taints and evicts.
type Controller struct {
	cfg     Config
	factory informers.SharedInformerFactory
	synced  []cache.InformerSynced
	nodes   corelisters.NodeLister
	pods    corelisters.PodLister
	leases  coordinationlisters.LeaseLister
	// missingSince is when a node that pods are bound to was first found missing; only
	// the monitor loop uses it.
	missingSince map[string]time.Time
	// unmarked are the not-ready nodes whose pods could not all be marked not ready
	// yet; the monitor loop tries again on its next check, as the real controller does.
	unmarked map[string]bool
	events   *controller.Recorder
}

// New validates the configuration; it starts nothing.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("nodelifecycle: Config.Client is required")
	}
	if cfg.GracePeriod <= 0 {
		cfg.GracePeriod = 50 * time.Second
	}
	if cfg.MonitorPeriod <= 0 {
		cfg.MonitorPeriod = 5 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	f := informers.NewSharedInformerFactory(cfg.Client, 0)
	c := &Controller{cfg: cfg, factory: f, missingSince: map[string]time.Time{}, unmarked: map[string]bool{},
		nodes: f.Core().V1().Nodes().Lister(), pods: f.Core().V1().Pods().Lister(), leases: f.Coordination().V1().Leases().Lister(),
		// Slot 2: its pod events stay apart from the scheduler's and the kubelet's.
		events: &controller.Recorder{Client: cfg.Client, Component: "node-controller", Slot: 2, Log: cfg.Log}}
	c.synced = []cache.InformerSynced{f.Core().V1().Nodes().Informer().HasSynced, f.Core().V1().Pods().Informer().HasSynced,
		f.Coordination().V1().Leases().Informer().HasSynced}
	return c, nil
}

// Start runs the controller until ctx ends.
func (c *Controller) Start(ctx context.Context) error {
	c.factory.Start(ctx.Done())
	defer c.factory.Shutdown()
	if !controller.WaitForCacheSync(ctx, c.synced...) {
		return nil
	}
	// The checks run off the kubelets' beat (half a period and a millisecond later):
	// a check at the very instant of a lease renewal would see it or not as goroutines
	// happen to run, and a scenario would not repeat itself.
	phase := time.NewTimer(c.cfg.MonitorPeriod/2 + time.Millisecond)
	select {
	case <-ctx.Done():
		phase.Stop()
		return nil
	case <-phase.C:
	}
	t := time.NewTicker(c.cfg.MonitorPeriod)
	defer t.Stop()
	// Evictions are due at exact times (the end of a pod's tolerationSeconds), as the
	// real taint-eviction controller's timed queue runs them, not at the next check.
	evictions := time.NewTimer(0)
	defer evictions.Stop()
	for {
		if next := c.monitor(ctx); !next.IsZero() {
			evictions.Reset(max(time.Until(next), 0))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-evictions.C:
		}
	}
}

// monitor checks every node and pod once; it returns when the next pending eviction is
// due (zero: none pending).
func (c *Controller) monitor(ctx context.Context) (nextEviction time.Time) {
	now := time.Now()
	nodes, _ := c.nodes.List(labels.Everything())
	exists := map[string]bool{}
	for _, n := range nodes {
		exists[n.Name] = true
		var renew time.Time
		if l, err := c.leases.Leases(corev1.NamespaceNodeLease).Get(n.Name); err == nil && l.Spec.RenewTime != nil {
			renew = l.Spec.RenewTime.Time
		}
		healthy := NodeHealthy(renew, n.CreationTimestamp.Time, now, c.cfg.GracePeriod)
		wentUnready, err := c.setHealth(ctx, n, healthy, now)
		if err != nil && ctx.Err() == nil {
			c.cfg.Log.Debug("nodelifecycle: updating node", "node", n.Name, "err", err)
		}
		switch {
		case healthy:
			delete(c.unmarked, n.Name)
		case wentUnready || c.unmarked[n.Name]:
			if wentUnready {
				c.event(ctx, &corev1.ObjectReference{APIVersion: "v1", Kind: "Node", Name: n.Name, UID: n.UID},
					corev1.EventTypeNormal, "NodeNotReady", fmt.Sprintf("Node %s status is now: NodeNotReady", n.Name))
			}
			c.unmarked[n.Name] = !c.markPodsNotReady(ctx, n.Name)
		}
	}
	for node := range c.unmarked {
		if !exists[node] || !c.unmarked[node] {
			delete(c.unmarked, node)
		}
	}
	pods, _ := c.pods.List(labels.Everything())
	orphans := map[string][]*corev1.Pod{}
	for _, p := range pods {
		if p.Spec.NodeName == "" {
			continue
		}
		if !exists[p.Spec.NodeName] {
			orphans[p.Spec.NodeName] = append(orphans[p.Spec.NodeName], p)
			continue
		}
		if p.DeletionTimestamp != nil {
			continue
		}
		n, err := c.nodes.Get(p.Spec.NodeName)
		if err != nil {
			continue
		}
		at, evict := EvictAt(p, n.Spec.Taints, now)
		switch {
		case !evict:
		case !now.Before(at):
			c.cfg.Log.Debug("nodelifecycle: evicting", "pod", p.Name, "node", n.Name)
			c.evict(ctx, p)
		case nextEviction.IsZero() || at.Before(nextEviction):
			nextEviction = at
		}
	}
	c.collectOrphans(ctx, orphans, now)
	return nextEviction
}

// markPodsNotReady sets the Ready condition of the pods bound to a node that stopped
// reporting to False, as the node lifecycle controller's MarkPodsNotReady does when the
// node's Ready condition leaves True: the endpoints controllers then stop sending traffic
// to them while they wait for eviction, and the kubelet sets Ready again when it is back.
// Only the Ready condition changes (ContainersReady is the kubelet's). False when a pod
// could not be updated (the next check tries again).
func (c *Controller) markPodsNotReady(ctx context.Context, node string) bool {
	pods, _ := c.pods.List(labels.Everything())
	ok := true
	for _, p := range pods {
		if p.Spec.NodeName != node {
			continue
		}
		i := slices.IndexFunc(p.Status.Conditions, func(cond corev1.PodCondition) bool { return cond.Type == corev1.PodReady })
		if i < 0 || p.Status.Conditions[i].Status == corev1.ConditionFalse {
			continue
		}
		upd := p.DeepCopy()
		upd.Status.Conditions[i].Status = corev1.ConditionFalse
		upd.Status.Conditions[i].LastTransitionTime = metav1.Now()
		if _, err := c.cfg.Client.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, upd, metav1.UpdateOptions{}); err != nil {
			if !apierrors.IsNotFound(err) {
				c.cfg.Log.Debug("nodelifecycle: marking pod not ready", "pod", p.Name, "err", err)
				ok = false
			}
			continue
		}
		c.event(ctx, &corev1.ObjectReference{APIVersion: "v1", Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID, ResourceVersion: p.ResourceVersion},
			corev1.EventTypeWarning, "NodeNotReady", "Node is not ready")
	}
	return ok
}

// event records an event from the node controller; a cluster-scoped object's events go
// to the default namespace, as the recorder puts them.
func (c *Controller) event(ctx context.Context, ref *corev1.ObjectReference, typ, reason, msg string) {
	c.events.Record(ctx, ref, "", typ, reason, msg)
}

// evict is the taint-eviction controller's deletion: the pod is marked with the
// DisruptionTarget condition, then deleted with its own grace period.
func (c *Controller) evict(ctx context.Context, p *corev1.Pod) {
	if !hasCondition(p, corev1.DisruptionTarget) {
		upd := p.DeepCopy()
		upd.Status.Conditions = append(upd.Status.Conditions, corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
			Reason: "DeletionByTaintManager", Message: "Taint manager: deleting due to NoExecute taint", LastTransitionTime: metav1.Now()})
		if _, err := c.cfg.Client.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, upd, metav1.UpdateOptions{}); err != nil {
			// Deleted or changed meanwhile: the next check looks again.
			c.cfg.Log.Debug("nodelifecycle: marking pod for eviction", "pod", p.Name, "err", err)
			return
		}
	}
	c.delete(ctx, p, -1)
}

func hasCondition(p *corev1.Pod, typ corev1.PodConditionType) bool {
	for _, cond := range p.Status.Conditions {
		if cond.Type == typ && cond.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// collectOrphans is the pod GC: it force-deletes the pods of a node that has been missing
// for OrphanQuarantine and that the API server confirms gone.
func (c *Controller) collectOrphans(ctx context.Context, orphans map[string][]*corev1.Pod, now time.Time) {
	for node := range c.missingSince {
		if _, ok := orphans[node]; !ok {
			delete(c.missingSince, node)
		}
	}
	for node, pods := range orphans {
		since, ok := c.missingSince[node]
		if !ok {
			c.missingSince[node] = now
			continue
		}
		if now.Sub(since) < OrphanQuarantine {
			continue
		}
		if _, err := c.cfg.Client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			continue // back, not yet in the cache, or the API server did not answer
		}
		for _, p := range pods {
			c.failAndDelete(ctx, p)
		}
	}
}

// failAndDelete is the pod GC's markFailedAndDeletePodWithCondition for a pod whose node
// is gone: a pod that has not finished is first moved to phase Failed with the
// DisruptionTarget condition (reason DeletionByPodGC), since no kubelet will ever report
// its end, and then force-deleted.
func (c *Controller) failAndDelete(ctx context.Context, p *corev1.Pod) {
	if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
		upd := p.DeepCopy()
		upd.Status.Phase = corev1.PodFailed
		cond := corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: "DeletionByPodGC",
			Message: "PodGC: node no longer exists", LastTransitionTime: metav1.Now()}
		if i := slices.IndexFunc(upd.Status.Conditions, func(c corev1.PodCondition) bool { return c.Type == cond.Type }); i >= 0 {
			upd.Status.Conditions[i] = cond
		} else {
			upd.Status.Conditions = append(upd.Status.Conditions, cond)
		}
		if _, err := c.cfg.Client.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, upd, metav1.UpdateOptions{}); err != nil {
			// Gone or changed meanwhile: the next check looks again.
			c.cfg.Log.Debug("nodelifecycle: failing orphaned pod", "pod", p.Name, "err", err)
			return
		}
	}
	c.delete(ctx, p, 0)
}

// delete removes a pod: gracefully (grace < 0 = the pod's own), or forcibly.
func (c *Controller) delete(ctx context.Context, p *corev1.Pod, grace int64) {
	opts := metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &p.UID}}
	if grace >= 0 {
		opts.GracePeriodSeconds = &grace
	}
	err := c.cfg.Client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, opts)
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		c.cfg.Log.Debug("nodelifecycle: deleting pod", "pod", p.Name, "err", err)
	}
}

// setHealth keeps the Ready condition and the taints in line with the node's heartbeat:
// the unreachable taints while it is missing, and no not-ready taint while it is Ready
// (a real API server's admission gives every new node node.kubernetes.io/not-ready:
// NoSchedule, which the real node lifecycle controller lifts once the node is Ready).
// wentUnready says that this call took the Ready condition from True to Unknown.
func (c *Controller) setHealth(ctx context.Context, n *corev1.Node, healthy bool, now time.Time) (wentUnready bool, err error) {
	upd := n.DeepCopy()
	ready := readyCondition(upd)
	wasReady := ready != nil && ready.Status == corev1.ConditionTrue
	changed := false
	switch {
	case !healthy && (ready == nil || ready.Status != corev1.ConditionUnknown):
		cond := corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionUnknown, Reason: "NodeStatusUnknown",
			Message: "Kubelet stopped posting node status.", LastHeartbeatTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(now)}
		setNodeCondition(upd, cond)
		changed = true
	case healthy && (ready == nil || ready.Status != corev1.ConditionTrue):
		setNodeCondition(upd, corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
			Message: "kubelet is posting ready status", LastHeartbeatTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(now)})
		changed = true
	}
	if changed {
		out, err := c.cfg.Client.CoreV1().Nodes().UpdateStatus(ctx, upd, metav1.UpdateOptions{})
		if err != nil {
			return false, err
		}
		upd = out.DeepCopy()
		wentUnready = wasReady && !healthy
	}
	taints := withoutTaint(upd.Spec.Taints, TaintUnreachable)
	if healthy {
		taints = withoutTaint(taints, TaintNotReady)
	} else {
		added := metav1.NewTime(now)
		taints = append(taints,
			corev1.Taint{Key: TaintUnreachable, Effect: corev1.TaintEffectNoSchedule, TimeAdded: &added},
			corev1.Taint{Key: TaintUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &added})
		for _, t := range upd.Spec.Taints {
			if t.Key == TaintUnreachable {
				taints = append(withoutTaint(taints, TaintUnreachable), withKey(upd.Spec.Taints, TaintUnreachable)...)
				break
			}
		}
	}
	if sameTaints(taints, upd.Spec.Taints) {
		return wentUnready, nil
	}
	upd.Spec.Taints = taints
	_, err = c.cfg.Client.CoreV1().Nodes().Update(ctx, upd, metav1.UpdateOptions{})
	return wentUnready, err
}

func readyCondition(n *corev1.Node) *corev1.NodeCondition {
	for i := range n.Status.Conditions {
		if n.Status.Conditions[i].Type == corev1.NodeReady {
			return &n.Status.Conditions[i]
		}
	}
	return nil
}

func setNodeCondition(n *corev1.Node, c corev1.NodeCondition) {
	if r := readyCondition(n); r != nil {
		*r = c
		return
	}
	n.Status.Conditions = append(n.Status.Conditions, c)
}

func withoutTaint(ts []corev1.Taint, key string) []corev1.Taint {
	var out []corev1.Taint
	for _, t := range ts {
		if t.Key != key {
			out = append(out, t)
		}
	}
	return out
}

func withKey(ts []corev1.Taint, key string) []corev1.Taint {
	var out []corev1.Taint
	for _, t := range ts {
		if t.Key == key {
			out = append(out, t)
		}
	}
	return out
}

func sameTaints(a, b []corev1.Taint) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].Effect != b[i].Effect || a[i].Value != b[i].Value {
			return false
		}
	}
	return true
}
