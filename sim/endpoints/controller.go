package endpoints

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"flinksim/sim/controller"
)

// Config configures the two controllers.
type Config struct {
	// Client reads: the informers of Services, pods, nodes, Endpoints and EndpointSlices,
	// as kube-controller-manager's shared informers read with its own identity.
	Client kubernetes.Interface
	// EndpointsClient writes Endpoints (the endpoint-controller service account) and
	// SlicesClient writes EndpointSlices (the endpointslice-controller one). Default:
	// Client.
	EndpointsClient kubernetes.Interface
	SlicesClient    kubernetes.Interface
	// MaxEndpointsPerSlice is kube-controller-manager's --max-endpoints-per-slice.
	// Default 100.
	MaxEndpointsPerSlice int
	Log                  *slog.Logger
}

// Controller runs the endpoints controller and the EndpointSlice controller.
type Controller struct {
	cfg       Config
	factory   informers.SharedInformerFactory
	synced    []cache.InformerSynced
	services  corelisters.ServiceLister
	pods      corelisters.PodLister
	nodes     corelisters.NodeLister
	endpoints corelisters.EndpointsLister
	slices    cache.Indexer
	epLoop    *controller.Loop
	sliceLoop *controller.Loop
	tracker   *sliceTracker
}

// serviceIndex indexes EndpointSlices by "<namespace>/<kubernetes.io/service-name>".
const serviceIndex = "service"

// SliceServiceKey is the "<namespace>/<service>" an EndpointSlice belongs to by its
// kubernetes.io/service-name label ("" without one); the index both the controller and
// the service proxy keep slices under.
func SliceServiceKey(obj interface{}) ([]string, error) {
	s, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok || s.Labels[discoveryv1.LabelServiceName] == "" {
		return nil, nil
	}
	return []string{s.Namespace + "/" + s.Labels[discoveryv1.LabelServiceName]}, nil
}

// New validates the configuration; it starts nothing.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil {
		return nil, errors.New("endpoints: Config.Client is required")
	}
	if cfg.MaxEndpointsPerSlice < 0 || cfg.MaxEndpointsPerSlice > 1000 {
		return nil, fmt.Errorf("endpoints: MaxEndpointsPerSlice %d is out of range: an EndpointSlice holds 1 to 1000 endpoints (default 100)", cfg.MaxEndpointsPerSlice)
	}
	if cfg.MaxEndpointsPerSlice == 0 {
		cfg.MaxEndpointsPerSlice = DefaultMaxEndpointsPerSlice
	}
	if cfg.EndpointsClient == nil {
		cfg.EndpointsClient = cfg.Client
	}
	if cfg.SlicesClient == nil {
		cfg.SlicesClient = cfg.Client
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	f := informers.NewSharedInformerFactory(cfg.Client, 0)
	svcInf := f.Core().V1().Services().Informer()
	podInf := f.Core().V1().Pods().Informer()
	epInf := f.Core().V1().Endpoints().Informer()
	sliceInf := f.Discovery().V1().EndpointSlices().Informer()
	nodeInf := f.Core().V1().Nodes().Informer()
	if err := sliceInf.AddIndexers(cache.Indexers{serviceIndex: SliceServiceKey}); err != nil {
		return nil, err
	}
	c := &Controller{cfg: cfg, factory: f,
		services: f.Core().V1().Services().Lister(), pods: f.Core().V1().Pods().Lister(), nodes: f.Core().V1().Nodes().Lister(),
		endpoints: f.Core().V1().Endpoints().Lister(), slices: sliceInf.GetIndexer(), tracker: newSliceTracker(),
		synced: []cache.InformerSynced{svcInf.HasSynced, podInf.HasSynced, epInf.HasSynced, sliceInf.HasSynced, nodeInf.HasSynced}}
	c.epLoop = &controller.Loop{Name: "endpoints", Reconcile: c.syncEndpoints, Log: cfg.Log}
	c.sliceLoop = &controller.Loop{Name: "endpointslices", Reconcile: c.syncSlices, Log: cfg.Log}
	both := func(key string) {
		c.epLoop.Enqueue(key)
		c.sliceLoop.Enqueue(key)
	}
	handlers := []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{svcInf, cache.ResourceEventHandlerFuncs{
			AddFunc:    func(o interface{}) { c.enqueueObject(o, both) },
			UpdateFunc: func(_, n interface{}) { c.enqueueObject(n, both) },
			DeleteFunc: func(o interface{}) { c.enqueueObject(o, both) },
		}},
		{podInf, cache.ResourceEventHandlerFuncs{
			AddFunc:    func(o interface{}) { c.podChanged(nil, o, both) },
			UpdateFunc: func(o, n interface{}) { c.podChanged(o, n, both) },
			DeleteFunc: func(o interface{}) { c.podChanged(nil, o, both) },
		}},
		// Endpoints and slices changed or deleted by someone else are put back.
		{epInf, cache.ResourceEventHandlerFuncs{
			UpdateFunc: func(_, n interface{}) { c.enqueueObject(n, c.epLoop.Enqueue) },
			DeleteFunc: func(o interface{}) { c.enqueueObject(o, c.epLoop.Enqueue) },
		}},
		{sliceInf, cache.ResourceEventHandlerFuncs{
			UpdateFunc: func(_, n interface{}) { c.sliceChanged(n) },
			DeleteFunc: c.sliceChanged,
		}},
	}
	for _, h := range handlers {
		if _, err := h.inf.AddEventHandler(h.h); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Start runs both controllers until ctx ends.
func (c *Controller) Start(ctx context.Context) error {
	c.factory.Start(ctx.Done())
	defer c.factory.Shutdown()
	errs := make(chan error, 2)
	go func() { errs <- c.epLoop.Run(ctx, c.synced...) }()
	go func() { errs <- c.sliceLoop.Run(ctx, c.synced...) }()
	return errors.Join(<-errs, <-errs)
}

func (c *Controller) enqueueObject(obj interface{}, enqueue func(string)) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		enqueue(key)
	}
}

