package jobmanager_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/jobjar"
	"flinksim/sim"
)

var (
	churnTaskManagers = flag.Int("churn.taskmanagers", 0, "run the TaskManager churn benchmark with this many TaskManagers (0: skip)")
	churnMinutes      = flag.Int("churn.minutes", 60, "simulated minutes of the churn benchmark")
	churnShare        = flag.Float64("churn.share", 0.1, "share of the TaskManager pods killed every simulated minute")
)

// TestTaskManagerChurn is the churn benchmark of BENCHMARKS.md ("TaskManager churn"):
// a job over N TaskManagers of one slot, and every simulated minute a share of the
// TaskManager pods is killed (exit 137). Each minute the job must be back to all
// tasks running before the next kills, no pod may be left behind, and the number of
// goroutines must not grow. Run it with
//
//	go test ./jobmanager -run TestTaskManagerChurn -churn.taskmanagers=1000 -v -timeout 2h
func TestTaskManagerChurn(t *testing.T) {
	n := *churnTaskManagers
	if n == 0 {
		t.Skip("the churn benchmark runs with -churn.taskmanagers=<n>")
	}
	wallStart := time.Now()
	var simulated time.Duration
	synctest.Test(t, func(t *testing.T) { simulated = churn(t, n) })
	wall := time.Since(wallStart)
	t.Logf("TaskManager churn: %d TaskManagers, %d simulated minutes, %.0f%% killed per minute: simulated %v in %v wall (%.0fx)",
		n, *churnMinutes, *churnShare*100, simulated.Round(time.Second), wall.Round(time.Second), simulated.Seconds()/wall.Seconds())
}

// BenchmarkTaskManagerChurn is TestTaskManagerChurn as a Go benchmark, reporting the
// simulated time and the simulated/wall ratio:
//
//	go test ./jobmanager -run '^$' -bench TaskManagerChurn -benchtime 1x -churn.taskmanagers=1000 -timeout 1h
func BenchmarkTaskManagerChurn(b *testing.B) {
	n := *churnTaskManagers
	if n == 0 {
		n = 100
	}
	for b.Loop() {
		var simulated time.Duration
		start := time.Now()
		ok := testing.RunTests(func(string, string) (bool, error) { return true, nil },
			[]testing.InternalTest{{Name: b.Name(), F: func(t *testing.T) { synctest.Test(t, func(t *testing.T) { simulated = churn(t, n) }) }}})
		if !ok {
			b.Fatal("the churn run failed")
		}
		wall := time.Since(start)
		b.ReportMetric(simulated.Seconds(), "simulated-s")
		b.ReportMetric(simulated.Seconds()/wall.Seconds(), "simulated/wall")
	}
}

// churn runs the scenario inside a bubble and returns the simulated time it covered.
func churn(t *testing.T, n int) time.Duration {
	var simulated time.Duration
	{
		start := time.Now()
		perNode := 50
		var nodes []sim.NodeConfig
		for i := range n/perNode + 3 {
			nodes = append(nodes, sim.NodeConfig{Name: fmt.Sprintf("node-%d", i+1), CPU: "64", Memory: "128Gi", Pods: 110})
		}
		c := startClusterWith(t, sim.Config{Seed: 7, Nodes: nodes, NoEvents: true}, map[string]string{
			"taskmanager.numberOfTaskSlots":         "1",
			"restart-strategy.type":                 "fixed-delay",
			"restart-strategy.fixed-delay.attempts": "1000000",
			"restart-strategy.fixed-delay.delay":    "1 s",
		}, map[string][]byte{"/opt/flink/conf/log4j-console.properties": []byte("rootLogger.level = WARN\n")})
		defer c.close()
		jar := jobjar.MustBuild(jobjar.Descriptor{Name: "churn", EntryClass: "org.example.Churn", Type: jobjar.Streaming})
		id := c.submitJar("churn.jar", jar, n)
		c.eventually(10*time.Minute, "all tasks run", func() (bool, string) { return c.allTasksRunning(id) })
		t.Logf("%d TaskManagers run the job after %v (simulated)", n, time.Since(start).Round(time.Second))
		r := rand.New(rand.NewPCG(7, 7))
		kill := int(float64(n) * *churnShare)
		goroutines := []int{}
		for minute := 1; minute <= *churnMinutes; minute++ {
			tick := time.Now()
			pods := c.runningTaskManagerPods()
			r.Shuffle(len(pods), func(i, j int) { pods[i], pods[j] = pods[j], pods[i] })
			for _, p := range pods[:min(kill, len(pods))] {
				if err := c.sim.Kubelet().Crash("default", p, "", 137); err != nil {
					t.Fatalf("minute %d: killing %s: %v", minute, p, err)
				}
			}
			var recovered time.Duration
			c.eventually(time.Minute-time.Second, fmt.Sprintf("minute %d: the job runs all tasks again", minute), func() (bool, string) {
				ok, why := c.allTasksRunning(id)
				if ok {
					recovered = time.Since(tick)
				}
				return ok, why
			})
			time.Sleep(time.Until(tick.Add(time.Minute)))
			synctest.Wait()
			goroutines = append(goroutines, runtime.NumGoroutine())
			if got := len(c.taskManagerPods()); got != n {
				t.Fatalf("minute %d: %d TaskManager pods, want %d (leaked or missing pods)", minute, got, n)
			}
			if minute%10 == 0 || minute == 1 {
				t.Logf("minute %d: killed %d TaskManagers, all tasks running again after %v; %d goroutines", minute, kill, recovered.Round(100*time.Millisecond),
					runtime.NumGoroutine())
			}
		}
		if first, last := goroutines[0], goroutines[len(goroutines)-1]; last > first+first/20 {
			t.Errorf("goroutines grew from %d to %d over the run", first, last)
		}
		t.Logf("goroutines per minute: min %d, max %d", slices.Min(goroutines), slices.Max(goroutines))
		simulated = time.Since(start)
	}
	return simulated
}

// runningTaskManagerPods lists the Running TaskManager pods that are not being deleted.
func (c *cluster) runningTaskManagerPods() []string {
	pods, err := c.sim.Client().CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "component=taskmanager"})
	if err != nil {
		c.t.Fatal(err)
	}
	var names []string
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning {
			names = append(names, p.Name)
		}
	}
	slices.Sort(names)
	return names
}
