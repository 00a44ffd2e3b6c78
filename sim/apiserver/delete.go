package apiserver

import (
	"fmt"
	"reflect"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
)

// The finalizers the garbage collector understands.
const (
	FinalizerOrphan     = metav1.FinalizerOrphanDependents
	FinalizerForeground = metav1.FinalizerDeleteDependents
)

// delete follows the real registry's Delete: preconditions, graceful deletion (pods),
// the garbage collector's finalizers as the propagation policy asks, and the object
// stays, marked, while finalizers remain.
func (s *Server) delete(t *table, req Request, opts metav1.DeleteOptions) (runtime.Object, error) {
	obj, err := s.deleteObject(t, req, opts)
	if err != nil {
		return nil, err
	}
	return obj.DeepCopyObject(), nil
}

// deleteObject is delete answering with the server's own object (the object's last
// state), which the caller must copy before handing it out.
func (s *Server) deleteObject(t *table, req Request, opts metav1.DeleteOptions) (runtime.Object, error) {
	gr := req.Resource.GroupResource()
	cur := t.get(t.namespaceOf(req.Namespace), req.Name)
	if cur == nil {
		return nil, apierrors.NewNotFound(gr, req.Name)
	}
	if ns, ok := cur.(*corev1.Namespace); ok && ns.DeletionTimestamp == nil {
		return s.startNamespaceTermination(t, req, ns, opts)
	} else if ok && len(ns.Spec.Finalizers) > 0 {
		if err := namespacePreconditions(ns, opts); err != nil {
			return nil, err
		}
		return cur, nil
	}
	// A deletion changes the metadata only.
	obj := withOwnMeta(cur)
	m, _ := meta.Accessor(obj)
	graceful, pending, err := beforeDelete(t.info, obj, &opts)
	if err != nil {
		return nil, err
	}
	if pending {
		// A graceful deletion is under way: nothing to change, finalizers included.
		return cur, nil
	}
	if changed, fs := gcFinalizers(m.GetFinalizers(), opts); changed {
		m.SetFinalizers(fs)
	}
	pendingFinalizers := len(m.GetFinalizers()) > 0
	switch {
	case !graceful && pendingFinalizers:
		markAsDeleting(m)
		return s.commitIfChanged(t, obj, cur), nil
	case graceful:
		// The object is written with its deletion timestamp first; it goes right away
		// only without a grace period and without finalizers.
		written := s.commitIfChanged(t, obj, cur)
		if pendingFinalizers || *opts.GracePeriodSeconds > 0 {
			return written, nil
		}
		cur = t.get(m.GetNamespace(), m.GetName())
		obj = withOwnMeta(cur)
	}
	s.releaseOnDelete(obj)
	return s.commit(t, watch.Deleted, obj, cur), nil
}

// withOwnMeta copies obj for a change of its metadata: the copy's metadata is its own,
// the rest (spec, status) is shared with obj. Stored objects are never changed in place
// (a status update shares the stored spec the same way), so only a change of the copy's
// metadata, or of plain fields of its spec and status, may follow.
func withOwnMeta(obj runtime.Object) runtime.Object {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return obj.DeepCopyObject()
	}
	c := reflect.New(v.Elem().Type())
	c.Elem().Set(v.Elem())
	f := c.Elem().FieldByName("ObjectMeta")
	if !f.IsValid() || f.Type() != reflect.TypeFor[metav1.ObjectMeta]() {
		return obj.DeepCopyObject()
	}
	om := f.Addr().Interface().(*metav1.ObjectMeta)
	*om = *om.DeepCopy()
	return c.Interface().(runtime.Object)
}

// commitIfChanged commits obj unless it equals cur; it returns the stored object.
func (s *Server) commitIfChanged(t *table, obj, cur runtime.Object) runtime.Object {
	if equal(cur, obj) {
		return cur
	}
	return s.commit(t, watch.Modified, obj, cur)
}

