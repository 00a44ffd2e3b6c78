package deployment_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/sim"
	"flinksim/sim/faults"
	"flinksim/sim/simtest"
)

// eventsAbout lists the events about one object as "Type Reason: message", in the order
// of their names (the order a list gives, the recorder's nanoseconds).
func eventsAbout(t *testing.T, c *sim.Cluster, kind, name string) []string {
	t.Helper()
	l, err := c.Client().CoreV1().Events("default").List(t.Context(), metav1.ListOptions{FieldSelector: "involvedObject.kind=" + kind + ",involvedObject.name=" + name})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range l.Items {
		out = append(out, e.Type+" "+e.Reason+": "+e.Message)
		if want := map[string]string{"Deployment": "deployment-controller", "ReplicaSet": "replicaset-controller"}[kind]; e.Source.Component != want || e.ReportingController != want {
			t.Errorf("event %s from %q (reporting %q), want %q", e.Name, e.Source.Component, e.ReportingController, want)
		}
	}
	return out
}

// rolledOut waits until the Deployment's status shows every replica updated and
// available for its current generation.
func rolledOut(t *testing.T, c *sim.Cluster, name string) *appsv1.Deployment {
	t.Helper()
	var d *appsv1.Deployment
	simtest.Eventually(t, 2*time.Minute, name+" rolled out", func() bool {
		var err error
		d, err = c.Client().AppsV1().Deployments("default").Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := *d.Spec.Replicas
		return d.Status.ObservedGeneration >= d.Generation && d.Status.UpdatedReplicas == want && d.Status.Replicas == want && d.Status.AvailableReplicas == want
	})
	return d
}

func replicaSetOf(t *testing.T, c *sim.Cluster, d *appsv1.Deployment) *appsv1.ReplicaSet {
	t.Helper()
	l, err := c.Client().AppsV1().ReplicaSets("default").List(t.Context(), metav1.ListOptions{LabelSelector: "app=" + d.Name})
	if err != nil {
		t.Fatal(err)
	}
	for i := range l.Items {
		if rs := &l.Items[i]; rs.Spec.Template.Spec.Containers[0].Image == d.Spec.Template.Spec.Containers[0].Image {
			return rs
		}
	}
	t.Fatalf("no ReplicaSet of %s for image %s", d.Name, d.Spec.Template.Spec.Containers[0].Image)
	return nil
}

func update(t *testing.T, c *sim.Cluster, name string, change func(*appsv1.Deployment)) {
	t.Helper()
	deps := c.Client().AppsV1().Deployments("default")
	d, err := deps.Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	change(d)
	if _, err := deps.Update(t.Context(), d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func checkAnnotations(t *testing.T, what string, got map[string]string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: annotation %s = %q, want %q (all: %v)", what, k, got[k], v, got)
		}
	}
}

