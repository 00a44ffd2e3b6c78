package nodelifecycle_test

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/sim/nodelifecycle"
)

func TestEvictAt(t *testing.T) {
	added := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	now := added.Add(10 * time.Second)
	secs := func(s int64) *int64 { return &s }
	unreachable := []corev1.Taint{
		{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule, TimeAdded: &metav1.Time{Time: added}},
		{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &metav1.Time{Time: added}},
	}
	defaults := []corev1.Toleration{
		{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: secs(300)},
		{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: secs(300)},
	}
	for _, tc := range []struct {
		name        string
		taints      []corev1.Taint
		tolerations []corev1.Toleration
		evict       bool
		at          time.Time
	}{
		{"no NoExecute taint: stays", unreachable[:1], nil, false, time.Time{}},
		{"untolerated NoExecute taint: now", unreachable, nil, true, now},
		{"the admission defaults: 300 s after the taint", unreachable, defaults, true, added.Add(300 * time.Second)},
		{"an own shorter toleration wins over nothing else",
			unreachable, []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: secs(30)}},
			true, added.Add(30 * time.Second)},
		{"tolerated without a limit: stays",
			unreachable, []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists}}, false, time.Time{}},
		{"tolerate everything: stays", unreachable, []corev1.Toleration{{Operator: corev1.TolerationOpExists}}, false, time.Time{}},
		{"zero seconds: at the taint", unreachable,
			[]corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: secs(0)}},
			true, added},
		{"a toleration of another value does not match", []corev1.Taint{{Key: "dedicated", Value: "flink", Effect: corev1.TaintEffectNoExecute}},
			[]corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "spark", Effect: corev1.TaintEffectNoExecute}}, true, now},
		{"a taint without a time counts from now", []corev1.Taint{{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}},
			defaults, true, now.Add(300 * time.Second)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pod := &corev1.Pod{Spec: corev1.PodSpec{Tolerations: tc.tolerations}}
			at, evict := nodelifecycle.EvictAt(pod, tc.taints, now)
			if evict != tc.evict || !at.Equal(tc.at) {
				t.Fatalf("EvictAt = %v, %v; want %v, %v", at, evict, tc.at, tc.evict)
			}
		})
	}
}

func TestNodeHealthy(t *testing.T) {
	created := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		renew time.Time
		now   time.Time
		want  bool
	}{
		{"never renewed, young", time.Time{}, created.Add(30 * time.Second), true},
		{"never renewed, past the grace period", time.Time{}, created.Add(51 * time.Second), false},
		{"renewed recently", created.Add(100 * time.Second), created.Add(140 * time.Second), true},
		{"renewal older than the grace period", created.Add(100 * time.Second), created.Add(151 * time.Second), false},
	} {
		if got := nodelifecycle.NodeHealthy(tc.renew, created, tc.now, 50*time.Second); got != tc.want {
			t.Errorf("%s: NodeHealthy = %v, want %v", tc.name, got, tc.want)
		}
	}
}
