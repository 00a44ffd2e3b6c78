package namespace

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
)

// content is one namespaced resource the controller empties.
type content struct {
	gvr schema.GroupVersionResource
	// deleteAll deletes every object of the resource in a namespace.
	deleteAll func(ctx context.Context, cs kubernetes.Interface, ns string, opts metav1.DeleteOptions) error
	// list returns the objects left in a namespace.
	list func(ctx context.Context, cs kubernetes.Interface, ns string) ([]metav1.Object, error)
}

type collection[L runtime.Object] interface {
	DeleteCollection(ctx context.Context, opts metav1.DeleteOptions, listOpts metav1.ListOptions) error
	List(ctx context.Context, opts metav1.ListOptions) (L, error)
}

func resource[L runtime.Object](gvr schema.GroupVersionResource, client func(cs kubernetes.Interface, ns string) collection[L]) content {
	return content{
		gvr: gvr,
		deleteAll: func(ctx context.Context, cs kubernetes.Interface, ns string, opts metav1.DeleteOptions) error {
			return client(cs, ns).DeleteCollection(ctx, opts, metav1.ListOptions{})
		},
		list: func(ctx context.Context, cs kubernetes.Interface, ns string) ([]metav1.Object, error) {
			l, err := client(cs, ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return nil, err
			}
			items, err := meta.ExtractList(l)
			if err != nil {
				return nil, err
			}
			out := make([]metav1.Object, 0, len(items))
			for _, item := range items {
				if m, err := meta.Accessor(item); err == nil {
					out = append(out, m)
				}
			}
			return out, nil
		},
	}
}

// services have no DeleteCollection: the controller deletes them one by one, as the
// real one does for any resource without that verb.
func services() content {
	c := resource(corev1.SchemeGroupVersion.WithResource("services"), func(cs kubernetes.Interface, ns string) collection[*corev1.ServiceList] {
		return serviceCollection{cs.CoreV1().Services(ns)}
	})
	return c
}

type serviceCollection struct {
	corev1client.ServiceInterface
}

func (s serviceCollection) DeleteCollection(ctx context.Context, opts metav1.DeleteOptions, listOpts metav1.ListOptions) error {
	l, err := s.List(ctx, listOpts)
	if err != nil {
		return err
	}
	for _, svc := range l.Items {
		if err := s.Delete(ctx, svc.Name, opts); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

var podsGVR = corev1.SchemeGroupVersion.WithResource("pods")

// contents are the namespaced resources of the simulator, pods first: the real
// controller deletes the pods of a namespace before anything else.
var contents = []content{
	resource(podsGVR, func(cs kubernetes.Interface, ns string) collection[*corev1.PodList] { return cs.CoreV1().Pods(ns) }),
	resource(corev1.SchemeGroupVersion.WithResource("configmaps"), func(cs kubernetes.Interface, ns string) collection[*corev1.ConfigMapList] {
		return cs.CoreV1().ConfigMaps(ns)
	}),
	resource(corev1.SchemeGroupVersion.WithResource("endpoints"), func(cs kubernetes.Interface, ns string) collection[*corev1.EndpointsList] {
		return cs.CoreV1().Endpoints(ns)
	}),
	resource(corev1.SchemeGroupVersion.WithResource("events"), func(cs kubernetes.Interface, ns string) collection[*corev1.EventList] {
		return cs.CoreV1().Events(ns)
	}),
	resource(corev1.SchemeGroupVersion.WithResource("secrets"), func(cs kubernetes.Interface, ns string) collection[*corev1.SecretList] {
		return cs.CoreV1().Secrets(ns)
	}),
	resource(corev1.SchemeGroupVersion.WithResource("serviceaccounts"), func(cs kubernetes.Interface, ns string) collection[*corev1.ServiceAccountList] {
		return cs.CoreV1().ServiceAccounts(ns)
	}),
	services(),
	resource(appsv1.SchemeGroupVersion.WithResource("deployments"), func(cs kubernetes.Interface, ns string) collection[*appsv1.DeploymentList] {
		return cs.AppsV1().Deployments(ns)
	}),
	resource(appsv1.SchemeGroupVersion.WithResource("replicasets"), func(cs kubernetes.Interface, ns string) collection[*appsv1.ReplicaSetList] {
		return cs.AppsV1().ReplicaSets(ns)
	}),
	resource(coordinationv1.SchemeGroupVersion.WithResource("leases"), func(cs kubernetes.Interface, ns string) collection[*coordinationv1.LeaseList] {
		return cs.CoordinationV1().Leases(ns)
	}),
	resource(discoveryv1.SchemeGroupVersion.WithResource("endpointslices"), func(cs kubernetes.Interface, ns string) collection[*discoveryv1.EndpointSliceList] {
		return cs.DiscoveryV1().EndpointSlices(ns)
	}),
	resource(rbacv1.SchemeGroupVersion.WithResource("roles"), func(cs kubernetes.Interface, ns string) collection[*rbacv1.RoleList] {
		return cs.RbacV1().Roles(ns)
	}),
	resource(rbacv1.SchemeGroupVersion.WithResource("rolebindings"), func(cs kubernetes.Interface, ns string) collection[*rbacv1.RoleBindingList] {
		return cs.RbacV1().RoleBindings(ns)
	}),
}
