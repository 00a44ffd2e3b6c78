package apiserver

import (
	"errors"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	policyv1beta1 "k8s.io/api/policy/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/watch"
)

func (s *Server) create(t *table, req Request, in runtime.Object) (runtime.Object, error) {
	if err := t.info.checkType(in); err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	obj := in.DeepCopyObject()
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a Kubernetes object: %v", err))
	}
	if err := s.placeInNamespace(t, req, m); err != nil {
		return nil, err
	}
	if m.GetResourceVersion() != "" {
		return nil, apierrors.NewInternalError(errors.New("resourceVersion should not be set on objects to be created"))
	}
	return s.createObject(t, req, obj, createOptions{})
}

// createOptions say how a create came about.
type createOptions struct {
	// applied: the object is the result of a server-side apply and carries its
	// managedFields.
	applied bool
}

// placeInNamespace defaults the object's namespace from the request and rejects a
// mismatch, as the real server does before anything else.
func (s *Server) placeInNamespace(t *table, req Request, m metav1.Object) error {
	if !t.info.namespaced {
		m.SetNamespace("")
		return nil
	}
	ns := req.Namespace
	switch {
	case m.GetNamespace() == "":
		m.SetNamespace(ns)
	case ns != "" && m.GetNamespace() != ns:
		return apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	if m.GetNamespace() == "" {
		return apierrors.NewBadRequest("the server could not find the requested resource: a namespace is required for a namespaced resource")
	}
	return nil
}

// createObject stores a new object: the create path of a create, of an update that
// creates and of an apply that creates. obj is the server's own copy, already placed in
// its namespace.
func (s *Server) createObject(t *table, req Request, obj runtime.Object, opts createOptions) (runtime.Object, error) {
	m, _ := meta.Accessor(obj)
	gr := req.Resource.GroupResource()
	decodeWire(obj)
	if m.GetName() == "" && m.GetGenerateName() == "" {
		return nil, invalid(t, obj, field.ErrorList{field.Required(field.NewPath("metadata", "name"), "name or generateName is required")})
	}
	if t.info.namespaced {
		if err := s.namespaceActive(gr, m.GetName(), m.GetNamespace()); err != nil {
			return nil, err
		}
	}
	// generateName: a real server retries a colliding generated name a few times.
	if m.GetName() == "" {
		for i := 0; i < maxNameGenerationAttempts; i++ {
			name := generatedName(m.GetGenerateName(), generateSuffix(s.keyedRand("generateName", gr.String(), m.GetNamespace(), m.GetGenerateName())))
			if t.get(m.GetNamespace(), name) == nil {
				m.SetName(name)
				break
			}
		}
		if m.GetName() == "" {
			return nil, apierrors.NewAlreadyExists(gr, generatedName(m.GetGenerateName(), "?????"))
		}
	}
	setDefaults(obj)
	admit(req, obj)
	prepareForCreate(obj)
	m.SetUID(newUID(s.keyedRand("uid", gr.String(), m.GetNamespace(), m.GetName())))
	m.SetCreationTimestamp(now())
	m.SetDeletionTimestamp(nil)
	m.SetDeletionGracePeriodSeconds(nil)
	m.SetSelfLink("")
	if !opts.applied {
		// Only objects touched by server-side apply track their field managers (see apply.go).
		m.SetManagedFields(nil)
	}
	if errs := s.validateCreate(t, obj); len(errs) > 0 {
		return nil, invalid(t, obj, errs)
	}
	canonicalize(obj)
	if t.get(m.GetNamespace(), m.GetName()) != nil {
		return nil, apierrors.NewAlreadyExists(gr, m.GetName())
	}
	if err := s.allocateOnCreate(obj); err != nil {
		return nil, err
	}
	return s.commit(t, watch.Added, obj, nil).DeepCopyObject(), nil
}

// maxNameGenerationAttempts is how often the real server tries a generated name.
const maxNameGenerationAttempts = 8

// generatedName is the real name generator's result: the base cut to leave room for the
// five-character suffix within 63 characters.
func generatedName(base, suffix string) string {
	const maxGeneratedNameLength = 63 - 5
	if len(base) > maxGeneratedNameLength {
		base = base[:maxGeneratedNameLength]
	}
	return base + suffix
}

// invalid builds the 422 Invalid error of the real server for obj.
func invalid(t *table, obj runtime.Object, errs field.ErrorList) error {
	name := ""
	if m, err := meta.Accessor(obj); err == nil {
		name = m.GetName()
		if name == "" {
			name = m.GetGenerateName()
		}
	}
	return apierrors.NewInvalid(t.info.groupKind(), name, errs)
}

// bind is the pods/binding subresource the scheduler uses: it sets spec.nodeName and
// the PodScheduled condition.
func (s *Server) bind(t *table, req Request, in runtime.Object) (runtime.Object, error) {
	b, ok := in.(*corev1.Binding)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("expected a Binding, got %T", in))
	}
	name := b.Name
	if name == "" {
		name = req.Name
	}
	ns := req.Namespace
	if ns == "" {
		ns = b.Namespace
	}
	cur, _ := t.get(ns, name).(*corev1.Pod)
	if cur == nil {
		return nil, apierrors.NewNotFound(req.Resource.GroupResource(), name)
	}
	if b.Target.Kind != "" && b.Target.Kind != "Node" {
		return nil, invalid(t, cur, field.ErrorList{field.NotSupported(field.NewPath("target", "kind"), b.Target.Kind, []string{"Node", "<empty>"})})
	}
	if b.Target.Name == "" {
		return nil, invalid(t, cur, field.ErrorList{field.Required(field.NewPath("target", "name"), "")})
	}
	// The real binding storage words its conflicts with the subresource.
	bindingGR := schema.GroupResource{Resource: "pods/binding"}
	if cur.DeletionTimestamp != nil {
		return nil, apierrors.NewConflict(bindingGR, name, fmt.Errorf("pod %s is being deleted, cannot be assigned to a host", name))
	}
	if cur.Spec.NodeName != "" {
		return nil, apierrors.NewConflict(bindingGR, name, fmt.Errorf("pod %s is already assigned to node %q", name, cur.Spec.NodeName))
	}
	// The binding changes metadata, one plain field of the spec and the conditions.
	pod := withOwnMeta(cur).(*corev1.Pod)
	pod.Status.Conditions = slices.Clone(cur.Status.Conditions)
	pod.Spec.NodeName = b.Target.Name
	for k, v := range b.Annotations {
		if pod.Annotations == nil {
			pod.Annotations = map[string]string{}
		}
		pod.Annotations[k] = v
	}
	setPodCondition(&pod.Status, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now()})
	s.commit(t, watch.Modified, pod, cur)
	out := b.DeepCopy()
	return out, nil
}

