package scenarios

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"flinksim/sim/apiserver"
)

// registerFaultSteps registers the faults of pods, nodes and the API server that the
// job scenarios inject.
func (j *jobSide) registerFaultSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the TaskManager pod "([^"]*)" crashes$`, j.theTaskManagerPodCrashes)
	sc.Step(`^the TaskManager pod "([^"]*)" crashes with exit code (\d+)$`, j.theTaskManagerPodCrashesWithExitCode)
	sc.Step(`^the TaskManager pod "([^"]*)" is OOM-killed$`, j.theTaskManagerPodIsOOMKilled)
	sc.Step(`^the TaskManager pod "([^"]*)" is evicted$`, j.theTaskManagerPodIsEvicted)
	sc.Step(`^the JobManager of "([^"]*)" crashes$`, j.theJobManagerCrashes)
	sc.Step(`^I delete the pod "([^"]*)"$`, j.iDeleteThePod)
	sc.Step(`^the node of the TaskManager pod "([^"]*)" becomes NotReady$`, j.theNodeOfTheTaskManagerPodBecomesNotReady)
	sc.Step(`^the node "([^"]*)" gets the label "([^"]*)"$`, j.theNodeGetsTheLabel)
	sc.Step(`^the API server refuses the next (\d+) TaskManager pod creations with "([^"]*)"$`, j.theAPIServerRefusesPodCreations)
	sc.Step(`^the API server refuses TaskManager pod creations for (.+) with "([^"]*)"$`, j.theAPIServerRefusesPodCreationsFor)
	sc.Step(`^the TaskManager pod "([^"]*)" hangs$`, j.theTaskManagerPodHangs)
	sc.Step(`^the TaskManager pod "([^"]*)" resumes$`, j.theTaskManagerPodResumes)
	sc.Step(`^the JobManager of "([^"]*)" is cut off from the API server$`, j.theJobManagerIsCutOffFromTheAPIServer)
	sc.Step(`^the JobManager of "([^"]*)" reaches the API server again$`, j.theJobManagerReachesTheAPIServerAgain)
	sc.Step(`^(\d+ hours?) pass with a TaskManager pod of "([^"]*)" crashing every (\d+ (?:minutes?|hours?)|an? (?:minute|hour))$`, j.timePassesWithCrashingTaskManagers)
}

func (j *jobSide) theTaskManagerPodCrashes(name string) error {
	return j.theTaskManagerPodCrashesWithExitCode(name, 1)
}

func (j *jobSide) theTaskManagerPodCrashesWithExitCode(name string, code int) error {
	if _, err := j.kube(); err != nil {
		return err
	}
	j.tracef("TaskManager pod %s crashes with exit code %d", name, code)
	return j.cluster.Kubelet().Crash(j.namespace, name, "", int32(code))
}

func (j *jobSide) theTaskManagerPodIsOOMKilled(name string) error {
	if _, err := j.kube(); err != nil {
		return err
	}
	j.tracef("TaskManager pod %s is OOM-killed", name)
	return j.cluster.Kubelet().OOMKill(j.namespace, name, "flink-main-container")
}

func (j *jobSide) theTaskManagerPodIsEvicted(name string) error {
	if _, err := j.kube(); err != nil {
		return err
	}
	j.tracef("TaskManager pod %s is evicted", name)
	return j.cluster.Kubelet().Evict(j.namespace, name, "The node was low on resource: memory.")
}

func (j *jobSide) theJobManagerCrashes(id string) error {
	name, err := j.jobManagerPod(id)
	if err != nil {
		return err
	}
	j.tracef("JobManager pod %s crashes", name)
	return j.cluster.Kubelet().Crash(j.namespace, name, "", 1)
}

func (j *jobSide) iDeleteThePod(name string) error {
	cs, err := j.kube()
	if err != nil {
		return err
	}
	j.tracef("kubectl delete pod/%s", name)
	return cs.CoreV1().Pods(j.namespace).Delete(context.Background(), name, metav1.DeleteOptions{})
}

func (j *jobSide) theNodeOfTheTaskManagerPodBecomesNotReady(name string) error {
	p, err := j.pod(name)
	if err != nil {
		return err
	}
	if p.Spec.NodeName == "" {
		return fmt.Errorf("the TaskManager pod %q is not scheduled", name)
	}
	j.lostNode = p.Spec.NodeName
	j.tracef("node %s (running %s) becomes NotReady: its kubelet stops and its pods are cut from the network", p.Spec.NodeName, name)
	return j.cluster.NodeNotReady(p.Spec.NodeName)
}

func (j *jobSide) theNodeGetsTheLabel(node, label string) error {
	cs, err := j.kube()
	if err != nil {
		return err
	}
	k, v, ok := strings.Cut(label, "=")
	if !ok {
		return fmt.Errorf("label %q: write key=value", label)
	}
	n, err := cs.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	n.Labels[k] = v
	_, err = cs.CoreV1().Nodes().Update(context.Background(), n, metav1.UpdateOptions{})
	j.tracef("node %s labelled %s", node, label)
	return err
}

func (j *jobSide) theAPIServerRefusesPodCreations(n int, message string) error {
	if _, err := j.kube(); err != nil {
		return err
	}
	j.cluster.Server().AddFault(&refusePodCreations{left: n, message: message})
	j.tracef("the API server refuses the next %d TaskManager pod creations: %s", n, message)
	return nil
}

