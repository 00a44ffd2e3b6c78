package apiserver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDefaultTolerationSecondsAddsWhatThePodDoesNotTolerate(t *testing.T) {
	secs := func(s int64) *int64 { return &s }
	notReady300 := corev1.Toleration{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: secs(300)}
	unreachable300 := corev1.Toleration{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: secs(300)}
	for _, tc := range []struct {
		name string
		have []corev1.Toleration
		want []corev1.Toleration
	}{
		{"no tolerations: both defaults", nil, []corev1.Toleration{notReady300, unreachable300}},
		{"own unreachable toleration kept, not-ready added",
			[]corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: secs(30)}},
			[]corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: secs(30)}, notReady300}},
		{"a toleration of every taint: nothing added",
			[]corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			[]corev1.Toleration{{Operator: corev1.TolerationOpExists}}},
		{"empty key with NoExecute covers both",
			[]corev1.Toleration{{Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}},
			[]corev1.Toleration{{Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}}},
		{"a NoSchedule toleration of the key does not count",
			[]corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
			[]corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}, notReady300, unreachable300}},
		{"the key with any effect and no time limit counts (the plugin does not look at the operator or seconds)",
			[]corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpEqual, Value: "x"}},
			[]corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpEqual, Value: "x"}, unreachable300}},
		{"other tolerations stay first",
			[]corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "flink", Effect: corev1.TaintEffectNoSchedule}},
			[]corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "flink", Effect: corev1.TaintEffectNoSchedule}, notReady300, unreachable300}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := corev1.PodSpec{Tolerations: tc.have}
			AddDefaultTolerations(&spec)
			assert.Equal(t, tc.want, spec.Tolerations)
		})
	}
}

func TestPodCreateAndUpdateGetTheDefaultTolerations(t *testing.T) {
	_, cs := newServer(t)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
	created, err := cs.CoreV1().Pods("default").Create(t.Context(), pod, metav1.CreateOptions{})
	require.NoError(t, err)
	require.Len(t, created.Spec.Tolerations, 2)
	assert.Equal(t, corev1.TaintNodeNotReady, created.Spec.Tolerations[0].Key)
	assert.Equal(t, corev1.TaintNodeUnreachable, created.Spec.Tolerations[1].Key)
	assert.Equal(t, int64(300), *created.Spec.Tolerations[1].TolerationSeconds)

	// An update that leaves them out gets them back (the plugin runs on update too), so
	// the spec is unchanged and the update is valid.
	created.Spec.Tolerations = nil
	created.Labels = map[string]string{"updated": "yes"}
	updated, err := cs.CoreV1().Pods("default").Update(t.Context(), created, metav1.UpdateOptions{})
	require.NoError(t, err)
	assert.Len(t, updated.Spec.Tolerations, 2)
	assert.Equal(t, created.Generation, updated.Generation, "the spec did not change")

	// Pod templates are not admitted: only pods are.
	labels := map[string]string{"app": "a"}
	d, err := cs.AppsV1().Deployments("default").Create(t.Context(), &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d"},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: pod.Spec}}}, metav1.CreateOptions{})
	require.NoError(t, err)
	assert.Empty(t, d.Spec.Template.Spec.Tolerations)
}
