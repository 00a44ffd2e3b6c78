package scenarios

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/cucumber/godog"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"flinksim/sim"
)

// Node faults and capacity (reference §4.8; Kubernetes node lifecycle): a node that
// stops reporting turns NotReady and its pods are evicted by taint after the
// toleration delay, a deleted node's pods are removed by the pod garbage collector, a
// drained node's pods are evicted through the eviction API. Targets are named nodes
// or roles: "the node of any TaskManager pod of <cluster>".

func (j *jobSide) registerNodeSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the node "([^"]*)" becomes NotReady$`, j.theNodeBecomesNotReady)
	sc.Step(`^the node "([^"]*)" becomes Ready again$`, j.theNodeBecomesReadyAgain)
	sc.Step(`^the lost node becomes Ready again$`, j.theLostNodeBecomesReadyAgain)
	sc.Step(`^the node "([^"]*)" is deleted$`, j.theNodeIsDeleted)
	sc.Step(`^I drain the node "([^"]*)"$`, j.iDrainTheNode)
	sc.Step(`^the node of any TaskManager pod of "([^"]*)" (becomes NotReady|is deleted|is drained)$`, j.theNodeOfAnyTaskManagerPod)
	sc.Step(`^a node "([^"]*)" of (\S+) CPU and (\S+) memory joins the cluster$`, j.aNodeJoinsTheCluster)
	sc.Step(`^within (.+) the node "([^"]*)" is (Ready|NotReady)$`, j.withinTheNodeIs)
	sc.Step(`^within (.+) the lost node is (Ready|NotReady)$`, j.withinTheLostNodeIs)
	sc.Step(`^within (.+) "([^"]*)" has (\d+) Running TaskManager pods?$`, j.withinHasRunningTaskManagerPods)
	sc.Step(`^for (.+) no TaskManager pod of "([^"]*)" exists$`, j.forNoTaskManagerPodExists)
	sc.Step(`^within (.+) the JobManager pod of "([^"]*)" is gone$`, j.withinTheJobManagerPodIsGone)
	sc.Step(`^for (.+) "([^"]*)" keeps (\d+) Running TaskManager pods?$`, j.forKeepsRunningTaskManagerPods)
	sc.Step(`^for (.+) "([^"]*)" has at most (\d+) TaskManager pods?$`, j.forHasAtMostTaskManagerPods)
	sc.Step(`^within (.+) no TaskManager pod of "([^"]*)" runs on the lost node$`, j.withinNoTaskManagerPodRunsOnTheLostNode)
	sc.Step(`^within (.+) the pod "([^"]*)" has the event "([^"]*)" mentioning "([^"]*)"$`, j.withinThePodHasTheEvent)
	sc.Step(`^the TaskManager pod "([^"]*)" requests (\S+) CPU and (\S+) memory$`, j.theTaskManagerPodRequests)
	sc.Step(`^the (TaskManager|JobManager) pods? (?:of|named) "([^"]*)" (?:has|have) the restart policy "([^"]*)"$`, j.thePodsHaveTheRestartPolicy)
	sc.Step(`^the TaskManager pod "([^"]*)" limits (\S+) CPU and (\S+) memory$`, j.theTaskManagerPodLimits)
	sc.Step(`^no TaskManager pod of "([^"]*)" was restarted in place$`, j.noTaskManagerPodWasRestartedInPlace)
	sc.Step(`^every ConfigMap and Secret the TaskManager pod "([^"]*)" mounts exists$`, j.everyVolumeOfTheTaskManagerPodExists)
}

// theNodeBecomesNotReady stops a node's kubelet, as when the machine crashes.
// Example: When the node "node-2" becomes NotReady
func (j *jobSide) theNodeBecomesNotReady(node string) error {
	return j.onNode(node, true, "node "+node+" becomes NotReady: its kubelet stops and its pods are cut from the network",
		func() error { return j.cluster.NodeNotReady(node) })
}

// onNode traces and runs a step's action on a node once the cluster runs; lost
// remembers the node as the one a fault took away.
func (j *jobSide) onNode(node string, lost bool, trace string, act func() error) error {
	if _, err := j.kube(); err != nil {
		return err
	}
	if lost {
		j.lostNode = node
	}
	j.tracef("%s", trace)
	return act()
}

