package jobmanager_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/config"
	"flinksim/deployer"
	"flinksim/flinkimage"
	"flinksim/flinkrest"
	"flinksim/jobjar"
	"flinksim/sim"
)

// cluster is a simulated Kubernetes cluster with the Flink image and one Flink
// session cluster on it, driven over the cluster network like a user's client.
type cluster struct {
	t    *testing.T
	sim  *sim.Cluster
	stop func()
	rest *flinkrest.Client
	tr   *http.Transport
	id   string
	// explain, if set, adds to a failure's report (e.g. process logs).
	explain func() string
}

func startCluster(t *testing.T, seed int64, opts map[string]string) *cluster {
	t.Helper()
	return startClusterWith(t, sim.Config{Seed: seed}, opts, nil)
}

// startClusterWith starts a simulated cluster of the given shape (with the Flink
// image unless simCfg brings its own images) with a session cluster on it; files are
// the client's local files (its conf dir).
func startClusterWith(t *testing.T, simCfg sim.Config, opts map[string]string, files map[string][]byte) *cluster {
	t.Helper()
	if len(simCfg.Images) == 0 {
		simCfg.Images = flinkimage.Images()
	}
	c, err := sim.New(simCfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Start(ctx) }()
	cl := &cluster{t: t, sim: c, id: "my-session", stop: func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("cluster: %v", err)
		}
	}}
	conf := config.FromMap(map[string]string{
		"jobmanager.memory.process.size": "1600m", "taskmanager.memory.process.size": "1728m",
		"kubernetes.cluster-id": cl.id, "execution.target": "kubernetes-session",
	})
	for k, v := range opts {
		conf.SetString(k, v)
	}
	d, err := deployer.New(deployer.Options{Client: c.Client(), Config: conf, Rand: rand.New(rand.NewPCG(1, 2)),
		ReadFile: func(p string) ([]byte, error) {
			if b, ok := files[p]; ok {
				return b, nil
			}
			return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
		},
		LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	client, err := d.DeploySessionCluster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cl.tr = &http.Transport{DialContext: c.Network().Host("10.244.250.250").DialContext}
	cl.rest, err = flinkrest.New(client.WebURL, &http.Client{Transport: cl.tr})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func (c *cluster) close() {
	c.tr.CloseIdleConnections()
	c.stop()
}

func (c *cluster) eventually(within time.Duration, what string, cond func() (bool, string)) {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for {
		synctest.Wait()
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			extra := ""
			if c.explain != nil {
				extra = c.explain()
			}
			c.t.Fatalf("not within %v: %s (last: %s)\n%s%s", within, what, why, c.describe(), extra)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// logTail is the last n lines of a pod's main container log.
func (c *cluster) logTail(pod string, n int) string {
	b, err := c.sim.Client().CoreV1().Pods("default").GetLogs(pod, &corev1.PodLogOptions{Container: "flink-main-container"}).DoRaw(context.Background())
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func (c *cluster) describe() string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.sim.Describe(ctx)
}

func (c *cluster) submit(example string, parallelism int) string {
	c.t.Helper()
	for _, ex := range jobjar.Examples() {
		if ex.Path == example {
			return c.submitJar(example, jobjar.MustBuild(ex.Descriptor), parallelism)
		}
	}
	c.t.Fatalf("no example %s", example)
	return ""
}

func (c *cluster) submitJar(example string, jar []byte, parallelism int) string {
	c.t.Helper()
	var id string
	c.eventually(time.Minute, "the REST endpoint takes the job", func() (bool, string) {
		jarID, err := c.rest.UploadJar(context.Background(), example, jar)
		if err != nil {
			return false, err.Error()
		}
		id, err = c.rest.RunJar(context.Background(), jarID, flinkrest.RunJarRequest{Parallelism: parallelism})
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	})
	return id
}

func (c *cluster) jobState(id string) string {
	jobs, err := c.rest.JobsOverview(context.Background())
	if err != nil {
		return err.Error()
	}
	for _, j := range jobs {
		if j.ID == id {
			return j.State
		}
	}
	return "absent"
}

func (c *cluster) taskManagerPods() []string {
	pods, err := c.sim.Client().CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "component=taskmanager"})
	if err != nil {
		c.t.Fatal(err)
	}
	var names []string
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodFailed {
			names = append(names, p.Name)
		}
	}
	sort.Strings(names)
	return names
}

func (c *cluster) allTasksRunning(id string) (bool, string) {
	jobs, err := c.rest.JobsOverview(context.Background())
	if err != nil {
		return false, err.Error()
	}
	for _, j := range jobs {
		if j.ID == id {
			return j.State == "RUNNING" && c.runningTasks(id) == c.totalTasks(id), fmt.Sprintf("%s, %d/%d tasks running", j.State, c.runningTasks(id), c.totalTasks(id))
		}
	}
	return false, "no such job"
}

func (c *cluster) counts(id string) map[string]int {
	var out struct {
		Jobs []struct {
			ID    string         `json:"jid"`
			Tasks map[string]int `json:"tasks"`
		} `json:"jobs"`
	}
	resp, err := (&http.Client{Transport: c.tr}).Get(c.rest.URL() + "/jobs/overview")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	if err := jsonDecode(resp, &out); err != nil {
		return nil
	}
	for _, j := range out.Jobs {
		if j.ID == id {
			return j.Tasks
		}
	}
	return nil
}

func (c *cluster) runningTasks(id string) int { return c.counts(id)["running"] }
func (c *cluster) totalTasks(id string) int   { return c.counts(id)["total"] }

// vertexTaskManagers asks /jobs/<id>/vertices/<vertex>/taskmanagers of every vertex
// which TaskManagers run how many of its tasks.
func (c *cluster) vertexTaskManagers(id string) map[string]int {
	get := func(path string, out any) {
		resp, err := (&http.Client{Transport: c.tr}).Get(c.rest.URL() + path)
		if err != nil {
			c.t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			c.t.Fatalf("GET %s: %s", path, resp.Status)
		}
		if err := jsonDecode(resp, out); err != nil {
			c.t.Fatal(err)
		}
	}
	var job struct {
		Vertices []struct {
			ID string `json:"id"`
		} `json:"vertices"`
	}
	get("/jobs/"+id, &job)
	running := map[string]int{}
	for _, v := range job.Vertices {
		var out struct {
			ID           string `json:"id"`
			TaskManagers []struct {
				ID     string         `json:"taskmanager-id"`
				Status string         `json:"status"`
				Counts map[string]int `json:"status-counts"`
			} `json:"taskmanagers"`
		}
		get("/jobs/"+id+"/vertices/"+v.ID+"/taskmanagers", &out)
		if out.ID != v.ID {
			c.t.Fatalf("the taskmanagers of vertex %s answer for vertex %q", v.ID, out.ID)
		}
		for _, tm := range out.TaskManagers {
			if tm.Status != "RUNNING" {
				c.t.Fatalf("vertex %s on %s: status %s, want RUNNING", v.ID, tm.ID, tm.Status)
			}
			running[tm.ID] += tm.Counts["RUNNING"]
		}
	}
	return running
}

// TestTheTaskManagersOfAVertexAreTheOnesRunningItsTasks: Flink's
// /jobs/<id>/vertices/<vertex>/taskmanagers names where a job runs.
func TestTheTaskManagersOfAVertexAreTheOnesRunningItsTasks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := startCluster(t, 1, map[string]string{"taskmanager.numberOfTaskSlots": "2"})
		defer c.close()
		id := c.submit("examples/streaming/TopSpeedWindowing.jar", 3)
		c.eventually(2*time.Minute, "all tasks run", func() (bool, string) { return c.allTasksRunning(id) })
		// Two vertices of parallelism 3 share three slots: two of one TaskManager, one of
		// the other.
		got := c.vertexTaskManagers(id)
		counts := slices.Sorted(maps.Values(got))
		if !slices.Equal(slices.Sorted(maps.Keys(got)), c.taskManagerPods()) || !slices.Equal(counts, []int{2, 4}) {
			t.Fatalf("running tasks by TaskManager %v, want 4 on one TaskManager pod and 2 on the other (%v)", got, c.taskManagerPods())
		}
		resp, err := (&http.Client{Transport: c.tr}).Get(c.rest.URL() + "/jobs/" + id + "/vertices/ffff/taskmanagers")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("an unknown vertex: %s, want 404", resp.Status)
		}
	})
}

func TestSessionClusterRunsAJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := startCluster(t, 1, map[string]string{"taskmanager.numberOfTaskSlots": "2", "restart-strategy.type": "fixed-delay",
			"restart-strategy.fixed-delay.attempts": "5"})
		defer c.close()
		id := c.submit("examples/streaming/TopSpeedWindowing.jar", 4)
		c.eventually(2*time.Minute, "all tasks run", func() (bool, string) { return c.allTasksRunning(id) })
		if pods := c.taskManagerPods(); !slices.Equal(pods, []string{"my-session-taskmanager-1-1", "my-session-taskmanager-1-2"}) {
			t.Fatalf("TaskManager pods %v, want exactly 2", pods)
		}
		if err := c.sim.Kubelet().Crash("default", "my-session-taskmanager-1-1", "", 1); err != nil {
			t.Fatal(err)
		}
		c.eventually(2*time.Minute, "a replacement pod with the next index", func() (bool, string) {
			pods := c.taskManagerPods()
			return slices.Contains(pods, "my-session-taskmanager-1-3"), strings.Join(pods, ",")
		})
		c.eventually(2*time.Minute, "all tasks run again", func() (bool, string) { return c.allTasksRunning(id) })
		if err := c.rest.CancelJob(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		c.eventually(time.Minute, "the job is CANCELED", func() (bool, string) { s := c.jobState(id); return s == "CANCELED", s })
		c.eventually(2*time.Minute, "idle TaskManagers are released", func() (bool, string) {
			pods := c.taskManagerPods()
			return len(pods) == 0, strings.Join(pods, ",")
		})
	})
}

