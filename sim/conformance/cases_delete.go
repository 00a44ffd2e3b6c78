package conformance

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// deleteCases: what the API server itself does on delete — finalizers, preconditions,
// graceful pod deletion, and the finalizers that propagation policies add. What the
// garbage collector does afterwards is in gcCases.
func deleteCases() []Case {
	return []Case{
		{Name: "delete/finalizer-keeps-object-with-deletionTimestamp-until-removed", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			_, err := cms.Create(t.Context(), withFinalizer(configMap("held", nil)), metav1.CreateOptions{})
			require.NoError(t, err)
			require.NoError(t, cms.Delete(t.Context(), "held", metav1.DeleteOptions{}))

			cm, err := cms.Get(t.Context(), "held", metav1.GetOptions{})
			require.NoError(t, err, "a finalizer keeps the object")
			assert.NotNil(t, cm.DeletionTimestamp)
			assert.Equal(t, ptr(int64(0)), cm.DeletionGracePeriodSeconds)

			cm.Finalizers = nil
			_, err = cms.Update(t.Context(), cm, metav1.UpdateOptions{})
			require.NoError(t, err)
			_, err = cms.Get(t.Context(), "held", metav1.GetOptions{})
			requireError(t, err, notFound)
		}},
		{Name: "delete/no-new-finalizers-while-deleting", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			_, err := cms.Create(t.Context(), withFinalizer(configMap("closing", nil)), metav1.CreateOptions{})
			require.NoError(t, err)
			t.Cleanup(func() { removeFinalizers(t, env, env.Namespace, "closing") })
			require.NoError(t, cms.Delete(t.Context(), "closing", metav1.DeleteOptions{}))
			_, err = cms.Patch(t.Context(), "closing", types.MergePatchType,
				[]byte(`{"metadata":{"finalizers":["`+testFinalizer+`","example.com/late"]}}`), metav1.PatchOptions{})
			requireError(t, err, invalid,
				`metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/late"}`)
		}},
		{Name: "delete/deletionTimestamp-cannot-be-set-by-update", Run: func(t *testing.T, env *Env) {
			// Only a delete sets deletionTimestamp; an update that sets it is rejected.
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			cm, err := cms.Create(t.Context(), configMap("not-deleting", nil), metav1.CreateOptions{})
			require.NoError(t, err)
			now := metav1.Now()
			cm.DeletionTimestamp = &now
			_, err = cms.Update(t.Context(), cm, metav1.UpdateOptions{})
			requireError(t, err, invalid, `ConfigMap "not-deleting" is invalid: metadata.deletionTimestamp: Invalid value: "`, `": field is immutable`)
		}},
		{Name: "delete/precondition-uid-mismatch-is-Conflict", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			cm, err := cms.Create(t.Context(), configMap("pre-uid", nil), metav1.CreateOptions{})
			require.NoError(t, err)
			wrong := types.UID("00000000-0000-0000-0000-000000000001")
			err = cms.Delete(t.Context(), "pre-uid", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &wrong}})
			// Worded with the Kind (not the resource, unlike an update conflict).
			requireError(t, err, conflict,
				`Operation cannot be fulfilled on ConfigMap "pre-uid": the UID in the precondition (`+string(wrong)+
					`) does not match the UID in record (`+string(cm.UID)+`). The object might have been deleted and then recreated`)
			require.NoError(t, cms.Delete(t.Context(), "pre-uid", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &cm.UID}}))
		}},
		{Name: "delete/precondition-resourceVersion-mismatch-is-Conflict", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			cm, err := cms.Create(t.Context(), configMap("pre-rv", map[string]string{"k": "1"}), metav1.CreateOptions{})
			require.NoError(t, err)
			old := cm.ResourceVersion
			cm.Data["k"] = "2"
			cm, err = cms.Update(t.Context(), cm, metav1.UpdateOptions{})
			require.NoError(t, err)
			err = cms.Delete(t.Context(), "pre-rv", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: &old}})
			requireError(t, err, conflict,
				`Operation cannot be fulfilled on ConfigMap "pre-rv": the ResourceVersion in the precondition (`+old+
					`) does not match the ResourceVersion in record (`+cm.ResourceVersion+`). The object might have been modified`)
		}},
		{Name: "delete/missing-object-is-NotFound", Run: func(t *testing.T, env *Env) {
			err := env.Client.CoreV1().ConfigMaps(env.Namespace).Delete(t.Context(), "ghost", metav1.DeleteOptions{})
			requireError(t, err, notFound, `configmaps "ghost" not found`)
		}},
		{Name: "delete/unscheduled-pod-is-removed-at-once", Run: func(t *testing.T, env *Env) {
			pods := env.Client.CoreV1().Pods(env.Namespace)
			_, err := pods.Create(t.Context(), pod("never-scheduled"), metav1.CreateOptions{})
			require.NoError(t, err)
			require.NoError(t, pods.Delete(t.Context(), "never-scheduled", metav1.DeleteOptions{}))
			_, err = pods.Get(t.Context(), "never-scheduled", metav1.GetOptions{})
			requireError(t, err, notFound) // a pod no kubelet runs needs no grace period
		}},
		{Name: "delete/scheduled-pod-waits-for-its-grace-period", Run: func(t *testing.T, env *Env) {
			pods := env.Client.CoreV1().Pods(env.Namespace)
			p := pod("scheduled")
			p.Spec.NodeName = absentNode(env, "a")
			_, err := pods.Create(t.Context(), p, metav1.CreateOptions{})
			require.NoError(t, err)
			require.NoError(t, pods.Delete(t.Context(), "scheduled", metav1.DeleteOptions{}))
			got, err := pods.Get(t.Context(), "scheduled", metav1.GetOptions{})
			require.NoError(t, err, "the kubelet finishes a bound pod's deletion")
			assert.NotNil(t, got.DeletionTimestamp)
			assert.Equal(t, ptr(int64(30)), got.DeletionGracePeriodSeconds, "terminationGracePeriodSeconds defaults to 30")

			require.NoError(t, pods.Delete(t.Context(), "scheduled", metav1.DeleteOptions{GracePeriodSeconds: ptr(int64(0))}))
			_, err = pods.Get(t.Context(), "scheduled", metav1.GetOptions{})
			requireError(t, err, notFound) // grace period 0 removes it at once
		}},
		{Name: "delete/bound-pod-with-grace-0-is-written-then-removed", Run: func(t *testing.T, env *Env) {
			// Pods delete gracefully even with a grace period of 0 (the pod strategy's
			// CheckGracefulDelete): the registry writes the deletion timestamp, which a
			// watch sees as MODIFIED, and then removes the pod at once.
			pods := env.Client.CoreV1().Pods(env.Namespace)
			p := pod("forced")
			p.Spec.NodeName = absentNode(env, "b")
			created, err := pods.Create(t.Context(), p, metav1.CreateOptions{})
			require.NoError(t, err)
			w, err := pods.Watch(t.Context(), metav1.ListOptions{FieldSelector: "metadata.name=forced", ResourceVersion: created.ResourceVersion})
			require.NoError(t, err)
			defer w.Stop()
			require.NoError(t, pods.Delete(t.Context(), "forced", metav1.DeleteOptions{GracePeriodSeconds: ptr(int64(0))}))
			ev := nextEvent(t, w)
			require.Equal(t, watch.Modified, ev.Type, "the deletion writes the pod first: %s", eventSummary(ev))
			written := ev.Object.(*corev1.Pod)
			assert.NotNil(t, written.DeletionTimestamp)
			assert.Equal(t, ptr(int64(0)), written.DeletionGracePeriodSeconds)
			ev = nextEvent(t, w)
			require.Equal(t, watch.Deleted, ev.Type, "then removes it: %s", eventSummary(ev))
		}},
		{Name: "delete/foreground-adds-foregroundDeletion-finalizer", Run: func(t *testing.T, env *Env) {
			got := deletedState(t, env, "fg-owner", metav1.DeletePropagationForeground)
			assert.NotNil(t, got.DeletionTimestamp)
			assert.Contains(t, got.Finalizers, metav1.FinalizerDeleteDependents)
		}},
		{Name: "delete/orphan-adds-orphan-finalizer", Run: func(t *testing.T, env *Env) {
			got := deletedState(t, env, "orphan-owner", metav1.DeletePropagationOrphan)
			assert.NotNil(t, got.DeletionTimestamp)
			assert.Contains(t, got.Finalizers, metav1.FinalizerOrphanDependents)
		}},
		{Name: "delete/invalid-propagation-policy-is-Invalid", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			_, err := cms.Create(t.Context(), configMap("bad-policy", nil), metav1.CreateOptions{})
			require.NoError(t, err)
			err = cms.Delete(t.Context(), "bad-policy", metav1.DeleteOptions{PropagationPolicy: ptr(metav1.DeletionPropagation("Sometimes"))})
			requireError(t, err, invalid,
				`DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sometimes": supported values: "Foreground", "Background", "Orphan", "nil"`)
		}},
	}
}

// deletedState deletes a ConfigMap name (created with a finalizer of the case's own, which
// keeps it) with policy, and returns the state the deletion wrote, as a watch sees it: a
// garbage collector may finish its part (drop the policy's finalizer) right after.
func deletedState(t *testing.T, env *Env, name string, policy metav1.DeletionPropagation) *corev1.ConfigMap {
	t.Helper()
	cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
	cm, err := cms.Create(t.Context(), withFinalizer(configMap(name, nil)), metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { removeFinalizers(t, env, env.Namespace, name) })
	w, err := cms.Watch(t.Context(), metav1.ListOptions{FieldSelector: "metadata.name=" + name, ResourceVersion: cm.ResourceVersion})
	require.NoError(t, err)
	defer w.Stop()
	require.NoError(t, cms.Delete(t.Context(), name, metav1.DeleteOptions{PropagationPolicy: &policy}))
	ev := nextEvent(t, w)
	require.Equal(t, watch.Modified, ev.Type, "the deletion writes the object: %s", eventSummary(ev))
	return ev.Object.(*corev1.ConfigMap)
}
