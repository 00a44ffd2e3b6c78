package sim

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"flinksim/sim/apiserver"
)

// fakeBackend plays a real API server: an in-process one set up as kube-apiserver sets
// itself up, with the system:node binding a real server keeps without subjects.
type fakeBackend struct{ server *apiserver.Server }

func newFakeBackend(t *testing.T) *fakeBackend {
	t.Helper()
	s, err := apiserver.New(apiserver.Config{Seed: 1})
	require.NoError(t, err)
	admin := s.Clientset(apiserver.AdminUser)
	for _, ns := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
		_, err := admin.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	_, err = admin.RbacV1().ClusterRoleBindings().Create(t.Context(), &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "system:node"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "system:node"},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	return &fakeBackend{server: s}
}

func (b *fakeBackend) Name() string { return "fake" }

func (b *fakeBackend) ClientFor(user string) (kubernetes.Interface, error) {
	if user == "broken" {
		return nil, errors.New("no certificate")
	}
	return b.server.Clientset(user), nil
}

func TestAClusterOnABackendAddsWhatTheSimulatorNeeds(t *testing.T) {
	b := newFakeBackend(t)
	c, err := New(Config{Seed: 1, Backend: b})
	require.NoError(t, err)
	assert.Nil(t, c.Server())
	bindings := c.Client().RbacV1().ClusterRoleBindings()

	nodes, err := bindings.Get(t.Context(), "flinksim:system:node", metav1.GetOptions{})
	require.NoError(t, err, "the kubelet's binding, which a real server keeps empty, is added")
	assert.Equal(t, "system:node", nodes.RoleRef.Name)
	assert.Contains(t, nodes.Subjects, rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: apiserver.GroupNodes})
	_, err = bindings.Get(t.Context(), "flinksim:rbac-not-enforced", metav1.GetOptions{})
	require.NoError(t, err, "without Config.RBAC everybody is cluster-admin")
	_, err = bindings.Get(t.Context(), "flinksim:cluster-admin", metav1.GetOptions{})
	assert.Error(t, err, "a binding the server has as the simulator wants it is left alone")

	list, err := c.Client().CoreV1().Nodes().List(t.Context(), metav1.ListOptions{})
	require.NoError(t, err)
	assert.Len(t, list.Items, 3, "the nodes are created on the backend")

	_, err = c.ClientFor("broken").CoreV1().Pods("default").List(t.Context(), metav1.ListOptions{})
	require.Error(t, err)
	assert.Equal(t, "sim: fake backend has no client for broken: no certificate", err.Error())
}

func TestAClusterOnABackendWithRBACGrantsNobodyEverything(t *testing.T) {
	b := newFakeBackend(t)
	c, err := New(Config{Seed: 1, Backend: b, RBAC: true})
	require.NoError(t, err)
	_, err = c.Client().RbacV1().ClusterRoleBindings().Get(t.Context(), "flinksim:rbac-not-enforced", metav1.GetOptions{})
	assert.Error(t, err)
}