// beforeDelete is the real rest.BeforeDelete: it validates the options, checks the
// preconditions (worded with the kind), and for kinds with graceful deletion sets the
// deletion timestamp and grace period. graceful: the object must be written before it
// goes; pending: a graceful deletion is already under way and this request changes
// nothing.
func beforeDelete(info *resourceInfo, obj runtime.Object, opts *metav1.DeleteOptions) (graceful, pending bool, err error) {
	m, _ := meta.Accessor(obj)
	if errs := metavalidation.ValidateDeleteOptions(opts); len(errs) > 0 {
		return false, false, apierrors.NewInvalid(schema.GroupKind{Group: metav1.GroupName, Kind: "DeleteOptions"}, "", errs)
	}
	if p := opts.Preconditions; p != nil {
		kind := schema.GroupResource{Group: info.gvr.Group, Resource: info.kind}
		if p.UID != nil && *p.UID != m.GetUID() {
			return false, false, apierrors.NewConflict(kind, m.GetName(), fmt.Errorf(
				"the UID in the precondition (%s) does not match the UID in record (%s). The object might have been deleted and then recreated", *p.UID, m.GetUID()))
		}
		if p.ResourceVersion != nil && *p.ResourceVersion != m.GetResourceVersion() {
			return false, false, apierrors.NewConflict(kind, m.GetName(), fmt.Errorf(
				"the ResourceVersion in the precondition (%s) does not match the ResourceVersion in record (%s). The object might have been modified", *p.ResourceVersion, m.GetResourceVersion()))
		}
	}
	if g := opts.GracePeriodSeconds; g != nil && *g < 0 {
		opts.GracePeriodSeconds = ptr[int64](1)
	}
	if g := m.GetDeletionGracePeriodSeconds(); g != nil && *g < 0 {
		m.SetDeletionGracePeriodSeconds(ptr[int64](1))
	}
	pod, isPod := obj.(*corev1.Pod)
	if !isPod {
		return false, false, nil
	}
	if ts := m.GetDeletionTimestamp(); ts != nil {
		// Already being deleted: only a shorter grace period changes anything.
		current := m.GetDeletionGracePeriodSeconds()
		if current == nil || *current == 0 {
			return false, false, nil
		}
		if opts.GracePeriodSeconds == nil || *opts.GracePeriodSeconds >= *current {
			return false, true, nil
		}
		period := *opts.GracePeriodSeconds
		deadline := metav1.NewTime(ts.Add(-time.Duration(*current) * time.Second).Add(time.Duration(period) * time.Second))
		if n := now(); deadline.Before(&n) {
			deadline = n
			if period != 0 {
				period = 1
			}
		}
		m.SetDeletionTimestamp(&deadline)
		m.SetDeletionGracePeriodSeconds(&period)
		opts.GracePeriodSeconds = &period
		return true, false, nil
	}
	period := podGracePeriod(pod, opts)
	opts.GracePeriodSeconds = &period
	deadline := metav1.NewTime(now().Add(time.Duration(period) * time.Second))
	m.SetDeletionTimestamp(&deadline)
	m.SetDeletionGracePeriodSeconds(&period)
	if m.GetGeneration() > 0 {
		m.SetGeneration(m.GetGeneration() + 1)
	}
	return true, false, nil
}

// podGracePeriod is the pod strategy's grace period: the request's, else the pod's
// terminationGracePeriodSeconds; zero for a pod no kubelet runs or that has finished.
func podGracePeriod(pod *corev1.Pod, opts *metav1.DeleteOptions) int64 {
	var period int64
	switch {
	case opts.GracePeriodSeconds != nil:
		period = *opts.GracePeriodSeconds
	case pod.Spec.TerminationGracePeriodSeconds != nil:
		period = *pod.Spec.TerminationGracePeriodSeconds
	}
	if pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodFailed || pod.Status.Phase == corev1.PodSucceeded {
		period = 0
	}
	if period < 0 {
		period = 1
	}
	return period
}

// markAsDeleting is a delete that must wait for finalizers: the deletion timestamp is
// set (or moved earlier) with a grace period of zero, and the generation moves once.
func markAsDeleting(m metav1.Object) {
	if m.GetDeletionTimestamp() == nil && m.GetGeneration() > 0 {
		m.SetGeneration(m.GetGeneration() + 1)
	}
	n := now()
	if ts := m.GetDeletionTimestamp(); ts == nil || ts.After(n.Time) {
		m.SetDeletionTimestamp(&n)
	}
	m.SetDeletionGracePeriodSeconds(ptr[int64](0))
}

