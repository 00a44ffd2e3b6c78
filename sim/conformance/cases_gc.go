package conformance

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// gcCases: what the garbage collector does with owner references. They need controllers.
func gcCases() []Case {
	return []Case{
		{Name: "gc/background-deletes-dependents", NeedsControllers: true, Run: func(t *testing.T, env *Env) {
			owner := createOwner(t, env, "bg-owner")
			createDependent(t, env, "bg-dependent", ownerRef(owner))
			require.NoError(t, env.Client.CoreV1().ConfigMaps(env.Namespace).Delete(t.Context(), owner.Name,
				metav1.DeleteOptions{PropagationPolicy: ptr(metav1.DeletePropagationBackground)}))
			eventuallyGone(t, env, "bg-dependent")
		}},
		{Name: "gc/foreground-deletes-blocking-dependents-before-owner", NeedsControllers: true, Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			owner := createOwner(t, env, "fg-owner")
			ref := ownerRef(owner)
			ref.BlockOwnerDeletion = ptr(true)
			dep := configMap("fg-dependent", nil)
			dep.OwnerReferences = []metav1.OwnerReference{ref}
			_, err := cms.Create(t.Context(), withFinalizer(dep), metav1.CreateOptions{})
			require.NoError(t, err)
			t.Cleanup(func() { removeFinalizers(t, env, env.Namespace, "fg-dependent") })

			require.NoError(t, cms.Delete(t.Context(), owner.Name, metav1.DeleteOptions{PropagationPolicy: ptr(metav1.DeletePropagationForeground)}))
			// The collector deletes the dependent; our finalizer keeps it, and so the owner.
			env.Eventually(t, waitTimeout, func() (bool, error) {
				d, err := cms.Get(t.Context(), "fg-dependent", metav1.GetOptions{})
				return err == nil && d.DeletionTimestamp != nil, err
			})
			o, err := cms.Get(t.Context(), owner.Name, metav1.GetOptions{})
			require.NoError(t, err, "the owner waits for its blocking dependent")
			require.Contains(t, o.Finalizers, metav1.FinalizerDeleteDependents)

			removeFinalizers(t, env, env.Namespace, "fg-dependent")
			eventuallyGone(t, env, owner.Name)
		}},
		{Name: "gc/orphan-removes-ownerReferences", NeedsControllers: true, Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			owner := createOwner(t, env, "or-owner")
			createDependent(t, env, "or-dependent", ownerRef(owner))
			require.NoError(t, cms.Delete(t.Context(), owner.Name, metav1.DeleteOptions{PropagationPolicy: ptr(metav1.DeletePropagationOrphan)}))
			eventuallyGone(t, env, owner.Name)
			d, err := cms.Get(t.Context(), "or-dependent", metav1.GetOptions{})
			require.NoError(t, err, "an orphaned dependent stays")
			require.Empty(t, d.OwnerReferences)
		}},
		{Name: "gc/dependent-with-a-live-owner-survives", NeedsControllers: true, Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			gone := createOwner(t, env, "owner-gone")
			live := createOwner(t, env, "owner-live")
			createDependent(t, env, "shared", ownerRef(gone), ownerRef(live))
			require.NoError(t, cms.Delete(t.Context(), gone.Name, metav1.DeleteOptions{}))
			// The collector drops the dangling reference and keeps the dependent.
			env.Eventually(t, waitTimeout, func() (bool, error) {
				d, err := cms.Get(t.Context(), "shared", metav1.GetOptions{})
				return err == nil && len(d.OwnerReferences) == 1 && d.OwnerReferences[0].UID == live.UID, err
			})
		}},
		{Name: "gc/owner-uid-mismatch-is-collected", NeedsControllers: true, Run: func(t *testing.T, env *Env) {
			owner := createOwner(t, env, "impostor")
			ref := ownerRef(owner)
			ref.UID = types.UID("00000000-0000-0000-0000-000000000001") // same name, another object
			createDependent(t, env, "dangling", ref)
			eventuallyGone(t, env, "dangling")
			_, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Get(t.Context(), owner.Name, metav1.GetOptions{})
			require.NoError(t, err, "the object that only shares the name stays")
		}},
		{Name: "gc/cluster-scoped-owner-collects-namespaced-dependent", NeedsControllers: true, Run: func(t *testing.T, env *Env) {
			crs := env.Client.RbacV1().ClusterRoles()
			cr, err := crs.Create(t.Context(), &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{GenerateName: "conformance-owner-"}}, metav1.CreateOptions{})
			require.NoError(t, err)
			t.Cleanup(func() { _ = crs.Delete(context.Background(), cr.Name, metav1.DeleteOptions{}) })
			createDependent(t, env, "of-cluster-role", metav1.OwnerReference{
				APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole", Name: cr.Name, UID: cr.UID,
			})
			require.NoError(t, crs.Delete(t.Context(), cr.Name, metav1.DeleteOptions{}))
			eventuallyGone(t, env, "of-cluster-role")
		}},
	}
}

func createOwner(t *testing.T, env *Env, name string) *corev1.ConfigMap {
	t.Helper()
	cm, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(t.Context(), configMap(name, nil), metav1.CreateOptions{})
	require.NoError(t, err)
	return cm
}

func createDependent(t *testing.T, env *Env, name string, owners ...metav1.OwnerReference) {
	t.Helper()
	cm := configMap(name, nil)
	cm.OwnerReferences = owners
	_, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(t.Context(), cm, metav1.CreateOptions{})
	require.NoError(t, err)
}

// eventuallyGone waits until ConfigMap name no longer exists in env.Namespace.
func eventuallyGone(t *testing.T, env *Env, name string) {
	t.Helper()
	env.Eventually(t, waitTimeout, func() (bool, error) {
		_, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Get(t.Context(), name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
}
