package gc

import (
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestDecideFollowsTheRealCollector(t *testing.T) {
	ref := func(uid string) metav1.OwnerReference {
		return metav1.OwnerReference{APIVersion: "apps/v1", Kind: "Deployment", Name: uid, UID: types.UID(uid)}
	}
	for _, tc := range []struct {
		name          string
		owners        []metav1.OwnerReference
		states        map[types.UID]OwnerState
		finalizers    []string
		hasDependents bool
		want          Verdict
	}{
		{name: "no owners: not the collector's business",
			want: Verdict{}},
		{name: "live owner: stays",
			owners: []metav1.OwnerReference{ref("a")}, states: map[types.UID]OwnerState{"a": OwnerAlive},
			want: Verdict{}},
		{name: "owner gone: deleted in the background",
			owners: []metav1.OwnerReference{ref("a")}, states: map[types.UID]OwnerState{"a": OwnerAbsent},
			want: Verdict{Delete: metav1.DeletePropagationBackground}},
		{name: "one live owner of two: stays and drops the absent one",
			owners: []metav1.OwnerReference{ref("a"), ref("b")}, states: map[types.UID]OwnerState{"a": OwnerAbsent, "b": OwnerAlive},
			want: Verdict{DropOwners: []types.UID{"a"}}},
		{name: "live owner and one waiting for its dependents: stays and drops the waiting one",
			owners: []metav1.OwnerReference{ref("a"), ref("b")}, states: map[types.UID]OwnerState{"a": OwnerWaiting, "b": OwnerAlive},
			want: Verdict{DropOwners: []types.UID{"a"}}},
		{name: "owner waits, dependent has dependents: deleted in the foreground",
			owners: []metav1.OwnerReference{ref("a")}, states: map[types.UID]OwnerState{"a": OwnerWaiting}, hasDependents: true,
			want: Verdict{Delete: metav1.DeletePropagationForeground}},
		{name: "owner waits, dependent is a leaf: deleted in the background",
			owners: []metav1.OwnerReference{ref("a")}, states: map[types.UID]OwnerState{"a": OwnerWaiting},
			want: Verdict{Delete: metav1.DeletePropagationBackground}},
		{name: "owner gone, dependent asks to orphan its own dependents",
			owners: []metav1.OwnerReference{ref("a")}, states: map[types.UID]OwnerState{"a": OwnerAbsent}, finalizers: []string{metav1.FinalizerOrphanDependents}, hasDependents: true,
			want: Verdict{Delete: metav1.DeletePropagationOrphan}},
		{name: "owner gone, dependent asks for foreground deletion",
			owners: []metav1.OwnerReference{ref("a")}, states: map[types.UID]OwnerState{"a": OwnerAbsent}, finalizers: []string{metav1.FinalizerDeleteDependents},
			want: Verdict{Delete: metav1.DeletePropagationForeground}},
		{name: "unresolvable owner: kept, as the collector cannot tell",
			owners: []metav1.OwnerReference{ref("a")}, states: map[types.UID]OwnerState{"a": OwnerUnresolvable},
			want: Verdict{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Decide(tc.owners, tc.states, tc.finalizers, tc.hasDependents)
			if got.Delete != tc.want.Delete || !slices.Equal(got.DropOwners, tc.want.DropOwners) {
				t.Errorf("Decide = %+v, want %+v", got, tc.want)
			}
		})
	}
}
