package resourcemanager

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/watch"
)

func podWith(phase corev1.PodPhase, scheduled bool, states ...corev1.ContainerState) *corev1.Pod {
	p := &corev1.Pod{Status: corev1.PodStatus{Phase: phase}}
	if scheduled {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}}
	}
	for i, s := range states {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{Name: []string{"sidecar", "flink-main-container"}[i%2], State: s})
	}
	return p
}

var (
	running    = corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	terminated = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled", Message: "out of memory"}}
	waiting    = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
)

// The pod rules of reference §4.5, and KubernetesPodTest.
func TestPodEventRules(t *testing.T) {
	unscheduled := &corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending,
		Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable"}}}}
	for _, tc := range []struct {
		name       string
		typ        watch.EventType
		pod        *corev1.Pod
		terminated bool
		scheduled  bool
		action     podEventAction
	}{
		{"pending, not scheduled", watch.Added, podWith(corev1.PodPending, false), false, false, podIgnore},
		{"unschedulable", watch.Modified, unscheduled, false, false, podIgnore},
		{"scheduled, containers creating", watch.Modified, podWith(corev1.PodPending, true, waiting), false, true, podOnScheduled},
		{"scheduled, running (ADDED on a re-watch)", watch.Added, podWith(corev1.PodRunning, true, running), false, true, podOnScheduled},
		// KubernetesPodTest testIsTerminatedShouldReturnTrueWhenPodFailed.
		{"failed without container statuses", watch.Modified, podWith(corev1.PodFailed, true), true, true, podOnTerminated},
		{"main container terminated", watch.Modified, podWith(corev1.PodRunning, true, running, terminated), true, true, podOnTerminated},
		{"sidecar terminated, main running", watch.Modified, podWith(corev1.PodRunning, true, terminated, running), true, true, podOnTerminated},
		{"succeeded counts only through container states", watch.Modified, podWith(corev1.PodSucceeded, true), false, true, podOnScheduled},
		{"deleted while pending (FLINK-31652)", watch.Deleted, podWith(corev1.PodPending, false), false, false, podOnTerminated},
		{"deleted while running", watch.Deleted, podWith(corev1.PodRunning, true, running), false, true, podOnTerminated},
		{"error event with a terminated pod", watch.Error, podWith(corev1.PodFailed, true), true, true, podOnTerminated},
	} {
		if got := podTerminated(tc.pod); got != tc.terminated {
			t.Errorf("%s: terminated = %v, want %v", tc.name, got, tc.terminated)
		}
		if got := podScheduled(tc.pod); got != tc.scheduled {
			t.Errorf("%s: scheduled = %v, want %v", tc.name, got, tc.scheduled)
		}
		if got := classifyPodEvent(tc.typ, tc.pod); got != tc.action {
			t.Errorf("%s: action = %v, want %v", tc.name, got, tc.action)
		}
	}
}

func TestPodDiagnostics(t *testing.T) {
	p := podWith(corev1.PodFailed, true, terminated, running)
	p.Status.Reason, p.Status.Message = "Evicted", "The node was low on resource: memory."
	want := "Pod terminated, container termination statuses: [sidecar(exitCode=137, reason=OOMKilled, message=out of memory)], " +
		"pod status: Failed(reason=Evicted, message=The node was low on resource: memory.)"
	if got := podDiagnostics(p); got != want {
		t.Errorf("diagnostics\n got %s\nwant %s", got, want)
	}
	if got := podDiagnostics(podWith(corev1.PodPending, false)); got != "Pod terminated, container termination statuses: []" {
		t.Errorf("diagnostics of a deleted pending pod: %s", got)
	}
}
