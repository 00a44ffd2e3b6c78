package gc

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// OwnerState is what the collector found out about one owner reference.
type OwnerState int

const (
	// OwnerAlive: an object with the reference's kind, name and UID exists.
	OwnerAlive OwnerState = iota
	// OwnerAbsent: no such object (not found, or found with another UID).
	OwnerAbsent
	// OwnerWaiting: the owner is being deleted in the foreground and waits for its dependents.
	OwnerWaiting
	// OwnerUnresolvable: the reference cannot be resolved (unknown kind, or a namespaced
	// owner of a cluster-scoped dependent); such a dependent is never collected for it.
	OwnerUnresolvable
)

// Verdict is what to do with a dependent.
type Verdict struct {
	// Delete the dependent with this propagation policy ("" = keep it).
	Delete metav1.DeletionPropagation
	// DropOwners are references to remove from the dependent, which stays.
	DropOwners []types.UID
}

// Decide is the collector's decision for one dependent given the state of each of
// its owners (by UID), its own finalizers and whether it has dependents of its own. It
// is a pure function of what was observed.
//
// As the real collector: a dependent with a live owner stays and loses its references to
// absent owners and to owners waiting for their dependents; one whose owners are gone or
// waiting is deleted — in the foreground when an owner waits and it has dependents of its
// own (which then go first), otherwise as its own finalizers ask (orphan, foreground) or
// in the background.
func Decide(owners []metav1.OwnerReference, states map[types.UID]OwnerState, finalizers []string, hasDependents bool) Verdict {
	var alive, absent, waiting []types.UID
	for _, o := range owners {
		switch states[o.UID] {
		case OwnerAlive:
			alive = append(alive, o.UID)
		case OwnerAbsent:
			absent = append(absent, o.UID)
		case OwnerWaiting:
			waiting = append(waiting, o.UID)
		case OwnerUnresolvable:
			// Keeps the dependent as if alive: the real collector cannot verify it.
			alive = append(alive, o.UID)
		}
	}
	switch {
	case len(owners) == 0:
		return Verdict{}
	case len(alive) > 0:
		return Verdict{DropOwners: append(absent, waiting...)}
	case len(waiting) > 0 && hasDependents:
		return Verdict{Delete: metav1.DeletePropagationForeground}
	}
	switch {
	case slices.Contains(finalizers, metav1.FinalizerOrphanDependents):
		return Verdict{Delete: metav1.DeletePropagationOrphan}
	case slices.Contains(finalizers, metav1.FinalizerDeleteDependents):
		return Verdict{Delete: metav1.DeletePropagationForeground}
	}
	return Verdict{Delete: metav1.DeletePropagationBackground}
}