// TestJobDetailsCountVerticesByState: the "status-counts" of /jobs/<id> counts the
// job's vertices by their aggregate state (Flink's JobDetailsHandler), while each
// vertex's "tasks" counts its subtasks.
func TestJobDetailsCountVerticesByState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := startCluster(t, 1, map[string]string{"taskmanager.numberOfTaskSlots": "3"})
		defer c.close()
		id := c.submit("examples/streaming/TopSpeedWindowing.jar", 3)
		c.eventually(2*time.Minute, "all tasks run", func() (bool, string) { return c.allTasksRunning(id) })
		var job struct {
			StatusCounts map[string]int `json:"status-counts"`
			Vertices     []struct {
				Status string         `json:"status"`
				Tasks  map[string]int `json:"tasks"`
			} `json:"vertices"`
		}
		resp, err := (&http.Client{Transport: c.tr}).Get(c.rest.URL() + "/jobs/" + id)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := jsonDecode(resp, &job); err != nil {
			t.Fatal(err)
		}
		if job.StatusCounts["RUNNING"] != 2 || len(job.Vertices) != 2 {
			t.Fatalf("status-counts %v with %d vertices, want RUNNING: 2 (the two vertices)", job.StatusCounts, len(job.Vertices))
		}
		for i, v := range job.Vertices {
			if v.Status != "RUNNING" || v.Tasks["RUNNING"] != 3 {
				t.Fatalf("vertex %d: status %s, tasks %v; want RUNNING with 3 RUNNING tasks", i, v.Status, v.Tasks)
			}
		}
	})
}

// TestCancellingAJobThatEnded: Flink's Dispatcher acknowledges the cancellation of a
// job that was cancelled already (202, so a repeated `flink cancel` succeeds), and its
// JobCancellationHandler answers 409 for a job that ended otherwise.
func TestCancellingAJobThatEnded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := startCluster(t, 1, map[string]string{"taskmanager.numberOfTaskSlots": "2"})
		defer c.close()
		ctx := context.Background()
		streaming := c.submit("examples/streaming/TopSpeedWindowing.jar", 1)
		batch := c.submit("examples/batch/WordCount.jar", 1)
		c.eventually(2*time.Minute, "the batch job is FINISHED", func() (bool, string) { s := c.jobState(batch); return s == "FINISHED", s })
		if err := c.rest.CancelJob(ctx, streaming); err != nil {
			t.Fatal(err)
		}
		c.eventually(time.Minute, "the streaming job is CANCELED", func() (bool, string) { s := c.jobState(streaming); return s == "CANCELED", s })
		if err := c.rest.CancelJob(ctx, streaming); err != nil {
			t.Fatalf("cancelling a cancelled job again: %v, want it acknowledged", err)
		}
		err := c.rest.CancelJob(ctx, batch)
		var e *flinkrest.Error
		want := "Job cancellation failed because the job has already reached another terminal state (FINISHED)."
		if !errors.As(err, &e) || e.StatusCode != http.StatusConflict || !slices.Equal(e.Errors, []string{want}) {
			t.Fatalf("cancelling a finished job: %v, want 409 %q", err, want)
		}
	})
}