// theNodeBecomesReadyAgain starts a stopped node's kubelet again.
// Example: When the node "node-2" becomes Ready again
func (j *jobSide) theNodeBecomesReadyAgain(node string) error {
	return j.onNode(node, false, "node "+node+" comes back", func() error { return j.cluster.NodeReady(node) })
}

// theLostNodeBecomesReadyAgain brings back the node a fault took away.
// Example: When the lost node becomes Ready again
func (j *jobSide) theLostNodeBecomesReadyAgain() error {
	if j.lostNode == "" {
		return fmt.Errorf("no node was taken away in this scenario")
	}
	return j.theNodeBecomesReadyAgain(j.lostNode)
}

// theNodeIsDeleted removes a node, as a cloud provider does for a vanished machine.
// Example: When the node "node-2" is deleted
func (j *jobSide) theNodeIsDeleted(node string) error {
	return j.onNode(node, true, "kubectl delete node/"+node, func() error { return j.cluster.DeleteNode(node) })
}

// iDrainTheNode cordons a node and evicts its pods (kubectl drain).
// Example: When I drain the node "node-2"
func (j *jobSide) iDrainTheNode(node string) error {
	return j.onNode(node, true, "kubectl drain "+node, func() error { return j.cluster.DrainNode(context.Background(), node) })
}

// theNodeOfAnyTaskManagerPod targets a role: the node of the first (by name) running
// TaskManager pod of a cluster.
// Example: When the node of any TaskManager pod of "my-session" becomes NotReady
func (j *jobSide) theNodeOfAnyTaskManagerPod(id, what string) error {
	pods, err := j.taskManagerPods(id)
	if err != nil {
		return err
	}
	node := ""
	for _, p := range pods {
		if p.Status.Phase == corev1.PodRunning && p.Spec.NodeName != "" {
			node = p.Spec.NodeName
			break
		}
	}
	if node == "" {
		return fmt.Errorf("%q has no running TaskManager pod (its pods: %s)", id, describePods(pods))
	}
	switch what {
	case "becomes NotReady":
		return j.theNodeBecomesNotReady(node)
	case "is deleted":
		return j.theNodeIsDeleted(node)
	default:
		return j.iDrainTheNode(node)
	}
}

// aNodeJoinsTheCluster adds a node, as when the cluster autoscaler adds capacity.
// Example: When a node "node-2" of 4 CPU and 16Gi memory joins the cluster
func (j *jobSide) aNodeJoinsTheCluster(name, cpu, memory string) error {
	cs, err := j.kube()
	if err != nil {
		return err
	}
	c, err := resource.ParseQuantity(cpu)
	if err != nil {
		return fmt.Errorf("CPU %q: %w", cpu, err)
	}
	m, err := resource.ParseQuantity(memory)
	if err != nil {
		return fmt.Errorf("memory %q: %w", memory, err)
	}
	podCIDR, err := j.freePodCIDR()
	if err != nil {
		return err
	}
	capacity := corev1.ResourceList{corev1.ResourceCPU: c, corev1.ResourceMemory: m, corev1.ResourcePods: resource.MustParse("110")}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}},
		Spec:       corev1.NodeSpec{PodCIDR: podCIDR, PodCIDRs: []string{podCIDR}},
		Status:     corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
	}
	if _, err := cs.CoreV1().Nodes().Create(context.Background(), node, metav1.CreateOptions{}); err != nil {
		return err
	}
	j.tracef("node %s (%s CPU, %s memory) joins the cluster", name, cpu, memory)
	return nil
}

