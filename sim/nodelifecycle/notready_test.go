package nodelifecycle_test

import (
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/sim"
	"flinksim/sim/simtest"
)

// TestPodsOfAnUnreachableNodeTurnNotReady: when a node's Ready condition leaves True,
// the node lifecycle controller sets the Ready condition of its pods to False
// (MarkPodsNotReady) with a NodeNotReady event, so that the EndpointSlice controller
// stops routing to them long before their eviction; when the node's kubelet is back it
// reports the pods Ready again.
func TestPodsOfAnUnreachableNodeTurnNotReady(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simtest.Start(t, sim.Config{Seed: 3, Nodes: []sim.NodeConfig{{Name: "a"}}})
		ctx := t.Context()
		cs := c.Client()
		pods := cs.CoreV1().Pods("default")
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"app": "web"}}, Spec: corev1.PodSpec{NodeName: "a",
			Containers: []corev1.Container{{Name: "main", Image: "registry.k8s.io/pause:3.10"}}}}
		if _, err := pods.Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"},
			Ports: []corev1.ServicePort{{Name: "http", Port: 80}}}}
		if _, err := cs.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		podReady := func() corev1.ConditionStatus {
			p, err := pods.Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, cond := range p.Status.Conditions {
				if cond.Type == corev1.PodReady {
					return cond.Status
				}
			}
			return ""
		}
		endpointReady := func() (ready, found bool) {
			l, _ := cs.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=web"})
			for _, s := range l.Items {
				for _, ep := range s.Endpoints {
					if ep.TargetRef != nil && ep.TargetRef.Name == "web" {
						return ep.Conditions.Ready != nil && *ep.Conditions.Ready, true
					}
				}
			}
			return false, false
		}
		simtest.Eventually(t, time.Minute, "pod web ready behind its Service", func() bool {
			ready, _ := endpointReady()
			return podReady() == corev1.ConditionTrue && ready
		})
		if err := c.NodeNotReady("a"); err != nil {
			t.Fatal(err)
		}
		simtest.Eventually(t, 2*time.Minute, "pod web marked not ready", func() bool { return podReady() == corev1.ConditionFalse })
		simtest.Eventually(t, 10*time.Second, "the endpoint of pod web not ready", func() bool {
			ready, found := endpointReady()
			return found && !ready
		})
		if p, _ := pods.Get(ctx, "web", metav1.GetOptions{}); p.DeletionTimestamp != nil {
			t.Fatal("pod web was evicted before its 300 s toleration")
		}
		evs, _ := cs.CoreV1().Events("default").List(ctx, metav1.ListOptions{})
		var podEvent, nodeEvent bool
		for _, e := range evs.Items {
			podEvent = podEvent || e.InvolvedObject.Kind == "Pod" && e.InvolvedObject.Name == "web" && e.Reason == "NodeNotReady" &&
				e.Type == corev1.EventTypeWarning && e.Message == "Node is not ready"
			nodeEvent = nodeEvent || e.InvolvedObject.Kind == "Node" && e.InvolvedObject.Name == "a" && e.Reason == "NodeNotReady" &&
				e.Message == "Node a status is now: NodeNotReady"
		}
		if !podEvent || !nodeEvent {
			t.Errorf("NodeNotReady events: on the pod %v, on the node %v; want both", podEvent, nodeEvent)
		}
		if err := c.NodeReady("a"); err != nil {
			t.Fatal(err)
		}
		simtest.Eventually(t, time.Minute, "pod web ready again behind its Service", func() bool {
			ready, _ := endpointReady()
			return podReady() == corev1.ConditionTrue && ready
		})
	})
}

// TestPodOfADeletedNodeFailsBeforeItIsRemoved: the pod garbage collector does not just
// force-delete the pods of a node that is gone: it first moves each unfinished one to
// phase Failed with the DisruptionTarget condition, reason DeletionByPodGC, so that
// watchers see how it ended.
func TestPodOfADeletedNodeFailsBeforeItIsRemoved(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simtest.Start(t, sim.Config{Seed: 3, Nodes: []sim.NodeConfig{{Name: "a"}}})
		ctx := t.Context()
		pods := c.Client().CoreV1().Pods("default")
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{NodeName: "a",
			Containers: []corev1.Container{{Name: "main", Image: "registry.k8s.io/pause:3.10"}}}}
		if _, err := pods.Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		simtest.Eventually(t, time.Minute, "pod p Running", func() bool {
			got, _ := pods.Get(ctx, "p", metav1.GetOptions{})
			return got.Status.Phase == corev1.PodRunning
		})
		w, err := pods.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=p"})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		if err := c.DeleteNode("a"); err != nil {
			t.Fatal(err)
		}
		var last *corev1.Pod
		for done := false; !done; {
			select {
			case ev := <-w.ResultChan():
				if ev.Type == "DELETED" {
					done = true
					break
				}
				last = ev.Object.(*corev1.Pod)
			case <-time.After(2 * time.Minute):
				t.Fatal("pod p not removed within 2 minutes of its node's deletion")
			}
		}
		if last == nil || last.Status.Phase != corev1.PodFailed {
			t.Fatalf("pod p's last status before removal: %+v, want phase Failed", last)
		}
		found := false
		for _, cond := range last.Status.Conditions {
			found = found || cond.Type == corev1.DisruptionTarget && cond.Status == corev1.ConditionTrue &&
				cond.Reason == "DeletionByPodGC" && cond.Message == "PodGC: node no longer exists"
		}
		if !found {
			t.Errorf("pod p lacks DisruptionTarget DeletionByPodGC: %+v", last.Status.Conditions)
		}
	})
}
