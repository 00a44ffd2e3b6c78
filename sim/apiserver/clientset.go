package apiserver

//go:generate go run ./internal/clientgen -out zz_generated_clients.go

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/kubernetes/scheme"
	restclient "k8s.io/client-go/rest"
	fakerest "k8s.io/client-go/rest/fake"
	clienttesting "k8s.io/client-go/testing"
)

// clientset is a kubernetes.Interface acting as one identity. The typed clients of the
// resources the server stores (zz_generated_clients.go) run every call through call: the
// context is checked as client-go's rest client checks it, and the request goes through
// a fake (client-go's testing.Fake) made for that call alone, whose reactors lead into the
// server. Calls therefore share no lock — a fault that holds one request holds no other,
// and inside a synctest bubble a held request is durably blocked — and no recorded
// actions pile up. The embedded fake clientset answers for everything else (the groups
// and resources the server does not store answer 404 through it).
type clientset struct {
	*fake.Clientset
	server *Server
	user   string
	// pod is the pod the client's requests come from (PodClientsetOver), "" for others.
	pod string
	// link, when set, is the network path to the server (ClientsetOver).
	link Link
}

var _ kubernetes.Interface = (*clientset)(nil)

// maxRetries is how often client-go's rest client repeats a request answered with 429 or
// a 5xx and a Retry-After header (rest.Request's default).
const maxRetries = 10

// call runs one request as client-go's rest client does: not at all when ctx has ended,
// and again, after the delay the server asks for, when the answer is 429 or a 5xx with
// Retry-After. do sends the request through the fake it is given.
func (c *clientset) call(ctx context.Context, do func(f *clienttesting.Fake) error) error {
	return c.retry(ctx, func() error { return do(c.newCallFake(ctx)) })
}

// retry runs one attempt of a request after another as client-go's rest client does (see
// call).
func (c *clientset) retry(ctx context.Context, send func() error) error {
	var previous error
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return withPreviousError(err, previous)
		}
		err := send()
		delay, retry := retryAfter(err)
		if !retry || attempt == maxRetries {
			return err
		}
		previous = err
		if deadline, ok := ctx.Deadline(); ok && !time.Now().Add(delay).Before(deadline) {
			// The retry would be due when the caller's time is up: it is not sent. Waiting
			// for ctx alone decides the tie of a retry due at the very deadline the same
			// way in every run (a select on both would pick at random).
			<-ctx.Done()
			return withPreviousError(ctx.Err(), previous)
		}
		// client-go sleeps through the delay; waiting for ctx too ends the same way
		// (with ctx's error), only sooner.
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return withPreviousError(ctx.Err(), previous)
		case <-timer.C:
		}
	}
}

// invoke sends one action straight to the server, through the same context checks and
// retries as call but without a fake: client-go's fake deep-copies the action twice (once
// for its log of actions, which a call's fake drops), while the server copies what it
// keeps and answers with an object of the caller's own. The caller's object is only read
// during the call, as a real client reads it to encode the request.
func (c *clientset) invoke(ctx context.Context, action clienttesting.Action) (runtime.Object, error) {
	var out runtime.Object
	err := c.retry(ctx, func() error {
		obj, err := (*objectReactor)(&callFake{c: c, ctx: ctx}).reactTo(action)
		out = obj
		return err
	})
	return out, err
}

// retryAfter is the delay a Retry-After answer asks for: client-go retries 429 and 5xx
// answers that carry one.
func retryAfter(err error) (time.Duration, bool) {
	var st apierrors.APIStatus
	if err == nil || !errors.As(err, &st) {
		return 0, false
	}
	status := st.Status()
	if status.Code != http.StatusTooManyRequests && status.Code < http.StatusInternalServerError {
		return 0, false
	}
	if status.Details == nil || status.Details.RetryAfterSeconds <= 0 {
		return 0, false
	}
	return time.Duration(status.Details.RetryAfterSeconds) * time.Second, true
}