// freePodCIDR is the first /24 of the cluster's pod range (sim.ClusterPodCIDR) that no
// node has: what node IPAM in kube-controller-manager gives a node that registers.
func (j *jobSide) freePodCIDR() (string, error) {
	nodes, err := j.cluster.Client().CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		return "", err
	}
	used := map[string]bool{}
	for _, n := range nodes.Items {
		used[n.Spec.PodCIDR] = true
	}
	cluster := netip.MustParsePrefix(sim.ClusterPodCIDR)
	base := cluster.Addr().As4()
	for i := range 1 << (24 - cluster.Bits()) {
		cidr := netip.PrefixFrom(netip.AddrFrom4([4]byte{base[0], base[1] + byte(i>>8), base[2] + byte(i), 0}), 24).String()
		if !used[cidr] {
			return cidr, nil
		}
	}
	return "", fmt.Errorf("no pod CIDR left in %s for a new node", sim.ClusterPodCIDR)
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// withinTheNodeIs waits for a node's Ready condition.
// Example: Then within 2 minutes the node "node-2" is NotReady
func (j *jobSide) withinTheNodeIs(within, node, state string) error {
	d, err := parseDuration(within)
	if err != nil {
		return err
	}
	cs, err := j.kube()
	if err != nil {
		return err
	}
	return eventually(d, fmt.Sprintf("the node %q is %s", node, state), func() (bool, string, error) {
		n, err := cs.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
		if err != nil {
			return false, err.Error(), nil
		}
		ready := nodeReady(n)
		return ready == (state == "Ready"), fmt.Sprintf("Ready=%v", ready), nil
	})
}

// withinTheLostNodeIs waits for the Ready condition of the node a fault took away.
// Example: Then within 2 minutes the lost node is NotReady
func (j *jobSide) withinTheLostNodeIs(within, state string) error {
	if j.lostNode == "" {
		return fmt.Errorf("no node was taken away in this scenario")
	}
	return j.withinTheNodeIs(within, j.lostNode, state)
}

func runningPods(pods []corev1.Pod) []corev1.Pod {
	var out []corev1.Pod
	for _, p := range pods {
		if p.Status.Phase == corev1.PodRunning {
			out = append(out, p)
		}
	}
	return out
}

// withinHasRunningTaskManagerPods waits until a cluster has exactly n Running
// TaskManager pods (pods being deleted do not count).
// Example: Then within 3 minutes "my-session" has 2 Running TaskManager pods
func (j *jobSide) withinHasRunningTaskManagerPods(within, id string, n int) error {
	return waitUntil(within, fmt.Sprintf("%q has %d Running TaskManager pods", id, n), func() (bool, string, error) {
		pods, err := j.taskManagerPods(id)
		if err != nil {
			return false, "", err
		}
		return len(runningPods(pods)) == n, describePods(pods), nil
	})
}

// forKeepsRunningTaskManagerPods checks, throughout the duration
// (holdsFor), that a cluster has exactly n Running TaskManager pods.
// Example: And for 10 minutes "my-session" keeps 2 Running TaskManager pods
func (j *jobSide) forKeepsRunningTaskManagerPods(within, id string, n int) error {
	return holdsFor(within, fmt.Sprintf("%q keeps %d Running TaskManager pods", id, n), func() (bool, string, error) {
		pods, err := j.taskManagerPods(id)
		if err != nil {
			return false, "", err
		}
		return len(runningPods(pods)) == n, describePods(pods), nil
	})
}

// forHasAtMostTaskManagerPods checks, throughout the duration (holdsFor),
// that a cluster has no more than n TaskManager pods that are not being deleted, in
// any phase: failed pods do not pile up.
// Example: And for 2 hours "my-session" has at most 1 TaskManager pod
func (j *jobSide) forHasAtMostTaskManagerPods(within, id string, n int) error {
	return holdsFor(within, fmt.Sprintf("%q has at most %d TaskManager pods", id, n), func() (bool, string, error) {
		pods, err := j.taskManagerPods(id)
		if err != nil {
			return false, "", err
		}
		return len(pods) <= n, describePods(pods), nil
	})
}

// forNoTaskManagerPodExists checks, throughout the duration (holdsFor),
// that a cluster has no TaskManager pod at all (none is even created).
// Example: And for 30 minutes no TaskManager pod of "my-session" exists
func (j *jobSide) forNoTaskManagerPodExists(within, id string) error {
	return holdsFor(within, fmt.Sprintf("no TaskManager pod of %q exists", id), func() (bool, string, error) {
		pods, err := j.taskManagerPods(id)
		if err != nil {
			return false, "", err
		}
		return len(pods) == 0, describePods(pods), nil
	})
}

