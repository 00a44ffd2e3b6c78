package apiserver

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestGeneratedNameKeepsRoomForTheSuffix(t *testing.T) {
	for _, tc := range []struct {
		base string
		want int
	}{
		{"flink-", 11},
		{strings.Repeat("a", 58), 63},
		{strings.Repeat("a", 70), 63},
	} {
		got := generatedName(tc.base, "bcdfg")
		assert.Len(t, got, tc.want, "base of %d characters", len(tc.base))
		assert.True(t, strings.HasSuffix(got, "bcdfg"))
	}
}

func TestGroupsOf(t *testing.T) {
	for user, want := range map[string][]string{
		AdminUser:                           {GroupMasters, GroupAuthenticated},
		"system:serviceaccount:flink:jm":    {GroupServiceAccounts, "system:serviceaccounts:flink", GroupAuthenticated},
		"system:serviceaccount:broken":      {GroupAuthenticated},
		"system:node:node-1":                {GroupNodes, GroupAuthenticated},
		"system:kube-scheduler":             {GroupAuthenticated},
		"jane":                              {GroupAuthenticated},
		"system:serviceaccount::nameless":   {GroupAuthenticated},
		"system:serviceaccount:ns:with:dot": {GroupServiceAccounts, "system:serviceaccounts:ns", GroupAuthenticated},
	} {
		assert.Equal(t, want, GroupsOf(user), user)
	}
}

func TestFieldLabelConversionWordsRejectionsPerKind(t *testing.T) {
	for _, tc := range []struct {
		resource schema.GroupVersionResource
		label    string
		want     string // "" = accepted
	}{
		{corev1.SchemeGroupVersion.WithResource("pods"), "spec.nodeName", ""},
		{corev1.SchemeGroupVersion.WithResource("pods"), "status.podIPs", ""},
		{corev1.SchemeGroupVersion.WithResource("pods"), "spec.containers.image", "field label not supported: spec.containers.image"},
		{corev1.SchemeGroupVersion.WithResource("configmaps"), "metadata.namespace", ""},
		{corev1.SchemeGroupVersion.WithResource("configmaps"), "data.k", `"data.k" is not a known field selector: only "metadata.name", "metadata.namespace"`},
		{appsv1.SchemeGroupVersion.WithResource("replicasets"), "status.replicas", `"status.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"`},
		{corev1.SchemeGroupVersion.WithResource("nodes"), "metadata.namespace", "field label not supported: metadata.namespace"},
		{corev1.SchemeGroupVersion.WithResource("services"), "spec.type", ""},
		{corev1.SchemeGroupVersion.WithResource("secrets"), "type", ""},
	} {
		_, _, err := resources[tc.resource].convertFieldLabel(tc.label, "x")
		if tc.want == "" {
			assert.NoError(t, err, "%s %s", tc.resource.Resource, tc.label)
		} else if assert.Error(t, err, "%s %s", tc.resource.Resource, tc.label) {
			assert.Equal(t, tc.want, err.Error())
		}
	}
	label, _, err := resources[corev1.SchemeGroupVersion.WithResource("pods")].convertFieldLabel("spec.host", "n")
	assert.NoError(t, err)
	assert.Equal(t, "spec.nodeName", label, "old clients' spec.host")
}

func TestGCFinalizers(t *testing.T) {
	policy := func(p metav1.DeletionPropagation) metav1.DeleteOptions {
		return metav1.DeleteOptions{PropagationPolicy: &p}
	}
	orphan := true
	for _, tc := range []struct {
		name        string
		current     []string
		opts        metav1.DeleteOptions
		wantChanged bool
		want        []string
	}{
		{"no policy keeps nothing", nil, metav1.DeleteOptions{}, false, nil},
		{"no policy keeps an existing orphan finalizer", []string{FinalizerOrphan}, metav1.DeleteOptions{}, false, []string{FinalizerOrphan}},
		{"orphan adds its finalizer", []string{"x"}, policy(metav1.DeletePropagationOrphan), true, []string{"x", FinalizerOrphan}},
		{"foreground replaces orphan", []string{FinalizerOrphan}, policy(metav1.DeletePropagationForeground), true, []string{FinalizerForeground}},
		{"background removes both", []string{FinalizerForeground, "x"}, policy(metav1.DeletePropagationBackground), true, []string{"x"}},
		{"orphanDependents=true", nil, metav1.DeleteOptions{OrphanDependents: &orphan}, true, []string{FinalizerOrphan}},
	} {
		changed, got := gcFinalizers(tc.current, tc.opts)
		assert.Equal(t, tc.wantChanged, changed, tc.name)
		assert.Equal(t, tc.want, got, tc.name)
	}
}

