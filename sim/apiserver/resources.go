package apiserver

import (
	"fmt"
	"reflect"

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
	// status: the resource serves a status subresource.
	status bool
	// scale: the resource serves a scale subresource (autoscaling/v1 Scale).
	scale bool
	// createOnUpdate: an update of a missing object creates it (Leases, Services,
	// Endpoints, Events, RBAC objects).
	createOnUpdate bool
	// conditionalUpdate: an update must carry a resourceVersion (Leases).
	conditionalUpdate bool
	// newObject and newList make empty typed values.
	newObject func() runtime.Object
	newList   func() runtime.Object
	// selectable are the field selector labels the real server accepts for this kind;
	// nil means the default metadata.name and metadata.namespace only.
	selectable []string
	// fieldLabels are the values of the selectable fields beyond metadata.name and
	// metadata.namespace.
	fieldLabels func(obj runtime.Object) map[string]string
	// objType is the Go type of the kind's objects.
	objType reflect.Type
}

// checkType rejects an object of another kind than the resource's (possible only with
// hand-made actions), which would otherwise corrupt the table.
func (r *resourceInfo) checkType(obj runtime.Object) error {
	if reflect.TypeOf(obj) != r.objType {
		return fmt.Errorf("a %s cannot be stored as %s: expected a %s", reflect.TypeOf(obj), r.gvr.Resource, r.objType)
	}
	return nil
}

func (r *resourceInfo) groupKind() schema.GroupKind {
	return schema.GroupKind{Group: r.gvr.Group, Kind: r.kind}
}

var resources = map[schema.GroupVersionResource]*resourceInfo{}

func register(info *resourceInfo) {
	info.objType = reflect.TypeOf(info.newObject())
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
	core := func(info resourceInfo) {
		info.gvr = corev1.SchemeGroupVersion.WithResource(info.gvr.Resource)
		register(&info)
	}
	gvr := func(resource string) schema.GroupVersionResource {
		return schema.GroupVersionResource{Resource: resource}
	}
	core(resourceInfo{gvr: gvr("pods"), kind: "Pod", namespaced: true, status: true,
		newObject: func() runtime.Object { return &corev1.Pod{} }, newList: func() runtime.Object { return &corev1.PodList{} },
		selectable: []string{"metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
			"spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName"},
		fieldLabels: podFieldLabels})
	core(resourceInfo{gvr: gvr("services"), kind: "Service", namespaced: true, status: true, createOnUpdate: true,
		newObject: func() runtime.Object { return &corev1.Service{} }, newList: func() runtime.Object { return &corev1.ServiceList{} },
		selectable: []string{"metadata.name", "metadata.namespace", "spec.clusterIP", "spec.type"}, fieldLabels: serviceFieldLabels})
	core(resourceInfo{gvr: gvr("endpoints"), kind: "Endpoints", namespaced: true, createOnUpdate: true,
		newObject: func() runtime.Object { return &corev1.Endpoints{} }, newList: func() runtime.Object { return &corev1.EndpointsList{} }})
	core(resourceInfo{gvr: gvr("configmaps"), kind: "ConfigMap", namespaced: true,
		newObject: func() runtime.Object { return &corev1.ConfigMap{} }, newList: func() runtime.Object { return &corev1.ConfigMapList{} }})
	core(resourceInfo{gvr: gvr("secrets"), kind: "Secret", namespaced: true,
		newObject: func() runtime.Object { return &corev1.Secret{} }, newList: func() runtime.Object { return &corev1.SecretList{} },
		selectable: []string{"metadata.name", "metadata.namespace", "type"}, fieldLabels: secretFieldLabels})
	core(resourceInfo{gvr: gvr("serviceaccounts"), kind: "ServiceAccount", namespaced: true,
		newObject: func() runtime.Object { return &corev1.ServiceAccount{} }, newList: func() runtime.Object { return &corev1.ServiceAccountList{} }})
	core(resourceInfo{gvr: gvr("namespaces"), kind: "Namespace", status: true,
		newObject: func() runtime.Object { return &corev1.Namespace{} }, newList: func() runtime.Object { return &corev1.NamespaceList{} },
		selectable: []string{"metadata.name", "status.phase"}, fieldLabels: namespaceFieldLabels})
	core(resourceInfo{gvr: gvr("nodes"), kind: "Node", status: true,
		newObject: func() runtime.Object { return &corev1.Node{} }, newList: func() runtime.Object { return &corev1.NodeList{} },
		selectable: []string{"metadata.name", "spec.unschedulable"}, fieldLabels: nodeFieldLabels})
	core(resourceInfo{gvr: gvr("events"), kind: "Event", namespaced: true, createOnUpdate: true,
		newObject: func() runtime.Object { return &corev1.Event{} }, newList: func() runtime.Object { return &corev1.EventList{} },
		selectable: []string{"metadata.name", "metadata.namespace", "involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
			"involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
			"reason", "reportingComponent", "source", "type"},
		fieldLabels: eventFieldLabels})

	register(&resourceInfo{gvr: appsv1.SchemeGroupVersion.WithResource("deployments"), kind: "Deployment", namespaced: true, status: true, scale: true,
		newObject: func() runtime.Object { return &appsv1.Deployment{} }, newList: func() runtime.Object { return &appsv1.DeploymentList{} }})
	register(&resourceInfo{gvr: appsv1.SchemeGroupVersion.WithResource("replicasets"), kind: "ReplicaSet", namespaced: true, status: true, scale: true,
		newObject: func() runtime.Object { return &appsv1.ReplicaSet{} }, newList: func() runtime.Object { return &appsv1.ReplicaSetList{} }})
	register(&resourceInfo{gvr: coordinationv1.SchemeGroupVersion.WithResource("leases"), kind: "Lease", namespaced: true,
		createOnUpdate: true, conditionalUpdate: true,
		newObject: func() runtime.Object { return &coordinationv1.Lease{} }, newList: func() runtime.Object { return &coordinationv1.LeaseList{} }})
	register(&resourceInfo{gvr: discoveryv1.SchemeGroupVersion.WithResource("endpointslices"), kind: "EndpointSlice", namespaced: true,
		newObject: func() runtime.Object { return &discoveryv1.EndpointSlice{} }, newList: func() runtime.Object { return &discoveryv1.EndpointSliceList{} }})
	rbac := func(resource, kind string, namespaced bool, newObj, newList func() runtime.Object) {
		register(&resourceInfo{gvr: rbacv1.SchemeGroupVersion.WithResource(resource), kind: kind, namespaced: namespaced, createOnUpdate: true,
			newObject: newObj, newList: newList})
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
		"status.podIPs":            podIP,
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

func serviceFieldLabels(obj runtime.Object) map[string]string {
	svc := obj.(*corev1.Service)
	return map[string]string{"spec.clusterIP": svc.Spec.ClusterIP, "spec.type": string(svc.Spec.Type)}
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
