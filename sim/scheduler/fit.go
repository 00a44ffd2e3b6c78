package scheduler

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/klog/v2"
)

// Usage is what the pods already bound to a node request.
type Usage struct {
	CPU    resource.Quantity
	Memory resource.Quantity
	Pods   int64
}

// Requests sums the cpu and memory requests of a pod the way the scheduler does: the
// sum over containers, or the largest init container if that is more.
func Requests(pod *corev1.Pod) (cpu, mem resource.Quantity) {
	for _, c := range pod.Spec.Containers {
		if q, ok := c.Resources.Requests[corev1.ResourceCPU]; ok {
			cpu.Add(q)
		}
		if q, ok := c.Resources.Requests[corev1.ResourceMemory]; ok {
			mem.Add(q)
		}
	}
	for _, c := range pod.Spec.InitContainers {
		if q, ok := c.Resources.Requests[corev1.ResourceCPU]; ok && q.Cmp(cpu) > 0 {
			cpu = q.DeepCopy()
		}
		if q, ok := c.Resources.Requests[corev1.ResourceMemory]; ok && q.Cmp(mem) > 0 {
			mem = q.DeepCopy()
		}
	}
	return cpu, mem
}

// demand is what a pod requests, or what pods request together, in the units
// kube-scheduler counts: milli-CPU, bytes of memory, pods.
type demand struct {
	milliCPU, memory, pods int64
}

func demandOf(pod *corev1.Pod) demand {
	cpu, mem := Requests(pod)
	return demand{milliCPU: cpu.MilliValue(), memory: mem.Value(), pods: 1}
}

func (u Usage) demand() demand {
	return demand{milliCPU: u.CPU.MilliValue(), memory: u.Memory.Value(), pods: u.Pods}
}

func (d demand) plus(o demand) demand {
	return demand{milliCPU: d.milliCPU + o.milliCPU, memory: d.memory + o.memory, pods: d.pods + o.pods}
}

func (d demand) minus(o demand) demand {
	return demand{milliCPU: d.milliCPU - o.milliCPU, memory: d.memory - o.memory, pods: d.pods - o.pods}
}

// Fit checks one node for a pod and returns the reasons it does not fit (none = fits).
// Reasons are worded like the real scheduler's.
func Fit(pod *corev1.Pod, node *corev1.Node, used Usage) []string {
	return fit(pod, demandOf(pod), node, used.demand())
}

// fit is Fit with the pod's requests and the node's usage already counted.
func fit(pod *corev1.Pod, want demand, node *corev1.Node, used demand) []string {
	var reasons []string
	if node.Spec.Unschedulable && !tolerates(pod, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}) {
		return []string{"node(s) were unschedulable"}
	}
	for _, t := range taintsOf(node) {
		if (t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute) && !tolerates(pod, t) {
			return []string{fmt.Sprintf("node(s) had untolerated taint {%s: %s}", t.Key, t.Value)}
		}
	}
	if !matchesSelectorAndAffinity(pod, node) {
		return []string{"node(s) didn't match Pod's node affinity/selector"}
	}
	alloc := node.Status.Allocatable
	if q, ok := alloc[corev1.ResourcePods]; ok && used.pods+1 > q.Value() {
		reasons = append(reasons, "Too many pods")
	}
	if want.milliCPU > 0 {
		if q := alloc[corev1.ResourceCPU]; want.milliCPU > q.MilliValue()-used.milliCPU {
			reasons = append(reasons, "Insufficient cpu")
		}
	}
	if want.memory > 0 {
		if q := alloc[corev1.ResourceMemory]; want.memory > q.Value()-used.memory {
			reasons = append(reasons, "Insufficient memory")
		}
	}
	return reasons
}

// Score prefers the least allocated node (higher is better), in [0, 200].
func Score(pod *corev1.Pod, node *corev1.Node, used Usage) int64 {
	return score(demandOf(pod), node, used.demand())
}

func score(want demand, node *corev1.Node, used demand) int64 {
	frac := func(requested, total int64) int64 {
		if total == 0 {
			return 0
		}
		return 100 - 100*requested/total
	}
	cpu, mem := node.Status.Allocatable[corev1.ResourceCPU], node.Status.Allocatable[corev1.ResourceMemory]
	return frac(used.milliCPU+want.milliCPU, cpu.MilliValue()) + frac(used.memory+want.memory, mem.Value())
}