// withPreviousError words an error after retries as client-go's rest client does.
func withPreviousError(err, previous error) error {
	if previous == nil {
		return err
	}
	return &previousError{err: err, previous: previous}
}

type previousError struct{ err, previous error }

func (e *previousError) Error() string {
	return fmt.Sprintf("%s - error from a previous attempt: %s", e.err, e.previous)
}

func (e *previousError) Unwrap() error { return e.err }

// callFake is the fake of one call: client-go's testing.Fake with one reactor leading
// into the server for the caller, as the caller's identity, with the caller's context.
type callFake struct {
	clienttesting.Fake
	c          *clientset
	ctx        context.Context
	chain      [1]clienttesting.Reactor
	watchChain [1]clienttesting.WatchReactor
}

func (c *clientset) newCallFake(ctx context.Context) *clienttesting.Fake {
	f := &callFake{c: c, ctx: ctx}
	f.chain[0] = (*objectReactor)(f)
	f.watchChain[0] = (*watchReactor)(f)
	f.ReactionChain = f.chain[:]
	f.WatchReactionChain = f.watchChain[:]
	return &f.Fake
}

type objectReactor callFake

func (r *objectReactor) Handles(clienttesting.Action) bool { return true }

func (r *objectReactor) React(action clienttesting.Action) (bool, runtime.Object, error) {
	obj, err := r.reactTo(action)
	return true, obj, err
}

func (r *objectReactor) reactTo(action clienttesting.Action) (runtime.Object, error) {
	if err := r.ctx.Err(); err != nil {
		return nil, err // not sent: client-go returns the context's error as it is
	}
	if err := r.c.awaitLink(r.ctx); err != nil {
		return nil, r.c.server.transportError(r.c.user, action, err)
	}
	obj, err := r.c.server.handle(r.ctx, r.c.user, r.c.pod, action)
	return obj, r.c.server.transportError(r.c.user, action, err)
}

type watchReactor callFake

func (r *watchReactor) Handles(clienttesting.Action) bool { return true }

func (r *watchReactor) React(action clienttesting.Action) (bool, watch.Interface, error) {
	if err := r.ctx.Err(); err != nil {
		return true, nil, err
	}
	if err := r.c.awaitLink(r.ctx); err != nil {
		return true, nil, r.c.server.transportError(r.c.user, action, err)
	}
	w, err := r.c.server.handleWatch(r.ctx, r.c.user, r.c.pod, action)
	if err == nil && r.c.link != nil {
		w = newLinkWatch(w, r.c.link)
	}
	return true, w, r.c.server.transportError(r.c.user, action, err)
}

