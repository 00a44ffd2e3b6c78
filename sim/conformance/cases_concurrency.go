package conformance

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// concurrencyCases: optimistic concurrency on update and patch, per kind where the real
// server's rules differ.
func concurrencyCases() []Case {
	return []Case{
		{Name: "update/stale-resourceVersion-is-Conflict", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			stale, err := cms.Create(t.Context(), configMap("occ", map[string]string{"k": "1"}), metav1.CreateOptions{})
			require.NoError(t, err)
			fresh := stale.DeepCopy()
			fresh.Data["k"] = "2"
			_, err = cms.Update(t.Context(), fresh, metav1.UpdateOptions{})
			require.NoError(t, err)

			stale.Data["k"] = "3"
			_, err = cms.Update(t.Context(), stale, metav1.UpdateOptions{})
			requireError(t, err, conflict,
				`Operation cannot be fulfilled on configmaps "occ": the object has been modified; please apply your changes to the latest version and try again`)
		}},
		{Name: "update/without-resourceVersion-is-unconditional-for-configmaps", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			_, err := cms.Create(t.Context(), configMap("blind", map[string]string{"k": "1"}), metav1.CreateOptions{})
			require.NoError(t, err)
			got, err := cms.Update(t.Context(), configMap("blind", map[string]string{"k": "2"}), metav1.UpdateOptions{})
			require.NoError(t, err, "ConfigMaps (like Pods, Secrets, Services, Deployments) allow an update without resourceVersion")
			assert.Equal(t, "2", got.Data["k"])
		}},
		{Name: "update/without-resourceVersion-is-Invalid-for-leases", Run: func(t *testing.T, env *Env) {
			leases := env.Client.CoordinationV1().Leases(env.Namespace)
			_, err := leases.Create(t.Context(), lease("blind", "a"), metav1.CreateOptions{})
			require.NoError(t, err)
			_, err = leases.Update(t.Context(), lease("blind", "b"), metav1.UpdateOptions{})
			requireError(t, err, invalid, `"blind" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update`)
		}},
		{Name: "update/missing-configmap-is-NotFound", Run: func(t *testing.T, env *Env) {
			_, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Update(t.Context(), configMap("ghost", nil), metav1.UpdateOptions{})
			requireError(t, err, notFound, `configmaps "ghost" not found`)
		}},
		{Name: "update/missing-lease-is-created", Run: func(t *testing.T, env *Env) {
			// Leases (like Services, Endpoints and RBAC objects) allow create-on-update.
			got, err := env.Client.CoordinationV1().Leases(env.Namespace).Update(t.Context(), lease("put", "a"), metav1.UpdateOptions{})
			require.NoError(t, err)
			assert.NotEmpty(t, got.UID)
			assert.Equal(t, "a", *got.Spec.HolderIdentity)
		}},
		{Name: "patch/stale-resourceVersion-in-merge-patch-is-Conflict", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			cm, err := cms.Create(t.Context(), configMap("occ-patch", map[string]string{"k": "1"}), metav1.CreateOptions{})
			require.NoError(t, err)
			_, err = cms.Patch(t.Context(), cm.Name, types.MergePatchType, []byte(`{"data":{"k":"2"}}`), metav1.PatchOptions{})
			require.NoError(t, err)
			patch := `{"metadata":{"resourceVersion":"` + cm.ResourceVersion + `"},"data":{"k":"3"}}`
			_, err = cms.Patch(t.Context(), cm.Name, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
			requireError(t, err, conflict, `Operation cannot be fulfilled on configmaps "occ-patch": the object has been modified`)
		}},
		{Name: "update/status-with-stale-resourceVersion-is-Conflict", Run: func(t *testing.T, env *Env) {
			pods := env.Client.CoreV1().Pods(env.Namespace)
			stale, err := pods.Create(t.Context(), pod("occ-status"), metav1.CreateOptions{})
			require.NoError(t, err)
			fresh := stale.DeepCopy()
			fresh.Labels = map[string]string{"bumped": "yes"}
			_, err = pods.Update(t.Context(), fresh, metav1.UpdateOptions{})
			require.NoError(t, err)
			stale.Status.Phase = corev1.PodRunning
			_, err = pods.UpdateStatus(t.Context(), stale, metav1.UpdateOptions{})
			requireError(t, err, conflict, `Operation cannot be fulfilled on pods "occ-status": the object has been modified`)
		}},
	}
}

// lease returns a Lease held by holder.
func lease(name, holder string) *coordinationv1.Lease {
	now := metav1.NewMicroTime(time.Now())
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity:       &holder,
			LeaseDurationSeconds: ptr(int32(15)),
			AcquireTime:          &now,
			RenewTime:            &now,
		},
	}
}
