package endpoints_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"flinksim/sim/endpoints"
)

// podOpt shapes a test pod.
type podOpt func(*corev1.Pod)

func notReady(p *corev1.Pod) { p.Status.Conditions[0].Status = corev1.ConditionFalse }
func terminating(p *corev1.Pod) {
	now := metav1.Now()
	p.DeletionTimestamp = &now
}
func noIP(p *corev1.Pod)            { p.Status.PodIP, p.Status.PodIPs = "", nil }
func succeeded(p *corev1.Pod)       { p.Status.Phase = corev1.PodSucceeded }
func withoutRestPort(p *corev1.Pod) { p.Spec.Containers[0].Ports = p.Spec.Containers[0].Ports[:1] }
func hostnameUnder(svc string) podOpt {
	return func(p *corev1.Pod) { p.Spec.Hostname, p.Spec.Subdomain = p.Name, svc }
}

// testPod is a Running, Ready pod on node-1 with container ports "rest" 8081 and "rpc" 6123.
func testPod(name, ip string, opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "flink", UID: types.UID("uid-" + name), Labels: map[string]string{"app": "flink"}},
		Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "main", Ports: []corev1.ContainerPort{
			{Name: "rpc", ContainerPort: 6123, Protocol: corev1.ProtocolTCP}, {Name: "rest", ContainerPort: 8081, Protocol: corev1.ProtocolTCP}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func testService(name string, mutate ...func(*corev1.Service)) *corev1.Service {
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "flink", UID: "svc-uid", Labels: map[string]string{"app": "flink", "type": "flink-native-kubernetes"}},
		Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.20", Selector: map[string]string{"app": "flink"}, Ports: []corev1.ServicePort{
			{Name: "rest", Port: 8081, TargetPort: intstr.FromString("rest"), Protocol: corev1.ProtocolTCP},
			{Name: "rpc", Port: 6123, TargetPort: intstr.FromInt32(6123), Protocol: corev1.ProtocolTCP}}},
	}
	for _, m := range mutate {
		m(s)
	}
	return s
}

func headlessNoPorts(s *corev1.Service) { s.Spec.ClusterIP, s.Spec.Ports = corev1.ClusterIPNone, nil }
func publishNotReady(s *corev1.Service) { s.Spec.PublishNotReadyAddresses = true }

func addr(name, ip string) corev1.EndpointAddress {
	node := "node-1"
	return corev1.EndpointAddress{IP: ip, NodeName: &node, TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: "flink", Name: name, UID: types.UID("uid-" + name)}}
}

var (
	restPort = corev1.EndpointPort{Name: "rest", Port: 8081, Protocol: corev1.ProtocolTCP}
	rpcPort  = corev1.EndpointPort{Name: "rpc", Port: 6123, Protocol: corev1.ProtocolTCP}
)

func TestDesiredEndpoints(t *testing.T) {
	withHost := func(a corev1.EndpointAddress, h string) corev1.EndpointAddress { a.Hostname = h; return a }
	for _, tc := range []struct {
		name string
		svc  *corev1.Service
		pods []*corev1.Pod
		want []corev1.EndpointSubset
	}{
		{"ready and unready pods, sorted by IP", testService("s"),
			[]*corev1.Pod{testPod("b", "10.244.0.9"), testPod("a", "10.244.0.10"), testPod("c", "10.244.0.5", notReady)},
			[]corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{addr("a", "10.244.0.10"), addr("b", "10.244.0.9")},
				NotReadyAddresses: []corev1.EndpointAddress{addr("c", "10.244.0.5")}, Ports: []corev1.EndpointPort{restPort, rpcPort}}}},
		{"terminating, finished and IP-less pods are left out", testService("s"),
			[]*corev1.Pod{testPod("a", "10.244.0.1"), testPod("t", "10.244.0.2", terminating), testPod("s", "10.244.0.3", succeeded), testPod("n", "", noIP)},
			[]corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{addr("a", "10.244.0.1")}, Ports: []corev1.EndpointPort{restPort, rpcPort}}}},
		{"publishNotReadyAddresses: every pod ready, terminating ones kept", testService("s", publishNotReady),
			[]*corev1.Pod{testPod("a", "10.244.0.1", notReady), testPod("t", "10.244.0.2", terminating)},
			[]corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{addr("a", "10.244.0.1"), addr("t", "10.244.0.2")}, Ports: []corev1.EndpointPort{restPort, rpcPort}}}},
		{"a pod without the named port offers the others only (repacked by pod set)", testService("s"),
			[]*corev1.Pod{testPod("a", "10.244.0.1"), testPod("b", "10.244.0.2", withoutRestPort)},
			[]corev1.EndpointSubset{
				{Addresses: []corev1.EndpointAddress{addr("a", "10.244.0.1")}, Ports: []corev1.EndpointPort{restPort}},
				{Addresses: []corev1.EndpointAddress{addr("a", "10.244.0.1"), addr("b", "10.244.0.2")}, Ports: []corev1.EndpointPort{rpcPort}},
			}},
		{"headless without ports: port-less subset with hostnames of the subdomain", testService("s", headlessNoPorts),
			[]*corev1.Pod{testPod("a", "10.244.0.1", hostnameUnder("s")), testPod("b", "10.244.0.2", hostnameUnder("other"))},
			[]corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{withHost(addr("a", "10.244.0.1"), "a"), addr("b", "10.244.0.2")}}}},
		{"no pods: no subsets", testService("s"), nil, []corev1.EndpointSubset{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := endpoints.DesiredEndpoints(tc.svc, tc.pods)
			assert.Equal(t, tc.want, got.Subsets)
			assert.Equal(t, tc.svc.Name, got.Name)
		})
	}
}

