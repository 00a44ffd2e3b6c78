package rbac

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"flinksim/sim/apiserver"
)

func TestRuleAllows(t *testing.T) {
	pods := corev1.SchemeGroupVersion.WithResource("pods")
	req := func(verb, sub, name string) apiserver.Request {
		return apiserver.Request{Verb: verb, Resource: pods, Subresource: sub, Name: name, Namespace: "ns"}
	}
	rule := func(verbs, resources, names []string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{Verbs: verbs, APIGroups: []string{""}, Resources: resources, ResourceNames: names}
	}
	for _, tc := range []struct {
		name string
		rule rbacv1.PolicyRule
		req  apiserver.Request
		want bool
	}{
		{"verb and resource", rule([]string{"get"}, []string{"pods"}, nil), req("get", "", "p"), true},
		{"other verb", rule([]string{"get"}, []string{"pods"}, nil), req("list", "", ""), false},
		{"all verbs", rule([]string{"*"}, []string{"pods"}, nil), req("deletecollection", "", ""), true},
		{"subresource needs its own rule", rule([]string{"update"}, []string{"pods"}, nil), req("update", "status", "p"), false},
		{"resource/subresource", rule([]string{"update"}, []string{"pods/status"}, nil), req("update", "status", "p"), true},
		{"*/subresource", rule([]string{"update"}, []string{"*/status"}, nil), req("update", "status", "p"), true},
		{"*/subresource is not the resource", rule([]string{"update"}, []string{"*/status"}, nil), req("update", "", "p"), false},
		{"* covers subresources", rule([]string{"update"}, []string{"*"}, nil), req("update", "status", "p"), true},
		{"resourceNames match", rule([]string{"get"}, []string{"pods"}, []string{"p"}), req("get", "", "p"), true},
		{"resourceNames exclude others", rule([]string{"get"}, []string{"pods"}, []string{"p"}), req("get", "", "q"), false},
		{"resourceNames exclude unnamed lists", rule([]string{"list"}, []string{"pods"}, []string{"p"}), req("list", "", ""), false},
		{"other group", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{"apps"}, Resources: []string{"pods"}}, req("get", "", "p"), false},
		{"all groups", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{"*"}, Resources: []string{"pods"}}, req("get", "", "p"), true},
	} {
		assert.Equal(t, tc.want, RuleAllows(&tc.rule, tc.req), tc.name)
	}
}

func TestBindsUser(t *testing.T) {
	sa := rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: "flink"}
	for _, tc := range []struct {
		name      string
		subject   rbacv1.Subject
		user      string
		groups    []string
		namespace string
		want      bool
	}{
		{"user", rbacv1.Subject{Kind: rbacv1.UserKind, Name: "jane"}, "jane", nil, "", true},
		{"other user", rbacv1.Subject{Kind: rbacv1.UserKind, Name: "jane"}, "joe", nil, "", false},
		{"group", rbacv1.Subject{Kind: rbacv1.GroupKind, Name: "devs"}, "joe", []string{"devs"}, "", true},
		{"service account defaults to the binding's namespace", sa, "system:serviceaccount:ns:flink", nil, "ns", true},
		{"service account of another namespace", sa, "system:serviceaccount:other:flink", nil, "ns", false},
		{"service account without any namespace", sa, "system:serviceaccount:ns:flink", nil, "", false},
		{"service account with its namespace", rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: "flink", Namespace: "other"},
			"system:serviceaccount:other:flink", nil, "ns", true},
	} {
		assert.Equal(t, tc.want, bindsUser([]rbacv1.Subject{tc.subject}, tc.user, tc.groups, tc.namespace), tc.name)
	}
}

// store is a Source over a fixed set of objects.
type store map[schema.GroupVersionResource][]runtime.Object

func (s store) Objects(gvr schema.GroupVersionResource, namespace string) []runtime.Object {
	var out []runtime.Object
	for _, o := range s[gvr] {
		if m, _ := o.(metav1.Object); namespace == "" || m.GetNamespace() == namespace {
			out = append(out, o)
		}
	}
	return out
}

