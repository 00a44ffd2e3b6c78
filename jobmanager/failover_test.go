package jobmanager_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/dfs"
	"flinksim/flinkimage"
	"flinksim/jobmanager"
	"flinksim/sim"
	"flinksim/sim/faults"
)

var (
	failoverSchedules = flag.Int("failover.schedules", 200, "random failover schedules TestRandomizedFailover runs (20 with -short or -race)")
	failoverSeed      = flag.Int64("failover.seed", 0, "run only the schedule of this seed (a failure prints it)")
)

// TestRandomizedFailover runs seeded random schedules of leader kills, leader crashes,
// API errors and latency, and network partitions against an HA session cluster with
// three JobManagers running a checkpointing job, and checks throughout that at most
// one JobManager acts as leader at any simulated instant and that the job's
// checkpoint ids only grow; after the faults stop, the job must run again (no job is
// lost). Each schedule runs in its own bubble, which fails on leaked goroutines.
func TestRandomizedFailover(t *testing.T) {
	n := *failoverSchedules
	if testing.Short() || raceEnabled {
		n = min(n, 20)
	}
	seeds := make([]int64, n)
	for i := range seeds {
		seeds[i] = int64(i + 1)
	}
	if *failoverSeed != 0 {
		seeds = []int64{*failoverSeed}
	}
	total := faultCount{}
	for _, seed := range seeds {
		var got faultCount
		ok := t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { got = runFailoverSchedule(t, seed) })
		})
		if !ok {
			t.Fatalf("schedule %d failed; rerun it alone: go test ./jobmanager -run TestRandomizedFailover -failover.seed %d", seed, seed)
		}
		total.add(got)
	}
	t.Logf("%d schedules, %d faults injected: %s", len(seeds), total.sum(), total)
}

// faultCount counts the faults of a schedule by kind.
type faultCount map[string]int

func (c faultCount) add(o faultCount) {
	for k, v := range o {
		c[k] += v
	}
}

func (c faultCount) sum() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

func (c faultCount) String() string {
	var parts []string
	for _, k := range []string{"delete-leader", "crash-leader", "api-errors", "api-latency", "partition-leader", "crash-taskmanager"} {
		parts = append(parts, fmt.Sprintf("%s %d", k, c[k]))
	}
	return strings.Join(parts, ", ")
}

// leadership records the JobManagers' terms as they begin and end.
type leadership struct {
	t        *testing.T
	mu       sync.Mutex
	acting   map[string]string // pod → session
	overlaps []string
	terms    int
	// ended is set when the schedule's test returns: the processes of the stopped
	// cluster may still revoke terms while they wind down, and a test's log may not
	// be written after its function returned.
	ended bool
}

// end stops the logging; terms ending afterwards are not recorded.
func (l *leadership) end() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ended = true
}

func (l *leadership) observe(c jobmanager.LeadershipChange) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		return
	}
	l.t.Logf("%s %s leading=%v session %s", time.Now().UTC().Format("15:04:05.000"), c.Pod, c.Leading, c.Session)
	if !c.Leading {
		if l.acting[c.Pod] == c.Session {
			delete(l.acting, c.Pod)
		}
		return
	}
	l.terms++
	for pod, session := range l.acting {
		if pod != c.Pod {
			l.overlaps = append(l.overlaps, fmt.Sprintf("%s: %s began session %s while %s still led with %s",
				time.Now().UTC().Format("15:04:05.000"), c.Pod, c.Session, pod, session))
		}
	}
	l.acting[c.Pod] = c.Session
}

func runFailoverSchedule(t *testing.T, seed int64) faultCount {
	rng := rand.New(rand.NewPCG(uint64(seed), 0xfa17))
	store := dfs.New()
	lead := &leadership{t: t, acting: map[string]string{}}
	defer lead.end() // after c.close, deferred below
	c := startClusterWith(t, sim.Config{Seed: seed,
		Images: flinkimage.ImagesWith(flinkimage.Options{ObjectStore: store, OnLeadership: lead.observe})},
		map[string]string{
			"high-availability.type": "kubernetes", "high-availability.storageDir": "file:///flink-ha",
			"kubernetes.jobmanager.replicas": "3", "taskmanager.numberOfTaskSlots": "2",
			"restart-strategy.type": "fixed-delay", "restart-strategy.fixed-delay.attempts": "1000",
			"restart-strategy.fixed-delay.delay": "1 s",
		}, nil)
	defer c.close()
	c.explain = func() string {
		var b strings.Builder
		pods, _ := c.sim.Client().CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{})
		for _, p := range pods.Items {
			fmt.Fprintf(&b, "\n--- log of %s:\n%s\n", p.Name, c.logTail(p.Name, 25))
		}
		return b.String()
	}
	id := c.submit("examples/streaming/StateMachineExample.jar", 2)
	c.eventually(3*time.Minute, "the job runs", func() (bool, string) { return c.allTasksRunning(id) })

	faultsDone := time.Now().Add(4 * time.Minute)
	counts := faultCount{}
	schedule := make(chan struct{})
	go func() {
		defer close(schedule)
		for time.Now().Before(faultsDone) {
			time.Sleep(time.Duration(10+rng.IntN(40)) * time.Second)
			if !time.Now().Before(faultsDone) {
				return
			}
			kind := c.injectFault(rng)
			t.Logf("%s fault: %s", time.Now().UTC().Format("15:04:05.000"), kind)
			counts[kind]++
		}
	}()

	// Watch the invariants while the faults happen and while the cluster recovers.
	var lastCheckpoint int64
	checkpoints := func() string {
		cp, err := c.latestCheckpoint(id)
		if err != nil || cp == 0 {
			return "" // unknown now (no leader, or a JobMaster still recovering)
		}
		if cp < lastCheckpoint {
			t.Errorf("seed %d: the latest checkpoint went back from %d to %d", seed, lastCheckpoint, cp)
		}
		lastCheckpoint = max(lastCheckpoint, cp)
		return ""
	}
	for time.Now().Before(faultsDone) {
		time.Sleep(5 * time.Second)
		checkpoints()
	}
	<-schedule
	c.healAll()
	c.eventually(5*time.Minute, "the job runs again after the faults", func() (bool, string) {
		checkpoints()
		return c.allTasksRunning(id)
	})
	before := lastCheckpoint
	c.eventually(2*time.Minute, "the job checkpoints again", func() (bool, string) {
		checkpoints()
		return lastCheckpoint > before, fmt.Sprintf("latest checkpoint %d", lastCheckpoint)
	})
	lead.mu.Lock()
	defer lead.mu.Unlock()
	for _, o := range lead.overlaps {
		t.Errorf("seed %d: two JobManagers led at once: %s", seed, o)
	}
	if len(lead.acting) != 1 {
		t.Errorf("seed %d: %d JobManagers lead at the end, want 1: %v", seed, len(lead.acting), lead.acting)
	}
	return counts
}

