package namespace

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/sim/apiserver"
)

// TestTerminationWaitsForFinalizedContent runs the controller against a bare API server:
// content held by a finalizer keeps the namespace Terminating and is reported in its
// conditions; once released, the namespace is finalized and goes.
func TestTerminationWaitsForFinalizedContent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		server, err := apiserver.New(apiserver.Config{Seed: 1})
		require.NoError(t, err)
		admin := server.Clientset(apiserver.AdminUser)
		c, err := New(Config{Client: server.Clientset("system:serviceaccount:kube-system:namespace-controller")})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- c.Start(ctx) }()
		defer func() {
			cancel()
			require.NoError(t, <-done)
		}()

		_, err = admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "work"}}, metav1.CreateOptions{})
		require.NoError(t, err)
		for _, cm := range []*corev1.ConfigMap{
			{ObjectMeta: metav1.ObjectMeta{Name: "free"}},
			{ObjectMeta: metav1.ObjectMeta{Name: "held", Finalizers: []string{"example.com/hold"}}},
		} {
			_, err = admin.CoreV1().ConfigMaps("work").Create(ctx, cm, metav1.CreateOptions{})
			require.NoError(t, err)
		}
		require.NoError(t, admin.CoreV1().Namespaces().Delete(ctx, "work", metav1.DeleteOptions{}))

		time.Sleep(DeletionGracePeriod + time.Second)
		synctest.Wait()
		_, err = admin.CoreV1().ConfigMaps("work").Get(ctx, "free", metav1.GetOptions{})
		assert.True(t, apierrors.IsNotFound(err), "content without finalizers is gone")
		ns, err := admin.CoreV1().Namespaces().Get(ctx, "work", metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, corev1.NamespaceTerminating, ns.Status.Phase)
		assert.Contains(t, conditionMessages(ns), "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances")

		held, err := admin.CoreV1().ConfigMaps("work").Get(ctx, "held", metav1.GetOptions{})
		require.NoError(t, err)
		held.Finalizers = nil
		_, err = admin.CoreV1().ConfigMaps("work").Update(ctx, held, metav1.UpdateOptions{})
		require.NoError(t, err)

		time.Sleep(time.Duration(finalizerEstimateSeconds) * time.Second)
		synctest.Wait()
		_, err = admin.CoreV1().Namespaces().Get(ctx, "work", metav1.GetOptions{})
		assert.True(t, apierrors.IsNotFound(err), "the emptied namespace is finalized and gone: %v", err)
	})
}

func conditionMessages(ns *corev1.Namespace) []string {
	var out []string
	for _, c := range ns.Status.Conditions {
		out = append(out, c.Message)
	}
	return out
}

func TestNewRequiresAClient(t *testing.T) {
	_, err := New(Config{})
	assert.ErrorContains(t, err, "Config.Client is required")
}
