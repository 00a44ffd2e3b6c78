package scenarios

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

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

// refusePodCreations fails the next creations of TaskManager pods with 403 Forbidden,
// as a ResourceQuota does.
type refusePodCreations struct {
	mu      sync.Mutex
	left    int
	message string
}

func (f *refusePodCreations) Intercept(req apiserver.Request, serve func() (runtime.Object, error)) (runtime.Object, error) {
	if req.Verb != "create" || req.Resource.Resource != "pods" || req.Subresource != "" || !strings.Contains(req.Name, "-taskmanager-") {
		return serve()
	}
	f.mu.Lock()
	refuse := f.left > 0
	if refuse {
		f.left--
	}
	f.mu.Unlock()
	if !refuse {
		return serve()
	}
	return nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, req.Name, errors.New(f.message))
}
