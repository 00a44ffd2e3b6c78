package scenarios

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/sim/faults"
)

// Pod faults (reference §4.5, §4.6, §4.8): processes that crash, are OOM-killed, are
// evicted, are deleted or hang, named by pod name, by role (targets.go) or by label
// selector; quota refusals of TaskManager pod creations; TaskManager churn. API-server
// faults are in steps_apifaults.go, network cuts in steps_network.go.

// registerFaultSteps registers the faults of pods, nodes and the API server that the
// job scenarios inject.
func (j *jobSide) registerFaultSteps(sc *godog.ScenarioContext) {
	sc.Step(`^`+notLeadingTarget+` crashes$`, j.podCrashes)
	sc.Step(`^`+anyPodTarget+` crashes with exit code (\d+)$`, j.podCrashesWithExitCode)
	sc.Step(`^`+anyPodTarget+` is OOM-killed$`, j.podIsOOMKilled)
	sc.Step(`^`+anyPodTarget+` is evicted$`, j.podIsEvicted)
	sc.Step(`^`+notLeadingTarget+` is deleted$`, j.podIsDeleted)
	sc.Step(`^`+anyPodTarget+` hangs$`, j.podHangs)
	sc.Step(`^`+anyPodTarget+` resumes$`, j.podResumes)
	sc.Step(`^the pods labelled "([^"]*)" (crash|crash with exit code \d+|are OOM-killed|are evicted|hang|resume)$`, j.thePodsLabelled)
	sc.Step(`^I delete the pod "([^"]*)"$`, j.iDeleteThePod)
	sc.Step(`^the node of the TaskManager pod "([^"]*)" becomes NotReady$`, j.theNodeOfTheTaskManagerPodBecomesNotReady)
	sc.Step(`^the node "([^"]*)" gets the label "([^"]*)"$`, j.theNodeGetsTheLabel)
	sc.Step(`^the API server refuses the next (\d+) TaskManager pod creations with "([^"]*)"$`, j.theAPIServerRefusesPodCreations)
	sc.Step(`^the API server refuses TaskManager pod creations for (.+) with "([^"]*)"$`, j.theAPIServerRefusesPodCreationsFor)
	sc.Step(`^(\d+ hours?) pass with a TaskManager pod of "([^"]*)" crashing every (\d+ (?:minutes?|hours?)|an? (?:minute|hour))$`, j.timePassesWithCrashingTaskManagers)
}

// describeTarget names the pod a step picked, with the words that picked it when they
// were a role.
func describeTarget(phrase string, t targetPod) string {
	if strings.HasPrefix(phrase, "the TaskManager pod ") {
		return "TaskManager pod " + t.name
	}
	return fmt.Sprintf("%s pod %s (%s)", t.manager, t.name, phrase)
}

// podCrashes makes the pod's processes exit with code 1, as an uncaught error ends a
// JVM; the kubelet restarts them by the pod's restart policy (a TaskManager pod's is
// Never).
// Example: When any TaskManager pod of the job "CarTopSpeedWindowingExample" crashes
func (j *jobSide) podCrashes(target string) error {
	return j.podCrashesWithExitCode(target, 1)
}

// podCrashesWithExitCode makes the pod's processes exit with a code.
// Example: When the TaskManager pod "my-session-taskmanager-1-1" crashes with exit code 3
func (j *jobSide) podCrashesWithExitCode(target string, code int) error {
	t, err := j.resolvePod(target)
	if err != nil {
		return err
	}
	j.tracef("%s crashes with exit code %d", describeTarget(target, t), code)
	return j.cluster.Kubelet().Crash(j.namespace, t.name, "", int32(code))
}

// podIsOOMKilled ends the pod's main container as the kernel's OOM killer does (exit
// 137, reason OOMKilled).
// Example: When the TaskManager pod "my-session-taskmanager-1-1" is OOM-killed
func (j *jobSide) podIsOOMKilled(target string) error {
	t, err := j.resolvePod(target)
	if err != nil {
		return err
	}
	j.tracef("%s is OOM-killed", describeTarget(target, t))
	return j.cluster.Kubelet().OOMKill(j.namespace, t.name, "flink-main-container")
}

// podIsEvicted fails the pod as the kubelet's eviction manager does under node
// pressure: phase Failed, reason Evicted, containers not restarted.
// Example: When any TaskManager pod of "my-session" is evicted
func (j *jobSide) podIsEvicted(target string) error {
	t, err := j.resolvePod(target)
	if err != nil {
		return err
	}
	j.tracef("%s is evicted", describeTarget(target, t))
	return j.cluster.Kubelet().Evict(j.namespace, t.name, "The node was low on resource: memory.")
}

// podIsDeleted deletes the pod gracefully, as kubectl delete pod does.
// Example: When a standby JobManager of "my-session" is deleted
func (j *jobSide) podIsDeleted(target string) error {
	t, err := j.resolvePod(target)
	if err != nil {
		return err
	}
	j.tracef("kubectl delete pod/%s (%s)", t.name, target)
	return j.cluster.Client().CoreV1().Pods(j.namespace).Delete(context.Background(), t.name, metav1.DeleteOptions{})
}