func TestEndpointsLabels(t *testing.T) {
	got := endpoints.DesiredEndpoints(testService("s", headlessNoPorts), nil)
	assert.Equal(t, map[string]string{"app": "flink", "type": "flink-native-kubernetes", corev1.IsHeadlessService: "",
		"endpoints.kubernetes.io/managed-by": "endpoint-controller"}, got.Labels)
	got = endpoints.DesiredEndpoints(testService("s"), nil)
	assert.NotContains(t, got.Labels, corev1.IsHeadlessService)
}

func TestFindPort(t *testing.T) {
	sidecar := corev1.ContainerRestartPolicyAlways
	pod := testPod("a", "10.244.0.1")
	pod.Spec.InitContainers = []corev1.Container{
		{Name: "init", Ports: []corev1.ContainerPort{{Name: "init-port", ContainerPort: 1}}},
		{Name: "side", RestartPolicy: &sidecar, Ports: []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9249, Protocol: corev1.ProtocolTCP}}},
	}
	for _, tc := range []struct {
		sp   corev1.ServicePort
		want int32
		ok   bool
	}{
		{corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(8081)}, 8081, true},
		{corev1.ServicePort{Port: 80}, 80, true},
		{corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("rest"), Protocol: corev1.ProtocolTCP}, 8081, true},
		{corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("rest"), Protocol: corev1.ProtocolUDP}, 0, false},
		{corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("metrics")}, 9249, true},
		{corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("init-port")}, 0, false},
		{corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("nope")}, 0, false},
	} {
		got, ok := endpoints.FindPort(pod, &tc.sp)
		assert.Equal(t, tc.want, got, "%+v", tc.sp)
		assert.Equal(t, tc.ok, ok, "%+v", tc.sp)
	}
}

func TestDesiredSlices(t *testing.T) {
	zone := func(node string) string {
		if node == "node-1" {
			return "zone-a"
		}
		return ""
	}
	t.Run("conditions as the EndpointSlice controller sets them", func(t *testing.T) {
		got := endpoints.DesiredSlices(testService("s"), []*corev1.Pod{
			testPod("ready", "10.244.0.1"), testPod("unready", "10.244.0.2", notReady),
			testPod("leaving", "10.244.0.3", terminating), testPod("done", "10.244.0.4", succeeded)}, zone, 0)
		require.Len(t, got, 1)
		type cond struct{ ready, serving, terminating bool }
		conds := map[string]cond{}
		for _, ep := range got[0].Endpoints {
			conds[ep.TargetRef.Name] = cond{*ep.Conditions.Ready, *ep.Conditions.Serving, *ep.Conditions.Terminating}
			assert.Equal(t, "zone-a", *ep.Zone)
			assert.Equal(t, "node-1", *ep.NodeName)
		}
		assert.Equal(t, map[string]cond{"ready": {true, true, false}, "unready": {false, false, false}, "leaving": {false, true, true}}, conds)
		require.Len(t, got[0].Ports, 2)
		assert.Equal(t, "rest", *got[0].Ports[0].Name)
		assert.Equal(t, int32(8081), *got[0].Ports[0].Port)
	})
	t.Run("publishNotReadyAddresses makes every endpoint ready", func(t *testing.T) {
		got := endpoints.DesiredSlices(testService("s", publishNotReady), []*corev1.Pod{testPod("unready", "10.244.0.2", notReady)}, zone, 0)
		assert.True(t, *got[0].Endpoints[0].Conditions.Ready)
		assert.False(t, *got[0].Endpoints[0].Conditions.Serving)
	})
	t.Run("at most max endpoints per slice, grouped by ports", func(t *testing.T) {
		var pods []*corev1.Pod
		for i := range 5 {
			pods = append(pods, testPod(fmt.Sprintf("p%d", i), fmt.Sprintf("10.244.0.%d", i+1)))
		}
		pods = append(pods, testPod("x", "10.244.0.99", withoutRestPort))
		got := endpoints.DesiredSlices(testService("s"), pods, zone, 2)
		var sizes []int
		for _, s := range got {
			sizes = append(sizes, len(s.Endpoints))
		}
		assert.Equal(t, []int{2, 2, 1, 1}, sizes, "the two-port group in chunks of 2, then the pod without the named rest port")
	})
	t.Run("a Service without endpoints keeps a placeholder slice", func(t *testing.T) {
		got := endpoints.DesiredSlices(testService("s"), nil, zone, 0)
		require.Len(t, got, 1)
		assert.Empty(t, got[0].Endpoints)
	})
	t.Run("headless without ports: port-less endpoints with the subdomain's hostname", func(t *testing.T) {
		got := endpoints.DesiredSlices(testService("s", headlessNoPorts), []*corev1.Pod{testPod("a", "10.244.0.1", hostnameUnder("s"))}, zone, 0)
		require.Len(t, got, 1)
		assert.Empty(t, got[0].Ports)
		assert.Equal(t, "a", *got[0].Endpoints[0].Hostname)
	})
}

