package conformance

import (
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// rbacCases: authorization of a service account's requests. They need Env.ClientFor.
func rbacCases() []Case {
	return []Case{
		{Name: "rbac/unbound-serviceaccount-is-Forbidden", Run: func(t *testing.T, env *Env) {
			sa, user := serviceAccountClient(t, env, "flink")
			_, err := sa.CoreV1().Pods(env.Namespace).List(t.Context(), metav1.ListOptions{})
			requireError(t, err, forbidden,
				`pods is forbidden: User "`+user+`" cannot list resource "pods" in API group "" in the namespace "`+env.Namespace+`"`)
		}},
		{Name: "rbac/cluster-scoped-request-is-Forbidden-at-the-cluster-scope", Run: func(t *testing.T, env *Env) {
			sa, user := serviceAccountClient(t, env, "flink")
			_, err := sa.CoreV1().Nodes().Get(t.Context(), "node-a", metav1.GetOptions{})
			requireError(t, err, forbidden,
				`nodes "node-a" is forbidden: User "`+user+`" cannot get resource "nodes" in API group "" at the cluster scope`)
		}},
		{Name: "rbac/rolebinding-grants-access-in-its-namespace-only", Run: func(t *testing.T, env *Env) {
			sa, user := serviceAccountClient(t, env, "flink")
			role, rb := flinkRole(env)
			grant(t, env, role, rb)
			// The authorizer works from a cache of RBAC objects: the grant takes effect soon,
			// not at once.
			env.Eventually(t, waitTimeout, func() (bool, error) {
				_, err := sa.CoreV1().Pods(env.Namespace).List(t.Context(), metav1.ListOptions{})
				return err == nil, err
			})
			_, err := sa.CoreV1().Secrets(env.Namespace).List(t.Context(), metav1.ListOptions{})
			requireError(t, err, forbidden, `User "`+user+`" cannot list resource "secrets" in API group "" in the namespace "`+env.Namespace+`"`)
			_, err = sa.CoreV1().Pods(metav1.NamespaceDefault).List(t.Context(), metav1.ListOptions{})
			requireError(t, err, forbidden, `cannot list resource "pods" in API group "" in the namespace "default"`)
		}},
		{Name: "rbac/subresource-needs-its-own-rule", Run: func(t *testing.T, env *Env) {
			pod, err := env.Client.CoreV1().Pods(env.Namespace).Create(t.Context(), pod("guarded"), metav1.CreateOptions{})
			require.NoError(t, err)
			sa, user := serviceAccountClient(t, env, "flink")
			role, rb := flinkRole(env)
			grant(t, env, role, rb)
			env.Eventually(t, waitTimeout, func() (bool, error) {
				_, err := sa.CoreV1().Pods(env.Namespace).Get(t.Context(), "guarded", metav1.GetOptions{})
				return err == nil, err
			})
			pod.Status.Phase = corev1.PodRunning
			_, err = sa.CoreV1().Pods(env.Namespace).UpdateStatus(t.Context(), pod, metav1.UpdateOptions{})
			requireError(t, err, forbidden, `pods "guarded" is forbidden: User "`+user+`" cannot update resource "pods/status" in API group ""`)
		}},
		{Name: "rbac/resourceNames-limit-access-to-named-objects", Run: func(t *testing.T, env *Env) {
			for _, n := range []string{"leader", "other"} {
				_, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(t.Context(), configMap(n, nil), metav1.CreateOptions{})
				require.NoError(t, err)
			}
			sa, user := serviceAccountClient(t, env, "flink")
			role, rb := flinkRole(env)
			role.Rules = []rbacv1.PolicyRule{{
				APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"leader"}, Verbs: []string{"get"},
			}}
			grant(t, env, role, rb)
			env.Eventually(t, waitTimeout, func() (bool, error) {
				_, err := sa.CoreV1().ConfigMaps(env.Namespace).Get(t.Context(), "leader", metav1.GetOptions{})
				return err == nil, err
			})
			_, err := sa.CoreV1().ConfigMaps(env.Namespace).Get(t.Context(), "other", metav1.GetOptions{})
			requireError(t, err, forbidden, `configmaps "other" is forbidden: User "`+user+`" cannot get resource "configmaps"`)
		}},
	}
}

// serviceAccountClient creates service account name in env.Namespace and returns a client
// acting as it, with its user name. It skips the case on a backend without identities.
func serviceAccountClient(t *testing.T, env *Env, name string) (kubernetes.Interface, string) {
	t.Helper()
	if env.ClientFor == nil {
		t.Skip(skipNoIdentities)
	}
	_, err := env.Client.CoreV1().ServiceAccounts(env.Namespace).Create(t.Context(),
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	require.NoError(t, err)
	user := "system:serviceaccount:" + env.Namespace + ":" + name
	return env.ClientFor(user), user
}

func grant(t *testing.T, env *Env, role *rbacv1.Role, rb *rbacv1.RoleBinding) {
	t.Helper()
	_, err := env.Client.RbacV1().Roles(env.Namespace).Create(t.Context(), role, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = env.Client.RbacV1().RoleBindings(env.Namespace).Create(t.Context(), rb, metav1.CreateOptions{})
	require.NoError(t, err)
}