// injectFault applies one random fault and returns its kind.
func (c *cluster) injectFault(rng *rand.Rand) string {
	ctx := context.Background()
	leader := c.leaderPod()
	kinds := []string{"delete-leader", "crash-leader", "api-errors", "api-latency", "partition-leader", "crash-taskmanager"}
	kind := kinds[rng.IntN(len(kinds))]
	if leader == "" && strings.HasSuffix(kind, "-leader") {
		kind = "api-errors"
	}
	switch kind {
	case "delete-leader":
		_ = c.sim.Client().CoreV1().Pods("default").Delete(ctx, leader, metav1.DeleteOptions{})
	case "crash-leader":
		_ = c.sim.Kubelet().Crash("default", leader, "", 1)
	case "api-errors":
		f := faults.Error(faults.Match{Resource: "configmaps", Verb: "get,update,create"}, 500, metav1.StatusReasonInternalError, "etcdserver: request timed out",
			faults.Probability(0.3+0.5*rng.Float64(), rng.Int64()), faults.For(time.Duration(5+rng.IntN(30))*time.Second))
		c.sim.Server().AddFault(f)
	case "api-latency":
		f := faults.Latency(faults.Match{Resource: "configmaps", Verb: "update"}, time.Duration(1+rng.IntN(25))*time.Second,
			faults.For(time.Duration(10+rng.IntN(30))*time.Second))
		c.sim.Server().AddFault(f)
	case "partition-leader":
		p, err := c.sim.Client().CoreV1().Pods("default").Get(ctx, leader, metav1.GetOptions{})
		if err == nil && p.Status.PodIP != "" {
			ip := p.Status.PodIP
			c.sim.Network().Isolate(ip)
			d := time.Duration(10+rng.IntN(50)) * time.Second
			time.AfterFunc(d, func() { c.sim.Network().Heal(ip) })
		}
	case "crash-taskmanager":
		if pods := c.taskManagerPods(); len(pods) > 0 {
			_ = c.sim.Kubelet().Crash("default", pods[rng.IntN(len(pods))], "", 1)
		}
	}
	return kind
}

// healAll ends every partition (the API faults end by themselves).
func (c *cluster) healAll() { c.sim.Network().Heal("") }

// leaderPod is the JobManager pod the cluster ConfigMap names as the REST leader.
func (c *cluster) leaderPod() string {
	ctx := context.Background()
	cm, err := c.sim.Client().CoreV1().ConfigMaps("default").Get(ctx, c.id+"-cluster-config-map", metav1.GetOptions{})
	if err != nil {
		return ""
	}
	v := cm.Data["org.apache.flink.k8s.leader.restserver"]
	_, addr, ok := strings.Cut(v, ",")
	if !ok {
		return ""
	}
	host := strings.TrimPrefix(addr, "http://")
	host, _, _ = strings.Cut(host, ":")
	pods, err := c.sim.Client().CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "component=jobmanager"})
	if err != nil {
		return ""
	}
	for _, p := range pods.Items {
		if p.Status.PodIP == host && p.DeletionTimestamp == nil {
			return p.Name
		}
	}
	return ""
}

// latestCheckpoint is the id of the job's latest completed checkpoint (0 for none).
func (c *cluster) latestCheckpoint(id string) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.rest.URL()+"/jobs/"+id+"/checkpoints", nil)
	resp, err := (&http.Client{Transport: c.tr}).Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, errors.New(resp.Status)
	}
	var out struct {
		Latest struct {
			Completed *struct {
				ID int64 `json:"id"`
			} `json:"completed"`
		} `json:"latest"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return 0, err
	}
	if out.Latest.Completed == nil {
		return 0, nil
	}
	return out.Latest.Completed.ID, nil
}
