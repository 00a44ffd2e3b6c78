package resourcemanager

import (
	"reflect"
	"testing"
	"time"
)

func TestFailureRater(t *testing.T) {
	t0 := time.Unix(1000, 0)
	for _, tc := range []struct {
		name     string
		max      float64
		events   []time.Duration // after t0
		now      time.Duration
		count    int
		exceeded bool
	}{
		{"none", 10, nil, 0, 0, false},
		{"one of one", 1, []time.Duration{0}, 0, 1, true},
		{"nine of ten", 10, repeat(9, time.Second), 10 * time.Second, 9, false},
		{"ten of ten", 10, repeat(10, time.Second), 10 * time.Second, 10, true},
		{"an event exactly a minute old still counts", 1, []time.Duration{0}, time.Minute, 1, true},
		{"older events drop out", 2, []time.Duration{0, 30 * time.Second}, 61 * time.Second, 1, false},
		{"fractional rate", 1.5, []time.Duration{0, time.Second}, 2 * time.Second, 2, true},
	} {
		r := failureRater{max: tc.max}
		for _, e := range tc.events {
			r.mark(t0.Add(e))
		}
		now := t0.Add(tc.now)
		if got := r.count(now); got != tc.count {
			t.Errorf("%s: count = %d, want %d", tc.name, got, tc.count)
		}
		if got := r.exceeded(now); got != tc.exceeded {
			t.Errorf("%s: exceeded = %v, want %v", tc.name, got, tc.exceeded)
		}
	}
}

func repeat(n int, step time.Duration) []time.Duration {
	var out []time.Duration
	for i := range n {
		out = append(out, time.Duration(i)*step)
	}
	return out
}

func TestPlanRelease(t *testing.T) {
	all := releaseCandidates{
		unwanted:              []ResourceID{"u1"},
		unallocated:           []uint64{7, 5},
		allocatedUnregistered: []ResourceID{"a1"},
		registered:            []ResourceID{"r1", "u1", "r2"},
	}
	for _, tc := range []struct {
		name string
		n    int
		c    releaseCandidates
		want releasePlan
	}{
		{"nothing", 0, all, releasePlan{}},
		{"the unwanted first", 1, all, releasePlan{release: []ResourceID{"u1"}}},
		{"then requests without a pod", 3, all, releasePlan{release: []ResourceID{"u1"}, cancel: []uint64{7, 5}}},
		{"then allocated, unregistered", 4, all, releasePlan{release: []ResourceID{"u1", "a1"}, cancel: []uint64{7, 5}}},
		{"then registered, each worker once", 6, all, releasePlan{release: []ResourceID{"u1", "a1", "r1", "r2"}, cancel: []uint64{7, 5}}},
		{"more than there is", 8, all, releasePlan{release: []ResourceID{"u1", "a1", "r1", "r2"}, cancel: []uint64{7, 5}, remaining: 2}},
		{"no unwanted", 2, releaseCandidates{registered: []ResourceID{"r1", "r2", "r3"}}, releasePlan{release: []ResourceID{"r1", "r2"}}},
	} {
		if got := planRelease(tc.n, tc.c); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: planRelease(%d) = %+v, want %+v", tc.name, tc.n, got, tc.want)
		}
	}
}

func TestDeclarationDelta(t *testing.T) {
	for _, tc := range []struct{ total, needed, want int }{{2, 3, -1}, {4, 3, 1}, {3, 3, 0}, {0, 0, 0}} {
		if got := declarationDelta(tc.total, tc.needed); got != tc.want {
			t.Errorf("declarationDelta(%d, %d) = %d, want %d", tc.total, tc.needed, got, tc.want)
		}
	}
}

func TestBackoffDelay(t *testing.T) {
	initial, max := 50*time.Millisecond, time.Minute
	want := []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
		800 * time.Millisecond, 1600 * time.Millisecond, 3200 * time.Millisecond, 6400 * time.Millisecond,
		12800 * time.Millisecond, 25600 * time.Millisecond, 51200 * time.Millisecond, time.Minute, time.Minute, time.Minute, time.Minute}
	for attempt, w := range want {
		if got := backoffDelay(attempt, initial, max); got != w {
			t.Errorf("backoffDelay(%d) = %v, want %v", attempt, got, w)
		}
	}
	if got := backoffDelay(1000, initial, max); got != max {
		t.Errorf("backoffDelay(1000) = %v, want the cap", got)
	}
}