func (c *Controller) sliceChanged(obj interface{}) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	s, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok || s.Labels[discoveryv1.LabelManagedBy] != SliceControllerName {
		return
	}
	if keys, _ := SliceServiceKey(s); len(keys) == 1 {
		c.sliceLoop.Enqueue(keys[0])
	}
}

// podChanged enqueues the Services whose selectors match the pod now or before, when
// the change can matter to an endpoint (as the real controllers filter pod updates).
func (c *Controller) podChanged(oldObj, newObj interface{}, enqueue func(string)) {
	if t, ok := newObj.(cache.DeletedFinalStateUnknown); ok {
		newObj = t.Obj
	}
	pod, ok := newObj.(*corev1.Pod)
	if !ok {
		return
	}
	old, _ := oldObj.(*corev1.Pod)
	if old != nil && !EndpointRelevantChange(old, pod) {
		return
	}
	services, err := c.services.Services(pod.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, svc := range services {
		if !Served(svc) {
			continue
		}
		sel := labels.SelectorFromSet(svc.Spec.Selector)
		if sel.Matches(labels.Set(pod.Labels)) || old != nil && sel.Matches(labels.Set(old.Labels)) {
			enqueue(svc.Namespace + "/" + svc.Name)
		}
	}
}

// EndpointRelevantChange reports whether a pod update can change an endpoint: its
// labels, IP, node, hostname or subdomain, readiness, phase, deletion or container ports.
func EndpointRelevantChange(old, pod *corev1.Pod) bool {
	return !labels.Equals(old.Labels, pod.Labels) || podIP(old) != podIP(pod) || old.Spec.NodeName != pod.Spec.NodeName ||
		old.Spec.Hostname != pod.Spec.Hostname || old.Spec.Subdomain != pod.Spec.Subdomain ||
		podReady(old) != podReady(pod) || old.Status.Phase != pod.Status.Phase ||
		(old.DeletionTimestamp == nil) != (pod.DeletionTimestamp == nil) || old.Generation != pod.Generation
}

func (c *Controller) selected(svc *corev1.Service) ([]*corev1.Pod, error) {
	return c.pods.Pods(svc.Namespace).List(labels.SelectorFromSet(svc.Spec.Selector))
}

// syncEndpoints brings the Service's Endpoints in line with its pods; a deleted
// Service's Endpoints are deleted.
func (c *Controller) syncEndpoints(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	client := c.cfg.EndpointsClient.CoreV1().Endpoints(ns)
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		err := client.Delete(ctx, name, metav1.DeleteOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	}
	if err != nil || !Served(svc) {
		return err
	}
	pods, err := c.selected(svc)
	if err != nil {
		return err
	}
	desired := DesiredEndpoints(svc, pods)
	cur, err := c.endpoints.Endpoints(ns).Get(name)
	switch {
	case apierrors.IsNotFound(err):
		_, err = client.Create(ctx, desired, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("endpoints %s exist but are not in the cache yet", key)
		}
		return err
	case err != nil:
		return err
	case EndpointsUpToDate(cur, desired):
		return nil
	}
	upd := cur.DeepCopy()
	upd.Subsets, upd.Labels = desired.Subsets, desired.Labels
	_, err = client.Update(ctx, upd, metav1.UpdateOptions{})
	return err
}

// syncSlices brings the Service's EndpointSlices in line with its pods. A deleted
// Service's slices go with it through their owner reference (the garbage collector).
func (c *Controller) syncSlices(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.tracker.forget(key)
		return nil
	}
	if err != nil || !Served(svc) {
		return err
	}
	if svc.DeletionTimestamp != nil {
		return nil // being deleted: the garbage collector takes the slices
	}
	pods, err := c.selected(svc)
	if err != nil {
		return err
	}
	objs, err := c.slices.ByIndex(serviceIndex, key)
	if err != nil {
		return err
	}
	var existing []*discoveryv1.EndpointSlice
	for _, o := range objs {
		if s := o.(*discoveryv1.EndpointSlice); s.Labels[discoveryv1.LabelManagedBy] == SliceControllerName {
			existing = append(existing, s)
		}
	}
	if c.tracker.stale(key, existing) {
		return fmt.Errorf("the EndpointSlice cache of service %s has not caught up with the controller's own writes", key)
	}
	desired := DesiredSlices(svc, pods, c.zone, c.cfg.MaxEndpointsPerSlice)
	plan := PlanSlices(svc, desired, existing)
	client := c.cfg.SlicesClient.DiscoveryV1().EndpointSlices(ns)
	var errs []error
	for _, s := range plan.Update {
		if out, err := client.Update(ctx, s, metav1.UpdateOptions{}); err != nil {
			errs = append(errs, err)
		} else {
			c.tracker.wrote(key, out, false)
		}
	}
	for _, s := range plan.Create {
		if out, err := client.Create(ctx, s, metav1.CreateOptions{}); err != nil {
			errs = append(errs, err)
		} else {
			c.tracker.wrote(key, out, false)
		}
	}
	for _, s := range plan.Delete {
		if err := client.Delete(ctx, s.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, err)
		} else {
			c.tracker.wrote(key, s, true)
		}
	}
	return errors.Join(errs...)
}

func (c *Controller) zone(node string) string {
	n, err := c.nodes.Get(node)
	if err != nil {
		return ""
	}
	return n.Labels[corev1.LabelTopologyZone]
}