// withinTheJobManagerPodIsGone waits until a cluster has no JobManager pod left.
// Example: Then within a minute the JobManager pod of "my-session" is gone
func (j *jobSide) withinTheJobManagerPodIsGone(within, id string) error {
	d, err := parseDuration(within)
	if err != nil {
		return err
	}
	cs, err := j.kube()
	if err != nil {
		return err
	}
	return eventually(d, fmt.Sprintf("the JobManager pod of %q is gone", id), func() (bool, string, error) {
		list, err := cs.CoreV1().Pods(j.namespace).List(context.Background(), metav1.ListOptions{LabelSelector: jobManagerSelector(id)})
		if err != nil {
			return false, "", err
		}
		return len(list.Items) == 0, describePods(list.Items), nil
	})
}

// withinNoTaskManagerPodRunsOnTheLostNode waits until every TaskManager pod of a
// cluster that is not being deleted runs on a node other than the one a fault took away.
// Example: Then within 5 minutes no TaskManager pod of "my-session" runs on the lost node
func (j *jobSide) withinNoTaskManagerPodRunsOnTheLostNode(within, id string) error {
	if j.lostNode == "" {
		return fmt.Errorf("no node was taken away in this scenario")
	}
	return waitUntil(within, fmt.Sprintf("no TaskManager pod of %q runs on %s", id, j.lostNode), func() (bool, string, error) {
		pods, err := j.taskManagerPods(id)
		if err != nil {
			return false, "", err
		}
		for _, p := range pods {
			if p.Spec.NodeName == j.lostNode {
				return false, describePods(pods), nil
			}
		}
		return true, "", nil
	})
}

// withinThePodHasTheEvent waits for an event about a pod, by reason and a fragment of
// its message (kubectl describe pod's Events).
// Example: Then within a minute the pod "my-session-taskmanager-1-2" has the event "FailedScheduling" mentioning "Insufficient cpu"
func (j *jobSide) withinThePodHasTheEvent(within, pod, reason, fragment string) error {
	d, err := parseDuration(within)
	if err != nil {
		return err
	}
	cs, err := j.kube()
	if err != nil {
		return err
	}
	sel := fields.SelectorFromSet(fields.Set{"involvedObject.name": pod}).String()
	return eventually(d, fmt.Sprintf("the pod %q has a %s event mentioning %q", pod, reason, fragment), func() (bool, string, error) {
		list, err := cs.CoreV1().Events(j.namespace).List(context.Background(), metav1.ListOptions{FieldSelector: sel})
		if err != nil {
			return false, err.Error(), nil
		}
		var seen []string
		for _, e := range list.Items {
			if e.InvolvedObject.Name != pod {
				continue
			}
			if e.Reason == reason && strings.Contains(e.Message, fragment) {
				return true, "", nil
			}
			seen = append(seen, e.Reason+": "+e.Message)
		}
		return false, strings.Join(seen, " | "), nil
	})
}

// theTaskManagerPodRequests checks the main container's resource requests.
// Example: Then the TaskManager pod "my-session-taskmanager-1-1" requests 2 CPU and 2048Mi memory
func (j *jobSide) theTaskManagerPodRequests(name, cpu, memory string) error {
	return j.mainContainerResources(name, "requests", cpu, memory)
}

// theTaskManagerPodLimits checks the main container's resource limits (requests times
// kubernetes.taskmanager.cpu.limit-factor and .memory.limit-factor).
// Example: Then the TaskManager pod "my-session-taskmanager-1-1" limits 3 CPU and 3072Mi memory
func (j *jobSide) theTaskManagerPodLimits(name, cpu, memory string) error {
	return j.mainContainerResources(name, "limits", cpu, memory)
}

func (j *jobSide) mainContainerResources(name, what, cpu, memory string) error {
	p, err := j.pod(name)
	if err != nil {
		return err
	}
	for _, c := range p.Spec.Containers {
		if c.Name != "flink-main-container" {
			continue
		}
		wantCPU, err := resource.ParseQuantity(cpu)
		if err != nil {
			return fmt.Errorf("CPU %q: %w", cpu, err)
		}
		wantMem, err := resource.ParseQuantity(memory)
		if err != nil {
			return fmt.Errorf("memory %q: %w", memory, err)
		}
		list := c.Resources.Requests
		if what == "limits" {
			list = c.Resources.Limits
		}
		gotCPU, gotMem := list[corev1.ResourceCPU], list[corev1.ResourceMemory]
		if gotCPU.Cmp(wantCPU) != 0 || gotMem.Cmp(wantMem) != 0 {
			return fmt.Errorf("the TaskManager pod %q %s %s CPU and %s memory, want %s and %s", name, what, gotCPU.String(), gotMem.String(), cpu, memory)
		}
		return nil
	}
	return fmt.Errorf("the TaskManager pod %q has no flink-main-container", name)
}

