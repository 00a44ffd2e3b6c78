package apiserver

import (
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// resourceInfo is what the server knows about one resource type.
type resourceInfo struct {
	gvr        schema.GroupVersionResource
	kind       string
	namespaced bool
	// subresources the resource serves besides the main one.
	status bool
	// newObject and newList make empty typed values.
	newObject func() runtime.Object
	newList   func() runtime.Object
	// fieldLabels are the field selector labels the real server accepts for this
	// resource, beyond metadata.name and metadata.namespace.
	fieldLabels func(obj runtime.Object) map[string]string
}

func (r *resourceInfo) groupKind() schema.GroupKind {
	return schema.GroupKind{Group: r.gvr.Group, Kind: r.kind}
}

var resources = map[schema.GroupVersionResource]*resourceInfo{}

func register(info *resourceInfo) {
	resources[info.gvr] = info
}

// ResourceFor returns the resource of a kind, for owner-reference lookups.
func ResourceFor(gk schema.GroupKind) (schema.GroupVersionResource, bool, bool) {
	for _, r := range resources {
		if r.kind == gk.Kind && r.gvr.Group == gk.Group {
			return r.gvr, r.namespaced, true
		}
	}
	return schema.GroupVersionResource{}, false, false
}

// Resources lists every resource type the server stores.
func Resources() []schema.GroupVersionResource {
	out := make([]schema.GroupVersionResource, 0, len(resources))
	for gvr := range resources {
		out = append(out, gvr)
	}
	return out
}

func init() {
	core := func(resource, kind string, namespaced, status bool, newObj, newList func() runtime.Object, fl func(runtime.Object) map[string]string) {
		register(&resourceInfo{gvr: corev1.SchemeGroupVersion.WithResource(resource), kind: kind, namespaced: namespaced, status: status, newObject: newObj, newList: newList, fieldLabels: fl})
	}
	core("pods", "Pod", true, true, func() runtime.Object { return &corev1.Pod{} }, func() runtime.Object { return &corev1.PodList{} }, podFieldLabels)
	core("services", "Service", true, true, func() runtime.Object { return &corev1.Service{} }, func() runtime.Object { return &corev1.ServiceList{} }, nil)
	core("endpoints", "Endpoints", true, false, func() runtime.Object { return &corev1.Endpoints{} }, func() runtime.Object { return &corev1.EndpointsList{} }, nil)
	core("configmaps", "ConfigMap", true, false, func() runtime.Object { return &corev1.ConfigMap{} }, func() runtime.Object { return &corev1.ConfigMapList{} }, nil)
	core("secrets", "Secret", true, false, func() runtime.Object { return &corev1.Secret{} }, func() runtime.Object { return &corev1.SecretList{} }, secretFieldLabels)
	core("serviceaccounts", "ServiceAccount", true, false, func() runtime.Object { return &corev1.ServiceAccount{} }, func() runtime.Object { return &corev1.ServiceAccountList{} }, nil)
	core("namespaces", "Namespace", false, true, func() runtime.Object { return &corev1.Namespace{} }, func() runtime.Object { return &corev1.NamespaceList{} }, namespaceFieldLabels)
	core("nodes", "Node", false, true, func() runtime.Object { return &corev1.Node{} }, func() runtime.Object { return &corev1.NodeList{} }, nodeFieldLabels)
	core("events", "Event", true, false, func() runtime.Object { return &corev1.Event{} }, func() runtime.Object { return &corev1.EventList{} }, eventFieldLabels)

	register(&resourceInfo{gvr: appsv1.SchemeGroupVersion.WithResource("deployments"), kind: "Deployment", namespaced: true, status: true,
		newObject: func() runtime.Object { return &appsv1.Deployment{} }, newList: func() runtime.Object { return &appsv1.DeploymentList{} }})
	register(&resourceInfo{gvr: appsv1.SchemeGroupVersion.WithResource("replicasets"), kind: "ReplicaSet", namespaced: true, status: true,
		newObject: func() runtime.Object { return &appsv1.ReplicaSet{} }, newList: func() runtime.Object { return &appsv1.ReplicaSetList{} }, fieldLabels: replicaSetFieldLabels})
	register(&resourceInfo{gvr: coordinationv1.SchemeGroupVersion.WithResource("leases"), kind: "Lease", namespaced: true,
		newObject: func() runtime.Object { return &coordinationv1.Lease{} }, newList: func() runtime.Object { return &coordinationv1.LeaseList{} }})
	register(&resourceInfo{gvr: discoveryv1.SchemeGroupVersion.WithResource("endpointslices"), kind: "EndpointSlice", namespaced: true,
		newObject: func() runtime.Object { return &discoveryv1.EndpointSlice{} }, newList: func() runtime.Object { return &discoveryv1.EndpointSliceList{} }})
	rbac := func(resource, kind string, namespaced bool, newObj, newList func() runtime.Object) {
		register(&resourceInfo{gvr: rbacv1.SchemeGroupVersion.WithResource(resource), kind: kind, namespaced: namespaced, newObject: newObj, newList: newList})
	}
	rbac("roles", "Role", true, func() runtime.Object { return &rbacv1.Role{} }, func() runtime.Object { return &rbacv1.RoleList{} })
	rbac("rolebindings", "RoleBinding", true, func() runtime.Object { return &rbacv1.RoleBinding{} }, func() runtime.Object { return &rbacv1.RoleBindingList{} })
	rbac("clusterroles", "ClusterRole", false, func() runtime.Object { return &rbacv1.ClusterRole{} }, func() runtime.Object { return &rbacv1.ClusterRoleList{} })
	rbac("clusterrolebindings", "ClusterRoleBinding", false, func() runtime.Object { return &rbacv1.ClusterRoleBinding{} }, func() runtime.Object { return &rbacv1.ClusterRoleBindingList{} })
}

// Field labels as the real server's per-kind field label conversion functions accept them.

func podFieldLabels(obj runtime.Object) map[string]string {
	p := obj.(*corev1.Pod)
	podIP := ""
	if len(p.Status.PodIPs) > 0 {
		podIP = p.Status.PodIPs[0].IP
	}
	return map[string]string{
		"spec.nodeName":            p.Spec.NodeName,
		"spec.restartPolicy":       string(p.Spec.RestartPolicy),
		"spec.schedulerName":       p.Spec.SchedulerName,
		"spec.serviceAccountName":  p.Spec.ServiceAccountName,
		"spec.hostNetwork":         boolString(p.Spec.HostNetwork),
		"status.phase":             string(p.Status.Phase),
		"status.podIP":             podIP,
		"status.nominatedNodeName": p.Status.NominatedNodeName,
	}
}

func secretFieldLabels(obj runtime.Object) map[string]string {
	return map[string]string{"type": string(obj.(*corev1.Secret).Type)}
}

func namespaceFieldLabels(obj runtime.Object) map[string]string {
	return map[string]string{"status.phase": string(obj.(*corev1.Namespace).Status.Phase)}
}

func nodeFieldLabels(obj runtime.Object) map[string]string {
	return map[string]string{"spec.unschedulable": boolString(obj.(*corev1.Node).Spec.Unschedulable)}
}

func replicaSetFieldLabels(obj runtime.Object) map[string]string {
	rs := obj.(*appsv1.ReplicaSet)
	return map[string]string{"status.replicas": itoa(int64(rs.Status.Replicas))}
}

func eventFieldLabels(obj runtime.Object) map[string]string {
	e := obj.(*corev1.Event)
	return map[string]string{
		"involvedObject.kind":            e.InvolvedObject.Kind,
		"involvedObject.namespace":       e.InvolvedObject.Namespace,
		"involvedObject.name":            e.InvolvedObject.Name,
		"involvedObject.uid":             string(e.InvolvedObject.UID),
		"involvedObject.apiVersion":      e.InvolvedObject.APIVersion,
		"involvedObject.resourceVersion": e.InvolvedObject.ResourceVersion,
		"involvedObject.fieldPath":       e.InvolvedObject.FieldPath,
		"reason":                         e.Reason,
		"reportingComponent":             e.ReportingController,
		"source":                         e.Source.Component,
		"type":                           e.Type,
	}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
