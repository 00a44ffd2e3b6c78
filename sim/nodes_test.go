package sim

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/sim/nodelifecycle"
)

func TestNodeNotReadyTaintsTheNodeAndEvictsItsPods(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, stop := runCluster(t, Config{Seed: 4, Nodes: []NodeConfig{{Name: "a"}, {Name: "b"}}})
		defer stop()
		ctx := t.Context()
		cs := c.Client()
		if _, err := cs.AppsV1().Deployments("default").Create(ctx, deploymentOf("web", 1), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		var first corev1.Pod
		eventually(t, time.Minute, "a Running pod", func() bool {
			pods, _ := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{FieldSelector: "status.phase=Running"})
			if len(pods.Items) == 1 {
				first = pods.Items[0]
				return true
			}
			return false
		})
		start := time.Now()
		if err := c.NodeNotReady(first.Spec.NodeName); err != nil {
			t.Fatal(err)
		}
		eventually(t, 2*time.Minute, "node Ready=Unknown with the unreachable NoExecute taint", func() bool {
			n, _ := cs.CoreV1().Nodes().Get(ctx, first.Spec.NodeName, metav1.GetOptions{})
			ready, tainted := false, false
			for _, cond := range n.Status.Conditions {
				ready = ready || cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionUnknown
			}
			for _, tt := range n.Spec.Taints {
				tainted = tainted || tt.Key == corev1.TaintNodeUnreachable && tt.Effect == corev1.TaintEffectNoExecute
			}
			return ready && tainted
		})
		if d := time.Since(start); d < 50*time.Second || d > 70*time.Second {
			t.Fatalf("node went NotReady after %v, want the 50 s grace period (plus a monitor period)", d)
		}
		// The pod tolerates the taint for the 300 s admission gave it: then it is
		// evicted, stays Terminating (the kubelet is away), and the ReplicaSet starts a
		// replacement on the other node.
		tainted := time.Now()
		replaced := func() bool {
			pods, _ := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
			return len(pods.Items) > 1
		}
		time.Sleep(290 * time.Second)
		if replaced() {
			t.Fatal("the pod was replaced before its 300 s toleration of the unreachable taint ended")
		}
		eventually(t, time.Minute, "a replacement Running on the other node", func() bool {
			pods, _ := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{FieldSelector: "status.phase=Running"})
			for _, p := range pods.Items {
				if p.Name != first.Name && p.Spec.NodeName != first.Spec.NodeName && p.DeletionTimestamp == nil {
					return true
				}
			}
			return false
		})
		if d := time.Since(tainted); d < 300*time.Second {
			t.Fatalf("replaced %v after the taint, before the toleration ended", d)
		}
		old, err := cs.CoreV1().Pods("default").Get(ctx, first.Name, metav1.GetOptions{})
		if err != nil || old.DeletionTimestamp == nil {
			t.Fatalf("the evicted pod should stay Terminating while its node is away: %v %+v", err, old.ObjectMeta)
		}
		// The node comes back: its kubelet confirms the deletion.
		if err := c.NodeReady(first.Spec.NodeName); err != nil {
			t.Fatal(err)
		}
		eventually(t, 2*time.Minute, "the old pod gone", func() bool {
			_, err := cs.CoreV1().Pods("default").Get(ctx, first.Name, metav1.GetOptions{})
			return err != nil
		})
	})
}

func TestDeletedNodesPodsAreGarbageCollected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, stop := runCluster(t, Config{Seed: 5, Nodes: []NodeConfig{{Name: "a"}}})
		defer stop()
		ctx := context.Background()
		cs := c.Client()
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "m", Image: "registry.k8s.io/pause:3.10"}}}}
		if _, err := cs.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, time.Minute, "Running", func() bool {
			got, _ := cs.CoreV1().Pods("default").Get(ctx, "p", metav1.GetOptions{})
			return got.Status.Phase == corev1.PodRunning
		})
		if err := c.DeleteNode("a"); err != nil {
			t.Fatal(err)
		}
		eventually(t, time.Minute, "the pod of the deleted node gone", func() bool {
			_, err := cs.CoreV1().Pods("default").Get(ctx, "p", metav1.GetOptions{})
			return err != nil
		})
	})
}

// TestPodGCWaitsForItsQuarantine: a pod bound to a node the cluster does not know (yet)
// is left alone for the pod garbage collector's quarantine, as kube-controller-manager's
// pod GC waits for its node informer to catch up; then it goes.
func TestPodGCWaitsForItsQuarantine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, stop := runCluster(t, Config{Seed: 6, Nodes: []NodeConfig{{Name: "a"}}})
		defer stop()
		ctx := context.Background()
		pods := c.Client().CoreV1().Pods("default")
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "early", Namespace: "default"},
			Spec: corev1.PodSpec{NodeName: "not-yet", Containers: []corev1.Container{{Name: "m", Image: "registry.k8s.io/pause:3.10"}}}}
		if _, err := pods.Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		time.Sleep(nodelifecycle.OrphanQuarantine - time.Second)
		if _, err := pods.Get(ctx, "early", metav1.GetOptions{}); err != nil {
			t.Fatalf("the pod of a node missing for less than the quarantine was collected: %v", err)
		}
		eventually(t, time.Minute, "the pod of the missing node gone", func() bool {
			_, err := pods.Get(ctx, "early", metav1.GetOptions{})
			return err != nil
		})
		if d := time.Since(start); d < nodelifecycle.OrphanQuarantine {
			t.Errorf("collected after %v, before the quarantine of %v", d, nodelifecycle.OrphanQuarantine)
		}
	})
}

func TestNodesGetTheirOwnPodCIDRFromTheClusterRange(t *testing.T) {
	for _, tc := range []struct {
		index int
		want  string
	}{
		{0, "10.244.0.0/24"},
		{1, "10.244.1.0/24"},
		{255, "10.244.255.0/24"},
		{256, "10.245.0.0/24"}, // kind's 10.244.0.0/16 would have run out here
		{499, "10.245.243.0/24"},
		{1023, "10.247.255.0/24"},
	} {
		got, err := nodePodCIDR(tc.index)
		if err != nil || got != tc.want {
			t.Errorf("nodePodCIDR(%d) = %q, %v; want %q", tc.index, got, err, tc.want)
		}
	}
	if got, err := nodePodCIDR(1024); err == nil {
		t.Errorf("nodePodCIDR(1024) = %q, want an error: the /14 holds 1,024 nodes of /24", got)
	}
}
