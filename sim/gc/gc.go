package gc

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"flinksim/sim/controller"
	"flinksim/sim/kube"
)

// Config configures the collector.
type Config struct {
	Client kubernetes.Interface
	// Workers process the queue in parallel. Default 2.
	Workers int
	Log     *slog.Logger
}

// Collector is the garbage collector.
type Collector struct {
	cfg       Config
	factory   informers.SharedInformerFactory
	informers map[kube.Resource]cache.SharedIndexInformer
	queue     workqueue.TypedRateLimitingInterface[item]
	// disabled is for mutation checks: a collector that observes but never acts.
	mu       sync.Mutex
	disabled bool
}

// item names one object.
type item struct {
	res       kube.Resource
	namespace string
	name      string
	uid       types.UID
}

const ownerIndex = "ownerUID"

// New validates the configuration and builds the collector; it starts nothing.
func New(cfg Config) (*Collector, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("gc: Config.Client is required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	c := &Collector{
		cfg:       cfg,
		factory:   informers.NewSharedInformerFactory(cfg.Client, 0),
		informers: map[kube.Resource]cache.SharedIndexInformer{},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[item](5*time.Millisecond, 10*time.Second),
			workqueue.TypedRateLimitingQueueConfig[item]{Name: "garbage-collector"}),
	}
	for _, r := range kube.Resources {
		if r.Kind == "Node" || r.Kind == "Namespace" {
			continue
		}
		gi, err := c.factory.ForResource(r.GVR)
		if err != nil {
			return nil, fmt.Errorf("gc: %w", err)
		}
		inf := gi.Informer()
		if err := inf.AddIndexers(cache.Indexers{ownerIndex: indexByOwner}); err != nil {
			return nil, fmt.Errorf("gc: %w", err)
		}
		res := r
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj interface{}) { c.observe(res, obj) },
			UpdateFunc: func(_, obj interface{}) { c.observe(res, obj) },
			DeleteFunc: func(obj interface{}) { c.gone(res, obj) },
		}); err != nil {
			return nil, fmt.Errorf("gc: %w", err)
		}
		c.informers[r] = inf
	}
	return c, nil
}

// SetDisabled stops the collector from acting (it keeps observing). Scenarios use it
// to prove that a cleanup scenario depends on the collector.
func (c *Collector) SetDisabled(disabled bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.disabled = disabled
}

func (c *Collector) isDisabled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.disabled
}

func indexByOwner(obj interface{}) ([]string, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, nil
	}
	var out []string
	for _, o := range m.GetOwnerReferences() {
		out = append(out, string(o.UID))
	}
	return out, nil
}

// Start runs the collector until ctx ends.
func (c *Collector) Start(ctx context.Context) error {
	defer c.queue.ShutDown()
	c.factory.Start(ctx.Done())
	defer c.factory.Shutdown()
	var synced []cache.InformerSynced
	for _, inf := range c.informers {
		synced = append(synced, inf.HasSynced)
	}
	if !controller.WaitForCacheSync(ctx, synced...) {
		return nil
	}
	var wg sync.WaitGroup
	for i := 0; i < c.cfg.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c.processNext(ctx) {
			}
		}()
	}
	<-ctx.Done()
	c.queue.ShutDown()
	wg.Wait()
	return nil
}

func itemOf(res kube.Resource, obj interface{}) (item, metav1.Object, bool) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return item{}, nil, false
	}
	return item{res: res, namespace: m.GetNamespace(), name: m.GetName(), uid: m.GetUID()}, m, true
}

func (c *Collector) observe(res kube.Resource, obj interface{}) {
	it, m, ok := itemOf(res, obj)
	if !ok {
		return
	}
	if len(m.GetOwnerReferences()) > 0 || m.GetDeletionTimestamp() != nil {
		c.queue.Add(it)
	}
}

// gone: an object disappeared, so its dependents may have lost their last owner, and
// owners waiting in the foreground may be done.
func (c *Collector) gone(res kube.Resource, obj interface{}) {
	it, m, ok := itemOf(res, obj)
	if !ok {
		return
	}
	for _, d := range c.dependents(it.uid) {
		c.queue.Add(d)
	}
	for _, o := range m.GetOwnerReferences() {
		if r, ok := kube.ResourceForKind(o.APIVersion, o.Kind); ok {
			ns := ""
			if r.Namespaced {
				ns = it.namespace
			}
			c.queue.Add(item{res: r, namespace: ns, name: o.Name, uid: o.UID})
		}
	}
}

