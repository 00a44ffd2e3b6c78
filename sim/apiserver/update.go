package apiserver

import (
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/watch"
)

var semantic = equality.Semantic

// equal is semantic equality (resource quantities by value, nil and empty alike) with
// plain reflection first: most equal values are equal that way too, and it is several
// times faster than the semantic comparison on the hot update path. Of two objects, the
// status and then the metadata are compared first: that is where an update's change
// mostly is, and finding it there saves walking the spec twice.
func equal(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Kind() == reflect.Pointer && va.Type() == vb.Type() && !va.IsNil() && !vb.IsNil() && va.Elem().Kind() == reflect.Struct {
		for _, part := range [...]string{"Status", "ObjectMeta"} {
			fa := va.Elem().FieldByName(part)
			if fa.IsValid() && !equalValues(fa.Addr().Interface(), vb.Elem().FieldByName(part).Addr().Interface()) {
				return false
			}
		}
	}
	return equalValues(a, b)
}

func equalValues(a, b any) bool {
	return reflect.DeepEqual(a, b) || semantic.DeepEqual(a, b)
}

// updateOptions say where an update comes from.
type updateOptions struct {
	// manager is the request's field manager ("" = the client's default).
	manager string
	// applied: the object is the result of a server-side apply and carries the
	// managedFields the apply computed.
	applied bool
	// forceAllowCreate: a missing object is created even where the kind does not allow
	// create on update (server-side apply).
	forceAllowCreate bool
}

// update replaces an object through the main resource or the status or finalize
// subresource, as the real registry's Update does: create on update where the kind
// allows it, optimistic concurrency, the kind's rules for what an update may change,
// validation, no write for a no-op, and the final delete of an object whose last
// finalizer went.
func (s *Server) update(t *table, req Request, in runtime.Object, opts updateOptions) (runtime.Object, error) {
	if err := t.info.checkType(in); err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	obj := in.DeepCopyObject()
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a Kubernetes object: %v", err))
	}
	gr := req.Resource.GroupResource()
	if err := s.placeInNamespace(t, req, m); err != nil {
		return nil, err
	}
	if m.GetName() == "" {
		m.SetName(req.Name)
	}
	name := m.GetName()
	if name == "" {
		return nil, apierrors.NewBadRequest("name is required for an update")
	}
	cur := t.get(m.GetNamespace(), name)
	if cur == nil {
		if req.Subresource != "" || !(t.info.createOnUpdate || opts.forceAllowCreate) {
			return nil, apierrors.NewNotFound(gr, name)
		}
		if uid := m.GetUID(); uid != "" {
			return nil, apierrors.NewConflict(gr, name, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: ", uid))
		}
		wipeSystemFields(m)
		return s.createObject(t, req, obj, createOptions{applied: opts.applied})
	}
	cm, _ := meta.Accessor(cur)
	if uid := m.GetUID(); uid != "" && uid != cm.GetUID() {
		return nil, apierrors.NewConflict(gr, name, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", uid, cm.GetUID()))
	}
	switch rv := m.GetResourceVersion(); {
	case rv == "" && t.info.conditionalUpdate:
		// The real server words this with the resource where the kind belongs.
		return nil, apierrors.NewInvalid(schema.GroupKind{Group: gr.Group, Kind: gr.Resource}, name, field.ErrorList{
			field.Invalid(field.NewPath("metadata", "resourceVersion"), int64(0), "must be specified for an update")})
	case rv != "" && rv != cm.GetResourceVersion():
		return nil, conflict(gr, name)
	}
	decodeWire(obj)
	setDefaults(obj)
	admit(req, obj)

	// What the real BeforeUpdate does: the generation and the system fields are the
	// stored ones, the kind decides what else the update keeps.
	m.SetResourceVersion(cm.GetResourceVersion())
	m.SetGeneration(cm.GetGeneration())
	switch req.Subresource {
	case "":
		prepareForUpdate(obj, cur)
	case "status":
		prepareForStatusUpdate(obj, cur)
	case "finalize":
		prepareForFinalize(obj, cur)
	}
	if m.GetUID() == "" {
		m.SetUID(cm.GetUID())
	}
	m.SetCreationTimestamp(cm.GetCreationTimestamp())
	if cm.GetDeletionTimestamp() != nil {
		m.SetDeletionTimestamp(cm.GetDeletionTimestamp())
	}
	if cm.GetDeletionGracePeriodSeconds() != nil && m.GetDeletionGracePeriodSeconds() == nil {
		m.SetDeletionGracePeriodSeconds(cm.GetDeletionGracePeriodSeconds())
	}
	m.SetSelfLink("")
	if svc, ok := obj.(*corev1.Service); ok && req.Subresource == "" {
		patchAllocatedValues(svc, cur.(*corev1.Service))
	}
	if !opts.applied {
		if err := s.trackUpdate(t, cur, obj, opts.manager, req.Subresource); err != nil {
			return nil, err
		}
	}
	if errs := s.validateUpdate(t, obj, cur); len(errs) > 0 {
		return nil, invalid(t, obj, errs)
	}
	canonicalize(obj)
	if equal(cur, obj) {
		// A real server does not write (nor bump resourceVersion) for a no-op update.
		return cur.DeepCopyObject(), nil
	}
	if shouldDeleteDuringUpdate(obj, cur) {
		s.releaseOnDelete(cur)
		return s.commit(t, watch.Deleted, obj, cur).DeepCopyObject(), nil
	}
	if svc, ok := obj.(*corev1.Service); ok {
		if err := s.allocateOnUpdate(svc, cur.(*corev1.Service)); err != nil {
			return nil, err
		}
	}
	return s.commit(t, watch.Modified, obj, cur).DeepCopyObject(), nil
}

// wipeSystemFields clears what the server sets on create, for an update or apply that
// creates.
func wipeSystemFields(m metav1.Object) {
	m.SetCreationTimestamp(metav1.Time{})
	m.SetUID("")
	m.SetDeletionTimestamp(nil)
	m.SetDeletionGracePeriodSeconds(nil)
	m.SetSelfLink("")
	m.SetResourceVersion("")
}

// shouldDeleteDuringUpdate: an update that removes the last finalizer of an object
// being deleted without a grace period deletes it; a namespace also waits for its
// spec.finalizers.
func shouldDeleteDuringUpdate(obj, old runtime.Object) bool {
	m, _ := meta.Accessor(obj)
	om, _ := meta.Accessor(old)
	if len(m.GetFinalizers()) > 0 || om.GetDeletionTimestamp() == nil {
		return false
	}
	if g := om.GetDeletionGracePeriodSeconds(); g != nil && *g != 0 {
		return false
	}
	if ns, ok := obj.(*corev1.Namespace); ok && len(ns.Spec.Finalizers) > 0 {
		return false
	}
	return true
}

func conflict(gr schema.GroupResource, name string) error {
	return apierrors.NewConflict(gr, name, fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
}
