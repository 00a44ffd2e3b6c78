package scheduler

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func node(name, cpu, mem string, labels map[string]string, taints ...corev1.Taint) *corev1.Node {
	alloc := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem), corev1.ResourcePods: resource.MustParse("110")}
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Spec: corev1.NodeSpec{Taints: taints}, Status: corev1.NodeStatus{Allocatable: alloc,
		Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}
}

// withReady is n with its Ready condition set to status (none: the kubelet never posted it).
func withReady(n *corev1.Node, status corev1.ConditionStatus) *corev1.Node {
	n.Status.Conditions = nil
	if status != "" {
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: status}}
	}
	return n
}

func podRequesting(cpu, mem string) *corev1.Pod {
	return &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "m", Resources: corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}}}}}}
}

func TestFit(t *testing.T) {
	blocked := podRequesting("1", "1Gi")
	blocked.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{
			{Key: "kubernetes.io/hostname", Operator: corev1.NodeSelectorOpNotIn, Values: []string{"a"}}}}}}}}
	selecting := podRequesting("1", "1Gi")
	selecting.Spec.NodeSelector = map[string]string{"disk": "ssd"}
	tolerating := podRequesting("1", "1Gi")
	tolerating.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "flink", Effect: corev1.TaintEffectNoSchedule}}
	taint := corev1.Taint{Key: "dedicated", Value: "flink", Effect: corev1.TaintEffectNoSchedule}
	toleratingAll := podRequesting("1", "1Gi")
	toleratingAll.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
	unreachable := []corev1.Taint{{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule}, {Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}}
	used := Usage{CPU: resource.MustParse("3500m"), Memory: resource.MustParse("1Gi"), Pods: 3}
	for _, tc := range []struct {
		name string
		pod  *corev1.Pod
		node *corev1.Node
		used Usage
		want []string
	}{
		{"fits", podRequesting("1", "1Gi"), node("a", "4", "8Gi", nil), Usage{}, nil},
		{"cpu left too small", podRequesting("1", "1Gi"), node("a", "4", "8Gi", nil), used, []string{"Insufficient cpu"}},
		{"memory", podRequesting("100m", "9Gi"), node("a", "4", "8Gi", nil), Usage{}, []string{"Insufficient memory"}},
		{"blocklist NotIn hostname", blocked, node("a", "4", "8Gi", map[string]string{"kubernetes.io/hostname": "a"}), Usage{}, []string{"node(s) didn't match Pod's node affinity/selector"}},
		{"blocklist other node", blocked, node("b", "4", "8Gi", map[string]string{"kubernetes.io/hostname": "b"}), Usage{}, nil},
		{"node selector", selecting, node("a", "4", "8Gi", map[string]string{"disk": "hdd"}), Usage{}, []string{"node(s) didn't match Pod's node affinity/selector"}},
		{"untolerated taint", podRequesting("1", "1Gi"), node("a", "4", "8Gi", nil, taint), Usage{}, []string{"node(s) had untolerated taint {dedicated: flink}"}},
		{"tolerated taint", tolerating, node("a", "4", "8Gi", nil, taint), Usage{}, nil},
		// A node that is not Ready is judged by the NoSchedule taint its condition stands for,
		// also before the node lifecycle controller's write of the taint is seen.
		{"unreachable node", podRequesting("1", "1Gi"), withReady(node("a", "4", "8Gi", nil), corev1.ConditionUnknown), Usage{}, []string{"node(s) had untolerated taint {node.kubernetes.io/unreachable: }"}},
		{"not-ready node", podRequesting("1", "1Gi"), withReady(node("a", "4", "8Gi", nil), corev1.ConditionFalse), Usage{}, []string{"node(s) had untolerated taint {node.kubernetes.io/not-ready: }"}},
		{"node without status", podRequesting("1", "1Gi"), withReady(node("a", "4", "8Gi", nil), ""), Usage{}, []string{"node(s) had untolerated taint {node.kubernetes.io/not-ready: }"}},
		{"unreachable node already tainted", podRequesting("1", "1Gi"), withReady(node("a", "4", "8Gi", nil, unreachable...), corev1.ConditionUnknown), Usage{}, []string{"node(s) had untolerated taint {node.kubernetes.io/unreachable: }"}},
		{"unreachable node, pod tolerates everything", toleratingAll, withReady(node("a", "4", "8Gi", nil), corev1.ConditionUnknown), Usage{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Fit(tc.pod, tc.node, tc.used)
			if len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) {
				t.Fatalf("Fit = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFailureMessageIsWordedLikeTheRealScheduler(t *testing.T) {
	if got := FailureMessage(3, map[string]int{"Insufficient cpu": 3}); got != "0/3 nodes are available: 3 Insufficient cpu." {
		t.Fatalf("%q", got)
	}
	if got := FailureMessage(5, map[string]int{"node(s) didn't match Pod's node affinity/selector": 3, "Insufficient cpu": 2}); got != "0/5 nodes are available: 2 Insufficient cpu, 3 node(s) didn't match Pod's node affinity/selector." {
		t.Fatalf("%q", got)
	}
}

func TestFeasibleNodesToFind(t *testing.T) {
	for n, want := range map[int]int{3: 3, 100: 100, 200: 100, 500: 230, 5000: 500, 10000: 500} {
		if got := feasibleToFind(n); got != want {
			t.Errorf("feasibleToFind(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestScorePrefersTheLeastAllocatedNode(t *testing.T) {
	pod := podRequesting("1", "1Gi")
	for _, tc := range []struct {
		name string
		used Usage
		want int64
	}{
		{"empty node", Usage{}, 75 + 88},
		{"half taken after the pod", Usage{CPU: resource.MustParse("1"), Memory: resource.MustParse("3Gi"), Pods: 2}, 50 + 50},
		{"full after the pod", Usage{CPU: resource.MustParse("3"), Memory: resource.MustParse("7Gi"), Pods: 5}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Score(pod, node("a", "4", "8Gi", nil), tc.used); got != tc.want {
				t.Fatalf("Score = %d, want %d", got, tc.want)
			}
		})
	}
}