func TestPodGracePeriod(t *testing.T) {
	grace := func(s int64) *int64 { return &s }
	pod := func(node string, phase corev1.PodPhase, tgps *int64) *corev1.Pod {
		return &corev1.Pod{Spec: corev1.PodSpec{NodeName: node, TerminationGracePeriodSeconds: tgps}, Status: corev1.PodStatus{Phase: phase}}
	}
	for _, tc := range []struct {
		name string
		pod  *corev1.Pod
		opts metav1.DeleteOptions
		want int64
	}{
		{"unscheduled pod goes at once", pod("", corev1.PodRunning, grace(30)), metav1.DeleteOptions{}, 0},
		{"running pod waits its terminationGracePeriodSeconds", pod("n", corev1.PodRunning, grace(30)), metav1.DeleteOptions{}, 30},
		{"the request's grace period wins", pod("n", corev1.PodRunning, grace(30)), metav1.DeleteOptions{GracePeriodSeconds: grace(5)}, 5},
		{"a finished pod goes at once", pod("n", corev1.PodSucceeded, grace(30)), metav1.DeleteOptions{}, 0},
		{"negative means one second", pod("n", corev1.PodRunning, grace(-3)), metav1.DeleteOptions{}, 1},
	} {
		assert.Equal(t, tc.want, podGracePeriod(tc.pod, &tc.opts), tc.name)
	}
}

func TestShouldDeleteDuringUpdate(t *testing.T) {
	ts := metav1.Now()
	zero, thirty := int64(0), int64(30)
	cm := func(deleting bool, grace *int64, finalizers ...string) *corev1.ConfigMap {
		c := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Finalizers: finalizers, DeletionGracePeriodSeconds: grace}}
		if deleting {
			c.DeletionTimestamp = &ts
		}
		return c
	}
	assert.True(t, shouldDeleteDuringUpdate(cm(true, &zero), cm(true, &zero, "x")), "last finalizer removed")
	assert.False(t, shouldDeleteDuringUpdate(cm(true, &zero, "y"), cm(true, &zero, "x", "y")), "finalizers remain")
	assert.False(t, shouldDeleteDuringUpdate(cm(false, nil), cm(false, nil, "x")), "not being deleted")
	assert.False(t, shouldDeleteDuringUpdate(cm(true, &thirty), cm(true, &thirty, "x")), "a graceful deletion is under way")
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &ts}, Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"kubernetes"}}}
	assert.False(t, shouldDeleteDuringUpdate(ns, ns), "a namespace waits for spec.finalizers")
}

func TestGenerationRules(t *testing.T) {
	deployment := func() *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Generation: 4}, Spec: appsv1.DeploymentSpec{Replicas: ptr[int32](1)}}
	}
	for _, tc := range []struct {
		name   string
		change func(obj runtime.Object)
		old    runtime.Object
		want   int64
	}{
		{"deployment spec", func(o runtime.Object) { o.(*appsv1.Deployment).Spec.Replicas = ptr[int32](2) }, deployment(), 5},
		{"deployment annotation", func(o runtime.Object) { o.(*appsv1.Deployment).Annotations = map[string]string{"a": "b"} }, deployment(), 5},
		{"deployment label", func(o runtime.Object) { o.(*appsv1.Deployment).Labels = map[string]string{"a": "b"} }, deployment(), 4},
		{"deployment status", func(o runtime.Object) { o.(*appsv1.Deployment).Status.Replicas = 3 }, deployment(), 4},
		{"replicaset annotation", func(o runtime.Object) { o.(*appsv1.ReplicaSet).Annotations = map[string]string{"a": "b"} },
			&appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Generation: 2}}, 2},
		{"pod image", func(o runtime.Object) { o.(*corev1.Pod).Spec.Containers[0].Image = "b" },
			&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Generation: 1}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Image: "a"}}}}, 2},
		{"endpointslice label", func(o runtime.Object) { o.(*discoveryv1.EndpointSlice).Labels = map[string]string{"a": "b"} },
			&discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Generation: 1}}, 2},
		{"endpointslice annotation", func(o runtime.Object) { o.(*discoveryv1.EndpointSlice).Annotations = map[string]string{"a": "b"} },
			&discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Generation: 1}}, 1},
	} {
		obj := tc.old.DeepCopyObject()
		tc.change(obj)
		prepareForUpdate(obj, tc.old)
		got := obj.(metav1.Object).GetGeneration()
		assert.Equal(t, tc.want, got, tc.name)
	}
}