// FailureMessage words the reasons of all nodes as the real FailedScheduling event:
// "0/3 nodes are available: 3 Insufficient cpu."
func FailureMessage(nodes int, reasons map[string]int) string {
	if nodes == 0 {
		return "no nodes available to schedule pods"
	}
	parts := make([]string, 0, len(reasons))
	for r, n := range reasons {
		parts = append(parts, fmt.Sprintf("%d %s", n, r))
	}
	sort.Strings(parts)
	return fmt.Sprintf("0/%d nodes are available: %s.", nodes, strings.Join(parts, ", "))
}

// taintsOf is a node's taints as the scheduler judges them: with the NoSchedule taint its
// Ready condition stands for — node.kubernetes.io/unreachable while Unknown,
// node.kubernetes.io/not-ready while False or not yet posted — when the node does not carry
// it yet. The node lifecycle controller (and, for a new node, the API server's admission)
// puts that taint on in a write of its own after the status changes; counting it from the
// condition keeps a pod off a node in that gap whatever order the two writes are seen in,
// and a pod that tolerates the taint may still go there, as it may on a real cluster.
func taintsOf(node *corev1.Node) []corev1.Taint {
	key := corev1.TaintNodeNotReady
	for _, c := range node.Status.Conditions {
		if c.Type != corev1.NodeReady {
			continue
		}
		switch c.Status {
		case corev1.ConditionTrue:
			return node.Spec.Taints
		case corev1.ConditionUnknown:
			key = corev1.TaintNodeUnreachable
		}
	}
	for _, t := range node.Spec.Taints {
		if t.Key == key && t.Effect == corev1.TaintEffectNoSchedule {
			return node.Spec.Taints
		}
	}
	return append(slices.Clip(node.Spec.Taints), corev1.Taint{Key: key, Effect: corev1.TaintEffectNoSchedule})
}

func tolerates(pod *corev1.Pod, t corev1.Taint) bool {
	for _, tol := range pod.Spec.Tolerations {
		if tol.ToleratesTaint(klog.Background(), &t, false) {
			return true
		}
	}
	return false
}

func matchesSelectorAndAffinity(pod *corev1.Pod, node *corev1.Node) bool {
	if len(pod.Spec.NodeSelector) > 0 && !labels.SelectorFromSet(pod.Spec.NodeSelector).Matches(labels.Set(node.Labels)) {
		return false
	}
	aff := pod.Spec.Affinity
	if aff == nil || aff.NodeAffinity == nil || aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return true
	}
	// Terms are ORed; the expressions within a term are ANDed.
	for _, term := range aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		if termMatches(term, node) {
			return true
		}
	}
	return false
}

func termMatches(term corev1.NodeSelectorTerm, node *corev1.Node) bool {
	if len(term.MatchExpressions) == 0 && len(term.MatchFields) == 0 {
		return false
	}
	for _, e := range term.MatchExpressions {
		if !exprMatches(e, node.Labels[e.Key], hasKey(node.Labels, e.Key)) {
			return false
		}
	}
	for _, e := range term.MatchFields {
		if e.Key != "metadata.name" || !exprMatches(e, node.Name, true) {
			return false
		}
	}
	return true
}

func hasKey(m map[string]string, k string) bool { _, ok := m[k]; return ok }

func exprMatches(e corev1.NodeSelectorRequirement, value string, present bool) bool {
	in := func() bool {
		for _, v := range e.Values {
			if v == value {
				return true
			}
		}
		return false
	}
	switch e.Operator {
	case corev1.NodeSelectorOpIn:
		return present && in()
	case corev1.NodeSelectorOpNotIn:
		return !present || !in()
	case corev1.NodeSelectorOpExists:
		return present
	case corev1.NodeSelectorOpDoesNotExist:
		return !present
	case corev1.NodeSelectorOpGt, corev1.NodeSelectorOpLt:
		if !present || len(e.Values) != 1 {
			return false
		}
		var a, b int64
		if _, err := fmt.Sscan(value, &a); err != nil {
			return false
		}
		if _, err := fmt.Sscan(e.Values[0], &b); err != nil {
			return false
		}
		if e.Operator == corev1.NodeSelectorOpGt {
			return a > b
		}
		return a < b
	}
	return false
}
