package kube

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// Resource describes one resource type the simulator's controllers handle generically.
type Resource struct {
	GVR        schema.GroupVersionResource
	Kind       string
	Namespaced bool
}

// GroupKind of the resource.
func (r Resource) GroupKind() schema.GroupKind {
	return schema.GroupKind{Group: r.GVR.Group, Kind: r.Kind}
}

// Resources are the resource types that can be owners or dependents.
var Resources = []Resource{
	{corev1.SchemeGroupVersion.WithResource("pods"), "Pod", true},
	{corev1.SchemeGroupVersion.WithResource("services"), "Service", true},
	{corev1.SchemeGroupVersion.WithResource("endpoints"), "Endpoints", true},
	{corev1.SchemeGroupVersion.WithResource("configmaps"), "ConfigMap", true},
	{corev1.SchemeGroupVersion.WithResource("secrets"), "Secret", true},
	{corev1.SchemeGroupVersion.WithResource("serviceaccounts"), "ServiceAccount", true},
	{corev1.SchemeGroupVersion.WithResource("namespaces"), "Namespace", false},
	{corev1.SchemeGroupVersion.WithResource("nodes"), "Node", false},
	{appsv1.SchemeGroupVersion.WithResource("deployments"), "Deployment", true},
	{appsv1.SchemeGroupVersion.WithResource("replicasets"), "ReplicaSet", true},
	{coordinationv1.SchemeGroupVersion.WithResource("leases"), "Lease", true},
	{discoveryv1.SchemeGroupVersion.WithResource("endpointslices"), "EndpointSlice", true},
	{rbacv1.SchemeGroupVersion.WithResource("roles"), "Role", true},
	{rbacv1.SchemeGroupVersion.WithResource("rolebindings"), "RoleBinding", true},
	{rbacv1.SchemeGroupVersion.WithResource("clusterroles"), "ClusterRole", false},
	{rbacv1.SchemeGroupVersion.WithResource("clusterrolebindings"), "ClusterRoleBinding", false},
}

// ResourceForKind finds the resource of an owner reference's apiVersion and kind.
func ResourceForKind(apiVersion, kind string) (Resource, bool) {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return Resource{}, false
	}
	for _, r := range Resources {
		if r.Kind == kind && r.GVR.Group == gv.Group {
			return r, true
		}
	}
	return Resource{}, false
}

// Client is the part of a typed client the generic controllers need.
type Client struct {
	Get    func(ctx context.Context, name string) (metav1.Object, error)
	Delete func(ctx context.Context, name string, opts metav1.DeleteOptions) error
	Patch  func(ctx context.Context, name string, pt types.PatchType, data []byte) error
}

type typed[T runtime.Object] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
	Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, subresources ...string) (T, error)
}

func adapt[T interface {
	runtime.Object
	metav1.Object
}](c typed[T]) Client {
	return Client{
		Get: func(ctx context.Context, name string) (metav1.Object, error) {
			return c.Get(ctx, name, metav1.GetOptions{})
		},
		Delete: c.Delete,
		Patch: func(ctx context.Context, name string, pt types.PatchType, data []byte) error {
			_, err := c.Patch(ctx, name, pt, data, metav1.PatchOptions{})
			return err
		},
	}
}

// ClientFor returns the typed client of resource r in namespace ns.
func ClientFor(cs kubernetes.Interface, gvr schema.GroupVersionResource, ns string) (Client, error) {
	switch gvr.GroupResource().String() {
	case "pods":
		return adapt[*corev1.Pod](cs.CoreV1().Pods(ns)), nil
	case "services":
		return adapt[*corev1.Service](cs.CoreV1().Services(ns)), nil
	case "endpoints":
		return adapt[*corev1.Endpoints](cs.CoreV1().Endpoints(ns)), nil
	case "configmaps":
		return adapt[*corev1.ConfigMap](cs.CoreV1().ConfigMaps(ns)), nil
	case "secrets":
		return adapt[*corev1.Secret](cs.CoreV1().Secrets(ns)), nil
	case "serviceaccounts":
		return adapt[*corev1.ServiceAccount](cs.CoreV1().ServiceAccounts(ns)), nil
	case "namespaces":
		return adapt[*corev1.Namespace](cs.CoreV1().Namespaces()), nil
	case "nodes":
		return adapt[*corev1.Node](cs.CoreV1().Nodes()), nil
	case "deployments.apps":
		return adapt[*appsv1.Deployment](cs.AppsV1().Deployments(ns)), nil
	case "replicasets.apps":
		return adapt[*appsv1.ReplicaSet](cs.AppsV1().ReplicaSets(ns)), nil
	case "leases.coordination.k8s.io":
		return adapt[*coordinationv1.Lease](cs.CoordinationV1().Leases(ns)), nil
	case "endpointslices.discovery.k8s.io":
		return adapt[*discoveryv1.EndpointSlice](cs.DiscoveryV1().EndpointSlices(ns)), nil
	case "roles.rbac.authorization.k8s.io":
		return adapt[*rbacv1.Role](cs.RbacV1().Roles(ns)), nil
	case "rolebindings.rbac.authorization.k8s.io":
		return adapt[*rbacv1.RoleBinding](cs.RbacV1().RoleBindings(ns)), nil
	case "clusterroles.rbac.authorization.k8s.io":
		return adapt[*rbacv1.ClusterRole](cs.RbacV1().ClusterRoles()), nil
	case "clusterrolebindings.rbac.authorization.k8s.io":
		return adapt[*rbacv1.ClusterRoleBinding](cs.RbacV1().ClusterRoleBindings()), nil
	}
	return Client{}, fmt.Errorf("no client for resource %s", gvr)
}
