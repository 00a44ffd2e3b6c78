package scenarios

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Fault steps name the pod they strike by name or by its role in a Flink cluster:
//
//	the TaskManager pod "my-session-taskmanager-1-1"
//	any TaskManager pod of "my-session"            a Running TaskManager pod of the cluster
//	any TaskManager pod of the job "Top Speed"     a Running one that runs a task of the job
//	the JobManager of "my-session"                 its only JobManager pod
//	the leading JobManager of "my-session"         the pod of the HA leader
//	a standby JobManager of "my-session"           a Running JobManager pod that does not lead
//	that TaskManager pod / that JobManager         the pod the last step that named one picked
//
// "any" and "a standby" pick the first such pod by name, so a scenario picks the same
// pod in every run. A role names the pod it finds when the step runs: "the leading
// JobManager" is another pod once a standby took over. A step that ends a fault
// ("… resumes", "… reaches the API server again") therefore finds the pod that the
// same words named when the fault began.

// Target patterns, each one capturing group.
const (
	tmNamed      = `the TaskManager pod "[^"]*"`
	tmOfCluster  = `any TaskManager pod of "[^"]*"`
	tmOfJob      = `any TaskManager pod of the job "[^"]*"`
	tmThat       = `that TaskManager pod`
	jmOnly       = `the JobManager of "[^"]*"`
	jmLeading    = `the leading JobManager of "[^"]*"`
	jmStandby    = `a standby JobManager of "[^"]*"`
	jmThat       = `that JobManager`
	tmTarget     = `(` + tmNamed + `|` + tmOfCluster + `|` + tmOfJob + `|` + tmThat + `)`
	anyPodTarget = `(` + tmNamed + `|` + tmOfCluster + `|` + tmOfJob + `|` + tmThat + `|` + jmOnly + `|` + jmLeading + `|` + jmStandby + `|` + jmThat + `)`
	// notLeadingTarget leaves out "the leading JobManager of", which steps_ha.go has
	// steps of its own for ("… crashes", "… is deleted").
	notLeadingTarget = `(` + tmNamed + `|` + tmOfCluster + `|` + tmOfJob + `|` + tmThat + `|` + jmOnly + `|` + jmStandby + `|` + jmThat + `)`
)

var targetRE = regexp.MustCompile(`^(?:(the TaskManager pod)|(any TaskManager pod of the job)|(any TaskManager pod of)|(the JobManager of)|(the leading JobManager of)|(a standby JobManager of)) "([^"]*)"$`)

// targetPod is a pod a step picked, and the role that picked it.
type targetPod struct {
	name    string
	manager string // "TaskManager" or "JobManager"
}

// resolvePod finds the pod a target phrase names (see above) and remembers it for
// "that TaskManager pod" / "that JobManager".
func (j *jobSide) resolvePod(phrase string) (targetPod, error) {
	switch phrase {
	case tmThat, jmThat:
		manager := strings.Fields(phrase)[1]
		t, ok := j.picked[manager]
		if !ok {
			return t, fmt.Errorf("%q: no earlier step of this scenario named a %s pod", phrase, manager)
		}
		return t, nil
	}
	m := targetRE.FindStringSubmatch(phrase)
	if m == nil {
		return targetPod{}, fmt.Errorf("%q names no pod: write e.g. the TaskManager pod \"<name>\", any TaskManager pod of \"<cluster>\", any TaskManager pod of the job \"<job>\", the leading JobManager of \"<cluster>\" or a standby JobManager of \"<cluster>\"", phrase)
	}
	if _, err := j.kube(); err != nil {
		return targetPod{}, err
	}
	arg := m[7]
	var t targetPod
	var err error
	switch {
	case m[1] != "":
		t, err = j.namedTaskManager(arg)
	case m[2] != "":
		t, err = j.anyTaskManagerOfJob(arg)
	case m[3] != "":
		t, err = j.anyTaskManagerOf(arg)
	case m[4] != "":
		t, err = j.onlyJobManager(arg)
	case m[5] != "":
		t, err = j.leadingJobManager(arg)
	default:
		t, err = j.standbyJobManager(arg)
	}
	if err != nil {
		return t, err
	}
	if j.picked == nil {
		j.picked = map[string]targetPod{}
	}
	j.picked[t.manager] = t
	return t, nil
}

func (j *jobSide) namedTaskManager(name string) (targetPod, error) {
	p, err := j.pod(name)
	if err != nil {
		return targetPod{}, fmt.Errorf("the TaskManager pod %q: %w", name, err)
	}
	if p.Labels["component"] != "taskmanager" {
		return targetPod{}, fmt.Errorf("the pod %q is not a TaskManager pod (labels %v)", name, p.Labels)
	}
	return targetPod{name: name, manager: "TaskManager"}, nil
}

func (j *jobSide) anyTaskManagerOf(id string) (targetPod, error) {
	pods, err := j.taskManagerPods(id)
	if err != nil {
		return targetPod{}, err
	}
	running := runningPods(pods)
	if len(running) == 0 {
		return targetPod{}, fmt.Errorf("%q has no Running TaskManager pod (its pods: %s)", id, describePods(pods))
	}
	return targetPod{name: running[0].Name, manager: "TaskManager"}, nil
}

