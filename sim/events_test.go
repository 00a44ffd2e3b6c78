package sim

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// eventsOf lists a pod's events as "reason fieldPath: message", in the order recorded.
func eventsOf(t *testing.T, c *Cluster, pod string) []string {
	t.Helper()
	l, err := c.Client().CoreV1().Events("default").List(t.Context(), metav1.ListOptions{FieldSelector: "involvedObject.name=" + pod})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range l.Items {
		out = append(out, e.Reason+" "+e.InvolvedObject.FieldPath+": "+e.Message)
	}
	return out
}

func pausePod(name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "registry.k8s.io/pause:3.10"}}}}
}

// TestPodLifeEventsAreWordedLikeTheRealOnes: the scheduler's Scheduled and the kubelet's
// Pulling, Pulled, Created, Started and Killing events, as kube-scheduler and the v1.37
// kubelet word them; a node pulls an image once.
func TestPodLifeEventsAreWordedLikeTheRealOnes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, stop := runCluster(t, Config{Seed: 11, Nodes: []NodeConfig{{Name: "only"}}})
		defer stop()
		ctx := t.Context()
		pods := c.Client().CoreV1().Pods("default")
		for _, name := range []string{"first", "second"} {
			if _, err := pods.Create(ctx, pausePod(name), metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			eventually(t, time.Minute, name+" Running", func() bool {
				p, _ := pods.Get(ctx, name, metav1.GetOptions{})
				return p.Status.Phase == corev1.PodRunning
			})
		}
		if err := pods.Delete(ctx, "first", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, time.Minute, "first gone", func() bool {
			_, err := pods.Get(ctx, "first", metav1.GetOptions{})
			return err != nil
		})
		want := []string{
			"Scheduled : Successfully assigned default/first to only",
			`Pulling spec.containers{main}: Pulling image "registry.k8s.io/pause:3.10"`,
			`Pulled spec.containers{main}: Successfully pulled image "registry.k8s.io/pause:3.10" in 0s (0s including waiting). Image size: 0 bytes.`,
			"Created spec.containers{main}: Container created",
			"Started spec.containers{main}: Container started",
			"Killing spec.containers{main}: Stopping container main",
		}
		if got := eventsOf(t, c, "first"); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("events of first:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if got := eventsOf(t, c, "second"); len(got) < 2 || got[1] != `Pulled spec.containers{main}: Container image "registry.k8s.io/pause:3.10" already present on machine` {
			t.Errorf("the node has the image: want an 'already present' Pulled event, got:\n%s", strings.Join(got, "\n"))
		}
	})
}

func TestNoEventsRecordsNone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, stop := runCluster(t, Config{Seed: 11, NoEvents: true})
		defer stop()
		ctx := t.Context()
		if _, err := c.Client().CoreV1().Pods("default").Create(ctx, pausePod("quiet"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, time.Minute, "Running", func() bool {
			p, _ := c.Client().CoreV1().Pods("default").Get(ctx, "quiet", metav1.GetOptions{})
			return p.Status.Phase == corev1.PodRunning
		})
		if got := eventsOf(t, c, "quiet"); len(got) != 0 {
			t.Errorf("NoEvents, yet:\n%s", strings.Join(got, "\n"))
		}
	})
}