func TestPlanSlices(t *testing.T) {
	svc := testService("s")
	desired := endpoints.DesiredSlices(svc, []*corev1.Pod{testPod("a", "10.244.0.1")}, func(string) string { return "" }, 0)
	plan := endpoints.PlanSlices(svc, desired, nil)
	require.Len(t, plan.Create, 1)
	created := plan.Create[0]
	assert.Equal(t, "s-", created.GenerateName)
	assert.Equal(t, discoveryv1.AddressTypeIPv4, created.AddressType)
	assert.Equal(t, map[string]string{"app": "flink", "type": "flink-native-kubernetes",
		discoveryv1.LabelServiceName: "s", discoveryv1.LabelManagedBy: "endpointslice-controller.k8s.io"}, created.Labels)
	require.Len(t, created.OwnerReferences, 1)
	owner := created.OwnerReferences[0]
	assert.Equal(t, metav1.OwnerReference{APIVersion: "v1", Kind: "Service", Name: "s", UID: "svc-uid", Controller: ptr(true), BlockOwnerDeletion: ptr(true)}, owner)

	stored := created.DeepCopy()
	stored.Name = "s-abcde"
	assert.Equal(t, endpoints.SlicePlan{}, endpoints.PlanSlices(svc, desired, []*discoveryv1.EndpointSlice{stored}), "up to date: no writes")

	more := endpoints.DesiredSlices(svc, []*corev1.Pod{testPod("a", "10.244.0.1"), testPod("b", "10.244.0.2")}, func(string) string { return "" }, 0)
	plan = endpoints.PlanSlices(svc, more, []*discoveryv1.EndpointSlice{stored})
	require.Len(t, plan.Update, 1)
	assert.Equal(t, "s-abcde", plan.Update[0].Name)
	assert.Len(t, plan.Update[0].Endpoints, 2)
	assert.Empty(t, plan.Create)

	// A slice of an older Service of the same name, and a surplus slice, are deleted.
	orphan := stored.DeepCopy()
	orphan.Name, orphan.OwnerReferences[0].UID = "s-old", "old-uid"
	surplus := stored.DeepCopy()
	surplus.Name = "s-zzzzz"
	plan = endpoints.PlanSlices(svc, desired, []*discoveryv1.EndpointSlice{stored, orphan, surplus})
	var deleted []string
	for _, s := range plan.Delete {
		deleted = append(deleted, s.Name)
	}
	assert.ElementsMatch(t, []string{"s-old", "s-zzzzz"}, deleted)
	assert.Empty(t, plan.Create)
	assert.Empty(t, plan.Update)
}

func TestEndpointRelevantChange(t *testing.T) {
	base := testPod("a", "10.244.0.1")
	for name, change := range map[string]func(*corev1.Pod){
		"readiness": notReady, "deletion": terminating, "IP": func(p *corev1.Pod) {
			p.Status.PodIP, p.Status.PodIPs = "10.244.0.2", []corev1.PodIP{{IP: "10.244.0.2"}}
		},
		"labels": func(p *corev1.Pod) { p.Labels = map[string]string{"app": "other"} }, "phase": succeeded,
	} {
		p := base.DeepCopy()
		change(p)
		assert.True(t, endpoints.EndpointRelevantChange(base, p), name)
	}
	p := base.DeepCopy()
	p.Annotations = map[string]string{"x": "y"}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", RestartCount: 3}}
	assert.False(t, endpoints.EndpointRelevantChange(base, p), "annotations and container statuses do not matter")
}

func ptr[T any](v T) *T { return &v }

func TestNewRejectsABadConfig(t *testing.T) {
	_, err := endpoints.New(endpoints.Config{})
	assert.ErrorContains(t, err, "Config.Client is required")
}
