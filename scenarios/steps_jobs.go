package scenarios

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"flinksim/config"
	"flinksim/deployer"
	"flinksim/dfs"
	"flinksim/flinkimage"
	"flinksim/flinkrest"
	"flinksim/jobjar"
	"flinksim/sim/apiserver"
	"flinksim/sim/faults"
)

// jobSide is the per-scenario state of the job steps: the jobs submitted (by name),
// the object store the cluster's Flink pods reach, the node a fault took away, and
// the pods and API-server faults that fault steps began.
type jobSide struct {
	*World
	store    *dfs.FS
	jobs     map[string]submittedJob
	lostNode string
	// watchesBefore is the number of pod watches before the last watch fault.
	watchesBefore int
	// picked is the pod a step last named, by "TaskManager" or "JobManager" (for
	// "that TaskManager pod", "that JobManager"; see targets.go).
	picked map[string]targetPod
	// The pods that faults which a later step ends hold, by the words that named them
	// when the fault began: hung, cut off from the API server, cut off from the
	// JobManagers (with the IPs the cut separates).
	hung        map[string]string
	cutOff      map[string]string
	cutFromJobs map[string]networkCut
	// apiFaults are the API-server faults steps installed, for "… answers normally again".
	apiFaults []*faults.Fault
}

// submittedJob is a job a step submitted, known by its name.
type submittedJob struct {
	cluster, id string
}

// registerJobSteps registers the steps of jobs and TaskManagers (this file) and of
// pod, node and API faults (steps_faults.go).
func (w *World) registerJobSteps(sc *godog.ScenarioContext) {
	j := &jobSide{World: w, jobs: map[string]submittedJob{}}
	j.registerHASteps(sc)
	sc.Step(`^I deploy a session cluster "([^"]*)" with the options:$`, j.iDeployASessionClusterWithTheOptions)
	sc.Step(`^I submit the example "([^"]*)" to "([^"]*)"$`, j.iSubmitTheExample)
	sc.Step(`^I submit the example "([^"]*)" to "([^"]*)" with parallelism (\d+)$`, j.iSubmitTheExampleWithParallelism)
	sc.Step(`^I submit the job "([^"]*)" to "([^"]*)":$`, j.iSubmitTheJob)
	sc.Step(`^I cancel the job "([^"]*)"$`, j.iCancelTheJob)
	sc.Step(`^within (.+) the job "([^"]*)" is (CREATED|RUNNING|RESTARTING|FAILING|FAILED|CANCELLING|CANCELED|FINISHED|SUSPENDED)$`, j.withinTheJobIs)
	sc.Step(`^the job "([^"]*)" is (CREATED|RUNNING|RESTARTING|FAILING|FAILED|CANCELLING|CANCELED|FINISHED|SUSPENDED)$`, j.theJobIs)
	sc.Step(`^within (.+) all (\d+) tasks of the job "([^"]*)" are running$`, j.withinAllTasksAreRunning)
	sc.Step(`^the job "([^"]*)" has restarted (\d+) times?$`, j.theJobHasRestarted)
	sc.Step(`^within (.+) the job "([^"]*)" has completed at least (\d+) checkpoints?$`, j.withinTheJobHasCompletedCheckpoints)
	sc.Step(`^the result of the job "([^"]*)" is (SUCCEEDED|FAILED|CANCELED)$`, j.theResultOfTheJobIs)
	sc.Step(`^the restarts of the job "([^"]*)" came (\d+ (?:milliseconds?|seconds?|minutes?)|a (?:second|minute)) or more apart$`, j.theRestartsCameApart)
	sc.Step(`^the latest failure of the job "([^"]*)" mentions "([^"]*)"$`, j.theLatestFailureMentions)

	sc.Step(`^within (.+) "([^"]*)" has exactly (\d+) TaskManager pods?$`, j.withinHasExactlyTaskManagerPods)
	sc.Step(`^the TaskManager pods of "([^"]*)" are "([^"]*)"$`, j.theTaskManagerPodsAre)
	sc.Step(`^within (.+) the TaskManager pods of "([^"]*)" are "([^"]*)"$`, j.withinTheTaskManagerPodsAre)
	sc.Step(`^within (.+) the TaskManager pod "([^"]*)" is (Running|Pending)$`, j.withinTheTaskManagerPodIs)
	sc.Step(`^within (.+) the TaskManager pod "([^"]*)" is Running on another node$`, j.withinTheTaskManagerPodIsRunningOnAnotherNode)
	sc.Step(`^for (.+) the TaskManager pod "([^"]*)" stays Pending$`, j.forTheTaskManagerPodStaysPending)
	sc.Step(`^for (.+) the TaskManager pods of "([^"]*)" remain$`, j.forTheTaskManagerPodsRemain)
	sc.Step(`^within (.+) no TaskManager pod of "([^"]*)" remains$`, j.withinNoTaskManagerPodRemains)
	sc.Step(`^"([^"]*)" created (\d+) TaskManager pods?$`, j.createdTaskManagerPods)
	sc.Step(`^the TaskManager pod creations of "([^"]*)" were attempted at (.+)$`, j.thePodCreationsWereAttemptedAt)
	sc.Step(`^"([^"]*)" attempted between (\d+) and (\d+) TaskManager pod creations$`, j.attemptedBetweenPodCreations)
	sc.Step(`^"([^"]*)" attempted at most (\d+) TaskManager pod creations? in any minute$`, j.attemptedAtMostPodCreationsPerMinute)
	sc.Step(`^within (.+) (\d+) TaskManagers? (?:is|are) registered with "([^"]*)"$`, j.withinTaskManagersAreRegistered)
	sc.Step(`^within (.+) the log of the JobManager of "([^"]*)" contains "([^"]*)"$`, j.withinTheJobManagerLogContains)
	sc.Step(`^the log of the JobManager of "([^"]*)" contains "([^"]*)"$`, j.theJobManagerLogContains)
	sc.Step(`^the log of the JobManager of "([^"]*)" does not contain "([^"]*)"$`, j.theJobManagerLogDoesNotContain)
	sc.Step(`^within (.+) the log of the TaskManager pod "([^"]*)" contains "([^"]*)"$`, j.withinTheTaskManagerLogContains)
	sc.Step(`^the log of the TaskManager pod "([^"]*)" does not contain "([^"]*)"$`, j.theTaskManagerLogDoesNotContain)
	sc.Step(`^I change the root log level of "([^"]*)" to (TRACE|DEBUG|INFO|WARN|ERROR) in its configmap$`, j.iChangeTheRootLogLevel)

	sc.Step(`^the object store has the example "([^"]*)" at "([^"]*)"$`, j.theObjectStoreHasTheExampleAt)
	sc.Step(`^I deploy an application cluster "([^"]*)" running "([^"]*)"$`, j.iDeployAnApplicationCluster)
	sc.Step(`^I deploy an application cluster "([^"]*)" running "([^"]*)" with the options:$`, j.iDeployAnApplicationClusterWith)
	sc.Step(`^I deploy an application cluster "([^"]*)" running "([^"]*)" with the configuration:$`, j.iDeployAnApplicationClusterWithTheConfiguration)
	sc.Step(`^within (.+) the REST endpoint of "([^"]*)" lists the job "([^"]*)"$`, j.withinTheRESTEndpointListsTheJob)
	j.registerFaultSteps(sc)
	j.registerAPIFaultSteps(sc)
	j.registerNetworkSteps(sc)
	j.registerNodeSteps(sc)
	j.registerWatchSteps(sc)
	w.registerRBACSteps(sc)
	w.registerOwnerSteps(sc)
}