// TestAnExpiredCheckpointFailsTheJobOver: Flink's CheckpointFailureManager fails the
// job over once more checkpoints in a row expired (or were not finalized) than
// execution.checkpointing.tolerable-failed-checkpoints (default 0) allows.
func TestAnExpiredCheckpointFailsTheJobOver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := startCluster(t, 1, map[string]string{"execution.checkpointing.interval": "2 s", "execution.checkpointing.timeout": "5 s"})
		defer c.close()
		id := c.submit("examples/streaming/TopSpeedWindowing.jar", 1)
		c.eventually(2*time.Minute, "all tasks run", func() (bool, string) { return c.allTasksRunning(id) })
		ip := func(component string) string {
			pods, err := c.sim.Client().CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "component=" + component})
			if err != nil || len(pods.Items) != 1 {
				t.Fatalf("%s pods: %v", component, err)
			}
			return pods.Items[0].Status.PodIP
		}
		// The TaskManager no longer hears the JobManager: checkpoints expire long before
		// the heartbeat timeout (50 s) would fail the job over.
		c.sim.Network().Partition(ip("jobmanager"), ip("taskmanager"))
		want := "org.apache.flink.util.FlinkRuntimeException: Exceeded checkpoint tolerable failure threshold. The latest checkpoint failed due to Checkpoint expired before completing."
		c.eventually(15*time.Second, "the job fails over because its checkpoint expired", func() (bool, string) {
			var out struct {
				History struct {
					Entries []struct {
						Stacktrace string `json:"stacktrace"`
					} `json:"entries"`
				} `json:"exceptionHistory"`
			}
			resp, err := (&http.Client{Transport: c.tr}).Get(c.rest.URL() + "/jobs/" + id + "/exceptions")
			if err != nil {
				return false, err.Error()
			}
			defer resp.Body.Close()
			if err := jsonDecode(resp, &out); err != nil {
				return false, err.Error()
			}
			for _, e := range out.History.Entries {
				if strings.HasPrefix(e.Stacktrace, want) {
					return true, ""
				}
			}
			return false, fmt.Sprintf("exceptions %+v", out.History.Entries)
		})
		c.sim.Network().Heal("")
	})
}

// TestAFailedJobsResultIsSuppressedRecovery: a job the restart strategy lets fail ends
// with Flink's JobException "Recovery is suppressed by <strategy>", caused by the task's
// failure, as its execution result's failure-cause.
func TestAFailedJobsResultIsSuppressedRecovery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := startCluster(t, 1, nil)
		defer c.close()
		d := jobjar.Examples()[0].Descriptor
		d.Failures = []jobjar.Failure{{Subtask: 0, After: "1 s", Message: "java.lang.RuntimeException: boom"}}
		id := c.submitJar("failing.jar", jobjar.MustBuild(d), 1)
		c.eventually(2*time.Minute, "the job is FAILED", func() (bool, string) { s := c.jobState(id); return s == "FAILED", s })
		res, done, err := c.rest.JobExecutionResult(context.Background(), id)
		if err != nil || !done {
			t.Fatalf("execution result: %v (done %v)", err, done)
		}
		want := "org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\nCaused by: java.lang.RuntimeException: boom"
		if res.ApplicationStatus != "FAILED" || res.FailureCause == nil || res.FailureCause.Class != "org.apache.flink.runtime.JobException" ||
			!strings.HasPrefix(res.FailureCause.StackTrace, want) {
			t.Fatalf("result %+v (cause %+v), want FAILED with %q", res, res.FailureCause, want)
		}
	})
}