// podHangs makes the pod's processes hang: the pod stays Running, but they answer
// nothing, their network and their Kubernetes client hold and they ignore SIGTERM (a
// stop-the-world pause, a deadlock, a stuck disk).
// Example: When the leading JobManager of "my-session" hangs
func (j *jobSide) podHangs(target string) error {
	t, err := j.resolvePod(target)
	if err != nil {
		return err
	}
	if j.hung == nil {
		j.hung = map[string]string{}
	}
	j.hung[target] = t.name
	j.tracef("%s hangs", describeTarget(target, t))
	return j.cluster.Kubelet().Hang(j.namespace, t.name, "")
}

// podResumes ends a hang that a step began with the same words (or, for a named pod,
// any hang of it): held traffic and requests go on.
// Example: When the leading JobManager of "my-session" resumes
func (j *jobSide) podResumes(target string) error {
	name, err := j.faultedPod(j.hung, target, "hang")
	if err != nil {
		return err
	}
	delete(j.hung, target)
	j.tracef("pod %s (%s) resumes", name, target)
	return j.cluster.Kubelet().Resume(j.namespace, name, "")
}

// faultedPod finds the pod a fault that a step began holds: by the same words, else
// the pod the words name now, if the fault holds it.
func (j *jobSide) faultedPod(held map[string]string, target, fault string) (string, error) {
	if name, ok := held[target]; ok {
		return name, nil
	}
	t, err := j.resolvePod(target)
	if err != nil {
		return "", err
	}
	for phrase, name := range held {
		if name == t.name {
			delete(held, phrase)
			return name, nil
		}
	}
	return "", fmt.Errorf("%s (%s) does not %s: no earlier step of this scenario began that", t.name, target, fault)
}

// thePodsLabelled strikes every Running pod a label selector selects, one after
// another by name, in the same simulated instant.
// Example: When the pods labelled "component=taskmanager" crash
func (j *jobSide) thePodsLabelled(selector, what string) error {
	pods, err := j.podsLabelled(selector)
	if err != nil {
		return err
	}
	running := runningPods(pods)
	if len(running) == 0 {
		return fmt.Errorf("no pod labelled %q is Running: %s", selector, describePods(pods))
	}
	k := j.cluster.Kubelet()
	act := map[string]func(name string) error{
		"crash":          func(name string) error { return k.Crash(j.namespace, name, "", 1) },
		"are OOM-killed": func(name string) error { return k.OOMKill(j.namespace, name, "flink-main-container") },
		"are evicted":    func(name string) error { return k.Evict(j.namespace, name, "The node was low on resource: memory.") },
		"hang":           func(name string) error { return k.Hang(j.namespace, name, "") },
		"resume":         func(name string) error { return k.Resume(j.namespace, name, "") },
	}[what]
	if code, ok := strings.CutPrefix(what, "crash with exit code "); ok {
		n, err := strconv.Atoi(code)
		if err != nil || n < 0 || n > 255 {
			return fmt.Errorf("exit code %q: write a number from 0 to 255", code)
		}
		act = func(name string) error { return k.Crash(j.namespace, name, "", int32(n)) }
	}
	j.tracef("the pods labelled %q %s: %s", selector, what, strings.Join(podNames(running), ", "))
	for _, p := range running {
		if err := act(p.Name); err != nil {
			return fmt.Errorf("pod %s: %w", p.Name, err)
		}
	}
	return nil
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

// theAPIServerRefusesPodCreations refuses the next n creations of TaskManager pods
// (any cluster's) with 403 Forbidden, as an exhausted ResourceQuota does.
// Example: Given the API server refuses the next 5 TaskManager pod creations with "exceeded quota: pods, requested: pods=1, used: pods=10, limited: pods=10"
func (j *jobSide) theAPIServerRefusesPodCreations(n int, message string) error {
	if n < 1 {
		return fmt.Errorf("the next %d creations: write a number of at least 1", n)
	}
	return j.installAPIFault(faults.Forbidden(taskManagerPodCreations, message, faults.Times(n)),
		fmt.Sprintf("the API server refuses the next %d TaskManager pod creations: %s", n, message))
}

// theAPIServerRefusesPodCreationsFor refuses every TaskManager pod creation for a
// simulated duration, as an exhausted ResourceQuota does until someone raises it.
// Example: Given the API server refuses TaskManager pod creations for 2 hours with "exceeded quota: pods, requested: pods=1, used: pods=10, limited: pods=10"
func (j *jobSide) theAPIServerRefusesPodCreationsFor(within, message string) error {
	d, err := parseDuration(within)
	if err != nil {
		return err
	}
	return j.installAPIFault(faults.Forbidden(taskManagerPodCreations, message, faults.For(d)),
		fmt.Sprintf("the API server refuses TaskManager pod creations for %v: %s", d, message))
}

// taskManagerPodCreations are the creations of TaskManager pods of any cluster.
var taskManagerPodCreations = faults.Match{Verb: "create", Resource: "pods", Name: "*-taskmanager-*"}

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
