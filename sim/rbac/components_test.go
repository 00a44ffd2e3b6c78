package rbac_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/sim"
	"flinksim/sim/apiserver"
)

// TestClusterComponentsAreNeverForbidden runs a workload's life on a cluster that
// enforces RBAC and checks that none of the cluster's own components was ever denied.
func TestClusterComponentsAreNeverForbidden(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cluster, err := sim.New(sim.Config{Seed: 7, RBAC: true})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan error, 1)
		go func() { stopped <- cluster.Start(ctx) }()
		defer func() {
			cancel()
			if err := <-stopped; err != nil {
				t.Errorf("cluster: %v", err)
			}
		}()
		admin := cluster.Client()
		if _, err := admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "work"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		labels := map[string]string{"app": "flink"}
		replicas := int32(2)
		_, err = admin.AppsV1().Deployments("work").Create(ctx, &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "flink"},
			Spec: appsv1.DeploymentSpec{
				Replicas: &replicas,
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "busybox:1.36"}}},
				},
			},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = admin.CoreV1().Services("work").Create(ctx, &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "flink"},
			Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Name: "rest", Port: 8081}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, time.Minute, "two running pods", func() bool {
			pods, err := admin.CoreV1().Pods("work").List(ctx, metav1.ListOptions{FieldSelector: "status.phase=Running"})
			return err == nil && len(pods.Items) == 2
		})
		waitFor(t, time.Minute, "Endpoints and an EndpointSlice with both pods", func() bool {
			ep, err := admin.CoreV1().Endpoints("work").Get(ctx, "flink", metav1.GetOptions{})
			// busybox exits at once (crash loop): the pods may be listed as not ready.
			if err != nil || len(ep.Subsets) != 1 || len(ep.Subsets[0].Addresses)+len(ep.Subsets[0].NotReadyAddresses) != 2 {
				return false
			}
			slices, err := admin.DiscoveryV1().EndpointSlices("work").List(ctx, metav1.ListOptions{LabelSelector: "kubernetes.io/service-name=flink"})
			return err == nil && len(slices.Items) == 1 && len(slices.Items[0].Endpoints) == 2
		})
		if err := admin.CoreV1().Namespaces().Delete(ctx, "work", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, time.Minute, "the namespace gone", func() bool {
			_, err := admin.CoreV1().Namespaces().Get(ctx, "work", metav1.GetOptions{})
			return err != nil
		})
		// Namespace termination forbids new content too; only authorization matters here.
		denied := cluster.Server().RequestLog().Entries(func(e apiserver.Entry) bool {
			return e.Code == 403 && strings.Contains(e.Error, "User \"")
		})
		for _, e := range denied {
			t.Errorf("denied: %s", e)
		}
	})
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
