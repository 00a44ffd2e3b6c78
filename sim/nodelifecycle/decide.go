package nodelifecycle

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Taint keys the controller sets.
const (
	TaintUnreachable = corev1.TaintNodeUnreachable
	TaintNotReady    = corev1.TaintNodeNotReady
)

// NodeHealthy decides from the last lease renewal (or node creation) whether a node's
// kubelet is still reporting.
func NodeHealthy(lastRenew, created, now time.Time, grace time.Duration) bool {
	last := lastRenew
	if last.IsZero() || last.Before(created) {
		last = created
	}
	return now.Sub(last) <= grace
}

// EvictAt decides when a pod on a node with NoExecute taints must be evicted: never
// (zero time, false) when every taint is tolerated without a time limit, now when one
// is not tolerated, else at the earliest end of a limited toleration.
func EvictAt(pod *corev1.Pod, taints []corev1.Taint, now time.Time) (time.Time, bool) {
	var at time.Time
	evict := false
	for _, t := range taints {
		if t.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		tol := tolerationFor(pod, t)
		if tol == nil {
			return now, true
		}
		if tol.TolerationSeconds == nil {
			continue
		}
		added := now
		if t.TimeAdded != nil {
			added = t.TimeAdded.Time
		}
		end := added.Add(time.Duration(*tol.TolerationSeconds) * time.Second)
		if !evict || end.Before(at) {
			at, evict = end, true
		}
	}
	return at, evict
}

func tolerationFor(pod *corev1.Pod, t corev1.Taint) *corev1.Toleration {
	for i := range pod.Spec.Tolerations {
		tol := &pod.Spec.Tolerations[i]
		if (tol.Effect == "" || tol.Effect == t.Effect) &&
			(tol.Key == "" && tol.Operator == corev1.TolerationOpExists || tol.Key == t.Key &&
				(tol.Operator == corev1.TolerationOpExists || tol.Value == t.Value)) {
			return tol
		}
	}
	return nil
}
