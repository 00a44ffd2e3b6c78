package deployment_test

import (
	"testing"
	"testing/synctest"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/sim"
	"flinksim/sim/simtest"
)

func deploymentOf(name, image string, deadline int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	one := int32(1)
	return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: appsv1.DeploymentSpec{
		Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels}, ProgressDeadlineSeconds: &deadline,
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: image}}}},
	}}
}

func progressing(d *appsv1.Deployment) *appsv1.DeploymentCondition {
	for i := range d.Status.Conditions {
		if d.Status.Conditions[i].Type == appsv1.DeploymentProgressing {
			return &d.Status.Conditions[i]
		}
	}
	return nil
}

// TestProgressingConditionFollowsTheRollout: the Progressing condition says what the
// rollout is doing, as the Deployment controller's getNewReplicaSet and
// syncRolloutStatus word it — NewReplicaSetCreated when the ReplicaSet is made,
// NewReplicaSetAvailable once every replica is updated and available (listed after
// Available, as SetDeploymentCondition moves a changed condition to the end) — and turns
// False with ProgressDeadlineExceeded when a rollout makes no progress for
// progressDeadlineSeconds.
func TestProgressingConditionFollowsTheRollout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simtest.Start(t, sim.Config{Seed: 5, Nodes: []sim.NodeConfig{{Name: "a"}}})
		ctx := t.Context()
		deps := c.Client().AppsV1().Deployments("default")
		w, err := deps.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=web"})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		start := time.Now()
		for _, d := range []*appsv1.Deployment{deploymentOf("web", "registry.k8s.io/pause:3.10", 60), deploymentOf("stuck", "registry.example/missing:1", 60)} {
			if _, err := deps.Create(ctx, d, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		var reasons []string
		var last *appsv1.Deployment
		for last == nil || progressing(last) == nil || progressing(last).Reason != "NewReplicaSetAvailable" {
			select {
			case ev := <-w.ResultChan():
				last = ev.Object.(*appsv1.Deployment)
				if p := progressing(last); p != nil && (len(reasons) == 0 || reasons[len(reasons)-1] != p.Reason) {
					reasons = append(reasons, p.Reason)
				}
			case <-time.After(time.Minute):
				t.Fatalf("deployment web not complete within a minute; Progressing reasons seen %v", reasons)
			}
		}
		if len(reasons) < 2 || reasons[0] != "NewReplicaSetCreated" {
			t.Errorf("Progressing reasons %v, want NewReplicaSetCreated first", reasons)
		}
		rsList, _ := c.Client().AppsV1().ReplicaSets("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if len(rsList.Items) != 1 {
			t.Fatalf("deployment web has %d ReplicaSets, want 1", len(rsList.Items))
		}
		rs := rsList.Items[0].Name
		if p := progressing(last); p.Status != corev1.ConditionTrue || p.Message != `ReplicaSet "`+rs+`" has successfully progressed.` {
			t.Errorf("Progressing %s %q, want True %q", p.Status, p.Message, `ReplicaSet "`+rs+`" has successfully progressed.`)
		}
		if got := last.Status.Conditions; len(got) != 2 || got[0].Type != appsv1.DeploymentAvailable || got[1].Type != appsv1.DeploymentProgressing {
			t.Errorf("conditions %+v, want Available then Progressing", got)
		}

		stuck := func() *appsv1.DeploymentCondition {
			d, err := deps.Get(ctx, "stuck", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return progressing(d)
		}
		time.Sleep(time.Until(start.Add(55 * time.Second)))
		if p := stuck(); p == nil || p.Status != corev1.ConditionTrue {
			t.Fatalf("deployment stuck: Progressing %+v before its 60 s deadline, want True", p)
		}
		simtest.Eventually(t, 15*time.Second, "deployment stuck past its progress deadline", func() bool {
			p := stuck()
			return p != nil && p.Status == corev1.ConditionFalse && p.Reason == "ProgressDeadlineExceeded"
		})
		rsList, _ = c.Client().AppsV1().ReplicaSets("default").List(ctx, metav1.ListOptions{LabelSelector: "app=stuck"})
		if p := stuck(); len(rsList.Items) != 1 || p.Message != `ReplicaSet "`+rsList.Items[0].Name+`" has timed out progressing.` {
			t.Errorf("Progressing message %q (ReplicaSets %d)", p.Message, len(rsList.Items))
		}
	})
}
