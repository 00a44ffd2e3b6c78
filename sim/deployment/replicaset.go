package deployment

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"flinksim/sim/controller"
)

// ReplicaSetConfig configures the ReplicaSet controller.
type ReplicaSetConfig struct {
	Client  kubernetes.Interface
	Workers int
	// NoEvents switches off the SuccessfulCreate, SuccessfulDelete, FailedCreate and
	// FailedDelete events.
	NoEvents bool
	Log      *slog.Logger
}

// ReplicaSetController keeps the number of active pods of each ReplicaSet at its
// replicas.
type ReplicaSetController struct {
	cfg     ReplicaSetConfig
	factory informers.SharedInformerFactory
	rsInf   cache.SharedIndexInformer
	podInf  cache.SharedIndexInformer
	rsList  appslisters.ReplicaSetLister
	podList corelisters.PodLister
	loop    *controller.Loop
	events  *controller.Recorder

	// expectations: pod creations and deletions issued but not yet seen in the cache,
	// per ReplicaSet key, so a lagging cache does not cause double creation.
	mu     sync.Mutex
	expect map[string]*expectation
}

type expectation struct {
	adds, dels int
	deadline   time.Time
}

// NewReplicaSetController validates the configuration; it starts nothing.
func NewReplicaSetController(cfg ReplicaSetConfig) (*ReplicaSetController, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("replicaset controller: Config.Client is required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	f := informers.NewSharedInformerFactory(cfg.Client, 0)
	c := &ReplicaSetController{
		cfg:     cfg,
		factory: f,
		rsInf:   f.Apps().V1().ReplicaSets().Informer(),
		podInf:  f.Core().V1().Pods().Informer(),
		rsList:  f.Apps().V1().ReplicaSets().Lister(),
		podList: f.Core().V1().Pods().Lister(),
		expect:  map[string]*expectation{},
		events:  &controller.Recorder{Client: cfg.Client, Component: "replicaset-controller", Disabled: cfg.NoEvents, Log: cfg.Log},
	}
	c.loop = &controller.Loop{Name: "replicaset", Workers: cfg.Workers, Reconcile: c.sync, Log: cfg.Log}
	if _, err := c.rsInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.loop.EnqueueObject,
		UpdateFunc: func(_, n interface{}) { c.loop.EnqueueObject(n) },
		DeleteFunc: c.loop.EnqueueObject,
	}); err != nil {
		return nil, err
	}
	if _, err := c.podInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o interface{}) { c.podEvent(o, true, false) },
		UpdateFunc: func(_, n interface{}) { c.podEvent(n, false, false) },
		DeleteFunc: func(o interface{}) { c.podEvent(o, false, true) },
	}); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *ReplicaSetController) podEvent(obj interface{}, added, deleted bool) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	ref := metav1.GetControllerOf(pod)
	if ref == nil || ref.Kind != "ReplicaSet" {
		return
	}
	key := pod.Namespace + "/" + ref.Name
	c.mu.Lock()
	if e := c.expect[key]; e != nil {
		if added && e.adds > 0 {
			e.adds--
		}
		if deleted && e.dels > 0 {
			e.dels--
		}
	}
	c.mu.Unlock()
	c.loop.Enqueue(key)
}

// Start runs the controller until ctx ends.
func (c *ReplicaSetController) Start(ctx context.Context) error {
	c.factory.Start(ctx.Done())
	defer c.factory.Shutdown()
	return c.loop.Run(ctx, c.rsInf.HasSynced, c.podInf.HasSynced)
}

func (c *ReplicaSetController) satisfied(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.expect[key]
	if e == nil || (e.adds <= 0 && e.dels <= 0) || time.Now().After(e.deadline) {
		delete(c.expect, key)
		return true
	}
	return false
}

func (c *ReplicaSetController) sync(ctx context.Context, key string) error {
	ns, name, _ := cache.SplitMetaNamespaceKey(key)
	rs, err := c.rsList.ReplicaSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.mu.Lock()
		delete(c.expect, key)
		c.mu.Unlock()
		return nil
	}
	if err != nil {
		return err
	}
	selector, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil {
		return nil
	}
	all, err := c.podList.Pods(ns).List(selector)
	if err != nil {
		return err
	}
	var owned, active []*corev1.Pod
	for _, p := range all {
		if ref := metav1.GetControllerOf(p); ref != nil && ref.UID == rs.UID {
			owned = append(owned, p)
			if isActive(p) {
				active = append(active, p)
			}
		}
	}
	if rs.DeletionTimestamp == nil && c.satisfied(key) {
		want := int(ptrOr(rs.Spec.Replicas, 1))
		switch diff := want - len(active); {
		case diff > 0:
			// As the Deployment controller does before a new ReplicaSet: a cache that has
			// not seen this ReplicaSet's deletion yet would replace pods the garbage
			// collector is removing with it, depending on which informer delivered first.
			fresh, err := c.cfg.Client.AppsV1().ReplicaSets(ns).Get(ctx, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) || (err == nil && (fresh.UID != rs.UID || fresh.DeletionTimestamp != nil)) {
				return nil // gone or going: its deletion event is on its way
			}
			if err != nil {
				return err
			}
			c.setExpectation(key, diff, 0)
			for i := 0; i < diff; i++ {
				if err := c.createPod(ctx, rs); err != nil {
					c.lowerExpectation(key, diff-i, 0)
					return err
				}
			}
		case diff < 0:
			victims := podsToDelete(active, -diff)
			c.setExpectation(key, 0, len(victims))
			for _, p := range victims {
				if err := c.deletePod(ctx, rs, p.Name); err != nil && !apierrors.IsNotFound(err) {
					return err
				}
			}
		}
	}
	return c.updateStatus(ctx, rs, owned, active)
}

