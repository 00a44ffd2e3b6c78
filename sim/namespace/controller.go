package namespace

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"flinksim/sim/controller"
)

// DeletionGracePeriod is how long after seeing a namespace's deletion the controller
// starts on it, as the real one waits for last-moment creations to land.
const DeletionGracePeriod = 5 * time.Second

// Config configures the controller.
type Config struct {
	// Client acts as the namespace controller. Required.
	Client kubernetes.Interface
	// Workers process namespaces in parallel. Default 2.
	Workers int
	// Delay is how long after a deletion the controller starts on the namespace.
	// Default DeletionGracePeriod; a negative value means no delay.
	Delay time.Duration
	Log   *slog.Logger
}

// Controller empties and finalizes namespaces being deleted.
type Controller struct {
	cfg     Config
	factory informers.SharedInformerFactory
	nsInf   cache.SharedIndexInformer
	loop    *controller.Loop
}

// New validates cfg and builds the controller; it starts nothing.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil {
		return nil, errors.New("namespace controller: Config.Client is required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	switch {
	case cfg.Delay == 0:
		cfg.Delay = DeletionGracePeriod
	case cfg.Delay < 0:
		cfg.Delay = 0
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	f := informers.NewSharedInformerFactory(cfg.Client, 0)
	c := &Controller{cfg: cfg, factory: f, nsInf: f.Core().V1().Namespaces().Informer()}
	c.loop = &controller.Loop{Name: "namespace", Workers: cfg.Workers, Reconcile: c.sync, Log: cfg.Log}
	enqueue := func(obj any) {
		ns, ok := obj.(*corev1.Namespace)
		if !ok || ns.DeletionTimestamp == nil {
			return
		}
		c.loop.EnqueueAfter(ns.Name, c.cfg.Delay)
	}
	if _, err := c.nsInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
	}); err != nil {
		return nil, fmt.Errorf("namespace controller: %w", err)
	}
	return c, nil
}

// Start runs the controller until ctx ends.
func (c *Controller) Start(ctx context.Context) error {
	c.factory.Start(ctx.Done())
	defer c.factory.Shutdown()
	return c.loop.Run(ctx, c.nsInf.HasSynced)
}

// remainingError says content is still terminating: look again after the estimate.
type remainingError struct{ estimate int64 }

func (e *remainingError) Error() string {
	return fmt.Sprintf("some content remains in the namespace, estimate %d seconds before it is removed", e.estimate)
}

func (c *Controller) sync(ctx context.Context, name string) error {
	err := c.terminate(ctx, name)
	var remaining *remainingError
	if errors.As(err, &remaining) {
		c.loop.EnqueueAfter(name, requeueAfter(remaining.estimate))
		return nil
	}
	return err
}

// terminate is one pass over a namespace being deleted.
func (c *Controller) terminate(ctx context.Context, name string) error {
	namespaces := c.cfg.Client.CoreV1().Namespaces()
	ns, err := namespaces.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil || ns.DeletionTimestamp == nil {
		return err
	}
	if ns.Status.Phase != corev1.NamespaceTerminating {
		upd := ns.DeepCopy()
		upd.Status.Phase = corev1.NamespaceTerminating
		if ns, err = namespaces.UpdateStatus(ctx, upd, metav1.UpdateOptions{}); err != nil {
			if apierrors.IsNotFound(err) {
				return nil
			}
			return err
		}
	}
	if finalized(ns) {
		return nil
	}
	estimate, err := c.deleteContent(ctx, ns)
	if err != nil {
		return err
	}
	if estimate > 0 {
		return &remainingError{estimate}
	}
	// The content is gone: give up the controller's finalizer, retrying on conflicts
	// with the namespace's newest state.
	for attempt := 0; ; attempt++ {
		fin := &corev1.Namespace{ObjectMeta: ns.ObjectMeta, Spec: ns.Spec}
		fin.Spec.Finalizers = withoutOwnFinalizer(ns)
		_, err := namespaces.Finalize(ctx, fin, metav1.UpdateOptions{})
		if err == nil || apierrors.IsNotFound(err) {
			return nil
		}
		if !apierrors.IsConflict(err) || attempt == 4 {
			return err
		}
		if ns, err = namespaces.Get(ctx, name, metav1.GetOptions{}); err != nil {
			if apierrors.IsNotFound(err) {
				return nil
			}
			return err
		}
	}
}

// deleteContent deletes what the namespace holds, pods first, records what remains in
// the namespace's conditions, and estimates how long the rest will take.
func (c *Controller) deleteContent(ctx context.Context, ns *corev1.Namespace) (int64, error) {
	var estimate int64
	var left leftovers
	var errs []error
	background := metav1.DeletePropagationBackground
	opts := metav1.DeleteOptions{PropagationPolicy: &background}
	for i, res := range contents {
		var resEstimate int64
		if res.gvr == podsGVR {
			pods, err := c.cfg.Client.CoreV1().Pods(ns.Name).List(ctx, metav1.ListOptions{})
			if err != nil {
				errs = append(errs, err)
				continue
			}
			resEstimate = podsEstimate(pods.Items, ns.DeletionTimestamp.Time, time.Now())
		}
		if err := res.deleteAll(ctx, c.cfg.Client, ns.Name, opts); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsMethodNotSupported(err) {
			errs = append(errs, err)
			continue
		}
		objs, err := res.list(ctx, c.cfg.Client, ns.Name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(objs) > 0 {
			finalizers := make([][]string, 0, len(objs))
			held := false
			for _, o := range objs {
				finalizers = append(finalizers, o.GetFinalizers())
				held = held || len(o.GetFinalizers()) > 0
			}
			left.add(res.gvr, finalizers)
			switch {
			case resEstimate > 0:
			case held:
				resEstimate = finalizerEstimateSeconds
			default:
				errs = append(errs, fmt.Errorf("unexpected items still remain in namespace: %s for gvr: %v", ns.Name, res.gvr))
			}
		}
		estimate = max(estimate, resEstimate)
		if i == 0 && len(objs) > 0 {
			// Pods go first: the rest waits until they are gone.
			break
		}
	}
	upd := ns.DeepCopy()
	if updateConditions(&upd.Status, problemConditions(left, errs, metav1.Now()), metav1.Now()) {
		if _, err := c.cfg.Client.CoreV1().Namespaces().UpdateStatus(ctx, upd, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
			c.cfg.Log.Debug("updating namespace conditions", "namespace", ns.Name, "err", err)
		}
	}
	return estimate, errors.Join(errs...)
}