// evict is the pods/eviction subresource. There are no PodDisruptionBudgets in the
// simulator, so an eviction is a delete with the eviction's options.
func (s *Server) evict(t *table, req Request, in runtime.Object) (runtime.Object, error) {
	var name string
	var opts *metav1.DeleteOptions
	switch e := in.(type) {
	case *policyv1.Eviction:
		name, opts = e.Name, e.DeleteOptions
	case *policyv1beta1.Eviction:
		name, opts = e.Name, e.DeleteOptions
	default:
		return nil, apierrors.NewBadRequest(fmt.Sprintf("expected an Eviction, got %T", in))
	}
	if name == "" {
		name = req.Name
	}
	del := req
	del.Verb, del.Subresource, del.Name = "delete", "", name
	if opts == nil {
		opts = &metav1.DeleteOptions{}
	}
	if _, err := s.deleteObject(t, del, *opts); err != nil {
		return nil, err
	}
	return &metav1.Status{Status: metav1.StatusSuccess, Code: 201}, nil
}

func setPodCondition(st *corev1.PodStatus, c corev1.PodCondition) {
	for i := range st.Conditions {
		if st.Conditions[i].Type == c.Type {
			if st.Conditions[i].Status != c.Status {
				st.Conditions[i] = c
			}
			return
		}
	}
	st.Conditions = append(st.Conditions, c)
}