// thePodsHaveTheRestartPolicy checks the restart policy of a cluster's TaskManager
// pods (by cluster id) or JobManager pods.
// Example: Then the TaskManager pods of "my-session" have the restart policy "Never"
func (j *jobSide) thePodsHaveTheRestartPolicy(role, id, policy string) error {
	cs, err := j.kube()
	if err != nil {
		return err
	}
	sel := taskManagerSelector(id)
	if role == "JobManager" {
		sel = jobManagerSelector(id)
	}
	list, err := cs.CoreV1().Pods(j.namespace).List(context.Background(), metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return err
	}
	if len(list.Items) == 0 {
		return fmt.Errorf("%q has no %s pods", id, role)
	}
	var wrong []string
	for _, p := range list.Items {
		if string(p.Spec.RestartPolicy) != policy {
			wrong = append(wrong, p.Name+": "+string(p.Spec.RestartPolicy))
		}
	}
	slices.Sort(wrong)
	if len(wrong) > 0 {
		return fmt.Errorf("%s pods of %q without restart policy %s: %s", role, id, policy, strings.Join(wrong, ", "))
	}
	return nil
}

// noTaskManagerPodWasRestartedInPlace checks that the kubelet restarted no container
// of the cluster's TaskManager pods during the scenario: with restartPolicy Never a
// crashed TaskManager's pod fails and the resource manager replaces it (FLINK-17332).
// Example: Then no TaskManager pod of "my-session" was restarted in place
func (j *jobSide) noTaskManagerPodWasRestartedInPlace(id string) error {
	settle()
	if restarted := j.restartedPodsOf(id + "-taskmanager-"); len(restarted) > 0 {
		return fmt.Errorf("the kubelet restarted TaskManager pods of %q in place: %s", id, strings.Join(restarted, ", "))
	}
	return nil
}

// everyVolumeOfTheTaskManagerPodExists checks that every ConfigMap and Secret a
// TaskManager pod mounts (volumes and projected sources) exists, so that the kubelet
// can start it (FLINK-24674).
// Example: Then every ConfigMap and Secret the TaskManager pod "my-session-taskmanager-1-1" mounts exists
func (j *jobSide) everyVolumeOfTheTaskManagerPodExists(name string) error {
	p, err := j.pod(name)
	if err != nil {
		return err
	}
	cs, err := j.kube()
	if err != nil {
		return err
	}
	ctx := context.Background()
	var missing, mounted []string
	check := func(kind, obj string, optional *bool) {
		if optional != nil && *optional {
			return
		}
		mounted = append(mounted, kind+" "+obj)
		var err error
		if kind == "configmap" {
			_, err = cs.CoreV1().ConfigMaps(j.namespace).Get(ctx, obj, metav1.GetOptions{})
		} else {
			_, err = cs.CoreV1().Secrets(j.namespace).Get(ctx, obj, metav1.GetOptions{})
		}
		if err != nil {
			missing = append(missing, kind+" "+obj)
		}
	}
	for _, v := range p.Spec.Volumes {
		switch {
		case v.ConfigMap != nil:
			check("configmap", v.ConfigMap.Name, v.ConfigMap.Optional)
		case v.Secret != nil:
			check("secret", v.Secret.SecretName, v.Secret.Optional)
		case v.Projected != nil:
			for _, src := range v.Projected.Sources {
				if src.ConfigMap != nil {
					check("configmap", src.ConfigMap.Name, src.ConfigMap.Optional)
				}
				if src.Secret != nil {
					check("secret", src.Secret.Name, src.Secret.Optional)
				}
			}
		}
	}
	if len(mounted) == 0 {
		return fmt.Errorf("the TaskManager pod %q mounts no ConfigMap or Secret (it should mount its cluster's flink-config)", name)
	}
	if len(missing) > 0 {
		return fmt.Errorf("the TaskManager pod %q mounts what does not exist: %s", name, strings.Join(missing, ", "))
	}
	j.tracef("TaskManager pod %s mounts %s", name, strings.Join(mounted, ", "))
	return nil
}
