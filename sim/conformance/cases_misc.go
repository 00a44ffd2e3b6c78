package conformance

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// miscCases: round trips of the smaller kinds Flink uses — Leases, ServiceAccounts and
// RBAC objects — and their validation.
func miscCases() []Case {
	return []Case{
		{Name: "lease/round-trip-keeps-microsecond-times", Run: func(t *testing.T, env *Env) {
			leases := env.Client.CoordinationV1().Leases(env.Namespace)
			in := lease("leader", "jobmanager-0")
			renew := metav1.NewMicroTime(time.Date(2026, 11, 26, 12, 0, 0, 123456789, time.UTC))
			in.Spec.RenewTime = &renew
			in.Spec.LeaseTransitions = ptr(int32(2))
			got, err := leases.Create(t.Context(), in, metav1.CreateOptions{})
			require.NoError(t, err)
			assert.Equal(t, "jobmanager-0", *got.Spec.HolderIdentity)
			assert.Equal(t, ptr(int32(15)), got.Spec.LeaseDurationSeconds)
			assert.Equal(t, ptr(int32(2)), got.Spec.LeaseTransitions)
			assert.Equal(t, time.Date(2026, 11, 26, 12, 0, 0, 123456000, time.UTC), got.Spec.RenewTime.UTC(),
				"MicroTime keeps microseconds and drops the rest")
		}},
		{Name: "lease/duration-must-be-positive", Run: func(t *testing.T, env *Env) {
			in := lease("zero", "a")
			in.Spec.LeaseDurationSeconds = ptr(int32(0))
			_, err := env.Client.CoordinationV1().Leases(env.Namespace).Create(t.Context(), in, metav1.CreateOptions{})
			requireError(t, err, invalid, "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0")
		}},
		{Name: "lease/handover-with-stale-resourceVersion-is-Conflict", Run: func(t *testing.T, env *Env) {
			// Two candidates read the same lease; the first to write wins.
			leases := env.Client.CoordinationV1().Leases(env.Namespace)
			l, err := leases.Create(t.Context(), lease("contended", "a"), metav1.CreateOptions{})
			require.NoError(t, err)
			b, c := l.DeepCopy(), l.DeepCopy()
			b.Spec.HolderIdentity = ptr("b")
			_, err = leases.Update(t.Context(), b, metav1.UpdateOptions{})
			require.NoError(t, err)
			c.Spec.HolderIdentity = ptr("c")
			_, err = leases.Update(t.Context(), c, metav1.UpdateOptions{})
			requireError(t, err, conflict, `Operation cannot be fulfilled on leases.coordination.k8s.io "contended": the object has been modified`)
		}},
		{Name: "serviceaccount/round-trip", Run: func(t *testing.T, env *Env) {
			sas := env.Client.CoreV1().ServiceAccounts(env.Namespace)
			in := &corev1.ServiceAccount{
				ObjectMeta:                   metav1.ObjectMeta{Name: "flink", Labels: map[string]string{"app": "flink"}},
				AutomountServiceAccountToken: ptr(false),
			}
			_, err := sas.Create(t.Context(), in, metav1.CreateOptions{})
			require.NoError(t, err)
			got, err := sas.Get(t.Context(), "flink", metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, ptr(false), got.AutomountServiceAccountToken)
			assert.Equal(t, "flink", got.Labels["app"])
		}},
		{Name: "rbac/role-and-rolebinding-round-trip", Run: func(t *testing.T, env *Env) {
			role, rb := flinkRole(env)
			_, err := env.Client.RbacV1().Roles(env.Namespace).Create(t.Context(), role, metav1.CreateOptions{})
			require.NoError(t, err)
			_, err = env.Client.RbacV1().RoleBindings(env.Namespace).Create(t.Context(), rb, metav1.CreateOptions{})
			require.NoError(t, err)
			gotRole, err := env.Client.RbacV1().Roles(env.Namespace).Get(t.Context(), role.Name, metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, role.Rules, gotRole.Rules)
			gotRB, err := env.Client.RbacV1().RoleBindings(env.Namespace).Get(t.Context(), rb.Name, metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, rb.Subjects, gotRB.Subjects)
			assert.Equal(t, rb.RoleRef, gotRB.RoleRef)
		}},
		{Name: "rbac/roleRef-is-immutable", Run: func(t *testing.T, env *Env) {
			_, rb := flinkRole(env)
			rbs := env.Client.RbacV1().RoleBindings(env.Namespace)
			got, err := rbs.Create(t.Context(), rb, metav1.CreateOptions{})
			require.NoError(t, err, "a binding may name a role that does not exist (yet)")
			got.RoleRef.Name = "other"
			_, err = rbs.Update(t.Context(), got, metav1.UpdateOptions{})
			requireError(t, err, invalid, "roleRef: Invalid value:", "field is immutable")
		}},
		{Name: "rbac/roleRef-kind-must-be-Role-or-ClusterRole", Run: func(t *testing.T, env *Env) {
			_, rb := flinkRole(env)
			rb.RoleRef.Kind = "Group"
			_, err := env.Client.RbacV1().RoleBindings(env.Namespace).Create(t.Context(), rb, metav1.CreateOptions{})
			requireError(t, err, invalid, `roleRef.kind: Unsupported value: "Group": supported values: "Role", "ClusterRole"`)
		}},
		{Name: "rbac/builtin-clusterroles-exist", Run: func(t *testing.T, env *Env) {
			for _, name := range []string{"cluster-admin", "admin", "edit", "view"} {
				cr, err := env.Client.RbacV1().ClusterRoles().Get(t.Context(), name, metav1.GetOptions{})
				require.NoError(t, err, "clusterrole %s", name)
				assert.Equal(t, "rbac-defaults", cr.Labels["kubernetes.io/bootstrapping"], "clusterrole %s", name)
			}
		}},
	}
}

// flinkRole returns the Role the Flink docs ask for (pods, configmaps, services) and a
// binding of it to the "flink" service account of env.Namespace.
func flinkRole(env *Env) (*rbacv1.Role, *rbacv1.RoleBinding) {
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "flink"},
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{""},
			Resources: []string{"pods", "configmaps", "services"},
			Verbs:     []string{"get", "list", "watch", "create", "update", "patch", "delete"},
		}},
	}
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "flink"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "flink", Namespace: env.Namespace}},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "flink"},
	}
	return role, rb
}
