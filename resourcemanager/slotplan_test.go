package resourcemanager

import (
	"reflect"
	"testing"
	"time"

	"flinksim/config"
)

var spec2 = WorkerSpec{CPU: 2, TaskHeap: 512 * config.Mebibyte, Network: 128 * config.Mebibyte, Managed: 512 * config.Mebibyte, NumSlots: 2}

func ptr[T any](v T) *T { return &v }

func noLimits() resourceLimits { return resourceLimits{maxSlots: 1 << 30} }

func TestFulfill(t *testing.T) {
	reg := func(instance string, free, total int) tmSlots {
		return tmSlots{instance: InstanceID(instance), free: free, total: total, spec: spec2}
	}
	for _, tc := range []struct {
		name string
		in   fulfillInput
		want fulfillResult
	}{{
		name: "parallelism 4 with 2 slots per TaskManager needs 2 new TaskManagers",
		in:   fulfillInput{needs: []jobNeed{{"job", 4}}},
		want: fulfillResult{onPending: map[int]map[JobID]int{0: {"job": 2}, 1: {"job": 2}}, newPending: []int{0, 1}},
	}, {
		name: "free slots of registered TaskManagers first",
		in:   fulfillInput{needs: []jobNeed{{"job", 3}}, registered: []tmSlots{reg("a", 1, 2), reg("b", 0, 2)}, registeredTotal: capacity{tms: 2, slots: 4}},
		want: fulfillResult{onRegistered: []slotAllocation{{"job", "a", 1}}, onPending: map[int]map[JobID]int{0: {"job": 2}}, newPending: []int{0}},
	}, {
		name: "then pending TaskManagers",
		in:   fulfillInput{needs: []jobNeed{{"job", 3}}, pending: []int{5}, pendingTotal: capacity{tms: 1, slots: 2}, nextPendingID: 6},
		want: fulfillResult{onPending: map[int]map[JobID]int{5: {"job": 2}, 6: {"job": 1}}, newPending: []int{6}},
	}, {
		name: "a new TaskManager's free slots serve the next job",
		in:   fulfillInput{needs: []jobNeed{{"a", 1}, {"b", 1}}},
		want: fulfillResult{onPending: map[int]map[JobID]int{0: {"a": 1, "b": 1}}, newPending: []int{0}},
	}, {
		name: "redundant TaskManagers are added without slots",
		in:   fulfillInput{needs: []jobNeed{{"job", 1}}, required: requiredResources{redundantSlots: 2}},
		want: fulfillResult{onPending: map[int]map[JobID]int{0: {"job": 1}}, newPending: []int{0, 1}},
	}, {
		name: "a pending TaskManager counts as redundancy, so a Pending pod is not requested again (FLINK-31498)",
		in: fulfillInput{needs: []jobNeed{{"job", 2}}, registered: []tmSlots{reg("a", 2, 2)}, registeredTotal: capacity{tms: 1, slots: 2},
			pending: []int{3}, pendingTotal: capacity{tms: 1, slots: 2}, required: requiredResources{redundantSlots: 2}, nextPendingID: 4},
		want: fulfillResult{onRegistered: []slotAllocation{{"job", "a", 2}}, onPending: map[int]map[JobID]int{}},
	}, {
		name: "slotmanager.number-of-slots.min",
		in:   fulfillInput{needs: []jobNeed{{"job", 1}}, required: requiredResources{limits: resourceLimits{minSlots: 5, maxSlots: 100}}},
		want: fulfillResult{onPending: map[int]map[JobID]int{0: {"job": 1}}, newPending: []int{0, 1, 2}},
	}, {
		name: "slotmanager.min-total-resource.cpu",
		in:   fulfillInput{needs: []jobNeed{{"job", 1}}, required: requiredResources{limits: resourceLimits{minCPU: ptr(5.0), maxSlots: 100}}},
		want: fulfillResult{onPending: map[int]map[JobID]int{0: {"job": 1}}, newPending: []int{0, 1, 2}},
	}, {
		name: "least utilization spreads slots (taskmanager.load-balance.mode: SLOTS)",
		in: fulfillInput{needs: []jobNeed{{"job", 2}}, leastUtilization: true,
			registered: []tmSlots{reg("a", 1, 2), reg("b", 2, 2), reg("c", 2, 2)}, registeredTotal: capacity{tms: 3, slots: 6}},
		want: fulfillResult{onRegistered: []slotAllocation{{"job", "b", 1}, {"job", "c", 1}}, onPending: map[int]map[JobID]int{}},
	}} {
		tc.in.defaultSpec = spec2
		if tc.in.required.limits.maxSlots == 0 {
			tc.in.required.limits = noLimits()
		}
		if got := fulfill(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestReconcile(t *testing.T) {
	now := time.Unix(10000, 0)
	timeout := 30 * time.Second
	idle := func(instance string, since time.Duration) tmIdleView {
		return tmIdleView{instance: InstanceID(instance), idle: true, idleSince: now.Add(-since), free: 2, spec: spec2}
	}
	busy := tmIdleView{instance: "busy", free: 0, spec: spec2}
	for _, tc := range []struct {
		name       string
		registered []tmIdleView
		pending    []pendingView
		required   requiredResources
		want       reconcileResult
	}{
		{name: "nothing", want: reconcileResult{}},
		{name: "idle for the timeout: released", registered: []tmIdleView{busy, idle("a", timeout)},
			want: reconcileResult{release: []InstanceID{"a"}}},
		{name: "idle for less: kept", registered: []tmIdleView{idle("a", timeout-time.Millisecond)}},
		{name: "kept for redundancy", registered: []tmIdleView{idle("a", time.Hour), idle("b", time.Hour)},
			required: requiredResources{redundantSlots: 2}, want: reconcileResult{release: []InstanceID{"b"}}},
		{name: "kept for the minimum", registered: []tmIdleView{idle("a", time.Hour), idle("b", time.Hour)},
			required: requiredResources{limits: resourceLimits{minSlots: 3, maxSlots: 10}}},
		{name: "pending without planned slots: dropped", pending: []pendingView{{id: 1, spec: spec2}, {id: 2, planned: 1, spec: spec2}},
			want: reconcileResult{releasePending: []int{1}}},
		{name: "a pending TaskManager is redundancy enough (FLINK-31498)", pending: []pendingView{{id: 1, spec: spec2}},
			required: requiredResources{redundantSlots: 2}},
		{name: "the unused part of a pending TaskManager counts", pending: []pendingView{{id: 1, planned: 1, spec: spec2}},
			required: requiredResources{redundantSlots: 1}},
		{name: "not enough: allocate", registered: []tmIdleView{busy},
			required: requiredResources{redundantSlots: 4}, want: reconcileResult{allocate: 2}},
	} {
		if tc.required.limits.maxSlots == 0 {
			tc.required.limits = noLimits()
		}
		got := reconcile(tc.registered, tc.pending, now, timeout, tc.required, spec2)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
		if got.changes() != tc.want.changes() {
			t.Errorf("%s: changes() = %v", tc.name, got.changes())
		}
	}
}

func TestResourceLimits(t *testing.T) {
	l := resourceLimits{minSlots: 2, maxSlots: 4}
	if l.minFulfilled(capacity{slots: 1}) || !l.minFulfilled(capacity{slots: 2}) {
		t.Error("min slots")
	}
	if l.exceedsMax(capacity{slots: 4}) || !l.exceedsMax(capacity{slots: 5}) {
		t.Error("max slots")
	}
	l = resourceLimits{maxSlots: 100, maxCPU: ptr(4.0), maxMem: ptr(int64(1000))}
	if !l.exceedsMax(capacity{cpu: 4.5}) || !l.exceedsMax(capacity{mem: 1001}) || l.exceedsMax(capacity{slots: 100, cpu: 4, mem: 1000}) {
		t.Error("explicit max cpu/memory replace the slot bound")
	}
}

func TestDeclarations(t *testing.T) {
	other := WorkerSpec{CPU: 1, NumSlots: 1}
	got := declarations(spec2, []declaredWorker{
		{spec: spec2, id: "a"}, {spec: spec2, id: "b", unwanted: true}, {spec: spec2}, {spec: other, id: "c"},
	})
	want := []resourceDeclaration{{spec: other, needed: 1}, {spec: spec2, needed: 2, unwanted: []ResourceID{"b"}}}
	if other.String() > spec2.String() {
		want[0], want[1] = want[1], want[0]
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("declarations\n got %+v\nwant %+v", got, want)
	}
	if got := declarations(spec2, nil); !reflect.DeepEqual(got, []resourceDeclaration{{spec: spec2}}) {
		t.Errorf("with nothing, the default spec is declared with 0 workers: %+v", got)
	}
}