// anyTaskManagerOfJob picks a Running TaskManager pod that runs a task of the job, as
// the JobManager's REST API says (/jobs/<id>/vertices/<vertex>/taskmanagers).
func (j *jobSide) anyTaskManagerOfJob(name string) (targetPod, error) {
	sj, err := j.job(name)
	if err != nil {
		return targetPod{}, err
	}
	hosts, err := j.taskManagersOfJob(name)
	if err != nil {
		return targetPod{}, err
	}
	pods, err := j.taskManagerPods(sj.cluster)
	if err != nil {
		return targetPod{}, err
	}
	for _, p := range runningPods(pods) {
		if slices.Contains(hosts, p.Name) {
			return targetPod{name: p.Name, manager: "TaskManager"}, nil
		}
	}
	return targetPod{}, fmt.Errorf("no Running TaskManager pod of %q runs a task of the job %q (TaskManagers with its tasks: %s; pods: %s)",
		sj.cluster, name, strings.Join(hosts, ", "), describePods(pods))
}

// taskManagersOfJob lists, by name, the TaskManagers that run a task of the job.
func (j *jobSide) taskManagersOfJob(name string) ([]string, error) {
	sj, err := j.job(name)
	if err != nil {
		return nil, err
	}
	var job struct {
		Vertices []struct {
			ID string `json:"id"`
		} `json:"vertices"`
	}
	if err := j.rest(sj.cluster, "/jobs/"+sj.id, &job); err != nil {
		return nil, err
	}
	var hosts []string
	for _, v := range job.Vertices {
		var out struct {
			TaskManagers []struct {
				ID           string         `json:"taskmanager-id"`
				StatusCounts map[string]int `json:"status-counts"`
			} `json:"taskmanagers"`
		}
		if err := j.rest(sj.cluster, "/jobs/"+sj.id+"/vertices/"+v.ID+"/taskmanagers", &out); err != nil {
			return nil, err
		}
		for _, tm := range out.TaskManagers {
			if tm.StatusCounts["RUNNING"]+tm.StatusCounts["DEPLOYING"]+tm.StatusCounts["INITIALIZING"] > 0 && !slices.Contains(hosts, tm.ID) {
				hosts = append(hosts, tm.ID)
			}
		}
	}
	slices.Sort(hosts)
	return hosts, nil
}

// jobManagerPods lists a cluster's JobManager pods that are scheduled and not being
// deleted, by name.
func (j *jobSide) jobManagerPods(id string) ([]corev1.Pod, error) {
	return j.livePods(jobManagerSelector(id), func(p corev1.Pod) bool { return p.Spec.NodeName != "" })
}

func (j *jobSide) onlyJobManager(id string) (targetPod, error) {
	pods, err := j.jobManagerPods(id)
	if err != nil {
		return targetPod{}, err
	}
	switch len(pods) {
	case 0:
		return targetPod{}, fmt.Errorf("%q has no JobManager pod", id)
	case 1:
		return targetPod{name: pods[0].Name, manager: "JobManager"}, nil
	}
	return targetPod{}, fmt.Errorf("%q has %d JobManager pods (%s): name one by its role, \"the leading JobManager of %q\" or \"a standby JobManager of %q\"",
		id, len(pods), describePods(pods), id, id)
}

func (j *jobSide) leadingJobManager(id string) (targetPod, error) {
	l, why, err := (&haSide{jobSide: j}).leader(id)
	if err != nil {
		return targetPod{}, err
	}
	if why != "" {
		return targetPod{}, fmt.Errorf("%q has no leader right now (%s)", id, why)
	}
	return targetPod{name: l.pod, manager: "JobManager"}, nil
}

func (j *jobSide) standbyJobManager(id string) (targetPod, error) {
	leader, err := j.leadingJobManager(id)
	if err != nil {
		return targetPod{}, err
	}
	pods, err := j.jobManagerPods(id)
	if err != nil {
		return targetPod{}, err
	}
	for _, p := range runningPods(pods) {
		if p.Name != leader.name {
			return targetPod{name: p.Name, manager: "JobManager"}, nil
		}
	}
	return targetPod{}, fmt.Errorf("%q has no Running standby JobManager besides its leader %s (its JobManager pods: %s)", id, leader.name, describePods(pods))
}

// podsLabelled lists the namespace's pods that a label selector selects and that are
// not being deleted, by name.
func (j *jobSide) podsLabelled(selector string) ([]corev1.Pod, error) {
	cs, err := j.kube()
	if err != nil {
		return nil, err
	}
	if _, err := labels.Parse(selector); err != nil {
		return nil, fmt.Errorf("%q is not a label selector (write e.g. \"component=taskmanager\" or \"app=my-session,component=taskmanager\"): %w", selector, err)
	}
	list, err := cs.CoreV1().Pods(j.namespace).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b corev1.Pod) int { return strings.Compare(a.Name, b.Name) })
	if len(out) == 0 {
		return nil, fmt.Errorf("no pod in the namespace %q is labelled %q", j.namespace, selector)
	}
	return out, nil
}
