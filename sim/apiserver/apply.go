package apiserver

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/yaml"
)

// Server-side apply, with the real server's field manager (structured-merge-diff).
//
// Unlike a real server, which records the managers of every write, the simulator tracks
// managedFields only for objects that server-side apply has touched: creates and updates
// of other objects skip the field manager, which keeps the common paths as cheap as the
// bare object tracker. Once an object has managedFields, every update and patch of it
// goes through the field manager, so a later apply sees conflicts with those writers too.

var (
	typeConverterOnce sync.Once
	typeConverter     managedfields.TypeConverter
)

// fieldTypeConverter is the schema of the built-in kinds, parsed once per process.
func fieldTypeConverter() managedfields.TypeConverter {
	typeConverterOnce.Do(func() { typeConverter = applyconfigurations.NewTypeConverter(scheme.Scheme) })
	return typeConverter
}

// defaultManager is the field manager of a write that names none: the real server takes
// the client's user agent up to its first "/", which for client-go is the program name.
var defaultManager = sync.OnceValue(func() string {
	if name := filepath.Base(os.Args[0]); name != "" && name != "." && name != "/" {
		return name
	}
	return "unknown"
})

type managerKey struct {
	gvk         schema.GroupVersionKind
	subresource string
}

// fieldManager returns the field manager of a kind and subresource. The caller holds s.mu.
func (s *Server) fieldManager(info *resourceInfo, subresource string) (*managedfields.FieldManager, error) {
	gvk := info.gvr.GroupVersion().WithKind(info.kind)
	key := managerKey{gvk, subresource}
	if m := s.managers[key]; m != nil {
		return m, nil
	}
	m, err := managedfields.NewDefaultFieldManager(fieldTypeConverter(), scheme.Scheme, defaulter{}, scheme.Scheme,
		gvk, gvk.GroupVersion(), subresource, resetFields(info, subresource))
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	if s.managers == nil {
		s.managers = map[managerKey]*managedfields.FieldManager{}
	}
	s.managers[key] = m
	return m, nil
}

// resetFields are the fields a write through the subresource cannot change, so its
// manager must not own them: the status for the main resource, the spec for status.
func resetFields(info *resourceInfo, subresource string) map[fieldpath.APIVersion]fieldpath.Filter {
	if !info.status {
		return nil
	}
	version := fieldpath.APIVersion(info.gvr.GroupVersion().String())
	var reset *fieldpath.Set
	switch subresource {
	case "":
		reset = fieldpath.NewSet(fieldpath.MakePathOrDie("status"))
	case "status":
		reset = fieldpath.NewSet(fieldpath.MakePathOrDie("spec"))
	default:
		return nil
	}
	return map[fieldpath.APIVersion]fieldpath.Filter{version: fieldpath.NewExcludeSetFilter(reset)}
}

// defaulter applies the server's defaults to the result of an apply.
type defaulter struct{}

func (defaulter) Default(obj runtime.Object) { setDefaults(obj) }

// withKind returns a copy of obj that carries its apiVersion and kind, as the field
// manager needs.
func withKind(obj runtime.Object, info *resourceInfo) runtime.Object {
	out := obj.DeepCopyObject()
	out.GetObjectKind().SetGroupVersionKind(info.gvr.GroupVersion().WithKind(info.kind))
	return out
}

// apply is a server-side apply patch: it creates a missing object, and merges the
// applied configuration into an existing one, failing with 409 on fields another
// manager owns unless forced.
func (s *Server) apply(t *table, req Request, patch []byte, opts metav1.PatchOptions) (runtime.Object, error) {
	patchObj := &unstructured.Unstructured{Object: map[string]any{}}
	if err := yaml.Unmarshal(patch, &patchObj.Object); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding YAML: %v", err))
	}
	if patchObj.GetName() != req.Name {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", patchObj.GetName(), req.Name))
	}
	ns := t.namespaceOf(req.Namespace)
	if t.info.namespaced && patchObj.GetNamespace() != "" && patchObj.GetNamespace() != ns {
		return nil, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	cur := t.get(ns, req.Name)
	live := cur
	if cur == nil {
		if req.Subresource != "" {
			return nil, apierrors.NewNotFound(req.Resource.GroupResource(), req.Name)
		}
		live = t.info.newObject()
		m, _ := meta.Accessor(live)
		m.SetName(req.Name)
		m.SetNamespace(ns)
	}
	mgr, err := s.fieldManager(t.info, req.Subresource)
	if err != nil {
		return nil, err
	}
	force := opts.Force != nil && *opts.Force
	out, err := mgr.Apply(withKind(live, t.info), patchObj, opts.FieldManager, force)
	if err != nil {
		if _, ok := err.(apierrors.APIStatus); ok {
			return nil, err
		}
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if cur == nil {
		m, _ := meta.Accessor(out)
		wipeSystemFields(m)
		if err := s.placeInNamespace(t, req, m); err != nil {
			return nil, err
		}
		return s.createObject(t, req, out, createOptions{applied: true})
	}
	return s.update(t, req, out, updateOptions{manager: opts.FieldManager, applied: true})
}

// trackUpdate records an update's changes in the managedFields of an object that server-
// side apply has touched; other objects keep none.
func (s *Server) trackUpdate(t *table, cur, obj runtime.Object, manager, subresource string) error {
	m, _ := meta.Accessor(obj)
	cm, _ := meta.Accessor(cur)
	if len(cm.GetManagedFields()) == 0 {
		m.SetManagedFields(nil)
		return nil
	}
	mgr, err := s.fieldManager(t.info, subresource)
	if err != nil {
		return err
	}
	if manager == "" {
		manager = defaultManager()
	}
	tracked := mgr.UpdateNoErrors(withKind(cur, t.info), withKind(obj, t.info), manager)
	tm, err := meta.Accessor(tracked)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	fields := tm.GetManagedFields()
	if sameManagedFields(fields, cm.GetManagedFields()) {
		// Only timestamps moved: the real server ignores that, so a no-op stays one.
		fields = cm.GetManagedFields()
	}
	m.SetManagedFields(fields)
	return nil
}

func sameManagedFields(a, b []metav1.ManagedFieldsEntry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		x.Time, y.Time = nil, nil
		if !semantic.DeepEqual(x, y) {
			return false
		}
	}
	return true
}
