package nodelifecycle_test

import (
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/sim"
	"flinksim/sim/simtest"
)

// TestTaintBasedEvictionWaitsForTolerationSeconds: a node that stops reporting gets the
// unreachable NoExecute taint; a pod created without tolerations (which admission gives
// the 300 s defaults) is evicted 300 s after the taint, one with its own 30 s toleration
// after 30 s, one that tolerates the taint without a limit stays.
func TestTaintBasedEvictionWaitsForTolerationSeconds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simtest.Start(t, sim.Config{Seed: 7, Nodes: []sim.NodeConfig{{Name: "a"}, {Name: "b"}}})
		ctx := t.Context()
		pods := c.Client().CoreV1().Pods("default")
		secs := func(s int64) *int64 { return &s }
		for name, tolerations := range map[string][]corev1.Toleration{
			"default": nil,
			"short":   {{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: secs(30)}},
			"forever": {{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}},
		} {
			p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{NodeName: "a", Tolerations: tolerations,
				Containers: []corev1.Container{{Name: "main", Image: "registry.k8s.io/pause:3.10"}}}}
			if _, err := pods.Create(ctx, p, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		simtest.Eventually(t, time.Minute, "the pods Running", func() bool {
			l, _ := pods.List(ctx, metav1.ListOptions{FieldSelector: "status.phase=Running"})
			return len(l.Items) == 3
		})
		if err := c.NodeNotReady("a"); err != nil {
			t.Fatal(err)
		}
		var tainted time.Time
		simtest.Eventually(t, 2*time.Minute, "the unreachable NoExecute taint on node a", func() bool {
			n, _ := c.Client().CoreV1().Nodes().Get(ctx, "a", metav1.GetOptions{})
			for _, tt := range n.Spec.Taints {
				if tt.Key == corev1.TaintNodeUnreachable && tt.Effect == corev1.TaintEffectNoExecute && tt.TimeAdded != nil {
					tainted = tt.TimeAdded.Time
					return true
				}
			}
			return false
		})
		evictedAt := func(name string) time.Time {
			p, err := pods.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatalf("pod %s: %v", name, err)
			}
			if p.DeletionTimestamp == nil {
				return time.Time{}
			}
			return p.DeletionTimestamp.Time
		}
		simtest.Eventually(t, time.Minute, "pod short evicted", func() bool { return !evictedAt("short").IsZero() })
		// The deletion timestamp is the eviction time plus the pod's grace period (30 s);
		// timestamps are whole seconds.
		if got, want := evictedAt("short").Sub(tainted), 30*time.Second+30*time.Second; got < want-time.Second || got > want+time.Second {
			t.Errorf("pod short deleted %v after the taint (deletionTimestamp), want 30 s toleration + 30 s grace", got)
		}
		if !evictedAt("default").IsZero() {
			t.Fatal("the pod with the default tolerations was evicted with the short one")
		}
		time.Sleep(time.Until(tainted.Add(299 * time.Second)))
		if !evictedAt("default").IsZero() {
			t.Fatal("the pod with the default tolerations was evicted before its 300 s")
		}
		simtest.Eventually(t, 5*time.Second, "pod default evicted at 300 s", func() bool { return !evictedAt("default").IsZero() })
		p, _ := pods.Get(ctx, "default", metav1.GetOptions{})
		marked := false
		for _, cond := range p.Status.Conditions {
			marked = marked || cond.Type == corev1.DisruptionTarget && cond.Reason == "DeletionByTaintManager"
		}
		if !marked {
			t.Errorf("the evicted pod lacks the DisruptionTarget condition: %+v", p.Status.Conditions)
		}
		if !evictedAt("forever").IsZero() {
			t.Error("the pod that tolerates the taint forever was evicted")
		}
	})
}
