package controller

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Loop runs a reconcile function for string keys (namespace/name) taken from a rate
// limited queue, with the given number of workers, until the context ends.
type Loop struct {
	Name      string
	Workers   int
	Reconcile func(ctx context.Context, key string) error
	Log       *slog.Logger

	once  sync.Once
	queue workqueue.TypedRateLimitingInterface[string]
}

func (l *Loop) q() workqueue.TypedRateLimitingInterface[string] {
	l.once.Do(func() {
		l.queue = workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](10*time.Millisecond, 30*time.Second),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: l.Name})
	})
	return l.queue
}

// Enqueue schedules key for reconciliation.
func (l *Loop) Enqueue(key string) { l.q().Add(key) }

// EnqueueAfter schedules key for reconciliation after d.
func (l *Loop) EnqueueAfter(key string, d time.Duration) { l.q().AddAfter(key, d) }

// EnqueueObject schedules the object's namespace/name key.
func (l *Loop) EnqueueObject(obj interface{}) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		l.Enqueue(key)
	}
}

// Run processes the queue until ctx ends, after the given caches have synced.
func (l *Loop) Run(ctx context.Context, synced ...cache.InformerSynced) error {
	q := l.q()
	defer q.ShutDown()
	if !WaitForCacheSync(ctx, synced...) {
		return nil
	}
	workers := l.Workers
	if workers <= 0 {
		workers = 1
	}
	log := l.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				key, shutdown := q.Get()
				if shutdown {
					return
				}
				if err := l.Reconcile(ctx, key); err != nil && ctx.Err() == nil {
					log.Debug("retrying", "controller", l.Name, "key", key, "err", err)
					q.AddRateLimited(key)
				} else {
					q.Forget(key)
				}
				q.Done(key)
			}
		}()
	}
	<-ctx.Done()
	q.ShutDown()
	wg.Wait()
	return nil
}
