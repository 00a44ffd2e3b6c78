package namespace

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodsEstimate(t *testing.T) {
	deleted := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	grace := func(s int64) *int64 { return &s }
	pod := func(phase corev1.PodPhase, g *int64) corev1.Pod {
		return corev1.Pod{Spec: corev1.PodSpec{TerminationGracePeriodSeconds: g}, Status: corev1.PodStatus{Phase: phase}}
	}
	for _, tc := range []struct {
		name    string
		pods    []corev1.Pod
		elapsed time.Duration
		want    int64
	}{
		{"no pods", nil, 0, 0},
		{"the longest grace period", []corev1.Pod{pod(corev1.PodRunning, grace(30)), pod(corev1.PodRunning, grace(60))}, 0, 60},
		{"finished pods do not count", []corev1.Pod{pod(corev1.PodSucceeded, grace(60)), pod(corev1.PodRunning, grace(10))}, 0, 10},
		{"nothing once the grace period has passed", []corev1.Pod{pod(corev1.PodRunning, grace(30))}, 30 * time.Second, 0},
		{"still waiting", []corev1.Pod{pod(corev1.PodRunning, grace(30))}, 29 * time.Second, 30},
	} {
		assert.Equal(t, tc.want, podsEstimate(tc.pods, deleted, deleted.Add(tc.elapsed)), tc.name)
	}
	assert.Equal(t, 16*time.Second, requeueAfter(30))
	assert.Equal(t, time.Second, requeueAfter(0))
}

func TestConditions(t *testing.T) {
	now := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var left leftovers
	left.add(podsGVR, [][]string{{"example.com/hold"}, nil})
	problems := problemConditions(left, []error{errors.New("boom")}, now)
	var status corev1.NamespaceStatus
	assert.True(t, updateConditions(&status, problems, now))
	assert.Len(t, status.Conditions, len(conditionTypes))
	byType := map[corev1.NamespaceConditionType]corev1.NamespaceCondition{}
	for _, c := range status.Conditions {
		byType[c.Type] = c
	}
	assert.Equal(t, "Some resources are remaining: pods. has 2 resource instances", byType[corev1.NamespaceContentRemaining].Message)
	assert.Equal(t, "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances",
		byType[corev1.NamespaceFinalizersRemaining].Message)
	assert.Equal(t, "Failed to delete all resource types, 1 remaining: boom", byType[corev1.NamespaceDeletionContentFailure].Message)
	assert.Equal(t, corev1.ConditionFalse, byType[corev1.NamespaceDeletionDiscoveryFailure].Status)

	assert.False(t, updateConditions(&status, problems, now), "the same problems change nothing")
	later := metav1.NewTime(now.Add(time.Minute))
	assert.True(t, updateConditions(&status, nil, later), "all fine now")
	for _, c := range status.Conditions {
		assert.Equal(t, corev1.ConditionFalse, c.Status, c.Type)
	}
}

func TestFinalizers(t *testing.T) {
	ns := &corev1.Namespace{Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"z.io/x", corev1.FinalizerKubernetes, "a.io/y"}}}
	assert.False(t, finalized(ns))
	assert.Equal(t, []corev1.FinalizerName{"a.io/y", "z.io/x"}, withoutOwnFinalizer(ns))
	assert.True(t, finalized(&corev1.Namespace{}))
	assert.Equal(t, []corev1.FinalizerName{}, withoutOwnFinalizer(&corev1.Namespace{}))
}
