package apiserver

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	clienttesting "k8s.io/client-go/testing"
)

// serve answers a request with the lock held. A request the server cannot handle is
// answered with 500, as a real server's panic recovery does, never with a panic in the
// caller.
func (s *Server) serve(req Request, action clienttesting.Action) (obj runtime.Object, err error) {
	defer recoverAs(req, &err)
	return s.dispatch(req, action)
}

func recoverAs(req Request, err *error) {
	if r := recover(); r != nil {
		*err = apierrors.NewInternalError(fmt.Errorf("the simulated API server failed to serve %s %s %s/%s: %v",
			req.Verb, req.Resource.Resource, req.Namespace, req.Name, r))
	}
}

func (s *Server) dispatch(req Request, action clienttesting.Action) (runtime.Object, error) {
	t := s.tables[req.Resource]
	if t == nil {
		return nil, apierrors.NewNotFound(req.Resource.GroupResource(), req.Name)
	}
	if !t.serves(req.Subresource) {
		return nil, notServed(req)
	}
	// Dispatch on the verb: several action interfaces share their method sets.
	switch req.Verb {
	case "create":
		a := action.(clienttesting.CreateAction)
		switch req.Subresource {
		case "":
			return s.create(t, req, a.GetObject())
		case "binding":
			return s.bind(t, req, a.GetObject())
		case "eviction":
			return s.evict(t, req, a.GetObject())
		}
	case "update":
		if req.Subresource == "finalize" {
			if a, ok := action.(clienttesting.CreateAction); ok {
				return s.update(t, req, a.GetObject(), updateOptions{})
			}
		}
		a := action.(clienttesting.UpdateAction)
		manager := ""
		if u, ok := action.(clienttesting.UpdateActionImpl); ok {
			manager = u.UpdateOptions.FieldManager
		}
		switch req.Subresource {
		case "", "status", "finalize":
			return s.update(t, req, a.GetObject(), updateOptions{manager: manager})
		case "scale":
			return s.updateScale(t, req, a.GetObject(), manager)
		}
	case "patch":
		return s.patch(t, req, action.(clienttesting.PatchAction))
	case "delete":
		if req.Subresource == "" {
			return s.delete(t, req, action.(clienttesting.DeleteAction).GetDeleteOptions())
		}
	case "deletecollection":
		var opts metav1.ListOptions
		var del metav1.DeleteOptions
		if dc, ok := action.(clienttesting.DeleteCollectionActionImpl); ok {
			opts, del = dc.ListOptions, dc.DeleteOptions
		}
		return s.deleteCollection(t, req, opts, del)
	case "list":
		var opts metav1.ListOptions
		if la, ok := action.(clienttesting.ListActionImpl); ok {
			opts = la.ListOptions
		}
		return s.list(t, req, opts)
	case "get":
		switch req.Subresource {
		case "", "status":
			return s.get(t, req)
		case "scale":
			scale, err := s.getScale(t, req)
			if err != nil {
				return nil, err
			}
			return scale, nil
		}
	}
	return nil, methodNotSupported(req)
}

// serves reports whether the resource has the subresource at all.
func (t *table) serves(subresource string) bool {
	switch subresource {
	case "":
		return true
	case "status":
		return t.info.status
	case "scale":
		return t.info.scale
	case "binding", "eviction", "log":
		return t.info.kind == "Pod"
	case "finalize":
		return t.info.kind == "Namespace"
	}
	return false
}

// notServed is the real server's answer for a path it has no handler for.
func notServed(req Request) error {
	return apierrors.NewGenericServerResponse(http.StatusNotFound, req.Verb, schema.GroupResource{}, "", "", 0, false)
}

func methodNotSupported(req Request) error {
	what := req.Resource.Resource
	if req.Subresource != "" {
		what += "/" + req.Subresource
	}
	return apierrors.NewMethodNotSupported(schema.GroupResource{Group: req.Resource.Group, Resource: what}, req.Verb)
}

func (s *Server) get(t *table, req Request) (runtime.Object, error) {
	ns := t.namespaceOf(req.Namespace)
	obj := t.get(ns, req.Name)
	if obj == nil {
		return nil, apierrors.NewNotFound(req.Resource.GroupResource(), req.Name)
	}
	return obj.DeepCopyObject(), nil
}

func (t *table) namespaceOf(ns string) string {
	if !t.info.namespaced {
		return ""
	}
	return ns
}

// selection parses the selectors of a list or watch and converts its field labels as
// the real server's per-kind field label conversion does, rejecting the unsupported ones.
func (s *Server) selection(t *table, ns string, opts metav1.ListOptions) (filter, error) {
	f := filter{namespace: t.namespaceOf(ns), info: t.info}
	var err error
	if f.labels, err = labels.Parse(opts.LabelSelector); err != nil {
		return f, apierrors.NewBadRequest(fmt.Sprintf("unable to parse requested label selector: %v", err))
	}
	sel, err := fields.ParseSelector(opts.FieldSelector)
	if err != nil {
		return f, apierrors.NewBadRequest(fmt.Sprintf("invalid field selector: %v", err))
	}
	if f.fields, err = sel.Transform(t.info.convertFieldLabel); err != nil {
		return f, apierrors.NewBadRequest(err.Error())
	}
	return f, nil
}

// convertFieldLabel is the field label conversion function of the kind.
func (r *resourceInfo) convertFieldLabel(label, value string) (string, string, error) {
	if r.selectable == nil {
		switch label {
		case "metadata.name", "metadata.namespace":
			return label, value, nil
		}
		return "", "", fmt.Errorf("%q is not a known field selector: only %q, %q", label, "metadata.name", "metadata.namespace")
	}
	if r.kind == "Pod" && label == "spec.host" {
		return "spec.nodeName", value, nil // old v1 clients
	}
	if slices.Contains(r.selectable, label) {
		return label, value, nil
	}
	return "", "", fmt.Errorf("field label not supported: %s", label)
}