// gcFinalizers is the set of finalizers after a delete with opts: the orphan and
// foreground finalizers as the propagation policy (or, without one, the existing
// finalizers) ask. changed reports whether the set differs.
func gcFinalizers(current []string, opts metav1.DeleteOptions) (changed bool, out []string) {
	orphan := slices.Contains(current, FinalizerOrphan)
	foreground := !orphan && slices.Contains(current, FinalizerForeground)
	switch {
	case opts.OrphanDependents != nil: //nolint:staticcheck // the deprecated option still works
		orphan, foreground = *opts.OrphanDependents, false //nolint:staticcheck
	case opts.PropagationPolicy != nil:
		orphan = *opts.PropagationPolicy == metav1.DeletePropagationOrphan
		foreground = *opts.PropagationPolicy == metav1.DeletePropagationForeground
	}
	for _, f := range current {
		if f != FinalizerOrphan && f != FinalizerForeground {
			out = append(out, f)
		}
	}
	if orphan {
		out = append(out, FinalizerOrphan)
	}
	if foreground {
		out = append(out, FinalizerForeground)
	}
	if sameSet(current, out) {
		return false, current
	}
	return true, out
}

func sameSet(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}

func (s *Server) deleteCollection(t *table, req Request, listOpts metav1.ListOptions, opts metav1.DeleteOptions) (runtime.Object, error) {
	if errs := metavalidation.ValidateDeleteOptions(&opts); len(errs) > 0 {
		return nil, apierrors.NewInvalid(schema.GroupKind{Group: metav1.GroupName, Kind: "DeleteOptions"}, "", errs)
	}
	f, err := s.selection(t, req.Namespace, listOpts)
	if err != nil {
		return nil, err
	}
	for _, obj := range t.selected(f.namespace, f.matches) {
		m, _ := meta.Accessor(obj)
		del := req
		del.Verb, del.Name, del.Namespace = "delete", m.GetName(), m.GetNamespace()
		if _, err := s.deleteObject(t, del, opts); err != nil && !apierrors.IsNotFound(err) {
			return nil, err
		}
	}
	return &metav1.Status{Status: metav1.StatusSuccess}, nil
}

// startNamespaceTermination is the first delete of a namespace: it turns Terminating and
// stays until the namespace controller has removed its content and finalized it.
func (s *Server) startNamespaceTermination(t *table, req Request, cur *corev1.Namespace, opts metav1.DeleteOptions) (runtime.Object, error) {
	if err := namespacePreconditions(cur, opts); err != nil {
		return nil, err
	}
	if errs := metavalidation.ValidateDeleteOptions(&opts); len(errs) > 0 {
		return nil, apierrors.NewInvalid(schema.GroupKind{Group: metav1.GroupName, Kind: "DeleteOptions"}, "", errs)
	}
	ns := cur.DeepCopy()
	ts := now()
	ns.DeletionTimestamp = &ts
	ns.Status.Phase = corev1.NamespaceTerminating
	orphan := slices.Contains(ns.Finalizers, FinalizerOrphan)
	foreground := slices.Contains(ns.Finalizers, FinalizerForeground)
	switch {
	case opts.OrphanDependents != nil: //nolint:staticcheck // the deprecated option still works
		orphan, foreground = *opts.OrphanDependents, !*opts.OrphanDependents //nolint:staticcheck
	case opts.PropagationPolicy != nil:
		orphan = *opts.PropagationPolicy == metav1.DeletePropagationOrphan
		foreground = *opts.PropagationPolicy == metav1.DeletePropagationForeground
	}
	fs := without(without(ns.Finalizers, FinalizerOrphan), FinalizerForeground)
	if orphan {
		fs = append(fs, FinalizerOrphan)
	}
	if foreground {
		fs = append(fs, FinalizerForeground)
	}
	if !sameSet(fs, ns.Finalizers) {
		ns.Finalizers = fs
	}
	return s.commit(t, watch.Modified, ns, cur), nil
}

// namespacePreconditions are checked by the namespace storage itself, worded as the
// storage layer words them.
func namespacePreconditions(ns *corev1.Namespace, opts metav1.DeleteOptions) error {
	gr := schema.GroupResource{Resource: "namespaces"}
	if p := opts.Preconditions; p != nil {
		if p.UID != nil && *p.UID != ns.UID {
			return apierrors.NewConflict(gr, ns.Name, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, ns.UID))
		}
		if p.ResourceVersion != nil && *p.ResourceVersion != ns.ResourceVersion {
			return apierrors.NewConflict(gr, ns.Name, fmt.Errorf("Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *p.ResourceVersion, ns.ResourceVersion))
		}
	}
	return nil
}

func without(fs []string, f string) []string {
	if !slices.Contains(fs, f) {
		return fs
	}
	out := make([]string, 0, len(fs))
	for _, x := range fs {
		if x != f {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