// theAPIServerRefusesPodCreationsFor refuses every TaskManager pod creation for a
// simulated duration, as an exhausted ResourceQuota does until someone raises it.
// Example: Given the API server refuses TaskManager pod creations for 2 hours with "exceeded quota: pods, requested: pods=1, used: pods=10, limited: pods=10"
func (j *jobSide) theAPIServerRefusesPodCreationsFor(within, message string) error {
	d, err := parseDuration(within)
	if err != nil {
		return err
	}
	if _, err := j.kube(); err != nil {
		return err
	}
	if j.cluster.Server() == nil {
		return fmt.Errorf("API faults need the in-process API server: do not tag this scenario for a real one")
	}
	j.cluster.Server().AddFault(&refusePodCreations{left: -1, until: timeNow().Add(d), message: message})
	j.tracef("the API server refuses TaskManager pod creations for %v: %s", d, message)
	return nil
}

// theTaskManagerPodHangs makes the TaskManager process hang: the pod stays Running,
// but the process answers nothing, its network holds and it ignores SIGTERM (a
// stop-the-world pause, a deadlock, a stuck disk).
// Example: When the TaskManager pod "my-session-taskmanager-1-1" hangs
func (j *jobSide) theTaskManagerPodHangs(name string) error {
	if _, err := j.kube(); err != nil {
		return err
	}
	j.tracef("TaskManager pod %s hangs", name)
	return j.cluster.Kubelet().Hang(j.namespace, name, "")
}

// theTaskManagerPodResumes ends a hang: held traffic and requests go on.
// Example: When the TaskManager pod "my-session-taskmanager-1-1" resumes
func (j *jobSide) theTaskManagerPodResumes(name string) error {
	if _, err := j.kube(); err != nil {
		return err
	}
	j.tracef("TaskManager pod %s resumes", name)
	return j.cluster.Kubelet().Resume(j.namespace, name, "")
}

// theJobManagerIsCutOffFromTheAPIServer cuts the JobManager pod off from the API
// server only: its Kubernetes requests hang until their deadlines and its watches
// deliver nothing, while the TaskManagers and the REST clients still reach it.
// Example: When the JobManager of "my-session" is cut off from the API server
func (j *jobSide) theJobManagerIsCutOffFromTheAPIServer(id string) error {
	name, err := j.jobManagerPod(id)
	if err != nil {
		return err
	}
	if j.cluster.Server() == nil {
		return fmt.Errorf("partitions from the API server need the in-process API server: do not tag this scenario for a real one")
	}
	if j.cutOff == nil {
		j.cutOff = map[string]string{}
	}
	j.cutOff[id] = name
	j.tracef("JobManager pod %s is cut off from the API server", name)
	return j.cluster.PartitionFromAPIServer(context.Background(), j.namespace, name)
}

// theJobManagerReachesTheAPIServerAgain mends the cut of the step above; held watch
// events then arrive.
// Example: When the JobManager of "my-session" reaches the API server again
func (j *jobSide) theJobManagerReachesTheAPIServerAgain(id string) error {
	name, ok := j.cutOff[id]
	if !ok {
		return fmt.Errorf("the JobManager of %q was not cut off from the API server in this scenario", id)
	}
	delete(j.cutOff, id)
	j.tracef("JobManager pod %s reaches the API server again", name)
	return j.cluster.HealAPIServer(context.Background(), j.namespace, name)
}

// timePassesWithCrashingTaskManagers lets simulated time pass while, at a fixed
// period, one Running TaskManager pod of the cluster (drawn with the scenario's seed)
// crashes with exit code 1: TaskManager churn.
// Example: When 24 hours pass with a TaskManager pod of "my-session" crashing every 2 hours
func (j *jobSide) timePassesWithCrashingTaskManagers(total, id, every string) error {
	d, err := parseDuration(total)
	if err != nil {
		return err
	}
	period, err := parseDuration(every)
	if err != nil {
		return err
	}
	if period < time.Minute || period > d {
		return fmt.Errorf("every %s over %s: choose a period between a minute and the whole time", every, total)
	}
	if _, err := j.kube(); err != nil {
		return err
	}
	var crashed []string
	end := timeNow().Add(d)
	for !timeNow().Add(period).After(end) {
		time.Sleep(period)
		settle()
		pods, err := j.taskManagerPods(id)
		if err != nil {
			return err
		}
		running := runningPods(pods)
		if len(running) == 0 {
			return fmt.Errorf("after %v of churn %q has no Running TaskManager pod to crash: %s", d-end.Sub(timeNow()), id, describePods(pods))
		}
		victim := running[j.Rand.IntN(len(running))].Name
		j.tracef("TaskManager pod %s crashes with exit code 1", victim)
		if err := j.cluster.Kubelet().Crash(j.namespace, victim, "", 1); err != nil {
			return err
		}
		crashed = append(crashed, victim)
	}
	if rest := end.Sub(timeNow()); rest > 0 {
		time.Sleep(rest)
	}
	j.tracef("%s passed; %d TaskManager pods of %q crashed", total, len(crashed), id)
	return nil
}

// refusePodCreations fails creations of TaskManager pods with 403 Forbidden, as a
// ResourceQuota does: the next left ones, or (left < 0) all until the time until.
type refusePodCreations struct {
	mu      sync.Mutex
	left    int
	until   time.Time
	message string
}

func (f *refusePodCreations) Intercept(req apiserver.Request, serve func() (runtime.Object, error)) (runtime.Object, error) {
	if req.Verb != "create" || req.Resource.Resource != "pods" || req.Subresource != "" || !strings.Contains(req.Name, "-taskmanager-") {
		return serve()
	}
	f.mu.Lock()
	refuse := f.left > 0 || (f.left < 0 && time.Now().Before(f.until))
	if f.left > 0 {
		f.left--
	}
	f.mu.Unlock()
	if !refuse {
		return serve()
	}
	return nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, req.Name, errors.New(f.message))
}
