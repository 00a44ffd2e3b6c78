package namespace

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The decisions of the controller, as pure functions of what it observed.

// finalizerEstimateSeconds is how long the controller waits for content held by
// finalizers before it looks again.
const finalizerEstimateSeconds = int64(15)

// podsEstimate is how long the pods of a namespace may still take to terminate: the
// longest grace period of a pod that has not finished, unless that much time has passed
// since the namespace's deletion.
func podsEstimate(pods []corev1.Pod, deletedAt, now time.Time) int64 {
	var estimate int64
	for i := range pods {
		p := &pods[i]
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		if g := p.Spec.TerminationGracePeriodSeconds; g != nil && *g > estimate {
			estimate = *g
		}
	}
	if now.Sub(deletedAt) >= time.Duration(estimate)*time.Second {
		return 0
	}
	return estimate
}

// requeueAfter is when to look again at a namespace whose content needs estimate
// seconds more.
func requeueAfter(estimate int64) time.Duration {
	return time.Duration(estimate/2+1) * time.Second
}

// leftovers is what remained in a namespace after a pass.
type leftovers struct {
	byResource  map[schema.GroupVersionResource]int
	byFinalizer map[string]int
}

func (l *leftovers) add(gvr schema.GroupVersionResource, finalizers [][]string) {
	if len(finalizers) == 0 {
		return
	}
	if l.byResource == nil {
		l.byResource = map[schema.GroupVersionResource]int{}
		l.byFinalizer = map[string]int{}
	}
	l.byResource[gvr] += len(finalizers)
	for _, fs := range finalizers {
		for _, f := range fs {
			l.byFinalizer[f]++
		}
	}
}

var conditionTypes = []corev1.NamespaceConditionType{
	corev1.NamespaceDeletionDiscoveryFailure,
	corev1.NamespaceDeletionGVParsingFailure,
	corev1.NamespaceDeletionContentFailure,
	corev1.NamespaceContentRemaining,
	corev1.NamespaceFinalizersRemaining,
}

var okConditions = map[corev1.NamespaceConditionType][2]string{
	corev1.NamespaceDeletionDiscoveryFailure: {"ResourcesDiscovered", "All resources successfully discovered"},
	corev1.NamespaceDeletionGVParsingFailure: {"ParsedGroupVersions", "All legacy kube types successfully parsed"},
	corev1.NamespaceDeletionContentFailure:   {"ContentDeleted", "All content successfully deleted, may be waiting on finalization"},
	corev1.NamespaceContentRemaining:         {"ContentRemoved", "All content successfully removed"},
	corev1.NamespaceFinalizersRemaining:      {"ContentHasNoFinalizers", "All content-preserving finalizers finished"},
}

// problemConditions are the conditions that report a problem after a pass, worded as
// the real controller words them.
func problemConditions(left leftovers, deleteErrs []error, now metav1.Time) []corev1.NamespaceCondition {
	var out []corev1.NamespaceCondition
	if len(deleteErrs) > 0 {
		msgs := make([]string, 0, len(deleteErrs))
		for _, e := range deleteErrs {
			msgs = append(msgs, e.Error())
		}
		sort.Strings(msgs)
		out = append(out, corev1.NamespaceCondition{
			Type: corev1.NamespaceDeletionContentFailure, Status: corev1.ConditionTrue, LastTransitionTime: now,
			Reason:  "ContentDeletionFailed",
			Message: fmt.Sprintf("Failed to delete all resource types, %d remaining: %v", len(deleteErrs), strings.Join(msgs, ", ")),
		})
	}
	if len(left.byResource) > 0 {
		var rs []string
		for gvr, n := range left.byResource {
			rs = append(rs, fmt.Sprintf("%s.%s has %d resource instances", gvr.Resource, gvr.Group, n))
		}
		sort.Strings(rs)
		out = append(out, corev1.NamespaceCondition{
			Type: corev1.NamespaceContentRemaining, Status: corev1.ConditionTrue, LastTransitionTime: now,
			Reason: "SomeResourcesRemain", Message: "Some resources are remaining: " + strings.Join(rs, ", "),
		})
	}
	if len(left.byFinalizer) > 0 {
		var fs []string
		for f, n := range left.byFinalizer {
			fs = append(fs, fmt.Sprintf("%s in %d resource instances", f, n))
		}
		sort.Strings(fs)
		out = append(out, corev1.NamespaceCondition{
			Type: corev1.NamespaceFinalizersRemaining, Status: corev1.ConditionTrue, LastTransitionTime: now,
			Reason: "SomeFinalizersRemain", Message: "Some content in the namespace has finalizers remaining: " + strings.Join(fs, ", "),
		})
	}
	return out
}

// updateConditions sets every condition the controller maintains: the problems
// reported, the "all fine" variant for the rest. It reports whether anything changed.
func updateConditions(status *corev1.NamespaceStatus, problems []corev1.NamespaceCondition, now metav1.Time) bool {
	changed := false
	for _, typ := range conditionTypes {
		want := corev1.NamespaceCondition{Type: typ, Status: corev1.ConditionFalse, LastTransitionTime: now,
			Reason: okConditions[typ][0], Message: okConditions[typ][1]}
		for _, p := range problems {
			if p.Type == typ {
				want = p
			}
		}
		i := conditionIndex(status.Conditions, typ)
		if i < 0 {
			status.Conditions = append(status.Conditions, want)
			changed = true
			continue
		}
		old := &status.Conditions[i]
		if old.Status == want.Status && old.Reason == want.Reason && old.Message == want.Message {
			continue
		}
		if old.Status != want.Status {
			old.LastTransitionTime = now
		}
		old.Status, old.Reason, old.Message = want.Status, want.Reason, want.Message
		changed = true
	}
	return changed
}

func conditionIndex(conds []corev1.NamespaceCondition, typ corev1.NamespaceConditionType) int {
	for i := range conds {
		if conds[i].Type == typ {
			return i
		}
	}
	return -1
}

// finalized reports whether the controller's own finalizer is gone from the namespace.
func finalized(ns *corev1.Namespace) bool {
	for _, f := range ns.Spec.Finalizers {
		if f == corev1.FinalizerKubernetes {
			return false
		}
	}
	return true
}

// withoutOwnFinalizer is the namespace's spec.finalizers without the controller's own,
// sorted, as the real controller writes them back.
func withoutOwnFinalizer(ns *corev1.Namespace) []corev1.FinalizerName {
	out := []corev1.FinalizerName{}
	seen := map[corev1.FinalizerName]bool{}
	for _, f := range ns.Spec.Finalizers {
		if f != corev1.FinalizerKubernetes && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
