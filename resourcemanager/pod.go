package resourcemanager

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// The pod rules of reference §4.5, as pure functions of the pod.

// podTerminated: the pod failed, or any of its containers — sidecars included — has
// terminated. A pod that Succeeded only counts through its container states.
func podTerminated(p *corev1.Pod) bool {
	if p.Status.Phase == corev1.PodFailed {
		return true
	}
	for _, c := range p.Status.ContainerStatuses {
		if c.State.Terminated != nil {
			return true
		}
	}
	return false
}

// podScheduled: the PodScheduled condition is True.
func podScheduled(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// podEventAction is what the driver does with one pod event.
type podEventAction int

const (
	podIgnore podEventAction = iota
	podOnScheduled
	podOnTerminated
)

// classifyPodEvent: a DELETED event, or a terminated pod, takes the terminated path
// (so a pod deleted while Pending is not waited for forever, FLINK-31652); otherwise a
// scheduled pod takes the scheduled path; anything else is ignored.
func classifyPodEvent(typ watch.EventType, p *corev1.Pod) podEventAction {
	switch {
	case typ == watch.Deleted || podTerminated(p):
		return podOnTerminated
	case podScheduled(p):
		return podOnScheduled
	default:
		return podIgnore
	}
}

// podDiagnostics says why a pod counts as terminated: each terminated container with
// exit code, reason and message, and the pod's own reason when it Failed.
func podDiagnostics(p *corev1.Pod) string {
	var parts []string
	for _, c := range p.Status.ContainerStatuses {
		if t := c.State.Terminated; t != nil {
			parts = append(parts, fmt.Sprintf("%s(exitCode=%d, reason=%s, message=%s)", c.Name, t.ExitCode, t.Reason, t.Message))
		}
	}
	out := "Pod terminated, container termination statuses: [" + strings.Join(parts, ",") + "]"
	if p.Status.Phase == corev1.PodFailed {
		out += fmt.Sprintf(", pod status: %s(reason=%s, message=%s)", p.Status.Phase, p.Status.Reason, p.Status.Message)
	}
	return out
}