// TestRolloutEventsAndAnnotations: a rolling update, a scale-down and a rollback record
// the Deployment controller's ScalingReplicaSet events and the ReplicaSet controller's
// SuccessfulCreate and SuccessfulDelete events, worded as kube-controller-manager v1.37
// words them, and leave the revision, revision-history, desired-replicas and
// max-replicas annotations the real controller keeps.
func TestRolloutEventsAndAnnotations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simtest.Start(t, sim.Config{Seed: 7, Nodes: []sim.NodeConfig{{Name: "a"}}})
		ctx := t.Context()
		d := deploymentOf("web", "registry.k8s.io/pause:3.10", 600)
		two := int32(2)
		d.Spec.Replicas = &two
		d.Annotations = map[string]string{"team": "flink"}
		if _, err := c.Client().AppsV1().Deployments("default").Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		d = rolledOut(t, c, "web")
		first := replicaSetOf(t, c, d)
		checkAnnotations(t, "deployment web", d.Annotations, map[string]string{"deployment.kubernetes.io/revision": "1"})
		checkAnnotations(t, "first ReplicaSet", first.Annotations, map[string]string{"deployment.kubernetes.io/revision": "1",
			"deployment.kubernetes.io/desired-replicas": "2", "deployment.kubernetes.io/max-replicas": "3", "team": "flink"})

		update(t, c, "web", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "registry.k8s.io/pause:3.9" })
		d = rolledOut(t, c, "web")
		second := replicaSetOf(t, c, d)
		update(t, c, "web", func(d *appsv1.Deployment) { one := int32(1); d.Spec.Replicas = &one })
		d = rolledOut(t, c, "web")
		simtest.Eventually(t, time.Minute, "second ReplicaSet at one pod", func() bool {
			rs, _ := c.Client().AppsV1().ReplicaSets("default").Get(ctx, second.Name, metav1.GetOptions{})
			return rs.Status.Replicas == 1
		})
		checkAnnotations(t, "deployment web", d.Annotations, map[string]string{"deployment.kubernetes.io/revision": "2"})
		second, _ = c.Client().AppsV1().ReplicaSets("default").Get(ctx, second.Name, metav1.GetOptions{})
		checkAnnotations(t, "second ReplicaSet", second.Annotations, map[string]string{"deployment.kubernetes.io/revision": "2",
			"deployment.kubernetes.io/desired-replicas": "1", "deployment.kubernetes.io/max-replicas": "2"})
		first, _ = c.Client().AppsV1().ReplicaSets("default").Get(ctx, first.Name, metav1.GetOptions{})
		checkAnnotations(t, "first ReplicaSet", first.Annotations, map[string]string{"deployment.kubernetes.io/revision": "1",
			"deployment.kubernetes.io/desired-replicas": "2", "deployment.kubernetes.io/max-replicas": "3"})

		want := []string{
			"Normal ScalingReplicaSet: Scaled up replica set " + first.Name + " from 0 to 2",
			"Normal ScalingReplicaSet: Scaled up replica set " + second.Name + " from 0 to 1",
			"Normal ScalingReplicaSet: Scaled down replica set " + first.Name + " from 2 to 1",
			"Normal ScalingReplicaSet: Scaled up replica set " + second.Name + " from 1 to 2",
			"Normal ScalingReplicaSet: Scaled down replica set " + first.Name + " from 1 to 0",
			"Normal ScalingReplicaSet: Scaled down replica set " + second.Name + " from 2 to 1",
		}
		if got := eventsAbout(t, c, "Deployment", "web"); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("events of deployment web:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		rsEvents := eventsAbout(t, c, "ReplicaSet", first.Name)
		if len(rsEvents) != 4 {
			t.Errorf("events of the first ReplicaSet: %q, want two SuccessfulCreate then two SuccessfulDelete", rsEvents)
		}
		for i, e := range rsEvents {
			prefix := "Normal SuccessfulCreate: Created pod: " + first.Name + "-"
			if i >= 2 {
				prefix = "Normal SuccessfulDelete: Deleted pod: " + first.Name + "-"
			}
			if !strings.HasPrefix(e, prefix) {
				t.Errorf("event %d of the first ReplicaSet %q, want %q…", i, e, prefix)
			}
		}

		// A rollback to the first template: its ReplicaSet takes the next revision and
		// remembers its old one.
		update(t, c, "web", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "registry.k8s.io/pause:3.10" })
		d = rolledOut(t, c, "web")
		first, _ = c.Client().AppsV1().ReplicaSets("default").Get(ctx, first.Name, metav1.GetOptions{})
		checkAnnotations(t, "deployment web", d.Annotations, map[string]string{"deployment.kubernetes.io/revision": "3"})
		checkAnnotations(t, "first ReplicaSet after the rollback", first.Annotations, map[string]string{"deployment.kubernetes.io/revision": "3",
			"deployment.kubernetes.io/revision-history": "1"})
	})
}

// TestRefusedPodCreateRecordsFailedCreate: a pod create that admission refuses (a
// ResourceQuota) leaves a Warning FailedCreate event on the ReplicaSet, "Error creating:
// <the API error>", as the pod control records it.
func TestRefusedPodCreateRecordsFailedCreate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simtest.Start(t, sim.Config{Seed: 7, Nodes: []sim.NodeConfig{{Name: "a"}}})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		c.Server().AddFault(faults.Forbidden(faults.Match{Verb: "create", Resource: "pods", Labels: "app=denied"}, "exceeded quota: compute, requested: pods=1, used: pods=10, limited: pods=10"))
		if _, err := c.Client().AppsV1().Deployments("default").Create(ctx, deploymentOf("denied", "registry.k8s.io/pause:3.10", 600), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		var rs string
		simtest.Eventually(t, time.Minute, "a FailedCreate event", func() bool {
			l, _ := c.Client().AppsV1().ReplicaSets("default").List(ctx, metav1.ListOptions{LabelSelector: "app=denied"})
			if len(l.Items) == 0 {
				return false
			}
			rs = l.Items[0].Name
			return len(eventsAbout(t, c, "ReplicaSet", rs)) > 0
		})
		got := eventsAbout(t, c, "ReplicaSet", rs)[0]
		if want := "Warning FailedCreate: Error creating: pods "; !strings.HasPrefix(got, want) || !strings.HasSuffix(got, " is forbidden: exceeded quota: compute, requested: pods=1, used: pods=10, limited: pods=10") {
			t.Errorf("event %q, want %q… is forbidden: exceeded quota…", got, want)
		}
	})
}