func TestStatusUpdateRules(t *testing.T) {
	owner := []metav1.OwnerReference{{Kind: "ConfigMap", Name: "o", UID: "u"}}
	oldPod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{OwnerReferences: owner, Labels: map[string]string{"a": "1"}},
		Spec:       corev1.PodSpec{NodeName: "n"},
		Status:     corev1.PodStatus{QOSClass: corev1.PodQOSBestEffort, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, ObservedGeneration: 3}}},
	}
	pod := oldPod.DeepCopy()
	pod.OwnerReferences, pod.Labels, pod.Spec.NodeName = nil, map[string]string{"a": "2"}, "other"
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady}}}
	prepareForStatusUpdate(pod, oldPod)
	assert.Equal(t, owner, pod.OwnerReferences, "pods/status keeps owner references")
	assert.Equal(t, "2", pod.Labels["a"], "pods/status writes labels")
	assert.Equal(t, "n", pod.Spec.NodeName, "pods/status keeps the spec")
	assert.Equal(t, corev1.PodQOSBestEffort, pod.Status.QOSClass, "the QoS class is backfilled")
	assert.Equal(t, int64(3), pod.Status.Conditions[0].ObservedGeneration)

	oldD := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "1"}}}
	d := oldD.DeepCopy()
	d.Labels, d.Annotations = map[string]string{"a": "2"}, map[string]string{"b": "1"}
	prepareForStatusUpdate(d, oldD)
	assert.Equal(t, "1", d.Labels["a"], "deployments/status keeps labels")
	assert.Equal(t, "1", d.Annotations["b"], "deployments/status writes annotations")
}

func TestConfigDataSizeCountsValuesOnly(t *testing.T) {
	half := strings.Repeat("x", maxConfigSize/2)
	assert.Empty(t, validateConfigMapData(map[string]string{"a": half, "b": half}, nil), "exactly 1 MiB of values")
	errs := validateConfigMapData(map[string]string{"a": half, "b": half + "y"}, nil)
	if assert.Len(t, errs, 1) {
		assert.Equal(t, "[]: Too long: may not be more than 1048576 bytes", errs[0].Error())
	}
	errs = validateSecret(&corev1.Secret{Data: map[string][]byte{"blob": []byte(half + half + "z")}})
	if assert.Len(t, errs, 1) {
		assert.True(t, strings.HasPrefix(errs[0].Error(), "data: Too long: "), errs[0].Error())
	}
	errs = validateSecret(&corev1.Secret{Type: corev1.SecretTypeTLS, Data: map[string][]byte{corev1.TLSCertKey: nil}})
	if assert.Len(t, errs, 1) {
		assert.Equal(t, "data[tls.key]: Required value", errs[0].Error())
	}
}

func TestLeaseValidation(t *testing.T) {
	zero, negative := int32(0), int32(-1)
	errs := validateLeaseSpec(&coordinationv1.LeaseSpec{LeaseDurationSeconds: &zero, LeaseTransitions: &negative}, nil)
	if assert.Len(t, errs, 2) {
		assert.Equal(t, "leaseDurationSeconds: Invalid value: 0: must be greater than 0", errs[0].Error())
		assert.Equal(t, "leaseTransitions: Invalid value: -1: must be greater than or equal to 0", errs[1].Error())
	}
}

func TestBindingValidation(t *testing.T) {
	ref := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "r"}
	assert.Empty(t, validateBinding(ref, []rbacv1.Subject{{Kind: "ServiceAccount", Name: "sa"}}, true))
	errs := validateBinding(ref, nil, false)
	if assert.Len(t, errs, 1) {
		assert.Equal(t, `roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"`, errs[0].Error())
	}
	errs = validateBinding(ref, []rbacv1.Subject{{Kind: "ServiceAccount", Name: "sa"}, {Kind: "Robot", Name: "r"}}, false)
	if assert.Len(t, errs, 3) {
		assert.Equal(t, "subjects[0].namespace: Required value", errs[1].Error())
		assert.Equal(t, `subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"`, errs[2].Error())
	}
}

func TestDecodeWireTruncatesTimes(t *testing.T) {
	at := time.Date(2026, 11, 26, 12, 0, 0, 123456789, time.UTC)
	micro := metav1.NewMicroTime(at)
	lease := &coordinationv1.Lease{Spec: coordinationv1.LeaseSpec{RenewTime: &micro}}
	decodeWire(lease)
	assert.Equal(t, 123456000, lease.Spec.RenewTime.Nanosecond())
	pod := &corev1.Pod{Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{LastTransitionTime: metav1.NewTime(at)}}}}
	decodeWire(pod)
	assert.Equal(t, 0, pod.Status.Conditions[0].LastTransitionTime.Nanosecond())
}

func TestPatchAllocatedValuesKeepsWhatTheServerGave(t *testing.T) {
	old := &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, ClusterIP: "10.96.0.7", ClusterIPs: []string{"10.96.0.7"},
		Ports: []corev1.ServicePort{{Name: "rest", Port: 8081, NodePort: 30001}, {Name: "rpc", Port: 6123, NodePort: 30002}}}}
	svc := &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort,
		Ports: []corev1.ServicePort{{Name: "rest", Port: 8081}, {Name: "rpc", Port: 6123, NodePort: 30001}}}}
	patchAllocatedValues(svc, old)
	assert.Equal(t, "10.96.0.7", svc.Spec.ClusterIP)
	assert.Equal(t, []string{"10.96.0.7"}, svc.Spec.ClusterIPs)
	assert.Equal(t, int32(0), svc.Spec.Ports[0].NodePort, "30001 is taken by the other port now")
	assert.Equal(t, int32(30001), svc.Spec.Ports[1].NodePort)
}

