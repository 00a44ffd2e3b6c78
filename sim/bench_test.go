package sim

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

var (
	// The defaults are the figure (BENCHMARKS.md); -short runs 1,000 on 50.
	benchNodes = flag.Int("bench.nodes", 500, "nodes of BenchmarkTenThousandPods")
	benchPods  = flag.Int("bench.pods", 10000, "pods of BenchmarkTenThousandPods")
)

// inBubble runs f in a synctest bubble from a benchmark (a bubble needs a *testing.T,
// which a benchmark does not have: testing.RunTests provides one).
func inBubble(b *testing.B, f func(t *testing.T)) {
	b.Helper()
	ok := testing.RunTests(func(string, string) (bool, error) { return true, nil },
		[]testing.InternalTest{{Name: b.Name(), F: func(t *testing.T) { synctest.Test(t, f) }}})
	if !ok {
		b.Fatal("the bubble failed")
	}
}

// BenchmarkTenThousandPods creates pods on nodes (10,000 on 500 by default), waits
// until every one is Running, deletes them all and waits until they are gone —
// scheduler, kubelet and API server at scale, in virtual time. It reports the wall time
// in all and until every pod was Running, the simulated time and the heap when every
// pod was Running. Reproduce (-v adds the request counts):
//
//	go test ./sim -run '^$' -bench TenThousandPods -benchtime 1x -benchmem -bench.pods 10000 -bench.nodes 500
func BenchmarkTenThousandPods(b *testing.B) {
	nodes, pods := *benchNodes, *benchPods
	if testing.Short() {
		nodes, pods = 50, 1000
	}
	for b.Loop() {
		var simulated time.Duration
		var heap uint64
		start := time.Now()
		// The bubble's clock is virtual: a goroutine outside it notes the wall time at
		// which every pod was Running.
		running, runningWall := make(chan struct{}, 1), make(chan time.Duration, 1)
		go func() {
			if _, ok := <-running; ok {
				runningWall <- time.Since(start)
			}
			close(runningWall)
		}()
		bubble(b, running, func(t *testing.T) {
			cfg := Config{Seed: 1, NoEvents: true}
			for i := 0; i < nodes; i++ {
				cfg.Nodes = append(cfg.Nodes, NodeConfig{Name: fmt.Sprintf("node-%03d", i), CPU: "8", Memory: "32Gi"})
			}
			c, stop := runCluster(t, cfg)
			defer stop()
			ctx := context.Background()
			cs := c.Client()
			begin := time.Now()
			w, err := cs.CoreV1().Pods("default").Watch(ctx, metav1.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Stop()
			allRunning, allGone := make(chan struct{}), make(chan struct{})
			go func() {
				running, gone := map[string]bool{}, 0
				defer func() {
					if len(running) < pods || gone < pods {
						t.Errorf("the watch closed early: %d Running, %d gone", len(running), gone)
					}
				}()
				for ev := range w.ResultChan() {
					p, ok := ev.Object.(*corev1.Pod)
					if !ok {
						continue
					}
					switch {
					case ev.Type == watch.Deleted:
						if gone++; gone == pods {
							close(allGone)
						}
					case p.Status.Phase == corev1.PodRunning && !running[p.Name]:
						if running[p.Name] = true; len(running) == pods {
							close(allRunning)
						}
					}
				}
			}()
			for i := 0; i < pods; i++ {
				p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p-%05d", i), Namespace: "default", Labels: map[string]string{"bench": "yes"}},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "m", Image: "registry.k8s.io/pause:3.10", Resources: corev1.ResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")}}}}}}
				if _, err := cs.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			waitOrFail(t, cs, allRunning, "every pod Running")
			running <- struct{}{}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			heap = ms.HeapAlloc
			if err := cs.CoreV1().Pods("default").DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "bench=yes"}); err != nil {
				t.Fatal(err)
			}
			waitOrFail(t, cs, allGone, "every pod gone")
			simulated = time.Since(begin)
			if testing.Verbose() {
				log := c.Server().RequestLog()
				for _, verb := range []string{"list", "watch", "get", "create", "update", "patch", "delete"} {
					t.Logf("%s: %d", verb, log.Count("", verb, ""))
				}
			}
		})
		wall := time.Since(start)
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric((<-runningWall).Seconds(), "running-wall-s")
		b.ReportMetric(simulated.Seconds(), "simulated-s")
		b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
	}
}

// bubble is inBubble that closes running once f has ended, however it ended.
func bubble(b *testing.B, running chan struct{}, f func(t *testing.T)) {
	b.Helper()
	defer close(running)
	inBubble(b, f)
}

// waitOrFail waits for done, at most ten minutes of simulated time (pods start within
// two seconds; at 500 nodes a simulated hour of heartbeats costs minutes of wall time),
// and says where the pods are if they do not get there.
func waitOrFail(t *testing.T, cs kubernetes.Interface, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(10 * time.Minute):
		pods, err := cs.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{})
		if err != nil {
			t.Fatalf("not within 10 simulated minutes: %s (listing the pods: %v)", what, err)
		}
		phases := map[string]int{}
		for _, p := range pods.Items {
			where := string(p.Status.Phase)
			if p.Spec.NodeName == "" {
				where += " (unscheduled)"
			}
			phases[where]++
		}
		t.Fatalf("not within 10 simulated minutes: %s; pods by phase: %v", what, phases)
	}
}
