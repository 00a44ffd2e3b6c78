package ha

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// ConfigMapHandler receives the events of one watched ConfigMap. Calls for one
// handler are serialised and in order; nil functions are skipped. Objects are shared
// with the informer cache: read them, don't change them.
type ConfigMapHandler struct {
	// OnAdded: the ConfigMap appeared, or existed when the handler was registered.
	OnAdded func(cm *corev1.ConfigMap)
	// OnModified: its resourceVersion changed.
	OnModified func(cm *corev1.ConfigMap)
	// OnDeleted: it was deleted; cm is the last known state.
	OnDeleted func(cm *corev1.ConfigMap)
}

// ConfigMapWatcherConfig names the watched ConfigMap.
type ConfigMapWatcherConfig struct {
	Client    kubernetes.Interface
	Namespace string
	Name      string
}

// ConfigMapWatcher is Flink's shared informer on one ConfigMap, watched by name
// (field selector metadata.name) without periodic resync: one per HA services
// instance, shared by the leader-election driver and every leader retriever.
//
// It is a client-go shared informer, which re-lists and re-watches by itself after
// watch errors, so — as in Flink, whose shared informer never calls its handlers'
// error paths — handlers see no errors. A list or watch the API server does not answer
// is tried again on fabric8's reconnect schedule (see reconnecting). Unlike Flink's it does not coalesce bursts
// of updates; it never reorders them either.
type ConfigMapWatcher struct {
	cfg      ConfigMapWatcherConfig
	informer cache.SharedIndexInformer
	started  atomic.Bool
}

// NewConfigMapWatcher validates cfg; it starts nothing.
func NewConfigMapWatcher(cfg ConfigMapWatcherConfig) (*ConfigMapWatcher, error) {
	switch {
	case cfg.Client == nil:
		return nil, errors.New("ha: ConfigMap watcher: Client is nil")
	case strings.TrimSpace(cfg.Namespace) == "" || strings.TrimSpace(cfg.Name) == "":
		return nil, errors.New("ha: ConfigMap watcher: Namespace and Name must be set")
	}
	selector := fields.OneTermEqualSelector(metav1.ObjectNameField, cfg.Name).String()
	cms := cfg.Client.CoreV1().ConfigMaps(cfg.Namespace)
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = selector
			return reconnecting(ctx, func() (runtime.Object, error) { return cms.List(ctx, o) })
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = selector
			return reconnecting(ctx, func() (watch.Interface, error) { return cms.Watch(ctx, o) })
		},
	}
	inf := cache.NewSharedIndexInformerWithOptions(cache.ToListWatcherWithWatchListSemantics(lw, cfg.Client), &corev1.ConfigMap{},
		cache.SharedIndexInformerOptions{Indexers: cache.Indexers{}})
	return &ConfigMapWatcher{cfg: cfg, informer: inf}, nil
}

// reconnectInterval is how long fabric8's informer waits before it tries a list or
// watch that the API server did not answer again: Config.watchReconnectInterval (1 s)
// doubled per attempt, at most 2⁵ times (its ExponentialBackoffIntervalCalculator), with
// no jitter.
func reconnectInterval(attempt int) time.Duration { return time.Second << min(attempt, 5) }

// reconnecting sends the informer's list or watch until the API server answers it,
// waiting reconnectInterval between attempts, as fabric8's informer reconnects: a
// refused connection, 429 Too Many Requests, 500, 503 or 504 is tried again; any other
// answer (a 410 that asks for a new list, a refusal) goes to client-go's reflector. The
// reflector would wait on its own after such a failure, but for a time jittered from
// the process-wide random source, so that when a process came back after an outage
// would differ from run to run.
func reconnecting[T any](ctx context.Context, send func() (T, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		v, err := send()
		if err == nil || !unanswered(err) || ctx.Err() != nil {
			return v, err
		}
		t := time.NewTimer(reconnectInterval(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return v, err
		case <-t.C:
		}
	}
}

// unanswered reports whether err says the API server did not serve the request (rather
// than answering it).
func unanswered(err error) bool {
	return utilnet.IsConnectionRefused(err) || apierrors.IsTooManyRequests(err) || apierrors.IsInternalError(err) ||
		apierrors.IsServiceUnavailable(err) || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err)
}

// Name is the watched ConfigMap's name.
func (w *ConfigMapWatcher) Name() string { return w.cfg.Name }

// Start runs the informer until ctx ends.
func (w *ConfigMapWatcher) Start(ctx context.Context) error {
	if !w.started.CompareAndSwap(false, true) {
		return errors.New("ha: ConfigMap watcher already started")
	}
	w.informer.RunWithContext(ctx)
	return nil
}

// HasSynced reports whether the first list has been delivered to the cache.
func (w *ConfigMapWatcher) HasSynced() bool { return w.informer.HasSynced() }

// Cached is the informer's copy of the ConfigMap (nil if absent). Read only.
func (w *ConfigMapWatcher) Cached() *corev1.ConfigMap {
	obj, ok, err := w.informer.GetStore().GetByKey(w.cfg.Namespace + "/" + w.cfg.Name)
	if err != nil || !ok {
		return nil
	}
	cm, _ := obj.(*corev1.ConfigMap)
	return cm
}

// Watch registers h; a handler registered while the ConfigMap is cached first gets
// OnAdded for it. The returned function unregisters h. Watch may be called before
// or while the watcher runs, not after it stopped.
func (w *ConfigMapWatcher) Watch(h ConfigMapHandler) (unwatch func(), err error) {
	reg, err := w.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if cm, ok := obj.(*corev1.ConfigMap); ok && h.OnAdded != nil {
				h.OnAdded(cm)
			}
		},
		UpdateFunc: func(oldObj, newObj any) {
			o, ok1 := oldObj.(*corev1.ConfigMap)
			n, ok2 := newObj.(*corev1.ConfigMap)
			// A re-list re-delivers unchanged objects; Flink decides "modified" by the
			// resourceVersion.
			if ok1 && ok2 && o.ResourceVersion != n.ResourceVersion && h.OnModified != nil {
				h.OnModified(n)
			}
		},
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if cm, ok := obj.(*corev1.ConfigMap); ok && h.OnDeleted != nil {
				h.OnDeleted(cm)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	return func() { _ = w.informer.RemoveEventHandler(reg) }, nil
}
