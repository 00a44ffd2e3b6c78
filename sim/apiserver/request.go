package apiserver

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	clienttesting "k8s.io/client-go/testing"
)

// Request is one API request as the server sees it: who asks, what for.
type Request struct {
	User string
	// Pod is the pod whose processes made the request ("" for other clients): the name a
	// pod-bound service-account token carries (authentication.kubernetes.io/pod-name in
	// the user's extra, as audit logs show it). See PodClientsetOver.
	Pod string
	// Groups are the groups the server's authentication gives User (see GroupsOf).
	Groups      []string
	Verb        string
	Resource    schema.GroupVersionResource
	Subresource string
	Namespace   string
	Name        string
	// LabelSelector is the label selector of a list, watch or deletecollection.
	LabelSelector string

	// state is what the request carries while it is being served; the log drops it.
	state *requestState
}

// requestState is the caller's context, the labels of the object the request is about,
// and what faults did to the request.
type requestState struct {
	ctx context.Context
	// labels are what Request.Labels returns; filled in only while faults are installed,
	// the only ones that ask.
	labels map[string]string

	mu     sync.Mutex
	faults []string
}

// Context is the caller's context. A fault that holds a request must let go when it
// ends: the caller has given up.
func (r Request) Context() context.Context {
	if r.state == nil || r.state.ctx == nil {
		return context.Background()
	}
	return r.state.ctx
}

// Labels are the labels of the object the request is about, for faults that select by
// them: those of the object a create or an update sends, or those of the stored object
// a get, patch, delete or watch by name is about. Nil when there is no such object (a
// list, a watch of many, a name that does not exist) and for the request log's entries.
func (r Request) Labels() map[string]string {
	if r.state == nil {
		return nil
	}
	return r.state.labels
}

// Injected records what a fault did to the request, e.g. "latency 2s"; the request log
// shows it in Entry.Fault.
func (r Request) Injected(what string) {
	if r.state == nil {
		return
	}
	r.state.mu.Lock()
	defer r.state.mu.Unlock()
	r.state.faults = append(r.state.faults, what)
}

func (st *requestState) injected() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return strings.Join(st.faults, "; ")
}

func requestOf(user string, action clienttesting.Action) Request {
	r := Request{
		User:        user,
		Groups:      GroupsOf(user),
		Verb:        action.GetVerb(),
		Resource:    action.GetResource(),
		Subresource: action.GetSubresource(),
		Namespace:   action.GetNamespace(),
	}
	switch a := action.(type) {
	case clienttesting.GetAction:
		r.Name = a.GetName()
	case clienttesting.DeleteAction:
		r.Name = a.GetName()
	case clienttesting.PatchAction:
		r.Name = a.GetName()
	case clienttesting.CreateActionImpl:
		r.Name = a.Name
		if r.Name == "" {
			r.Name = objectName(a.GetObject())
		}
	case clienttesting.CreateAction:
		r.Name = objectName(a.GetObject())
	case clienttesting.UpdateAction:
		r.Name = objectName(a.GetObject())
	}
	switch r.Verb {
	case "list":
		if la, ok := action.(clienttesting.ListActionImpl); ok {
			if la.ListOptions.Watch {
				r.Verb = "watch"
			}
			r.Name = nameFromFieldSelector(la.ListOptions.FieldSelector)
			r.LabelSelector = la.ListOptions.LabelSelector
		}
	case "watch":
		if wa, ok := action.(clienttesting.WatchActionImpl); ok {
			r.Name = nameFromFieldSelector(wa.ListOptions.FieldSelector)
			r.LabelSelector = wa.ListOptions.LabelSelector
		}
	case "delete-collection":
		r.Verb = "deletecollection"
		if dc, ok := action.(clienttesting.DeleteCollectionActionImpl); ok {
			r.LabelSelector = dc.ListOptions.LabelSelector
		}
	case "create":
		if r.Subresource == "finalize" {
			// client-go's fake sends Namespaces().Finalize as a create; on the wire it is a PUT.
			r.Verb = "update"
		}
	}
	return r
}

// objectLabels are the labels of the object req is about (see Request.Labels), copied.
func (s *Server) objectLabels(req Request, action clienttesting.Action) map[string]string {
	var obj runtime.Object
	switch a := action.(type) {
	case clienttesting.CreateAction:
		if req.Subresource == "" {
			obj = a.GetObject()
		}
	case clienttesting.UpdateAction:
		obj = a.GetObject()
	}
	if obj == nil && req.Name != "" && req.Verb != "create" {
		s.mu.Lock()
		defer s.mu.Unlock()
		if t := s.tables[req.Resource]; t != nil {
			obj = t.get(t.namespaceOf(req.Namespace), req.Name)
		}
	}
	if obj == nil {
		return nil
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil
	}
	return maps.Clone(m.GetLabels())
}