// ---- submitting and following jobs ------------------------------------------------------

// restClient is a client of a cluster's REST endpoint, calling from inside the
// cluster network; done releases its connections.
func (j *jobSide) restClient(id string) (*flinkrest.Client, func(), error) {
	client, ok := j.clients[j.clientKey(id)]
	if !ok {
		return nil, nil, fmt.Errorf("no cluster %q was deployed in this scenario", id)
	}
	tr := &http.Transport{DialContext: j.cluster.Network().Host(inClusterClientIP).DialContext}
	c, err := flinkrest.New(client.WebURL, &http.Client{Transport: tr, Timeout: 10 * time.Second})
	if err != nil {
		return nil, nil, err
	}
	return c, tr.CloseIdleConnections, nil
}

func example(path string) (jobjar.Descriptor, error) {
	var names []string
	for _, ex := range jobjar.Examples() {
		if strings.TrimPrefix(ex.Path, "examples/") == strings.TrimPrefix(path, "examples/") {
			return ex.Descriptor, nil
		}
		names = append(names, strings.TrimPrefix(ex.Path, "examples/"))
	}
	return jobjar.Descriptor{}, fmt.Errorf("no example %q: the image ships %s", path, strings.Join(names, ", "))
}

// submit uploads a jar and runs it, retrying while the REST endpoint does not answer
// yet (the JobManager may still be starting).
func (j *jobSide) submit(id string, d jobjar.Descriptor, parallelism int) error {
	jar, err := jobjar.Build(d)
	if err != nil {
		return err
	}
	var jobID string
	err = eventually(2*time.Minute, fmt.Sprintf("the REST endpoint of %q takes the job %q", id, d.Name), func() (bool, string, error) {
		c, done, err := j.restClient(id)
		if err != nil {
			return false, "", err
		}
		defer done()
		ctx := context.Background()
		jarID, err := c.UploadJar(ctx, jobFileName(d), jar)
		if err != nil {
			return false, err.Error(), nil
		}
		jobID, err = c.RunJar(ctx, jarID, flinkrest.RunJarRequest{Parallelism: parallelism})
		if err != nil {
			var ferr *flinkrest.Error
			if errors.As(err, &ferr) && ferr.StatusCode == http.StatusBadRequest {
				return false, "", err
			}
			return false, err.Error(), nil
		}
		return true, "", nil
	})
	if err != nil {
		return err
	}
	j.jobs[d.Name] = submittedJob{cluster: id, id: jobID}
	j.tracef("submitted job %q (%s) to %q with parallelism %d", d.Name, jobID, id, parallelism)
	return nil
}