// dependents lists, from the caches, every object with an owner reference to uid.
func (c *Collector) dependents(uid types.UID) []item {
	var out []item
	for r, inf := range c.informers {
		objs, _ := inf.GetIndexer().ByIndex(ownerIndex, string(uid))
		for _, o := range objs {
			if it, _, ok := itemOf(r, o); ok {
				out = append(out, it)
			}
		}
	}
	return out
}

func (c *Collector) processNext(ctx context.Context) bool {
	it, shutdown := c.queue.Get()
	if shutdown {
		return false
	}
	defer c.queue.Done(it)
	if c.isDisabled() {
		c.queue.Forget(it)
		return true
	}
	if err := c.sync(ctx, it); err != nil {
		if ctx.Err() != nil {
			return false
		}
		c.cfg.Log.Debug("gc: retrying", "object", it.name, "err", err)
		c.queue.AddRateLimited(it)
		return true
	}
	c.queue.Forget(it)
	return true
}

func (c *Collector) cached(it item) metav1.Object {
	inf := c.informers[it.res]
	if inf == nil {
		return nil
	}
	key := it.name
	if it.namespace != "" {
		key = it.namespace + "/" + it.name
	}
	obj, exists, _ := inf.GetIndexer().GetByKey(key)
	if !exists {
		return nil
	}
	m, err := meta.Accessor(obj)
	if err != nil || (it.uid != "" && m.GetUID() != it.uid) {
		return nil
	}
	return m
}

func (c *Collector) sync(ctx context.Context, it item) error {
	m := c.cached(it)
	if m == nil {
		return nil
	}
	if m.GetDeletionTimestamp() != nil {
		switch {
		case slices.Contains(m.GetFinalizers(), metav1.FinalizerOrphanDependents):
			return c.orphanDependents(ctx, it, m)
		case slices.Contains(m.GetFinalizers(), metav1.FinalizerDeleteDependents):
			return c.deleteDependentsFirst(ctx, it, m)
		}
	}
	if len(m.GetOwnerReferences()) == 0 {
		return nil
	}
	states := map[types.UID]OwnerState{}
	for _, o := range m.GetOwnerReferences() {
		st, err := c.ownerState(ctx, it, o)
		if err != nil {
			return err
		}
		states[o.UID] = st
	}
	v := Decide(m.GetOwnerReferences(), states, m.GetFinalizers(), len(c.dependents(m.GetUID())) > 0)
	client, err := kube.ClientFor(c.cfg.Client, it.res.GVR, it.namespace)
	if err != nil {
		return err
	}
	if v.Delete != "" || len(v.DropOwners) > 0 {
		// As the real collector does before it acts, read the dependent itself: the
		// cache may not have seen an owner reference removed a moment ago (an orphaning
		// owner's), and the dependent would be deleted as dangling.
		live, err := client.Get(ctx, it.name)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		lm, err := meta.Accessor(live)
		if err != nil || lm.GetUID() != m.GetUID() {
			return err
		}
		if !slices.EqualFunc(lm.GetOwnerReferences(), m.GetOwnerReferences(), func(a, b metav1.OwnerReference) bool { return a.UID == b.UID }) {
			return nil // the informer brings the change, and with it a new decision
		}
		m = lm
	}
	if len(v.DropOwners) > 0 {
		if err := c.dropOwners(ctx, client, m, v.DropOwners); err != nil {
			return err
		}
	}
	if v.Delete != "" && m.GetDeletionTimestamp() == nil {
		policy := v.Delete
		uid := m.GetUID()
		err := client.Delete(ctx, it.name, metav1.DeleteOptions{PropagationPolicy: &policy, Preconditions: &metav1.Preconditions{UID: &uid}})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return err
		}
	}
	return nil
}

