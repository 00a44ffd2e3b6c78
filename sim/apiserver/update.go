package apiserver

import (
	"fmt"
	"reflect"

	apierrors "k8s.io/apimachinery/pkg/api/equality"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

var semantic = apierrors.Semantic

// update replaces an object (main resource or status subresource). When patched is
// true the caller already merged the request into the current object.
func (s *Server) update(t *table, req Request, in runtime.Object, patchedFrom runtime.Object) (runtime.Object, error) {
	obj := in.DeepCopyObject()
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, kerrors.NewBadRequest(fmt.Sprintf("not a Kubernetes object: %v", err))
	}
	gr := req.Resource.GroupResource()
	ns := t.namespaceOf(req.Namespace)
	if t.info.namespaced {
		switch {
		case m.GetNamespace() == "":
			m.SetNamespace(ns)
		case ns != "" && m.GetNamespace() != ns:
			return nil, kerrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
		}
	} else {
		m.SetNamespace("")
	}
	name := m.GetName()
	if name == "" {
		name = req.Name
	}
	if name == "" {
		return nil, kerrors.NewBadRequest("name is required for an update")
	}
	cur := t.get(m.GetNamespace(), name)
	if cur == nil {
		return nil, kerrors.NewNotFound(gr, name)
	}
	cm, _ := meta.Accessor(cur)
	if rv := m.GetResourceVersion(); rv != "" && rv != cm.GetResourceVersion() {
		return nil, conflict(gr, name)
	}
	if uid := m.GetUID(); uid != "" && uid != cm.GetUID() {
		return nil, kerrors.NewConflict(gr, name, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", cm.GetUID(), uid))
	}

	// Fields only the server sets.
	m.SetUID(cm.GetUID())
	m.SetCreationTimestamp(cm.GetCreationTimestamp())
	m.SetDeletionTimestamp(cm.GetDeletionTimestamp())
	m.SetDeletionGracePeriodSeconds(cm.GetDeletionGracePeriodSeconds())
	m.SetGeneration(cm.GetGeneration())
	m.SetResourceVersion(cm.GetResourceVersion())
	m.SetManagedFields(cm.GetManagedFields())
	if m.GetSelfLink() != "" {
		m.SetSelfLink("")
	}

	switch req.Subresource {
	case "status":
		obj = takeStatus(cur, obj)
		m, _ = meta.Accessor(obj)
	case "":
		if t.info.status {
			obj = keepStatus(cur, obj)
			m, _ = meta.Accessor(obj)
		}
		if hasGeneration(obj) && !semantic.DeepEqual(specOf(cur), specOf(obj)) {
			m.SetGeneration(cm.GetGeneration() + 1)
		}
	}
	if errs := s.defaultAndValidateUpdate(t, obj, cur); len(errs) > 0 {
		return nil, invalid(t, obj, errs)
	}
	if semantic.DeepEqual(cur, obj) {
		// A real server does not write (nor bump resourceVersion) for a no-op update.
		return cur.DeepCopyObject(), nil
	}
	// The last finalizer of an object being deleted is gone: the object goes.
	if m.GetDeletionTimestamp() != nil && len(m.GetFinalizers()) == 0 && deletable(obj) {
		out := s.commit(t, watch.Deleted, obj, cur)
		return out, nil
	}
	return s.commit(t, watch.Modified, obj, cur), nil
}

func conflict(gr interface{ String() string }, name string) error {
	return kerrors.NewConflict(toGR(gr), name, fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
}

// takeStatus builds the result of a status update: the current object with the
// request's status (and nothing else of it).
func takeStatus(cur, req runtime.Object) runtime.Object {
	out := cur.DeepCopyObject()
	src := reflect.ValueOf(req).Elem().FieldByName("Status")
	dst := reflect.ValueOf(out).Elem().FieldByName("Status")
	if src.IsValid() && dst.IsValid() {
		dst.Set(src)
	}
	return out
}

// keepStatus builds the result of a main-resource update of a kind with a status
// subresource: the request with the current status.
func keepStatus(cur, req runtime.Object) runtime.Object {
	out := req.DeepCopyObject()
	src := reflect.ValueOf(cur).Elem().FieldByName("Status")
	dst := reflect.ValueOf(out).Elem().FieldByName("Status")
	if src.IsValid() && dst.IsValid() {
		dst.Set(reflect.ValueOf(cur.DeepCopyObject()).Elem().FieldByName("Status"))
	}
	return out
}

func specOf(obj runtime.Object) interface{} {
	v := reflect.ValueOf(obj).Elem().FieldByName("Spec")
	if !v.IsValid() {
		return nil
	}
	return v.Interface()
}

// deletable reports whether an object whose finalizers are all gone may now be
// removed: pods in graceful termination wait for the kubelet's final delete.
func deletable(obj runtime.Object) bool {
	m, _ := meta.Accessor(obj)
	if g := m.GetDeletionGracePeriodSeconds(); g != nil && *g > 0 {
		return false
	}
	return true
}