func jobFileName(d jobjar.Descriptor) string {
	name := d.EntryClass[strings.LastIndex(d.EntryClass, ".")+1:]
	return name + ".jar"
}

func (j *jobSide) iSubmitTheExample(path, id string) error {
	d, err := example(path)
	if err != nil {
		return err
	}
	return j.submit(id, d, 0)
}

func (j *jobSide) iSubmitTheExampleWithParallelism(path, id string, p int) error {
	d, err := example(path)
	if err != nil {
		return err
	}
	return j.submit(id, d, p)
}

// iSubmitTheJob submits a simulated job described by a table: type, parallelism,
// duration, checkpoint interval, and "fails" rows like "subtask 0 after 30 seconds"
// or "subtask 1 after 10 seconds in the first 2 attempts".
func (j *jobSide) iSubmitTheJob(name, id string, table *godog.Table) error {
	d := jobjar.Descriptor{Name: name, EntryClass: "org.example." + strings.ReplaceAll(name, " ", ""), Type: jobjar.Streaming}
	for _, row := range table.Rows {
		if len(row.Cells) != 2 {
			return fmt.Errorf("job table rows have two cells: | property | value |")
		}
		key, value := strings.TrimSpace(row.Cells[0].Value), strings.TrimSpace(row.Cells[1].Value)
		switch key {
		case "type":
			d.Type = jobjar.JobType(strings.ToUpper(value))
		case "parallelism":
			p, err := strconv.Atoi(value)
			if err != nil {
				return fmt.Errorf("parallelism %q: write a number", value)
			}
			d.Parallelism = p
		case "duration":
			d.Duration = flinkDuration(value)
		case "checkpoint interval":
			d.CheckpointInterval = flinkDuration(value)
		case "fails":
			f, err := parseFailure(value)
			if err != nil {
				return err
			}
			d.Failures = append(d.Failures, f)
		default:
			if d.Configuration == nil {
				d.Configuration = map[string]string{}
			}
			d.Configuration[key] = value
		}
	}
	return j.submit(id, d, 0)
}

// flinkDuration turns "30 seconds" into Flink's "30 s" (Flink accepts both).
func flinkDuration(s string) string {
	if d, err := parseDuration(s); err == nil {
		return config.FormatDuration(d)
	}
	return s
}

// parseFailure reads "subtask N after D[ in the first K attempts][ with "message"]".
func parseFailure(s string) (jobjar.Failure, error) {
	var f jobjar.Failure
	rest, ok := strings.CutPrefix(s, "subtask ")
	if !ok {
		return f, fmt.Errorf("fails %q: write \"subtask <n> after <duration>[ in the first <k> attempts]\"", s)
	}
	num, rest, _ := strings.Cut(rest, " after ")
	n, err := strconv.Atoi(num)
	if err != nil {
		return f, fmt.Errorf("fails %q: subtask %q is not a number", s, num)
	}
	f.Subtask = n
	dur, attempts, hasAttempts := strings.Cut(rest, " in the first ")
	f.After = flinkDuration(dur)
	if hasAttempts {
		k, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(attempts, " attempts"), " attempt"))
		if err != nil {
			return f, fmt.Errorf("fails %q: %q is not a number of attempts", s, attempts)
		}
		f.Attempts = k
	}
	return f, nil
}

func (j *jobSide) job(name string) (submittedJob, error) {
	sj, ok := j.jobs[name]
	if !ok {
		var known []string
		for n := range j.jobs {
			known = append(known, n)
		}
		slices.Sort(known)
		return sj, fmt.Errorf("no job %q was submitted in this scenario (submitted: %s)", name, strings.Join(known, ", "))
	}
	return sj, nil
}

// jobInfo is what /jobs/<id> says about a job.
type jobInfo struct {
	State      string           `json:"state"`
	Timestamps map[string]int64 `json:"timestamps"`
	Vertices   []struct {
		Parallelism int `json:"parallelism"`
		// Tasks counts the vertex's subtasks by state (the job's own
		// "status-counts" counts vertices, not tasks).
		Tasks map[string]int `json:"tasks"`
	} `json:"vertices"`
}

// taskCounts counts the job's tasks by state, over its vertices.
func (info jobInfo) taskCounts() map[string]int {
	out := map[string]int{}
	for _, v := range info.Vertices {
		for s, n := range v.Tasks {
			out[s] += n
		}
	}
	return out
}

func (j *jobSide) jobInfo(name string) (jobInfo, error) {
	var info jobInfo
	sj, err := j.job(name)
	if err != nil {
		return info, err
	}
	err = j.rest(sj.cluster, "/jobs/"+sj.id, &info)
	return info, err
}

func (j *jobSide) iCancelTheJob(name string) error {
	sj, err := j.job(name)
	if err != nil {
		return err
	}
	c, done, err := j.restClient(sj.cluster)
	if err != nil {
		return err
	}
	defer done()
	j.tracef("cancel job %q (%s)", name, sj.id)
	return c.CancelJob(context.Background(), sj.id)
}