// withLabels fills in the labels of the object req is about while faults are installed.
func (s *Server) withLabels(req *Request, action clienttesting.Action) {
	if len(s.installedFaults()) > 0 {
		req.state.labels = s.objectLabels(*req, action)
	}
}

func objectName(obj runtime.Object) string {
	if m, err := meta.Accessor(obj); err == nil {
		return m.GetName()
	}
	return ""
}

// nameFromFieldSelector is the name a list or watch is about when its field selector
// pins metadata.name, as the real server's request info finds it for authorization.
func nameFromFieldSelector(selector string) string {
	if selector == "" {
		return ""
	}
	sel, err := fields.ParseSelector(selector)
	if err != nil {
		return ""
	}
	if name, ok := sel.RequiresExactMatch("metadata.name"); ok {
		return name
	}
	return ""
}

// Handle answers one non-watch request from user. It is HandleContext without a
// context.
func (s *Server) Handle(user string, action clienttesting.Action) (runtime.Object, error) {
	return s.HandleContext(context.Background(), user, action)
}

// HandleContext answers one non-watch request from user. A request whose context has
// ended is not served: it fails with the context's error. Errors are API status errors,
// or, when a fault kept the request from the server (a refused connection, a caller that
// gave up while a fault held the request), the transport error as the fault made it.
func (s *Server) HandleContext(ctx context.Context, user string, action clienttesting.Action) (runtime.Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // never sent
	}
	return s.handle(ctx, user, "", action)
}

// handle answers a request that was sent, from user in pod ("" when not from a pod).
func (s *Server) handle(ctx context.Context, user, pod string, action clienttesting.Action) (runtime.Object, error) {
	req := requestOf(user, action)
	req.Pod = pod
	req.state = &requestState{ctx: ctx}
	s.withLabels(&req, action)
	start := time.Now()
	var served bool
	var serveErr error
	obj, err := s.intercept(req, func() (runtime.Object, error) {
		if err := ctx.Err(); err != nil {
			return nil, heldTooLong(req, err)
		}
		served = true
		obj, err := s.serveRequest(req, action)
		serveErr = err
		return obj, err
	})
	s.log.add(req, start, err, faultSummary(req.state, served, serveErr, err))
	return obj, err
}

func (s *Server) serveRequest(req Request, action clienttesting.Action) (runtime.Object, error) {
	if err := s.authorize(req); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serve(req, action)
}

// HandleWatch answers one watch request from user. It is HandleWatchContext without a
// context.
func (s *Server) HandleWatch(user string, action clienttesting.Action) (watch.Interface, error) {
	return s.HandleWatchContext(context.Background(), user, action)
}

// HandleWatchContext answers one watch request from user. The watch ends when ctx does,
// with the ERROR event a real client delivers then.
func (s *Server) HandleWatchContext(ctx context.Context, user string, action clienttesting.Action) (watch.Interface, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // never sent
	}
	return s.handleWatch(ctx, user, "", action)
}

// handleWatch answers a watch request that was sent, from user in pod ("" when not from
// a pod).
func (s *Server) handleWatch(ctx context.Context, user, pod string, action clienttesting.Action) (watch.Interface, error) {
	req := requestOf(user, action)
	req.Pod = pod
	req.Verb = "watch"
	req.state = &requestState{ctx: ctx}
	s.withLabels(&req, action)
	start := time.Now()
	var served bool
	var serveErr error
	w, err := s.interceptWatch(req, func() (_ watch.Interface, err error) {
		if err := ctx.Err(); err != nil {
			return nil, heldTooLong(req, err)
		}
		served = true
		defer func() { serveErr = err }()
		if err := s.authorize(req); err != nil {
			return nil, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		defer recoverAs(req, &err)
		return s.watch(req, action)
	})
	s.log.add(req, start, err, faultSummary(req.state, served, serveErr, err))
	if err != nil {
		return nil, err
	}
	return w, nil
}

// heldTooLong answers a request a fault held until its caller gave up: it is not served.
func heldTooLong(req Request, err error) error {
	req.Injected(fmt.Sprintf("held until the caller gave up (%v): not served", err))
	return err
}

// faultSummary is what faults did to a request: what they recorded with
// Request.Injected or, for a fault that records nothing, what the outcome shows.
func faultSummary(st *requestState, served bool, serveErr, err error) string {
	if what := st.injected(); what != "" {
		return what
	}
	switch {
	case !served && err != nil:
		return fmt.Sprintf("not served: a fault answered %v", err)
	case !served:
		return "not served: a fault answered in the server's place"
	case served && serveErr == nil && err != nil:
		return "served, then a fault answered with an error"
	case served && serveErr != nil && err != serveErr:
		return "served, then a fault replaced the server's error"
	}
	return ""
}
