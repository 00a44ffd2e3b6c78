package sim

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func runCluster(t *testing.T, cfg Config) (*Cluster, func()) {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.Start(ctx) }()
	return c, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("cluster stopped with: %v", err)
		}
	}
}

func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func deploymentOf(name string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "registry.k8s.io/pause:3.10"}}},
			},
		},
	}
}

func TestDeploymentRunsPodsAndGarbageCollectorRemovesThem(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, stop := runCluster(t, Config{Seed: 1})
		defer stop()
		ctx := t.Context()
		cs := c.Client()
		if _, err := cs.AppsV1().Deployments("default").Create(ctx, deploymentOf("web", 2), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		running := func() int {
			pods, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, p := range pods.Items {
				if p.Status.Phase == corev1.PodRunning && p.Spec.NodeName != "" {
					n++
				}
			}
			return n
		}
		eventually(t, time.Minute, "2 pods Running", func() bool { return running() == 2 })

		rs, err := cs.AppsV1().ReplicaSets("default").List(ctx, metav1.ListOptions{})
		if err != nil || len(rs.Items) != 1 {
			t.Fatalf("want one ReplicaSet, got %v (%v)", len(rs.Items), err)
		}
		if ref := metav1.GetControllerOf(&rs.Items[0]); ref == nil || ref.Kind != "Deployment" || ref.Name != "web" {
			t.Fatalf("ReplicaSet not controlled by the Deployment: %+v", rs.Items[0].OwnerReferences)
		}

		if err := cs.AppsV1().Deployments("default").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, time.Minute, "everything of app=web gone", func() bool {
			pods, _ := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
			rss, _ := cs.AppsV1().ReplicaSets("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
			return len(pods.Items) == 0 && len(rss.Items) == 0
		})
	})
}

func TestDeletedPodIsReplaced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, stop := runCluster(t, Config{Seed: 2})
		defer stop()
		ctx := t.Context()
		cs := c.Client()
		if _, err := cs.AppsV1().Deployments("default").Create(ctx, deploymentOf("jm", 1), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		var first string
		eventually(t, time.Minute, "a Running pod", func() bool {
			pods, _ := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{FieldSelector: "status.phase=Running"})
			if len(pods.Items) == 1 {
				first = pods.Items[0].Name
				return true
			}
			return false
		})
		if err := cs.CoreV1().Pods("default").Delete(ctx, first, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 2*time.Minute, "a replacement Running", func() bool {
			pods, _ := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{FieldSelector: "status.phase=Running"})
			return len(pods.Items) == 1 && pods.Items[0].Name != first
		})
	})
}

func TestUnschedulablePodStaysPendingWithReason(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, stop := runCluster(t, Config{Seed: 3, Nodes: []NodeConfig{{Name: "a", CPU: "1"}, {Name: "b", CPU: "1"}, {Name: "c", CPU: "1"}}})
		defer stop()
		ctx := t.Context()
		cs := c.Client()
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "big", Namespace: "default"},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "m", Image: "registry.k8s.io/pause:3.10", Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resourceMust("2")}}}}},
		}
		if _, err := cs.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, time.Minute, "PodScheduled=False Unschedulable", func() bool {
			p, _ := cs.CoreV1().Pods("default").Get(ctx, "big", metav1.GetOptions{})
			for _, c := range p.Status.Conditions {
				if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == "Unschedulable" &&
					c.Message == "0/3 nodes are available: 3 Insufficient cpu." {
					return true
				}
			}
			return false
		})
		time.Sleep(5 * time.Minute)
		p, _ := cs.CoreV1().Pods("default").Get(ctx, "big", metav1.GetOptions{})
		if p.Spec.NodeName != "" || p.Status.Phase != corev1.PodPending {
			t.Fatalf("unschedulable pod moved: node %q phase %s", p.Spec.NodeName, p.Status.Phase)
		}
	})
}
