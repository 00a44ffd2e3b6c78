package apiserver

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// decodeWire gives the times of a request object the precision they have after a trip
// over the wire, which the simulator skips: metav1.Time is RFC 3339 with seconds,
// metav1.MicroTime with microseconds. It covers the time fields of the kinds the
// simulator's clients write; what it misses keeps its full precision.
func decodeWire(obj runtime.Object) {
	if m, err := meta.Accessor(obj); err == nil {
		if mf := m.GetManagedFields(); len(mf) > 0 {
			for i := range mf {
				wireTime(mf[i].Time)
			}
		}
	}
	switch o := obj.(type) {
	case *coordinationv1.Lease:
		wireMicroTime(o.Spec.AcquireTime)
		wireMicroTime(o.Spec.RenewTime)
	case *corev1.Event:
		wireTime(&o.FirstTimestamp)
		wireTime(&o.LastTimestamp)
		wireMicroTime(&o.EventTime)
		if o.Series != nil {
			wireMicroTime(&o.Series.LastObservedTime)
		}
	case *corev1.Pod:
		st := &o.Status
		wireTime(st.StartTime)
		for i := range st.Conditions {
			wireTime(&st.Conditions[i].LastProbeTime)
			wireTime(&st.Conditions[i].LastTransitionTime)
		}
		for _, statuses := range [][]corev1.ContainerStatus{st.InitContainerStatuses, st.ContainerStatuses, st.EphemeralContainerStatuses} {
			for i := range statuses {
				wireContainerState(&statuses[i].State)
				wireContainerState(&statuses[i].LastTerminationState)
			}
		}
	case *corev1.Node:
		for i := range o.Status.Conditions {
			wireTime(&o.Status.Conditions[i].LastHeartbeatTime)
			wireTime(&o.Status.Conditions[i].LastTransitionTime)
		}
	case *corev1.Namespace:
		for i := range o.Status.Conditions {
			wireTime(&o.Status.Conditions[i].LastTransitionTime)
		}
	case *appsv1.Deployment:
		for i := range o.Status.Conditions {
			wireTime(&o.Status.Conditions[i].LastUpdateTime)
			wireTime(&o.Status.Conditions[i].LastTransitionTime)
		}
	case *appsv1.ReplicaSet:
		for i := range o.Status.Conditions {
			wireTime(&o.Status.Conditions[i].LastTransitionTime)
		}
	}
}

func wireContainerState(s *corev1.ContainerState) {
	if s.Running != nil {
		wireTime(&s.Running.StartedAt)
	}
	if s.Terminated != nil {
		wireTime(&s.Terminated.StartedAt)
		wireTime(&s.Terminated.FinishedAt)
	}
}

func wireTime(t *metav1.Time) {
	if t != nil && !t.IsZero() {
		t.Time = t.Time.Truncate(time.Second)
	}
}

func wireMicroTime(t *metav1.MicroTime) {
	if t != nil && !t.IsZero() {
		t.Time = t.Time.Truncate(time.Microsecond)
	}
}
