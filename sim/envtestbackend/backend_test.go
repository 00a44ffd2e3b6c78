package envtestbackend_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"flinksim/sim"
	"flinksim/sim/envtestbackend"
)

var _ sim.Backend = (*envtestbackend.Backend)(nil)

// startBackend starts the real control plane, or skips (fails with
// FLINKSIM_REQUIRE_ENVTEST=1) when its binaries are missing.
func startBackend(t *testing.T) *envtestbackend.Backend {
	t.Helper()
	if _, err := envtestbackend.FindAssets(); err != nil {
		if os.Getenv("FLINKSIM_REQUIRE_ENVTEST") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	b, err := envtestbackend.Start(envtestbackend.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, b.Stop()) })
	return b
}

// eventually polls cond every 50 ms of real time (this is a real server).
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, timeout, true,
		func(context.Context) (bool, error) { return cond(), nil })
	require.NoError(t, err, "%s within %v", what, timeout)
}

// TestTheSimulatorsControllersRunAgainstTheRealServer: a Deployment becomes Running pods
// on the cluster's nodes — the Deployment and ReplicaSet controllers, the scheduler and
// the kubelet at work on kube-apiserver — and its deletion takes them along (the garbage
// collector).
func TestTheSimulatorsControllersRunAgainstTheRealServer(t *testing.T) {
	b := startBackend(t)
	cluster, err := sim.New(sim.Config{Seed: 1, RBAC: true, Backend: b})
	require.NoError(t, err)
	assert.Nil(t, cluster.Server(), "no in-process server")
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- cluster.Start(ctx) }()
	defer func() {
		cancel()
		assert.NoError(t, <-stopped)
	}()

	admin := cluster.Client()
	nodes, err := admin.CoreV1().Nodes().List(t.Context(), metav1.ListOptions{})
	require.NoError(t, err)
	assert.Len(t, nodes.Items, 3, "the cluster's nodes are created on the real server")

	labels := map[string]string{"app": "web"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(2)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "busybox:1.36", Command: []string{"sleep", "3600"}}}},
			},
		},
	}
	_, err = admin.AppsV1().Deployments("default").Create(t.Context(), d, metav1.CreateOptions{})
	require.NoError(t, err)
	running := func() int {
		pods, err := admin.CoreV1().Pods("default").List(t.Context(), metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return -1
		}
		n := 0
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning && p.Spec.NodeName != "" && p.Status.PodIP != "" {
				n++
			}
		}
		return n
	}
	defer func() {
		if t.Failed() {
			dump(t, cluster)
		}
	}()
	eventually(t, time.Minute, "two Running pods", func() bool { return running() == 2 })

	require.NoError(t, admin.AppsV1().Deployments("default").Delete(t.Context(), "web", metav1.DeleteOptions{}))
	eventually(t, time.Minute, "the ReplicaSet and the pods collected", func() bool {
		rs, err1 := admin.AppsV1().ReplicaSets("default").List(t.Context(), metav1.ListOptions{LabelSelector: "app=web"})
		pods, err2 := admin.CoreV1().Pods("default").List(t.Context(), metav1.ListOptions{LabelSelector: "app=web"})
		return err1 == nil && err2 == nil && len(rs.Items) == 0 && len(pods.Items) == 0
	})

	// RBAC is the real server's: a service account without roles may do nothing.
	sa := cluster.ClientFor("system:serviceaccount:default:nobody")
	_, err = sa.CoreV1().Pods("default").List(t.Context(), metav1.ListOptions{})
	require.Error(t, err)
	assert.True(t, apierrors.IsForbidden(err), "%v", err)
	assert.Contains(t, err.Error(), `User "system:serviceaccount:default:nobody" cannot list resource "pods"`)
}

func TestFindAssetsSaysHowToBuildThem(t *testing.T) {
	t.Setenv("KUBEBUILDER_ASSETS", t.TempDir())
	_, err := envtestbackend.FindAssets()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "make envtest-assets")
}

func ptr[T any](v T) *T { return &v }

// dump logs what a person needs when the cluster did not do its job.
func dump(t *testing.T, cluster *sim.Cluster) {
	ctx := context.Background()
	admin := cluster.Client()
	if rs, err := admin.AppsV1().ReplicaSets("").List(ctx, metav1.ListOptions{}); err == nil {
		for _, r := range rs.Items {
			t.Logf("replicaset %s/%s: replicas %d/%d", r.Namespace, r.Name, r.Status.Replicas, *r.Spec.Replicas)
		}
	}
	if pods, err := admin.CoreV1().Pods("").List(ctx, metav1.ListOptions{}); err == nil {
		for _, p := range pods.Items {
			t.Logf("pod %s/%s: node %q phase %s conditions %v", p.Namespace, p.Name, p.Spec.NodeName, p.Status.Phase, p.Status.Conditions)
		}
	}
	if evs, err := admin.CoreV1().Events("").List(ctx, metav1.ListOptions{}); err == nil {
		for _, e := range evs.Items {
			t.Logf("event %s %s/%s: %s %s", e.Type, e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, e.Message)
		}
	}
}
