package controller

import (
	"context"
	"time"

	"k8s.io/client-go/tools/cache"
)

// SyncPeriod is how often WaitForCacheSync looks at the caches, as client-go's does.
const SyncPeriod = 100 * time.Millisecond

// WaitForCacheSync waits until every cache has synced, or ctx ends (false). It is
// client-go's cache.WaitForCacheSync with one difference that matters in virtual
// time: it looks first after one period, never at once. Whether the caches have
// synced in the instant they start is goroutine order (their first List takes no
// simulated time); looking then would start a controller now in one run and a period
// later in another. A period later they have synced in every run, unless the API
// server holds the List (a partition), and then every run waits alike.
func WaitForCacheSync(ctx context.Context, synced ...cache.InformerSynced) bool {
	t := time.NewTicker(SyncPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
		if allSynced(synced) {
			return true
		}
	}
}

func allSynced(synced []cache.InformerSynced) bool {
	for _, s := range synced {
		if !s() {
			return false
		}
	}
	return true
}
