package apiserver

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// This file holds what the real registry strategies (k8s.io/kubernetes/pkg/registry/…/
// strategy.go) do per kind: which fields a client may not set on create, what an update of
// the main resource or of the status subresource keeps from the stored object, and when
// metadata.generation moves.

// prepareForCreate resets what a client may not set on create.
func prepareForCreate(obj runtime.Object) {
	switch o := obj.(type) {
	case *corev1.Pod:
		o.Generation = 1
		o.Status = corev1.PodStatus{Phase: corev1.PodPending}
		o.Status.QOSClass = qosClass(&o.Spec)
	case *appsv1.Deployment:
		o.Status = appsv1.DeploymentStatus{}
		o.Generation = 1
	case *appsv1.ReplicaSet:
		o.Status = appsv1.ReplicaSetStatus{}
		o.Generation = 1
	case *discoveryv1.EndpointSlice:
		o.Generation = 1
	case *corev1.Service:
		o.Status = corev1.ServiceStatus{}
	case *corev1.Namespace:
		o.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
		if !containsFinalizer(o.Spec.Finalizers, corev1.FinalizerKubernetes) {
			o.Spec.Finalizers = append(o.Spec.Finalizers, corev1.FinalizerKubernetes)
		}
	}
	// Nodes keep their status on create, as the real node strategy allows.
}

// prepareForUpdate is an update of the main resource: the status is the stored one, and
// the generation (already the stored one) moves when the kind says so.
func prepareForUpdate(obj, old runtime.Object) {
	switch o := obj.(type) {
	case *corev1.Pod:
		prev := old.(*corev1.Pod)
		o.Status = prev.Status
		if !equal(o.Spec, prev.Spec) {
			o.Generation++
		}
	case *appsv1.Deployment:
		prev := old.(*appsv1.Deployment)
		o.Status = prev.Status
		// Annotations are copied to the ReplicaSets, so they count like the spec.
		if !equal(o.Spec, prev.Spec) || !equal(o.Annotations, prev.Annotations) {
			o.Generation = prev.Generation + 1
		}
	case *appsv1.ReplicaSet:
		prev := old.(*appsv1.ReplicaSet)
		o.Status = prev.Status
		if !equal(o.Spec, prev.Spec) {
			o.Generation = prev.Generation + 1
		}
	case *discoveryv1.EndpointSlice:
		prev := old.(*discoveryv1.EndpointSlice)
		// Anything but metadata, and the labels, count.
		a, b := *o, *prev
		a.ObjectMeta, b.ObjectMeta = metav1.ObjectMeta{}, metav1.ObjectMeta{}
		if !equal(a, b) || !equal(o.Labels, prev.Labels) {
			o.Generation = prev.Generation + 1
		}
	case *corev1.Service:
		o.Status = old.(*corev1.Service).Status
	case *corev1.Node:
		o.Status = old.(*corev1.Node).Status
	case *corev1.Namespace:
		prev := old.(*corev1.Namespace)
		o.Spec.Finalizers = prev.Spec.Finalizers
		o.Status = prev.Status
	case *corev1.Secret:
		if o.Type == "" {
			o.Type = old.(*corev1.Secret).Type
		}
	}
}

// prepareForStatusUpdate is an update through the status subresource: the spec is the
// stored one; metadata comes from the request except where the kind protects it.
func prepareForStatusUpdate(obj, old runtime.Object) {
	switch o := obj.(type) {
	case *corev1.Pod:
		prev := old.(*corev1.Pod)
		o.Spec = prev.Spec
		o.DeletionTimestamp = nil // restored from the stored object, as for every update
		// Old kubelets corrupted owner references through pods/status.
		o.OwnerReferences = prev.OwnerReferences
		if o.Status.QOSClass == "" {
			o.Status.QOSClass = prev.Status.QOSClass
		}
		if o.Status.ObservedGeneration == 0 {
			o.Status.ObservedGeneration = prev.Status.ObservedGeneration
		}
		preserveConditionGenerations(o.Status.Conditions, prev.Status.Conditions)
	case *appsv1.Deployment:
		prev := old.(*appsv1.Deployment)
		o.Spec = prev.Spec
		o.Labels = prev.Labels
	case *appsv1.ReplicaSet:
		o.Spec = old.(*appsv1.ReplicaSet).Spec
	case *corev1.Service:
		o.Spec = old.(*corev1.Service).Spec
	case *corev1.Node:
		o.Spec = old.(*corev1.Node).Spec
	case *corev1.Namespace:
		o.Spec = old.(*corev1.Namespace).Spec
	}
}

// prepareForFinalize is an update through namespaces/finalize: everything but the status
// comes from the request.
func prepareForFinalize(obj, old runtime.Object) {
	if o, ok := obj.(*corev1.Namespace); ok {
		o.Status = old.(*corev1.Namespace).Status
	}
}

// preserveConditionGenerations keeps the observedGeneration of pod conditions a client
// left at zero, matching conditions of a type in order.
func preserveConditionGenerations(conds, old []corev1.PodCondition) {
	prev := map[corev1.PodConditionType][]int64{}
	for _, c := range old {
		prev[c.Type] = append(prev[c.Type], c.ObservedGeneration)
	}
	for i := range conds {
		var g int64
		if gs := prev[conds[i].Type]; len(gs) > 0 {
			g, prev[conds[i].Type] = gs[0], gs[1:]
		}
		if conds[i].ObservedGeneration == 0 {
			conds[i].ObservedGeneration = g
		}
	}
}

// canonicalize runs after validation, when the final name is known.
func canonicalize(obj runtime.Object) {
	if ns, ok := obj.(*corev1.Namespace); ok {
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		ns.Labels[corev1.LabelMetadataName] = ns.Name
	}
}

func containsFinalizer(fs []corev1.FinalizerName, f corev1.FinalizerName) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}