func (s store) Object(gvr schema.GroupVersionResource, namespace, name string) runtime.Object {
	for _, o := range s.Objects(gvr, namespace) {
		if o.(metav1.Object).GetName() == name {
			return o
		}
	}
	return nil
}

func TestAuthorize(t *testing.T) {
	user := "system:serviceaccount:ns:flink"
	groups := apiserver.GroupsOf(user)
	src := store{
		rolesGVR: {&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "pods", Namespace: "ns"},
			Rules: []rbacv1.PolicyRule{{Verbs: []string{"list"}, APIGroups: []string{""}, Resources: []string{"pods"}}}}},
		roleBindingsGVR: {
			&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "pods", Namespace: "ns"},
				RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "pods"}, Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "flink"}}},
			&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "dangling", Namespace: "ns"},
				RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "missing"}, Subjects: []rbacv1.Subject{{Kind: rbacv1.GroupKind, Name: "system:serviceaccounts"}}},
		},
		clusterRolesGVR: {&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "nodes"},
			Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"nodes"}}}}},
		clusterRoleBindingsGVR: {&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "nodes"},
			RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "nodes"}, Subjects: []rbacv1.Subject{{Kind: rbacv1.GroupKind, Name: "system:serviceaccounts:ns"}}}},
	}
	a, err := New(Config{Source: src})
	require.NoError(t, err)
	pods, nodes := corev1.SchemeGroupVersion.WithResource("pods"), corev1.SchemeGroupVersion.WithResource("nodes")

	ok, _ := a.Authorize(apiserver.Request{User: user, Groups: groups, Verb: "list", Resource: pods, Namespace: "ns"})
	assert.True(t, ok, "the role binding grants it in its namespace")
	ok, _ = a.Authorize(apiserver.Request{User: user, Groups: groups, Verb: "list", Resource: pods, Namespace: "other"})
	assert.False(t, ok, "not in another namespace")
	ok, _ = a.Authorize(apiserver.Request{User: user, Groups: groups, Verb: "get", Resource: nodes, Name: "n"})
	assert.True(t, ok, "the cluster role binding grants it through a group")
	ok, reason := a.Authorize(apiserver.Request{User: user, Groups: groups, Verb: "delete", Resource: pods, Namespace: "ns", Name: "p"})
	assert.False(t, ok)
	assert.Equal(t, `RBAC: role.rbac.authorization.k8s.io "missing" not found`, reason)

	_, err = New(Config{})
	assert.Error(t, err)
}

func TestPolicyIsConsistent(t *testing.T) {
	roles, bindings := Policy()
	byName := map[string]*rbacv1.ClusterRole{}
	for _, r := range roles {
		assert.Equal(t, "rbac-defaults", r.Labels["kubernetes.io/bootstrapping"], r.Name)
		assert.NotContains(t, byName, r.Name, "duplicate role")
		byName[r.Name] = r
	}
	for _, b := range bindings {
		assert.Contains(t, byName, b.RoleRef.Name, "binding %s refers to a missing role", b.Name)
		assert.Equal(t, "rbac-defaults", b.Labels["kubernetes.io/bootstrapping"], b.Name)
	}
	for _, name := range []string{"cluster-admin", "admin", "edit", "view"} {
		assert.Contains(t, byName, name)
	}
	deny := apiserver.Request{Verb: "get", Resource: corev1.SchemeGroupVersion.WithResource("secrets")}
	assert.False(t, RulesAllow(byName["view"].Rules, deny), "view does not read secrets")
	assert.True(t, RulesAllow(byName["edit"].Rules, deny), "edit does")
	roleWrite := apiserver.Request{Verb: "create", Resource: rbacv1.SchemeGroupVersion.WithResource("rolebindings")}
	assert.False(t, RulesAllow(byName["edit"].Rules, roleWrite), "edit does not grant")
	assert.True(t, RulesAllow(byName["admin"].Rules, roleWrite), "admin does")
}
