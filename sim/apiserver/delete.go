package apiserver

import (
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// The finalizers the garbage collector understands.
const (
	FinalizerOrphan     = metav1.FinalizerOrphanDependents
	FinalizerForeground = metav1.FinalizerDeleteDependents
)

func (s *Server) delete(t *table, req Request, opts metav1.DeleteOptions) (runtime.Object, error) {
	gr := req.Resource.GroupResource()
	ns := t.namespaceOf(req.Namespace)
	cur := t.get(ns, req.Name)
	if cur == nil {
		return nil, apierrors.NewNotFound(gr, req.Name)
	}
	cm, _ := meta.Accessor(cur)
	if p := opts.Preconditions; p != nil {
		if p.UID != nil && *p.UID != cm.GetUID() {
			return nil, apierrors.NewConflict(gr, req.Name, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, cm.GetUID()))
		}
		if p.ResourceVersion != nil && *p.ResourceVersion != cm.GetResourceVersion() {
			return nil, apierrors.NewConflict(gr, req.Name, fmt.Errorf("Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *p.ResourceVersion, cm.GetResourceVersion()))
		}
	}
	policy, err := propagation(opts)
	if err != nil {
		return nil, err
	}
	obj := cur.DeepCopyObject()
	m, _ := meta.Accessor(obj)

	if ns, ok := obj.(*corev1.Namespace); ok {
		return s.deleteNamespace(t, ns, cur)
	}

	finalizers := m.GetFinalizers()
	switch policy {
	case metav1.DeletePropagationOrphan:
		finalizers = withFinalizer(without(finalizers, FinalizerForeground), FinalizerOrphan)
	case metav1.DeletePropagationForeground:
		finalizers = withFinalizer(without(finalizers, FinalizerOrphan), FinalizerForeground)
	case metav1.DeletePropagationBackground:
		if opts.PropagationPolicy != nil {
			finalizers = without(without(finalizers, FinalizerOrphan), FinalizerForeground)
		}
	}
	m.SetFinalizers(finalizers)

	grace := gracePeriod(obj, opts)
	switch {
	case grace > 0:
		// Graceful deletion (pods on a node): the object stays, marked, until the
		// kubelet confirms the containers are gone with a delete of grace 0.
		deadline := metav1.NewTime(time.Now().Add(time.Duration(grace) * time.Second).Truncate(time.Second))
		if old := m.GetDeletionTimestamp(); old != nil && old.Before(&deadline) {
			deadline = *old
			if g := m.GetDeletionGracePeriodSeconds(); g != nil && *g < grace {
				grace = *g
			}
		}
		m.SetDeletionTimestamp(&deadline)
		m.SetDeletionGracePeriodSeconds(&grace)
		if semantic.DeepEqual(cur, obj) {
			return cur.DeepCopyObject(), nil
		}
		return s.commit(t, watch.Modified, obj, cur), nil
	case len(finalizers) > 0:
		if m.GetDeletionTimestamp() == nil {
			ts := now()
			m.SetDeletionTimestamp(&ts)
		}
		zero := int64(0)
		m.SetDeletionGracePeriodSeconds(&zero)
		if semantic.DeepEqual(cur, obj) {
			return cur.DeepCopyObject(), nil
		}
		return s.commit(t, watch.Modified, obj, cur), nil
	}
	if m.GetDeletionTimestamp() == nil {
		ts := now()
		m.SetDeletionTimestamp(&ts)
	}
	zero := int64(0)
	m.SetDeletionGracePeriodSeconds(&zero)
	s.releaseOnDelete(obj)
	return s.commit(t, watch.Deleted, obj, cur), nil
}

func propagation(opts metav1.DeleteOptions) (metav1.DeletionPropagation, error) {
	if opts.OrphanDependents != nil && opts.PropagationPolicy != nil {
		return "", apierrors.NewBadRequest("Invalid value: \"null\": OrphanDependents and DeletionPropagation cannot be both set")
	}
	if opts.OrphanDependents != nil {
		if *opts.OrphanDependents {
			return metav1.DeletePropagationOrphan, nil
		}
		return metav1.DeletePropagationBackground, nil
	}
	if opts.PropagationPolicy == nil {
		return metav1.DeletePropagationBackground, nil
	}
	switch p := *opts.PropagationPolicy; p {
	case metav1.DeletePropagationOrphan, metav1.DeletePropagationBackground, metav1.DeletePropagationForeground:
		return p, nil
	default:
		return "", apierrors.NewBadRequest(fmt.Sprintf("propagationPolicy: Unsupported value: %q: supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"", p))
	}
}

// gracePeriod is the graceful-deletion period of obj: only pods bound to a node and
// not yet finished have one.
func gracePeriod(obj runtime.Object, opts metav1.DeleteOptions) int64 {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return 0
	}
	if pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodFailed || pod.Status.Phase == corev1.PodSucceeded {
		return 0
	}
	grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		grace = *pod.Spec.TerminationGracePeriodSeconds
	}
	if opts.GracePeriodSeconds != nil {
		grace = *opts.GracePeriodSeconds
	}
	if grace < 0 {
		grace = 0
	}
	return grace
}

func withFinalizer(fs []string, f string) []string {
	if slices.Contains(fs, f) {
		return fs
	}
	return append(slices.Clone(fs), f)
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

func (s *Server) deleteCollection(t *table, req Request, listOpts metav1.ListOptions, opts metav1.DeleteOptions) (runtime.Object, error) {
	f, err := s.selection(t, req.Namespace, listOpts)
	if err != nil {
		return nil, err
	}
	for _, obj := range t.sorted(f.namespace) {
		if !f.matches(obj) {
			continue
		}
		m, _ := meta.Accessor(obj)
		del := req
		del.Verb, del.Name, del.Namespace = "delete", m.GetName(), m.GetNamespace()
		if _, err := s.delete(t, del, opts); err != nil && !apierrors.IsNotFound(err) {
			return nil, err
		}
	}
	return &metav1.Status{Status: metav1.StatusSuccess}, nil
}

// deleteNamespace starts the termination of a namespace: it turns Terminating and
// stays until the namespace controller has removed its content and finalized it.
func (s *Server) deleteNamespace(t *table, ns *corev1.Namespace, cur runtime.Object) (runtime.Object, error) {
	if ns.DeletionTimestamp == nil {
		ts := now()
		ns.DeletionTimestamp = &ts
		zero := int64(0)
		ns.DeletionGracePeriodSeconds = &zero
	}
	ns.Status.Phase = corev1.NamespaceTerminating
	if len(ns.Spec.Finalizers) == 0 && len(ns.Finalizers) == 0 {
		return s.commit(t, watch.Deleted, ns, cur), nil
	}
	if semantic.DeepEqual(cur, ns) {
		return cur.DeepCopyObject(), nil
	}
	return s.commit(t, watch.Modified, ns, cur), nil
}

// finalizeNamespace is the namespaces/finalize subresource: it sets spec.finalizers,
// and a terminating namespace without finalizers goes.
func (s *Server) finalizeNamespace(t *table, req Request, in runtime.Object) (runtime.Object, error) {
	upd, ok := in.(*corev1.Namespace)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("expected a Namespace, got %T", in))
	}
	cur, _ := t.get("", upd.Name).(*corev1.Namespace)
	if cur == nil {
		return nil, apierrors.NewNotFound(req.Resource.GroupResource(), upd.Name)
	}
	if upd.ResourceVersion != "" && upd.ResourceVersion != cur.ResourceVersion {
		return nil, conflict(req.Resource.GroupResource(), upd.Name)
	}
	ns := cur.DeepCopy()
	ns.Spec.Finalizers = upd.Spec.Finalizers
	if ns.DeletionTimestamp != nil && len(ns.Spec.Finalizers) == 0 && len(ns.Finalizers) == 0 {
		return s.commit(t, watch.Deleted, ns, cur), nil
	}
	if semantic.DeepEqual(cur, ns) {
		return cur.DeepCopyObject(), nil
	}
	return s.commit(t, watch.Modified, ns, cur), nil
}