func TestEqualTreatsQuantitiesByValue(t *testing.T) {
	a := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}
	b := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1000m")}
	assert.True(t, equal(a, b))
	assert.True(t, equal(map[string]string{}, map[string]string(nil)), "nil and empty alike")
	assert.False(t, equal(map[string]string{"a": "b"}, map[string]string(nil)))
}

func TestHistorySince(t *testing.T) {
	tb := newTable(resources[corev1.SchemeGroupVersion.WithResource("configmaps")])
	for rv := uint64(5); rv <= 9; rv++ {
		tb.record(3, event{rv: rv})
	}
	// Capacity 3: events 7, 8, 9 are kept; 6 is the newest dropped.
	events, _, ok := tb.since(6, 4)
	assert.True(t, ok)
	assert.Len(t, events, 3)
	_, oldest, ok := tb.since(5, 4)
	assert.False(t, ok, "event 6 is gone")
	assert.Equal(t, uint64(6), oldest)
	tb2 := newTable(tb.info)
	_, oldest, ok = tb2.since(1, 4)
	assert.False(t, ok, "older than the history's start")
	assert.Equal(t, uint64(4), oldest)
}

func TestForbiddenWording(t *testing.T) {
	req := Request{User: "system:serviceaccount:ns:sa", Verb: "update", Resource: corev1.SchemeGroupVersion.WithResource("pods"),
		Subresource: "status", Namespace: "ns", Name: "p"}
	assert.Equal(t, `pods "p" is forbidden: User "system:serviceaccount:ns:sa" cannot update resource "pods/status" in API group "" in the namespace "ns"`,
		forbidden(req, "").Error())
	req = Request{User: "u", Verb: "list", Resource: rbacv1.SchemeGroupVersion.WithResource("clusterroles")}
	assert.Equal(t, `clusterroles.rbac.authorization.k8s.io is forbidden: User "u" cannot list resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope: RBAC: why`,
		forbidden(req, "RBAC: why").Error())
	assert.Equal(t, "", attributesOf(Request{Verb: "create", Name: "new"}).Name, "a create names nothing")
	assert.Equal(t, "p", attributesOf(Request{Verb: "create", Subresource: "binding", Name: "p"}).Name)
}

func TestEqualComparesWholeObjects(t *testing.T) {
	pod := func(cpu string, labels map[string]string, phase corev1.PodPhase) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Labels: labels},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "m", Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}}}},
			Status: corev1.PodStatus{Phase: phase}}
	}
	assert.True(t, equal(pod("1", nil, corev1.PodRunning), pod("1000m", map[string]string{}, corev1.PodRunning)), "quantities by value, nil and empty alike, in every part")
	assert.False(t, equal(pod("1", nil, corev1.PodRunning), pod("1", nil, corev1.PodPending)), "status differs")
	assert.False(t, equal(pod("1", nil, corev1.PodRunning), pod("1", map[string]string{"a": "b"}, corev1.PodRunning)), "metadata differs")
	assert.False(t, equal(pod("1", nil, corev1.PodRunning), pod("2", nil, corev1.PodRunning)), "spec differs")
	assert.True(t, equal(&corev1.ConfigMap{Data: map[string]string{}}, &corev1.ConfigMap{}), "a kind without a status")
	assert.False(t, equal(&corev1.ConfigMap{Data: map[string]string{"k": "v"}}, &corev1.ConfigMap{}))
}

func TestWithOwnMetaLeavesTheOriginalAlone(t *testing.T) {
	orig := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Labels: map[string]string{"a": "b"}, Finalizers: []string{"f"}},
		Spec:   corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "m"}}},
		Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse}}}}
	c := withOwnMeta(orig).(*corev1.Pod)
	c.Labels["a"] = "changed"
	c.Finalizers[0] = "changed"
	ts := metav1.Now()
	c.DeletionTimestamp = &ts
	c.Spec.NodeName = "n2"
	assert.Equal(t, map[string]string{"a": "b"}, orig.Labels)
	assert.Equal(t, []string{"f"}, orig.Finalizers)
	assert.Nil(t, orig.DeletionTimestamp)
	assert.Equal(t, "n1", orig.Spec.NodeName, "plain fields of the spec are the copy's own")
	assert.Same(t, &orig.Spec.Containers[0], &c.Spec.Containers[0], "the rest is shared")
	assert.Equal(t, "p", c.Name)
}