// transportError is the error of a sent request as a client receives it: an answer of
// the server (an API status) as it is, anything else — no answer reached the client —
// as the *url.Error of the request's method and URL that client-go returns, e.g.
// Get "https://10.96.0.1:443/api/v1/namespaces/ns/pods/p": context deadline exceeded.
// A dial error without an address gets the server's.
func (s *Server) transportError(user string, action clienttesting.Action, err error) error {
	var status apierrors.APIStatus
	var urlErr *url.Error
	if err == nil || errors.As(err, &status) || errors.As(err, &urlErr) {
		return err
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Addr == nil {
		filled := *opErr
		filled.Addr = s.addr
		err = &filled
	}
	req := requestOf(user, action)
	return &url.Error{Op: httpMethod(req.Verb), URL: s.requestURL(req), Err: err}
}

func httpMethod(verb string) string {
	switch verb {
	case "create":
		return "Post"
	case "update":
		return "Put"
	case "patch":
		return "Patch"
	case "delete", "deletecollection":
		return "Delete"
	}
	return "Get"
}

// requestURL is the URL of a request as client-go builds it.
func (s *Server) requestURL(req Request) string {
	u := "https://" + s.addr.String()
	if req.Resource.Group == "" {
		u += "/api/" + req.Resource.Version
	} else {
		u += "/apis/" + req.Resource.Group + "/" + req.Resource.Version
	}
	if req.Namespace != "" {
		u += "/namespaces/" + req.Namespace
	}
	u += "/" + req.Resource.Resource
	collection := req.Verb == "list" || req.Verb == "watch" || req.Verb == "deletecollection" || (req.Verb == "create" && req.Subresource == "")
	if req.Name != "" && !collection {
		u += "/" + req.Name
	}
	if req.Subresource != "" {
		u += "/" + req.Subresource
	}
	if req.Verb == "watch" {
		u += "?watch=true"
	}
	return u
}

// checkSelectors answers a malformed selector as the real server does (client-go's fake
// would panic on it).
func (c *clientset) checkSelectors(ctx context.Context, verb string, gvr schema.GroupVersionResource, ns string, opts metav1.ListOptions) error {
	var err error
	if _, perr := labels.Parse(opts.LabelSelector); perr != nil {
		err = apierrors.NewBadRequest(fmt.Sprintf("unable to parse requested label selector %q: %v", opts.LabelSelector, perr))
	} else if _, perr := fields.ParseSelector(opts.FieldSelector); perr != nil {
		err = apierrors.NewBadRequest(fmt.Sprintf("invalid field selector %q: %v", opts.FieldSelector, perr))
	}
	if err != nil {
		req := Request{User: c.user, Pod: c.pod, Groups: GroupsOf(c.user), Verb: verb, Resource: gvr, Namespace: ns}
		c.server.log.add(req, time.Now(), err, "")
	}
	return err
}

// GetLogs serves the pod's log from the server's log source through a REST request,
// as a real client receives it.
func (x podsClient) GetLogs(name string, opts *corev1.PodLogOptions) *restclient.Request {
	logs, err := x.c.server.podLogs(x.c.user, x.ns, name, opts)
	client := &fakerest.RESTClient{
		Client: fakerest.CreateHTTPClient(func(*http.Request) (*http.Response, error) {
			if err != nil {
				if st, ok := err.(apierrors.APIStatus); ok {
					return &http.Response{StatusCode: int(st.Status().Code), Header: http.Header{"Content-Type": []string{"text/plain"}},
						Body: io.NopCloser(bytes.NewReader([]byte(st.Status().Message)))}, nil
				}
				return nil, err
			}
			return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(bytes.NewReader(logs))}, nil
		}),
		NegotiatedSerializer: scheme.Codecs.WithoutConversion(),
		GroupVersion:         corev1.SchemeGroupVersion,
		VersionedAPIPath:     fmt.Sprintf("/api/v1/namespaces/%s/pods/%s/log", x.ns, name),
	}
	return client.Request()
}

// podLogs answers pods/log: the pod must exist and the caller may read it.
func (s *Server) podLogs(user, ns, name string, opts *corev1.PodLogOptions) ([]byte, error) {
	req := Request{User: user, Verb: "get", Resource: corev1.SchemeGroupVersion.WithResource("pods"), Subresource: "log", Namespace: ns, Name: name, Groups: GroupsOf(user)}
	start := time.Now()
	out, err := s.readLogs(req, opts)
	s.log.add(req, start, err, "")
	return out, err
}

func (s *Server) readLogs(req Request, opts *corev1.PodLogOptions) ([]byte, error) {
	if err := s.authorize(req); err != nil {
		return nil, err
	}
	ns, name := req.Namespace, req.Name
	s.mu.Lock()
	pod := s.tables[req.Resource].get(ns, name)
	source := s.logs
	s.mu.Unlock()
	if pod == nil {
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, name)
	}
	if source == nil {
		return nil, nil
	}
	container := ""
	if opts != nil {
		container = opts.Container
	}
	return source(ns, name, container, opts)
}

// LogSource returns the log of a container ("" = the pod's only or first container).
type LogSource func(namespace, pod, container string, opts *corev1.PodLogOptions) ([]byte, error)

// SetLogSource installs where pod logs come from (the kubelet's container runtime).
func (s *Server) SetLogSource(src LogSource) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logs = src
}