func (c *ReplicaSetController) setExpectation(key string, adds, dels int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expect[key] = &expectation{adds: adds, dels: dels, deadline: time.Now().Add(5 * time.Minute)}
}

func (c *ReplicaSetController) lowerExpectation(key string, adds, dels int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.expect[key]; e != nil {
		e.adds -= adds
		e.dels -= dels
	}
}

func (c *ReplicaSetController) createPod(ctx context.Context, rs *appsv1.ReplicaSet) error {
	tmpl := rs.Spec.Template.DeepCopy()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: rs.Name + "-",
			Namespace:    rs.Namespace,
			Labels:       tmpl.Labels,
			Annotations:  tmpl.Annotations,
			Finalizers:   tmpl.Finalizers,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID,
				Controller: ptr(true), BlockOwnerDeletion: ptr(true),
			}},
		},
		Spec: tmpl.Spec,
	}
	created, err := c.cfg.Client.CoreV1().Pods(rs.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		// The pod control's createPods: an event unless the namespace is going away;
		// the sync is retried later.
		if !apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			c.events.Eventf(ctx, replicaSetRef(rs), corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
		}
		return err
	}
	c.events.Eventf(ctx, replicaSetRef(rs), corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %v", created.Name)
	return nil
}

// deletePod is the pod control's DeletePod, with its events.
func (c *ReplicaSetController) deletePod(ctx context.Context, rs *appsv1.ReplicaSet, name string) error {
	err := c.cfg.Client.CoreV1().Pods(rs.Namespace).Delete(ctx, name, metav1.DeleteOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return err
	case err != nil:
		c.events.Eventf(ctx, replicaSetRef(rs), corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
		return fmt.Errorf("unable to delete pods: %v", err)
	}
	c.events.Eventf(ctx, replicaSetRef(rs), corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %v", name)
	return nil
}

func (c *ReplicaSetController) updateStatus(ctx context.Context, rs *appsv1.ReplicaSet, owned, active []*corev1.Pod) error {
	st := appsv1.ReplicaSetStatus{ObservedGeneration: rs.Generation, Conditions: rs.Status.Conditions}
	sel := labels.SelectorFromSet(rs.Spec.Template.Labels)
	terminating := int32(0)
	for _, p := range owned {
		if p.DeletionTimestamp != nil {
			terminating++
		}
	}
	for _, p := range active {
		st.Replicas++
		if sel.Matches(labels.Set(p.Labels)) {
			st.FullyLabeledReplicas++
		}
		if podReady(p) {
			st.ReadyReplicas++
			st.AvailableReplicas++
		}
	}
	st.TerminatingReplicas = &terminating
	if equalRSStatus(rs.Status, st) {
		return nil
	}
	upd := rs.DeepCopy()
	upd.Status = st
	_, err := c.cfg.Client.AppsV1().ReplicaSets(rs.Namespace).UpdateStatus(ctx, upd, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil // a newer version is on its way through the informer
	}
	return err
}

func equalRSStatus(a, b appsv1.ReplicaSetStatus) bool {
	ta, tb := int32(0), int32(0)
	if a.TerminatingReplicas != nil {
		ta = *a.TerminatingReplicas
	}
	if b.TerminatingReplicas != nil {
		tb = *b.TerminatingReplicas
	}
	return a.Replicas == b.Replicas && a.FullyLabeledReplicas == b.FullyLabeledReplicas && a.ReadyReplicas == b.ReadyReplicas &&
		a.AvailableReplicas == b.AvailableReplicas && a.ObservedGeneration == b.ObservedGeneration && ta == tb
}

// isActive: neither terminating nor finished — a pod that counts towards replicas.
func isActive(p *corev1.Pod) bool {
	return p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// podsToDelete picks the pods a scale-down removes first, as the real controller
// ranks them: unscheduled before scheduled, pending before running, not ready
// before ready, then the newest.
func podsToDelete(pods []*corev1.Pod, n int) []*corev1.Pod {
	sorted := append([]*corev1.Pod(nil), pods...)
	rank := func(p *corev1.Pod) int {
		switch {
		case p.Spec.NodeName == "":
			return 0
		case p.Status.Phase == corev1.PodPending:
			return 1
		case !podReady(p):
			return 2
		}
		return 3
	}
	sort.SliceStable(sorted, func(i, j int) bool {
		ri, rj := rank(sorted[i]), rank(sorted[j])
		if ri != rj {
			return ri < rj
		}
		if !sorted[i].CreationTimestamp.Equal(&sorted[j].CreationTimestamp) {
			return sorted[j].CreationTimestamp.Before(&sorted[i].CreationTimestamp)
		}
		return sorted[i].Name < sorted[j].Name
	})
	if n > len(sorted) {
		n = len(sorted)
	}
	return sorted[:n]
}

func ptr[T any](v T) *T { return &v }

func ptrOr[T any](p *T, d T) T {
	if p == nil {
		return d
	}
	return *p
}
