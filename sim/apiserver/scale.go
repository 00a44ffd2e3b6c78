package apiserver

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The scale subresource of Deployments and ReplicaSets: an autoscaling/v1 Scale view of
// spec.replicas, status.replicas and the selector.

func (s *Server) getScale(t *table, req Request) (*autoscalingv1.Scale, error) {
	cur := t.get(t.namespaceOf(req.Namespace), req.Name)
	if cur == nil {
		return nil, apierrors.NewNotFound(t.info.gvr.GroupResource(), req.Name)
	}
	return scaleOf(cur)
}

// scaleResource names the subresource in the errors of a scale update, as the real
// scale storage does.
func scaleResource(t *table) schema.GroupResource {
	return schema.GroupResource{Group: t.info.gvr.Group, Resource: t.info.gvr.Resource + "/scale"}
}

func scaleOf(obj runtime.Object) (*autoscalingv1.Scale, error) {
	var meta metav1.ObjectMeta
	var replicas *int32
	var statusReplicas int32
	var selector *metav1.LabelSelector
	switch o := obj.(type) {
	case *appsv1.Deployment:
		meta, replicas, statusReplicas, selector = o.ObjectMeta, o.Spec.Replicas, o.Status.Replicas, o.Spec.Selector
	case *appsv1.ReplicaSet:
		meta, replicas, statusReplicas, selector = o.ObjectMeta, o.Spec.Replicas, o.Status.Replicas, o.Spec.Selector
	default:
		return nil, apierrors.NewInternalError(fmt.Errorf("%T has no scale subresource", obj))
	}
	sel, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	scale := &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{
			Name: meta.Name, Namespace: meta.Namespace, UID: meta.UID,
			ResourceVersion: meta.ResourceVersion, CreationTimestamp: meta.CreationTimestamp,
		},
		Status: autoscalingv1.ScaleStatus{Replicas: statusReplicas, Selector: sel.String()},
	}
	if replicas != nil {
		scale.Spec.Replicas = *replicas
	}
	return scale, nil
}

// updateScale sets spec.replicas from a Scale, conditionally when the Scale carries a
// resourceVersion, and answers with the Scale of the updated workload.
func (s *Server) updateScale(t *table, req Request, in runtime.Object, manager string) (runtime.Object, error) {
	scale, ok := in.(*autoscalingv1.Scale)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("expected an autoscaling/v1 Scale, got %T", in))
	}
	name := scale.Name
	if name == "" {
		name = req.Name
	}
	cur := t.get(t.namespaceOf(req.Namespace), name)
	if cur == nil {
		return nil, apierrors.NewNotFound(scaleResource(t), name)
	}
	if scale.Spec.Replicas < 0 {
		return nil, apierrors.NewInvalid(schema.GroupKind{Group: autoscalingv1.GroupName, Kind: "Scale"}, name, field.ErrorList{
			field.Invalid(field.NewPath("spec", "replicas"), int64(scale.Spec.Replicas), "must be greater than or equal to 0")})
	}
	obj := cur.DeepCopyObject()
	replicas := scale.Spec.Replicas
	switch o := obj.(type) {
	case *appsv1.Deployment:
		o.Spec.Replicas = &replicas
		o.ResourceVersion = scale.ResourceVersion
	case *appsv1.ReplicaSet:
		o.Spec.Replicas = &replicas
		o.ResourceVersion = scale.ResourceVersion
	}
	upd := req
	upd.Subresource, upd.Name = "", name
	out, err := s.update(t, upd, obj, updateOptions{manager: manager})
	if err != nil {
		return nil, err
	}
	return scaleOf(out)
}