func (j *jobSide) withinTheJobIs(within, name, state string) error {
	d, err := parseDuration(within)
	if err != nil {
		return err
	}
	if _, err := j.job(name); err != nil {
		return err
	}
	return eventually(d, fmt.Sprintf("the job %q is %s", name, state), func() (bool, string, error) {
		info, err := j.jobInfo(name)
		if err != nil {
			return false, err.Error(), nil
		}
		if info.State == state {
			j.tracef("job %q is %s", name, state)
		}
		return info.State == state, info.State, nil
	})
}

func (j *jobSide) theJobIs(name, state string) error {
	settle()
	info, err := j.jobInfo(name)
	if err != nil {
		return err
	}
	if info.State != state {
		return fmt.Errorf("the job %q is %s, not %s", name, info.State, state)
	}
	return nil
}

func (j *jobSide) withinAllTasksAreRunning(within string, n int, name string) error {
	d, err := parseDuration(within)
	if err != nil {
		return err
	}
	if _, err := j.job(name); err != nil {
		return err
	}
	return eventually(d, fmt.Sprintf("all %d tasks of the job %q run", n, name), func() (bool, string, error) {
		info, err := j.jobInfo(name)
		if err != nil {
			return false, err.Error(), nil
		}
		total := 0
		for _, v := range info.Vertices {
			total += v.Parallelism
		}
		if total != n {
			return false, "", fmt.Errorf("the job %q has %d tasks, not %d", name, total, n)
		}
		counts := info.taskCounts()
		ok := info.State == "RUNNING" && counts["RUNNING"] == n
		if ok {
			j.tracef("all %d tasks of job %q run", n, name)
		}
		return ok, fmt.Sprintf("job %s, tasks %v", info.State, nonZero(counts)), nil
	})
}

func nonZero(m map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

// metric reads one job metric.
func (j *jobSide) metric(name, metric string) (string, error) {
	sj, err := j.job(name)
	if err != nil {
		return "", err
	}
	var out []struct{ ID, Value string }
	if err := j.rest(sj.cluster, "/jobs/"+sj.id+"/metrics?get="+metric, &out); err != nil {
		return "", err
	}
	if len(out) != 1 {
		return "", fmt.Errorf("the JobManager has no metric %s for job %q", metric, name)
	}
	return out[0].Value, nil
}

func (j *jobSide) theJobHasRestarted(name string, n int) error {
	v, err := j.metric(name, "numRestarts")
	if err != nil {
		return err
	}
	if v != strconv.Itoa(n) {
		return fmt.Errorf("the job %q restarted %s times, want %d", name, v, n)
	}
	return nil
}

func (j *jobSide) withinTheJobHasCompletedCheckpoints(within, name string, n int) error {
	d, err := parseDuration(within)
	if err != nil {
		return err
	}
	sj, err := j.job(name)
	if err != nil {
		return err
	}
	return eventually(d, fmt.Sprintf("the job %q completed %d checkpoints", name, n), func() (bool, string, error) {
		var out struct {
			Counts map[string]int `json:"counts"`
		}
		if err := j.rest(sj.cluster, "/jobs/"+sj.id+"/checkpoints", &out); err != nil {
			return false, err.Error(), nil
		}
		return out.Counts["completed"] >= n, fmt.Sprintf("%v", out.Counts), nil
	})
}

func (j *jobSide) theResultOfTheJobIs(name, status string) error {
	sj, err := j.job(name)
	if err != nil {
		return err
	}
	c, done, err := j.restClient(sj.cluster)
	if err != nil {
		return err
	}
	defer done()
	res, ok, err := c.JobExecutionResult(context.Background(), sj.id)
	switch {
	case err != nil:
		return err
	case !ok:
		return fmt.Errorf("the job %q has no result yet: it has not finished", name)
	case res.ApplicationStatus != status:
		return fmt.Errorf("the result of the job %q is %s, want %s", name, res.ApplicationStatus, status)
	}
	return nil
}

// exceptionHistory lists the job's failures, newest first.
func (j *jobSide) exceptionHistory(name string) ([]struct {
	Stacktrace string `json:"stacktrace"`
	Timestamp  int64  `json:"timestamp"`
}, error) {
	sj, err := j.job(name)
	if err != nil {
		return nil, err
	}
	var out struct {
		History struct {
			Entries []struct {
				Stacktrace string `json:"stacktrace"`
				Timestamp  int64  `json:"timestamp"`
			} `json:"entries"`
		} `json:"exceptionHistory"`
	}
	err = j.rest(sj.cluster, "/jobs/"+sj.id+"/exceptions", &out)
	return out.History.Entries, err
}

func (j *jobSide) theRestartsCameApart(name, gap string) error {
	d, err := parseDuration(gap)
	if err != nil {
		return err
	}
	entries, err := j.exceptionHistory(name)
	if err != nil {
		return err
	}
	if len(entries) < 2 {
		return fmt.Errorf("the job %q failed %d times: nothing to compare", name, len(entries))
	}
	for i := 0; i+1 < len(entries); i++ {
		if apart := time.Duration(entries[i].Timestamp-entries[i+1].Timestamp) * time.Millisecond; apart < d {
			return fmt.Errorf("two failures of the job %q came %v apart, less than %v", name, apart, d)
		}
	}
	return nil
}

func (j *jobSide) theLatestFailureMentions(name, fragment string) error {
	entries, err := j.exceptionHistory(name)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return fmt.Errorf("the job %q has not failed", name)
	}
	if !strings.Contains(entries[0].Stacktrace, fragment) {
		return fmt.Errorf("the latest failure of the job %q does not mention %q: %s", name, fragment, entries[0].Stacktrace)
	}
	return nil
}