func (s *Server) watch(req Request, action clienttesting.Action) (watch.Interface, error) {
	t := s.tables[req.Resource]
	if t == nil {
		return nil, apierrors.NewNotFound(req.Resource.GroupResource(), "")
	}
	var opts metav1.ListOptions
	if wa, ok := action.(clienttesting.WatchActionImpl); ok {
		opts = wa.ListOptions
	}
	f, err := s.selection(t, req.Namespace, opts)
	if err != nil {
		return nil, err
	}
	var initial []watch.Event
	switch opts.ResourceVersion {
	case "", "0":
		for _, obj := range t.selected(f.namespace, f.matches) {
			initial = append(initial, watch.Event{Type: watch.Added, Object: obj.DeepCopyObject()})
		}
	default:
		rv, perr := strconv.ParseUint(opts.ResourceVersion, 10, 64)
		if perr != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid resource version %q: %v", opts.ResourceVersion, perr))
		}
		events, oldest, ok := t.since(rv, s.historyStart)
		if !ok {
			// As the watch cache does: not a failed request, but a watch whose only event is
			// an ERROR with 410 Expired.
			return errorWatch(&apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %d (%d)", rv, oldest)).ErrStatus), nil
		}
		w := s.newWatcher(req, t, f, len(events), opts)
		for _, e := range events {
			w.deliver(e)
		}
		return w, nil
	}
	w := s.newWatcher(req, t, f, len(initial), opts)
	for _, e := range initial {
		w.send(e)
	}
	return w, nil
}

func (s *Server) newWatcher(req Request, t *table, f filter, backlog int, opts metav1.ListOptions) *watcher {
	w := &watcher{server: s, table: t, filter: f, req: req, ch: make(chan watch.Event, s.cfg.WatchBuffer+backlog), done: make(chan struct{})}
	w.req.state = nil
	t.watchers[w] = struct{}{}
	// A real server ends every watch after the requested timeout or, without one,
	// after its minimum request timeout (30 min) scaled by a random factor in [1, 2).
	timeout := time.Duration(float64(30*time.Minute) * (1 + s.rand.Float64()))
	if opts.TimeoutSeconds != nil && *opts.TimeoutSeconds > 0 {
		timeout = time.Duration(*opts.TimeoutSeconds) * time.Second
	}
	w.timer = time.AfterFunc(timeout, w.Stop)
	w.bind(req.Context())
	return w
}

func (s *Server) list(t *table, req Request, opts metav1.ListOptions) (runtime.Object, error) {
	f, err := s.selection(t, req.Namespace, opts)
	if err != nil {
		return nil, err
	}
	start := ""
	if opts.Continue != "" {
		tok, err := decodeContinue(opts.Continue)
		if err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid continue token: %v", err))
		}
		if tok.RV < t.compacted {
			return nil, apierrors.NewResourceExpired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
		}
		start = tok.Start
	}
	list := t.info.newList()
	var items []runtime.Object
	var remaining int64
	var next string
	for _, obj := range t.selected(f.namespace, func(obj runtime.Object) bool {
		return f.matches(obj) && (start == "" || keyOf(obj) > start)
	}) {
		if opts.Limit > 0 && int64(len(items)) >= opts.Limit {
			remaining++
			continue
		}
		items = append(items, obj.DeepCopyObject())
	}
	if remaining > 0 {
		next = encodeContinue(continueToken{RV: s.rv, Start: keyOf(items[len(items)-1])})
	}
	if err := meta.SetList(list, items); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	lm, _ := meta.ListAccessor(list)
	lm.SetResourceVersion(strconv.FormatUint(s.rv, 10))
	lm.SetContinue(next)
	if remaining > 0 {
		lm.SetRemainingItemCount(&remaining)
	}
	return list, nil
}

func keyOf(obj runtime.Object) string {
	m, _ := meta.Accessor(obj)
	return m.GetNamespace() + "/" + m.GetName()
}

// commit stores obj as the new state of (ns, name), assigns the next resourceVersion
// and tells the watches. prev is the state before (nil on create). It returns obj,
// which is the server's from now on: an answer to a client is a copy of it.
func (s *Server) commit(t *table, typ watch.EventType, obj, prev runtime.Object) runtime.Object {
	m, _ := meta.Accessor(obj)
	rv := s.nextRV()
	m.SetResourceVersion(strconv.FormatUint(rv, 10))
	clearTypeMeta(obj)
	if typ == watch.Deleted {
		t.remove(m.GetNamespace(), m.GetName())
	} else {
		t.put(m.GetNamespace(), m.GetName(), obj)
	}
	t.record(s.cfg.WatchHistory, event{rv: rv, typ: typ, obj: obj, prev: prev})
	return obj
}

// clearTypeMeta drops apiVersion and kind: typed clients of a real server hand out
// objects without them.
func clearTypeMeta(obj runtime.Object) {
	obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
}

// namespaceActive checks that a namespaced create goes into an existing, active
// namespace, worded as the NamespaceLifecycle admission plugin words it.
func (s *Server) namespaceActive(gr schema.GroupResource, name, ns string) error {
	nsObj, _ := s.tables[corev1.SchemeGroupVersion.WithResource("namespaces")].get("", ns).(*corev1.Namespace)
	if nsObj == nil {
		return apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, ns)
	}
	if nsObj.Status.Phase == corev1.NamespaceTerminating || nsObj.DeletionTimestamp != nil {
		return apierrors.NewForbidden(gr, name,
			fmt.Errorf("unable to create new content in namespace %s because it is being terminated", ns))
	}
	return nil
}
