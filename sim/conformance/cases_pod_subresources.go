package conformance

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podSubresourceCases: pods/status, pods/binding and pods/eviction.
func podSubresourceCases() []Case {
	return []Case{
		{Name: "pod/status-update-ignores-spec", Run: func(t *testing.T, env *Env) {
			pods := env.Client.CoreV1().Pods(env.Namespace)
			p, err := pods.Create(t.Context(), pod("status"), metav1.CreateOptions{})
			require.NoError(t, err)
			p.Status.Phase = corev1.PodRunning
			p.Status.PodIP = "10.244.0.7"
			p.Spec.Containers[0].Image = "busybox:1.37"
			got, err := pods.UpdateStatus(t.Context(), p, metav1.UpdateOptions{})
			require.NoError(t, err)
			assert.Equal(t, corev1.PodRunning, got.Status.Phase)
			assert.Equal(t, "10.244.0.7", got.Status.PodIP)
			assert.Equal(t, "busybox:1.36", got.Spec.Containers[0].Image, "the status subresource ignores spec")
			assert.Equal(t, int64(1), got.Generation)
		}},
		{Name: "pod/status-update-keeps-ownerReferences-but-applies-labels", Run: func(t *testing.T, env *Env) {
			// pods/status writes metadata too, except ownerReferences (old kubelets
			// corrupted them). Deployments/status, by contrast, keeps labels.
			owner := createOwner(t, env, "pod-owner")
			pods := env.Client.CoreV1().Pods(env.Namespace)
			in := pod("status-meta")
			in.OwnerReferences = []metav1.OwnerReference{ownerRef(owner)}
			p, err := pods.Create(t.Context(), in, metav1.CreateOptions{})
			require.NoError(t, err)
			p.Labels = map[string]string{"via": "status"}
			p.OwnerReferences = nil
			got, err := pods.UpdateStatus(t.Context(), p, metav1.UpdateOptions{})
			require.NoError(t, err)
			assert.Equal(t, map[string]string{"via": "status"}, got.Labels)
			assert.Equal(t, []metav1.OwnerReference{ownerRef(owner)}, got.OwnerReferences)
		}},
		{Name: "pod/update-ignores-status", Run: func(t *testing.T, env *Env) {
			pods := env.Client.CoreV1().Pods(env.Namespace)
			p, err := pods.Create(t.Context(), pod("main-resource"), metav1.CreateOptions{})
			require.NoError(t, err)
			p.Status.Phase = corev1.PodSucceeded
			p.Labels = map[string]string{"changed": "yes"}
			got, err := pods.Update(t.Context(), p, metav1.UpdateOptions{})
			require.NoError(t, err)
			assert.Equal(t, corev1.PodPending, got.Status.Phase, "the main resource ignores status")
			assert.Equal(t, "yes", got.Labels["changed"])
		}},
		{Name: "pod/bind-sets-nodeName-and-PodScheduled", Run: func(t *testing.T, env *Env) {
			pods := env.Client.CoreV1().Pods(env.Namespace)
			p, err := pods.Create(t.Context(), pod("bind-me"), metav1.CreateOptions{})
			require.NoError(t, err)
			// The node need not exist: binding is only a write of spec.nodeName.
			require.NoError(t, pods.Bind(t.Context(), binding(p, absentNode(env, "a")), metav1.CreateOptions{}))
			got, err := pods.Get(t.Context(), p.Name, metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, absentNode(env, "a"), got.Spec.NodeName)
			var scheduled *corev1.PodCondition
			for i := range got.Status.Conditions {
				if got.Status.Conditions[i].Type == corev1.PodScheduled {
					scheduled = &got.Status.Conditions[i]
				}
			}
			if assert.NotNil(t, scheduled, "binding adds the PodScheduled condition") {
				assert.Equal(t, corev1.ConditionTrue, scheduled.Status)
			}
		}},
		{Name: "pod/bind-of-bound-pod-is-Conflict", Run: func(t *testing.T, env *Env) {
			pods := env.Client.CoreV1().Pods(env.Namespace)
			p, err := pods.Create(t.Context(), pod("bound"), metav1.CreateOptions{})
			require.NoError(t, err)
			require.NoError(t, pods.Bind(t.Context(), binding(p, absentNode(env, "a")), metav1.CreateOptions{}))
			err = pods.Bind(t.Context(), binding(p, absentNode(env, "b")), metav1.CreateOptions{})
			requireError(t, err, conflict, `Operation cannot be fulfilled on pods/binding "bound": pod bound is already assigned to node "`+absentNode(env, "a")+`"`)
		}},
		{Name: "pod/bind-of-missing-pod-is-NotFound", Run: func(t *testing.T, env *Env) {
			err := env.Client.CoreV1().Pods(env.Namespace).Bind(t.Context(), binding(pod("ghost"), absentNode(env, "a")), metav1.CreateOptions{})
			requireError(t, err, notFound, `pods "ghost" not found`)
		}},
		{Name: "pod/eviction-deletes-pod-without-disruption-budget", Run: func(t *testing.T, env *Env) {
			pods := env.Client.CoreV1().Pods(env.Namespace)
			p, err := pods.Create(t.Context(), pod("evictee"), metav1.CreateOptions{})
			require.NoError(t, err)
			require.NoError(t, pods.EvictV1(t.Context(), &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: env.Namespace}}))
			_, err = pods.Get(t.Context(), p.Name, metav1.GetOptions{})
			requireError(t, err, notFound) // an evicted pod no kubelet runs is gone at once
		}},
		{Name: "pod/eviction-of-missing-pod-is-NotFound", Run: func(t *testing.T, env *Env) {
			err := env.Client.CoreV1().Pods(env.Namespace).EvictV1(t.Context(),
				&policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "ghost", Namespace: env.Namespace}})
			requireError(t, err, notFound, `pods "ghost" not found`)
		}},
	}
}

// binding targets pod p at node.
func binding(p *corev1.Pod, node string) *corev1.Binding {
	return &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace},
		Target:     corev1.ObjectReference{Kind: "Node", Name: node},
	}
}