// ownerState checks an owner with a live read: caches may lag behind a fresh owner.
func (c *Collector) ownerState(ctx context.Context, dep item, o metav1.OwnerReference) (OwnerState, error) {
	r, ok := kube.ResourceForKind(o.APIVersion, o.Kind)
	if !ok {
		return OwnerUnresolvable, nil
	}
	ns := ""
	if r.Namespaced {
		if !dep.res.Namespaced {
			return OwnerUnresolvable, nil
		}
		ns = dep.namespace
	}
	client, err := kube.ClientFor(c.cfg.Client, r.GVR, ns)
	if err != nil {
		return OwnerUnresolvable, nil
	}
	owner, err := client.Get(ctx, o.Name)
	switch {
	case apierrors.IsNotFound(err):
		return OwnerAbsent, nil
	case err != nil:
		return 0, err
	case owner.GetUID() != o.UID:
		return OwnerAbsent, nil
	case owner.GetDeletionTimestamp() != nil && slices.Contains(owner.GetFinalizers(), metav1.FinalizerDeleteDependents):
		return OwnerWaiting, nil
	}
	return OwnerAlive, nil
}

func (c *Collector) dropOwners(ctx context.Context, client kube.Client, m metav1.Object, uids []types.UID) error {
	var keep []metav1.OwnerReference
	for _, o := range m.GetOwnerReferences() {
		if !slices.Contains(uids, o.UID) {
			keep = append(keep, o)
		}
	}
	return c.patchOwners(ctx, client, m, keep)
}

// patchOwners replaces the owner references, guarded by the object's UID and
// resourceVersion so a concurrent change is not overwritten.
func (c *Collector) patchOwners(ctx context.Context, client kube.Client, m metav1.Object, owners []metav1.OwnerReference) error {
	if owners == nil {
		owners = []metav1.OwnerReference{}
	}
	patch, _ := json.Marshal(map[string]interface{}{"metadata": map[string]interface{}{
		"ownerReferences": owners, "uid": m.GetUID(), "resourceVersion": m.GetResourceVersion()}})
	err := client.Patch(ctx, m.GetName(), types.MergePatchType, patch)
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func (c *Collector) removeFinalizer(ctx context.Context, it item, m metav1.Object, finalizer string) error {
	client, err := kube.ClientFor(c.cfg.Client, it.res.GVR, it.namespace)
	if err != nil {
		return err
	}
	var keep []string
	for _, f := range m.GetFinalizers() {
		if f != finalizer {
			keep = append(keep, f)
		}
	}
	if keep == nil {
		keep = []string{}
	}
	patch, _ := json.Marshal(map[string]interface{}{"metadata": map[string]interface{}{
		"finalizers": keep, "uid": m.GetUID(), "resourceVersion": m.GetResourceVersion()}})
	err = client.Patch(ctx, it.name, types.MergePatchType, patch)
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// orphanDependents drops the references to the owner from every dependent, then lets
// the owner go.
func (c *Collector) orphanDependents(ctx context.Context, it item, m metav1.Object) error {
	for _, d := range c.dependents(m.GetUID()) {
		dm := c.cached(d)
		if dm == nil {
			continue
		}
		client, err := kube.ClientFor(c.cfg.Client, d.res.GVR, d.namespace)
		if err != nil {
			continue
		}
		if err := c.dropOwners(ctx, client, dm, []types.UID{m.GetUID()}); err != nil {
			return err
		}
	}
	return c.removeFinalizer(ctx, it, m, metav1.FinalizerOrphanDependents)
}

// deleteDependentsFirst deletes the dependents of a foreground deletion and lets the
// owner go once no dependent that blocks its deletion remains.
func (c *Collector) deleteDependentsFirst(ctx context.Context, it item, m metav1.Object) error {
	blocking := 0
	for _, d := range c.dependents(m.GetUID()) {
		dm := c.cached(d)
		if dm == nil {
			continue
		}
		for _, o := range dm.GetOwnerReferences() {
			if o.UID == m.GetUID() && o.BlockOwnerDeletion != nil && *o.BlockOwnerDeletion {
				blocking++
			}
		}
		// The dependent decides for itself: it may have other live owners.
		c.queue.Add(d)
	}
	if blocking > 0 {
		// Requeued when the dependents go (see gone).
		return nil
	}
	return c.removeFinalizer(ctx, it, m, metav1.FinalizerDeleteDependents)
}
