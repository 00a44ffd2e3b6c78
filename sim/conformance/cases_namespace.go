package conformance

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// namespaceCases: namespace defaulting, existence, and termination.
func namespaceCases() []Case {
	return []Case{
		{Name: "namespace/object-namespace-defaulted-from-request", Run: func(t *testing.T, env *Env) {
			cm, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(t.Context(), configMap("no-ns", nil), metav1.CreateOptions{})
			require.NoError(t, err)
			assert.Equal(t, env.Namespace, cm.Namespace)
		}},
		{Name: "namespace/object-namespace-mismatch-is-BadRequest", Run: func(t *testing.T, env *Env) {
			in := configMap("other-ns", nil)
			in.Namespace = "default"
			_, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(t.Context(), in, metav1.CreateOptions{})
			requireError(t, err, badRequest, "the namespace of the provided object does not match the namespace sent on the request")
		}},
		{Name: "namespace/create-in-missing-namespace-is-NotFound", Run: func(t *testing.T, env *Env) {
			_, err := env.Client.CoreV1().ConfigMaps("conformance-missing").Create(t.Context(), configMap("orphan", nil), metav1.CreateOptions{})
			requireError(t, err, notFound, `namespaces "conformance-missing" not found`)
		}},
		{Name: "namespace/new-namespace-is-Active-with-kubernetes-finalizer", Run: func(t *testing.T, env *Env) {
			ns := newNamespace(t, env)
			assert.Equal(t, corev1.NamespaceActive, ns.Status.Phase)
			assert.Equal(t, []corev1.FinalizerName{corev1.FinalizerKubernetes}, ns.Spec.Finalizers)
			assert.Equal(t, ns.Name, ns.Labels[corev1.LabelMetadataName], "the server labels every namespace with its name")
		}},
		{Name: "namespace/delete-marks-Terminating", Run: func(t *testing.T, env *Env) {
			ns := newNamespace(t, env)
			// The namespace carries the "kubernetes" finalizer until the namespace
			// controller has emptied it, so a delete only starts termination.
			require.NoError(t, env.Client.CoreV1().Namespaces().Delete(t.Context(), ns.Name, metav1.DeleteOptions{}))
			got, err := env.Client.CoreV1().Namespaces().Get(t.Context(), ns.Name, metav1.GetOptions{})
			if env.Controllers && apierrors.IsNotFound(err) {
				return // an empty namespace may already be gone
			}
			require.NoError(t, err)
			assert.Equal(t, corev1.NamespaceTerminating, got.Status.Phase)
			assert.NotNil(t, got.DeletionTimestamp)
		}},
		{Name: "namespace/create-in-terminating-namespace-is-Forbidden", Run: func(t *testing.T, env *Env) {
			ns := newNamespace(t, env)
			// Content keeps the namespace Terminating even while a namespace controller runs.
			_, err := env.Client.CoreV1().ConfigMaps(ns.Name).Create(t.Context(), withFinalizer(configMap("pin", nil)), metav1.CreateOptions{})
			require.NoError(t, err)
			t.Cleanup(func() { removeFinalizers(t, env, ns.Name, "pin") })
			require.NoError(t, env.Client.CoreV1().Namespaces().Delete(t.Context(), ns.Name, metav1.DeleteOptions{}))

			_, err = env.Client.CoreV1().ConfigMaps(ns.Name).Create(t.Context(), configMap("late", nil), metav1.CreateOptions{})
			requireError(t, err, forbidden,
				`configmaps "late" is forbidden: unable to create new content in namespace `+ns.Name+` because it is being terminated`)
		}},
		{Name: "namespace/termination-removes-contents", NeedsControllers: true, Run: func(t *testing.T, env *Env) {
			ns := newNamespace(t, env)
			_, err := env.Client.CoreV1().ConfigMaps(ns.Name).Create(t.Context(), configMap("content", nil), metav1.CreateOptions{})
			require.NoError(t, err)
			_, err = env.Client.CoreV1().Pods(ns.Name).Create(t.Context(), pod("content"), metav1.CreateOptions{})
			require.NoError(t, err)
			require.NoError(t, env.Client.CoreV1().Namespaces().Delete(t.Context(), ns.Name, metav1.DeleteOptions{}))
			env.Eventually(t, waitTimeout, func() (bool, error) {
				_, err := env.Client.CoreV1().Namespaces().Get(t.Context(), ns.Name, metav1.GetOptions{})
				return apierrors.IsNotFound(err), err
			})
			_, err = env.Client.CoreV1().ConfigMaps(ns.Name).Get(t.Context(), "content", metav1.GetOptions{})
			requireError(t, err, notFound)
		}},
	}
}

// newNamespace creates a namespace of the case's own beside env.Namespace (for cases that
// delete one) and deletes it when the case ends.
func newNamespace(t *testing.T, env *Env) *corev1.Namespace {
	t.Helper()
	ns, err := env.Client.CoreV1().Namespaces().Create(t.Context(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: env.Namespace + "-"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = env.Client.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	return ns
}

const testFinalizer = "conformance.flinksim.io/hold"

// withFinalizer adds testFinalizer to cm.
func withFinalizer(cm *corev1.ConfigMap) *corev1.ConfigMap {
	cm.Finalizers = append(cm.Finalizers, testFinalizer)
	return cm
}

// removeFinalizers clears the finalizers of ConfigMap ns/name, if it still exists, so a
// case leaves nothing pinned behind. A conflict (the garbage collector wrote the object
// meanwhile) is retried with the newest state.
func removeFinalizers(t testing.TB, env *Env, ns, name string) {
	ctx := context.Background()
	for attempt := 1; ; attempt++ {
		cm, err := env.Client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return
		}
		cm.Finalizers = nil
		_, err = env.Client.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) && attempt < 10 {
			continue
		}
		if err != nil && !apierrors.IsNotFound(err) {
			t.Logf("cleanup: removing finalizers of configmap %s/%s: %v", ns, name, err)
		}
		return
	}
}