// ---- TaskManager pods ---------------------------------------------------------------

func taskManagerSelector(id string) string {
	return labels.SelectorFromSet(labels.Set{"type": "flink-native-kubernetes", "app": id, "component": "taskmanager"}).String()
}

// taskManagerPods lists a cluster's TaskManager pods that are not being deleted.
func (j *jobSide) taskManagerPods(id string) ([]corev1.Pod, error) {
	return j.livePods(taskManagerSelector(id), func(corev1.Pod) bool { return true })
}

// livePods lists the pods of the selector that are not being deleted and that keep
// accepts, by name.
func (j *jobSide) livePods(selector string, keep func(corev1.Pod) bool) ([]corev1.Pod, error) {
	cs, err := j.kube()
	if err != nil {
		return nil, err
	}
	list, err := cs.CoreV1().Pods(j.namespace).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil && keep(p) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b corev1.Pod) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func podNames(pods []corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

func describePods(pods []corev1.Pod) string {
	var out []string
	for _, p := range pods {
		out = append(out, fmt.Sprintf("%s (%s on %q)", p.Name, p.Status.Phase, p.Spec.NodeName))
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

func (j *jobSide) withinHasExactlyTaskManagerPods(within, id string, n int) error {
	return waitUntil(within, fmt.Sprintf("%q has %d TaskManager pods", id, n), func() (bool, string, error) {
		pods, err := j.taskManagerPods(id)
		if err != nil {
			return false, "", err
		}
		return len(pods) == n, describePods(pods), nil
	})
}

func splitNames(list string) []string {
	var out []string
	for _, n := range strings.Split(list, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

func (j *jobSide) theTaskManagerPodsAre(id, list string) error {
	pods, err := j.taskManagerPods(id)
	if err != nil {
		return err
	}
	if got := podNames(pods); !slices.Equal(got, splitNames(list)) {
		return fmt.Errorf("the TaskManager pods of %q are %s, want %s", id, describePods(pods), list)
	}
	return nil
}

func (j *jobSide) withinTheTaskManagerPodsAre(within, id, list string) error {
	return waitUntil(within, fmt.Sprintf("the TaskManager pods of %q are %s", id, list), func() (bool, string, error) {
		pods, err := j.taskManagerPods(id)
		if err != nil {
			return false, "", err
		}
		return slices.Equal(podNames(pods), splitNames(list)), describePods(pods), nil
	})
}

func (j *jobSide) pod(name string) (*corev1.Pod, error) {
	cs, err := j.kube()
	if err != nil {
		return nil, err
	}
	return cs.CoreV1().Pods(j.namespace).Get(context.Background(), name, metav1.GetOptions{})
}

func podState(p *corev1.Pod) string {
	s := string(p.Status.Phase)
	if p.DeletionTimestamp != nil {
		s += ", terminating"
	}
	if p.Spec.NodeName != "" {
		s += " on " + p.Spec.NodeName
	}
	return s
}

func (j *jobSide) withinTheTaskManagerPodIs(within, name, phase string) error {
	return waitUntil(within, fmt.Sprintf("the TaskManager pod %q is %s", name, phase), func() (bool, string, error) {
		p, err := j.pod(name)
		if err != nil {
			return false, err.Error(), nil
		}
		ok := string(p.Status.Phase) == phase && p.DeletionTimestamp == nil
		if ok {
			j.tracef("TaskManager pod %s is %s", name, podState(p))
		}
		return ok, podState(p), nil
	})
}

func (j *jobSide) withinTheTaskManagerPodIsRunningOnAnotherNode(within, name string) error {
	if j.lostNode == "" {
		return fmt.Errorf("no node was taken away in this scenario")
	}
	return waitUntil(within, fmt.Sprintf("the TaskManager pod %q runs on a node other than %s", name, j.lostNode), func() (bool, string, error) {
		p, err := j.pod(name)
		if err != nil {
			return false, err.Error(), nil
		}
		if p.Status.Phase == corev1.PodRunning && p.Spec.NodeName == j.lostNode {
			return false, "", fmt.Errorf("the TaskManager pod %q runs on the lost node %s", name, j.lostNode)
		}
		ok := p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil
		if ok {
			j.tracef("TaskManager pod %s is %s", name, podState(p))
		}
		return ok, podState(p), nil
	})
}

func (j *jobSide) forTheTaskManagerPodStaysPending(within, name string) error {
	return holdsFor(within, fmt.Sprintf("the TaskManager pod %q stays Pending", name), func() (bool, string, error) {
		p, err := j.pod(name)
		if err != nil {
			return false, "", fmt.Errorf("the TaskManager pod %q: %w", name, err)
		}
		return p.Status.Phase == corev1.PodPending && p.DeletionTimestamp == nil, podState(p), nil
	})
}

func (j *jobSide) forTheTaskManagerPodsRemain(within, id string) error {
	before, err := j.taskManagerPods(id)
	if err != nil {
		return err
	}
	if len(before) == 0 {
		return fmt.Errorf("%q has no TaskManager pods", id)
	}
	return holdsFor(within, fmt.Sprintf("the TaskManager pods of %q remain %s", id, describePods(before)), func() (bool, string, error) {
		pods, err := j.taskManagerPods(id)
		if err != nil {
			return false, "", err
		}
		return slices.Equal(podNames(pods), podNames(before)), describePods(pods), nil
	})
}

func (j *jobSide) withinNoTaskManagerPodRemains(within, id string) error {
	return waitUntil(within, fmt.Sprintf("no TaskManager pod of %q remains", id), func() (bool, string, error) {
		pods, err := j.taskManagerPods(id)
		if err != nil {
			return false, "", err
		}
		if len(pods) == 0 {
			j.tracef("no TaskManager pod of %q remains", id)
		}
		return len(pods) == 0, describePods(pods), nil
	})
}

// podCreations are the create requests for a cluster's TaskManager pods, successful
// or not.
func (j *jobSide) podCreations(id string) []apiserver.Entry {
	prefix := id + "-taskmanager-"
	return j.cluster.Server().RequestLog().Entries(func(e apiserver.Entry) bool {
		return e.Verb == "create" && e.Resource.Resource == "pods" && e.Subresource == "" && strings.HasPrefix(e.Name, prefix)
	})
}

func (j *jobSide) createdTaskManagerPods(id string, n int) error {
	if _, err := j.kube(); err != nil {
		return err
	}
	names := j.observedPodCreations(id + "-taskmanager-")
	if j.cluster.Server() != nil {
		names = nil
		for _, e := range j.podCreations(id) {
			names = append(names, e.Name)
		}
	}
	if len(names) != n {
		return fmt.Errorf("%q created %d TaskManager pods (%s), want %d", id, len(names), strings.Join(names, ", "), n)
	}
	return nil
}

// thePodCreationsWereAttemptedAt compares the times of the pod creations, relative to
// the first, with a list like "+0s, +0s, +10s, +20s".
func (j *jobSide) thePodCreationsWereAttemptedAt(id, list string) error {
	if _, err := j.kube(); err != nil {
		return err
	}
	entries := j.podCreations(id)
	var got []string
	for _, e := range entries {
		got = append(got, fmt.Sprintf("+%ds", int(e.Time.Sub(entries[0].Time).Round(time.Second)/time.Second)))
	}
	var want []string
	for _, w := range strings.Split(strings.ReplaceAll(list, " and ", ", "), ",") {
		want = append(want, strings.TrimSpace(w))
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("the TaskManager pod creations of %q were attempted at %s, want %s", id, strings.Join(got, ", "), strings.Join(want, ", "))
	}
	return nil
}

// attemptedBetweenPodCreations checks the number of TaskManager pod creations that
// reached the API server, successful or refused.
// Example: Then "my-session" attempted between 100 and 130 TaskManager pod creations
func (j *jobSide) attemptedBetweenPodCreations(id string, low, high int) error {
	if _, err := j.kube(); err != nil {
		return err
	}
	settle()
	if n := len(j.podCreations(id)); n < low || n > high {
		return fmt.Errorf("%q attempted %d TaskManager pod creations, want between %d and %d", id, n, low, high)
	}
	return nil
}

// attemptedAtMostPodCreationsPerMinute checks the densest minute of TaskManager pod
// creations (a sliding window over the request log): the start-failure rate
// (resourcemanager.start-worker.max-failure-rate) bounds it.
// Example: Then "my-session" attempted at most 3 TaskManager pod creations in any minute
func (j *jobSide) attemptedAtMostPodCreationsPerMinute(id string, n int) error {
	if _, err := j.kube(); err != nil {
		return err
	}
	settle()
	entries := j.podCreations(id)
	first := 0
	for i, e := range entries {
		for e.Time.Sub(entries[first].Time) >= time.Minute {
			first++
		}
		if in := i - first + 1; in > n {
			return fmt.Errorf("%q attempted %d TaskManager pod creations within a minute from %s, want at most %d",
				id, in, entries[first].Time.Sub(entries[0].Time).Round(time.Second), n)
		}
	}
	j.tracef("%q attempted %d TaskManager pod creations, at most %d in any minute", id, len(entries), n)
	return nil
}

func (j *jobSide) withinTaskManagersAreRegistered(within string, n int, id string) error {
	return waitUntil(within, fmt.Sprintf("%d TaskManagers are registered with %q", n, id), func() (bool, string, error) {
		var out struct {
			TaskManagers []struct {
				ID string `json:"id"`
			} `json:"taskmanagers"`
		}
		if err := j.rest(id, "/taskmanagers", &out); err != nil {
			return false, err.Error(), nil
		}
		var ids []string
		for _, tm := range out.TaskManagers {
			ids = append(ids, tm.ID)
		}
		if len(ids) == n {
			j.tracef("TaskManagers registered with %q: %s", id, strings.Join(ids, ", "))
		}
		return len(ids) == n, strings.Join(ids, ", "), nil
	})
}

// ---- logs ----------------------------------------------------------------------------

func (j *jobSide) podLog(name string) (string, error) {
	cs, err := j.kube()
	if err != nil {
		return "", err
	}
	b, err := cs.CoreV1().Pods(j.namespace).GetLogs(name, &corev1.PodLogOptions{Container: "flink-main-container"}).DoRaw(context.Background())
	return string(b), err
}

func (j *jobSide) jobManagerPod(id string) (string, error) {
	cs, err := j.kube()
	if err != nil {
		return "", err
	}
	pods, err := cs.CoreV1().Pods(j.namespace).List(context.Background(), metav1.ListOptions{LabelSelector: jobManagerSelector(id)})
	if err != nil {
		return "", err
	}
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil && p.Spec.NodeName != "" {
			return p.Name, nil
		}
	}
	return "", fmt.Errorf("%q has no JobManager pod", id)
}

func (j *jobSide) withinTheJobManagerLogContains(within, id, fragment string) error {
	d, err := parseDuration(within)
	if err != nil {
		return err
	}
	return j.awaitLogLine(d, fmt.Sprintf("the log of the JobManager of %q contains %q", id, fragment), func() (string, error) { return j.jobManagerPod(id) }, fragment)
}

// awaitLogLine waits until the log of the pod that pod names contains fragment.
func (j *jobSide) awaitLogLine(d time.Duration, what string, pod func() (string, error), fragment string) error {
	return eventually(d, what, func() (bool, string, error) {
		name, err := pod()
		if err != nil {
			return false, err.Error(), nil
		}
		log, err := j.podLog(name)
		if err != nil {
			return false, err.Error(), nil
		}
		return strings.Contains(log, fragment), lastLines(log, 3), nil
	})
}

func (j *jobSide) theJobManagerLogContains(id, fragment string) error {
	log, err := j.jobManagerLog(id)
	if err != nil {
		return err
	}
	if !strings.Contains(log, fragment) {
		return fmt.Errorf("the log of the JobManager of %q does not contain %q (last lines: %s)", id, fragment, lastLines(log, 3))
	}
	return nil
}

// jobManagerLog is the log of a cluster's JobManager, once the scenario settled.
func (j *jobSide) jobManagerLog(id string) (string, error) {
	settle()
	name, err := j.jobManagerPod(id)
	if err != nil {
		return "", err
	}
	return j.podLog(name)
}

// theJobManagerLogDoesNotContain checks the log of a cluster's JobManager.
// Example: And the log of the JobManager of "my-session" does not contain "timed out."
func (j *jobSide) theJobManagerLogDoesNotContain(id, fragment string) error {
	log, err := j.jobManagerLog(id)
	if err != nil {
		return err
	}
	if i := strings.Index(log, fragment); i >= 0 {
		start := strings.LastIndex(log[:i], "\n") + 1
		end := strings.Index(log[i:], "\n")
		if end < 0 {
			end = len(log) - i
		}
		return fmt.Errorf("the log of the JobManager of %q contains %q: %s", id, fragment, log[start:i+end])
	}
	return nil
}

func (j *jobSide) withinTheTaskManagerLogContains(within, name, fragment string) error {
	d, err := parseDuration(within)
	if err != nil {
		return err
	}
	return j.awaitLogLine(d, fmt.Sprintf("the log of %q contains %q", name, fragment), func() (string, error) { return name, nil }, fragment)
}

func (j *jobSide) theTaskManagerLogDoesNotContain(name, fragment string) error {
	settle()
	log, err := j.podLog(name)
	if err != nil {
		return err
	}
	if strings.Contains(log, fragment) {
		return fmt.Errorf("the log of %q contains %q", name, fragment)
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// ---- object store and application clusters -----------------------------------------

// objectStore attaches an object store to the cluster: the Flink image's processes
// reach it for s3:// and shared file:// URIs.
func (j *jobSide) objectStore() (*dfs.FS, error) {
	if j.store != nil {
		return j.store, nil
	}
	if _, err := j.kube(); err != nil {
		return nil, err
	}
	j.store = dfs.New()
	for _, img := range flinkimage.ImagesWith(flinkimage.Options{ObjectStore: j.store}) {
		j.cluster.Images().Push(img)
	}
	return j.store, nil
}

func (j *jobSide) theObjectStoreHasTheExampleAt(path, uri string) error {
	d, err := example(path)
	if err != nil {
		return err
	}
	store, err := j.objectStore()
	if err != nil {
		return err
	}
	if scheme, rest, ok := strings.Cut(uri, "://"); ok && scheme != "file" {
		bucket, _, _ := strings.Cut(rest, "/")
		if err := store.MakeBucket(scheme + "://" + bucket); err != nil {
			return err
		}
	}
	return store.Put(context.Background(), uri, jobjar.MustBuild(d))
}

func (j *jobSide) iDeployAnApplicationCluster(id, jar string) error {
	return j.deployApplication(id, jar, config.New())
}

// iDeployASessionClusterWithTheOptions deploys a session cluster with the options of
// a | key | value | table.
func (j *jobSide) iDeployASessionClusterWithTheOptions(id string, table *godog.Table) error {
	conf, err := options(table)
	if err != nil {
		return err
	}
	return j.deploySession(id, conf)
}

func (j *jobSide) iDeployAnApplicationClusterWith(id, jar string, table *godog.Table) error {
	conf, err := options(table)
	if err != nil {
		return err
	}
	return j.deployApplication(id, jar, conf)
}

// iDeployAnApplicationClusterWithTheConfiguration deploys an application cluster with
// options written as a config.yaml (nested or flat keys), as the session step does.
//
//	I deploy an application cluster "my-app" running "local:///opt/flink/examples/batch/WordCount.jar" with the configuration:
//	  """
//	  taskmanager:
//	    numberOfTaskSlots: 2
//	  """
func (j *jobSide) iDeployAnApplicationClusterWithTheConfiguration(id, jar string, doc *godog.DocString) error {
	conf, err := options(doc)
	if err != nil {
		return err
	}
	return j.deployApplication(id, jar, conf)
}

func (j *jobSide) deployApplication(id, jar string, opts *config.Configuration) error {
	conf := distributionConfig()
	conf.AddAll(opts)
	conf.SetString(config.KubernetesClusterID.Key(), id)
	conf.SetString(config.ExecutionTarget.Key(), "kubernetes-application")
	conf.SetString(config.PipelineJars.Key(), jar)
	d, err := j.descriptor(conf)
	if err != nil {
		return err
	}
	client, err := d.DeployApplicationCluster(j.ctx, deployer.ApplicationConfiguration{})
	if err != nil {
		return err
	}
	j.clients[j.clientKey(id)] = client
	j.tracef("deployed application cluster %q running %s", id, jar)
	return nil
}

func (j *jobSide) withinTheRESTEndpointListsTheJob(within, id, name string) error {
	return waitUntil(within, fmt.Sprintf("the REST endpoint of %q lists the job %q", id, name), func() (bool, string, error) {
		c, done, err := j.restClient(id)
		if err != nil {
			return false, "", err
		}
		defer done()
		jobs, err := c.JobsOverview(context.Background())
		if err != nil {
			return false, err.Error(), nil
		}
		var seen []string
		for _, job := range jobs {
			if job.Name == name {
				j.jobs[name] = submittedJob{cluster: id, id: job.ID}
				return true, "", nil
			}
			seen = append(seen, job.Name)
		}
		return false, strings.Join(seen, ", "), nil
	})
}

// ---- logging --------------------------------------------------------------------------

// iChangeTheRootLogLevel edits the logging configuration in flink-config-<id>, as the
// Flink docs suggest for changing the log level of a running cluster:
// rootLogger.level of log4j-console.properties, else <root level> of
// logback-console.xml.
// Example: When I change the root log level of "my-session" to DEBUG in its configmap
func (j *jobSide) iChangeTheRootLogLevel(id, level string) error {
	cs, err := j.kube()
	if err != nil {
		return err
	}
	name := "flink-config-" + id
	cm, err := cs.CoreV1().ConfigMaps(j.namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	file := "log4j-console.properties"
	if props, ok := cm.Data[file]; ok {
		cm.Data[file] = withLog4jRootLevel(props, level)
	} else if xml, ok := cm.Data["logback-console.xml"]; ok {
		file = "logback-console.xml"
		if !logbackRootLevel.MatchString(xml) {
			return fmt.Errorf("configmap %q: logback-console.xml has no <root level=\"…\">", name)
		}
		cm.Data[file] = logbackRootLevel.ReplaceAllString(xml, `${1}`+level+`${3}`)
	} else {
		return fmt.Errorf("configmap %q has neither log4j-console.properties nor logback-console.xml: deploy with one in the client's conf dir", name)
	}
	_, err = cs.CoreV1().ConfigMaps(j.namespace).Update(context.Background(), cm, metav1.UpdateOptions{})
	j.tracef("root log level of %q set to %s in %s of configmap %s", id, level, file, name)
	return err
}

var logbackRootLevel = regexp.MustCompile(`(<root\b[^>]*\blevel\s*=\s*")([^"]*)(")`)

func withLog4jRootLevel(props, level string) string {
	var lines []string
	found := false
	for _, l := range strings.Split(props, "\n") {
		if k, _, ok := strings.Cut(l, "="); ok && strings.TrimSpace(k) == "rootLogger.level" {
			l, found = "rootLogger.level = "+level, true
		}
		lines = append(lines, l)
	}
	if !found {
		lines = append(lines, "rootLogger.level = "+level)
	}
	return strings.Join(lines, "\n")
}
