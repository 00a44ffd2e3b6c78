package sim

import (
	"context"
	"fmt"
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"

	"flinksim/sim/apiserver"
	"flinksim/sim/rbac"
)

// useBackend prepares a real API server for the cluster. Its namespaces and most of its
// RBAC policy exist already; the bindings the simulator's components rely on beyond
// the real policy are added, and without Config.RBAC every identity is made
// cluster-admin, as the in-process server lets everybody do everything then.
func (c *Cluster) useBackend(ctx context.Context) error {
	name := c.cfg.Backend.Name()
	admin, err := c.cfg.Backend.ClientFor(apiserver.AdminUser)
	if err != nil {
		return fmt.Errorf("sim: %s backend: a client for %s: %w", name, apiserver.AdminUser, err)
	}
	c.admin = admin
	c.clients[apiserver.AdminUser] = admin
	if err := rbac.Bootstrap(ctx, admin); err != nil {
		return fmt.Errorf("sim: %s backend: %w", name, err)
	}
	_, bindings := rbac.Policy()
	for _, b := range bindings {
		if err := ensureSubjects(ctx, admin, b); err != nil {
			return fmt.Errorf("sim: %s backend: %w", name, err)
		}
	}
	if !c.cfg.RBAC {
		everyone := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "flinksim:rbac-not-enforced"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: apiserver.GroupAuthenticated}},
		}
		if _, err := admin.RbacV1().ClusterRoleBindings().Create(ctx, everyone, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("sim: %s backend: Config.RBAC is off, so every identity is to be cluster-admin: %w", name, err)
		}
	}
	return nil
}

// ensureSubjects makes sure the subjects of the simulator's binding b are bound to its
// role on the server: a real server keeps some bootstrap bindings without the subjects
// the simulator gives them (system:node has had none since v1.8, where the Node
// authorizer took over), so those get a binding of their own, "flinksim:<name>".
func ensureSubjects(ctx context.Context, cs kubernetes.Interface, b *rbacv1.ClusterRoleBinding) error {
	bindings := cs.RbacV1().ClusterRoleBindings()
	existing, err := bindings.Get(ctx, b.Name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("reading clusterrolebinding %s: %w", b.Name, err)
	}
	if existing.RoleRef == b.RoleRef && containsSubjects(existing.Subjects, b.Subjects) {
		return nil
	}
	extra := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "flinksim:" + b.Name},
		RoleRef:    b.RoleRef,
		Subjects:   b.Subjects,
	}
	if _, err := bindings.Create(ctx, extra, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating clusterrolebinding %s: %w", extra.Name, err)
	}
	return nil
}

func containsSubjects(have, want []rbacv1.Subject) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// backendClient is the backend's client for user; should the backend fail to make one,
// a client whose every request fails with that error.
func (c *Cluster) backendClient(user string) kubernetes.Interface {
	cs, err := c.cfg.Backend.ClientFor(user)
	if err == nil {
		return cs
	}
	err = fmt.Errorf("sim: %s backend has no client for %s: %w", c.cfg.Backend.Name(), user, err)
	failing := fake.NewSimpleClientset()
	failing.PrependReactor("*", "*", func(clienttesting.Action) (bool, runtime.Object, error) { return true, nil, err })
	failing.PrependWatchReactor("*", func(clienttesting.Action) (bool, watch.Interface, error) { return true, nil, err })
	return failing
}
