package controller

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

func TestWaitForCacheSyncLooksFirstAfterOnePeriod(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if !WaitForCacheSync(context.Background(), func() bool { return true }) {
			t.Fatal("synced caches: want true")
		}
		if d := time.Since(start); d != SyncPeriod {
			t.Fatalf("returned after %v, want exactly one period (%v) even for caches synced at once", d, SyncPeriod)
		}
	})
}

func TestWaitForCacheSyncWaitsForTheSlowestCache(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		late := func() bool { return time.Since(start) >= 250*time.Millisecond }
		if !WaitForCacheSync(context.Background(), func() bool { return true }, late) {
			t.Fatal("want true")
		}
		if d := time.Since(start); d != 300*time.Millisecond {
			t.Fatalf("returned after %v, want 300ms: the first look after the slow cache synced at 250ms", d)
		}
	})
}

func TestWaitForCacheSyncGivesUpWhenTheContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if WaitForCacheSync(ctx, func() bool { return false }) {
			t.Fatal("a cache that never syncs: want false")
		}
	})
}
