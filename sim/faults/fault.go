package faults

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"

	"flinksim/sim/apiserver"
)

// Fault is one misbehaviour of the API server on the requests of a Match. It is an
// apiserver.Fault (and WatchFault): install it with (*apiserver.Server).AddFault.
type Fault struct {
	match  Match
	what   string
	action action
	// watchesOnly: the fault is about watch requests; others pass uncounted.
	watchesOnly bool

	mu   sync.Mutex
	gate gate
}

var (
	_ apiserver.WatchFault  = (*Fault)(nil)
	_ apiserver.InstallHook = (*Fault)(nil)
)

// action is what a fault does to a request it strikes.
type action interface {
	// request acts on a request that is not a watch.
	request(req apiserver.Request, serve func() (runtime.Object, error)) (runtime.Object, error)
	// watch acts on a watch request.
	watch(req apiserver.Request, open func() (watch.Interface, error)) (watch.Interface, error)
}

// watchAction is an action on watch requests only.
type watchAction interface {
	watch(req apiserver.Request, open func() (watch.Interface, error)) (watch.Interface, error)
}

// onlyWatches adapts a watchAction: other requests are served.
type onlyWatches struct{ watchAction }

func (onlyWatches) request(_ apiserver.Request, serve func() (runtime.Object, error)) (runtime.Object, error) {
	return serve()
}

func newFault(m Match, what string, a action, opts []Option) *Fault {
	f := &Fault{match: m, what: what, action: a}
	for _, o := range opts {
		o.apply(&f.gate)
	}
	return f
}

// Error fails the matching requests with an API error of code, reason and message,
// without serving them.
func Error(m Match, code int32, reason metav1.StatusReason, message string, opts ...Option) *Fault {
	return newFault(m, fmt.Sprintf("error %d %s", code, reason), statusAction{code: code, reason: reason, message: message}, opts)
}

// Forbidden refuses the matching requests as an admission plugin (a ResourceQuota, a
// PodSecurity policy) or the authorizer does: 403 Forbidden, with the API server's
// message `<resource> "<name>" is forbidden: <reason>`.
func Forbidden(m Match, reason string, opts ...Option) *Fault {
	return newFault(m, "forbidden: "+reason, forbiddenAction{reason: reason}, opts)
}

// Fail fails the matching requests with err, without serving them. An err that is not
// an API status error reaches the caller as a transport error (no answer).
func Fail(m Match, err error, opts ...Option) *Fault {
	return newFault(m, "error: "+err.Error(), errorAction{err: err}, opts)
}

// Latency delays the matching requests by d before they reach the server. A caller
// whose context ends first gets its context's error, and the request is not served.
func Latency(m Match, d time.Duration, opts ...Option) *Fault {
	return newFault(m, "latency "+d.String(), latencyAction{d: d}, opts)
}

// Throttle answers the matching requests 429 Too Many Requests with Retry-After
// (retryAfter rounded up to whole seconds, at least one), as API priority and fairness
// does. Clients retry such an answer up to ten times after the delay it asks for, so a
// caller sees the error only when the throttling outlasts its retries or its context.
func Throttle(m Match, retryAfter time.Duration, opts ...Option) *Fault {
	seconds := max(1, int(math.Ceil(retryAfter.Seconds())))
	return newFault(m, fmt.Sprintf("throttled: 429, Retry-After %ds", seconds), throttleAction{seconds: seconds}, opts)
}

// Unavailable makes the API server unreachable for the matching requests: connections
// are refused (a stopped kube-apiserver), and the open watches that match are dropped
// when the fault is installed. With For(d) the outage lasts d.
func Unavailable(m Match, opts ...Option) *Fault {
	return newFault(m, "connection refused: the API server is unavailable", refuseAction{}, opts)
}

// LoseResponse serves the matching requests and then loses their responses: the change
// is stored, but the caller gets the error the API server's timeout filter answers with
// (504 Timeout). A request the server refuses keeps its own error.
func LoseResponse(m Match, opts ...Option) *Fault {
	return LoseResponseWith(m, apierrors.NewTimeoutError("request did not complete within requested timeout - context deadline exceeded", 0), opts...)
}

// LoseResponseWith is LoseResponse with the error the caller gets instead.
func LoseResponseWith(m Match, err error, opts ...Option) *Fault {
	return newFault(m, "committed, then the response was lost: "+err.Error(), loseAction{err: err}, opts)
}

// DropWatch ends the matching new watches at once, without an event, as when the
// connection breaks right away; other requests pass.
func DropWatch(m Match, opts ...Option) *Fault {
	f := newFault(m, "watch dropped", onlyWatches{dropWatchAction{}}, opts)
	f.watchesOnly = true
	return f
}

// ExpireWatch answers the matching new watches with an ERROR 410 Expired event and ends
// them, so that clients list again; other requests pass.
func ExpireWatch(m Match, opts ...Option) *Fault {
	f := newFault(m, "watch expired: ERROR 410 Expired", onlyWatches{expireWatchAction{}}, opts)
	f.watchesOnly = true
	return f
}

// String describes the fault: what it does, to which requests, and its name.
func (f *Fault) String() string {
	s := f.what + " on " + f.match.String()
	if f.gate.name != "" {
		s = f.gate.name + ": " + s
	}
	return s
}

// Hits is how many requests the fault has struck.
func (f *Fault) Hits() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gate.hits
}

// Match is the requests the fault is about.
func (f *Fault) Match() Match { return f.match }

// OnInstall implements apiserver.InstallHook: the fault's time starts, and an outage
// drops the open watches it matches.
func (f *Fault) OnInstall(s *apiserver.Server) {
	f.mu.Lock()
	f.gate.start = time.Now()
	f.mu.Unlock()
	if _, ok := f.action.(refuseAction); ok {
		s.DropWatches(f.match.Matches)
	}
}

// strikes decides whether the fault acts on req, and records it in the request log.
func (f *Fault) strikes(req apiserver.Request) bool {
	if !f.match.Matches(req) {
		return false
	}
	f.mu.Lock()
	hit := f.gate.strike(time.Now())
	f.mu.Unlock()
	if hit {
		what := f.what
		if f.gate.name != "" {
			what = f.gate.name + ": " + what
		}
		req.Injected(what)
	}
	return hit
}

// Intercept implements apiserver.Fault.
func (f *Fault) Intercept(req apiserver.Request, serve func() (runtime.Object, error)) (runtime.Object, error) {
	if f.watchesOnly || !f.strikes(req) {
		return serve()
	}
	return f.action.request(req, serve)
}

// InterceptWatch implements apiserver.WatchFault.
func (f *Fault) InterceptWatch(req apiserver.Request, open func() (watch.Interface, error)) (watch.Interface, error) {
	if !f.strikes(req) {
		return open()
	}
	return f.action.watch(req, open)
}

// --- actions ----------------------------------------------------------------------------

type statusAction struct {
	code    int32
	reason  metav1.StatusReason
	message string
}

func (a statusAction) err(req apiserver.Request) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: a.code, Reason: a.reason, Message: a.message,
		Details: &metav1.StatusDetails{Name: req.Name, Group: req.Resource.Group, Kind: req.Resource.Resource},
	}}
}

func (a statusAction) request(req apiserver.Request, _ func() (runtime.Object, error)) (runtime.Object, error) {
	return nil, a.err(req)
}

func (a statusAction) watch(req apiserver.Request, _ func() (watch.Interface, error)) (watch.Interface, error) {
	return nil, a.err(req)
}

type forbiddenAction struct{ reason string }

func (a forbiddenAction) err(req apiserver.Request) error {
	return apierrors.NewForbidden(schema.GroupResource{Group: req.Resource.Group, Resource: req.Resource.Resource}, req.Name, errors.New(a.reason))
}

func (a forbiddenAction) request(req apiserver.Request, _ func() (runtime.Object, error)) (runtime.Object, error) {
	return nil, a.err(req)
}

func (a forbiddenAction) watch(req apiserver.Request, _ func() (watch.Interface, error)) (watch.Interface, error) {
	return nil, a.err(req)
}

type errorAction struct{ err error }

func (a errorAction) request(apiserver.Request, func() (runtime.Object, error)) (runtime.Object, error) {
	return nil, a.err
}

func (a errorAction) watch(apiserver.Request, func() (watch.Interface, error)) (watch.Interface, error) {
	return nil, a.err
}

type latencyAction struct{ d time.Duration }

// wait holds the request for d; it fails with the context's error when the caller
// gives up first — or at the same instant: a request whose delay ends at its caller's
// deadline is not served, in every run (a select on both would pick at random).
func (a latencyAction) wait(req apiserver.Request) error {
	ctx := req.Context()
	if deadline, ok := ctx.Deadline(); ok && !time.Now().Add(a.d).Before(deadline) {
		<-ctx.Done()
		return ctx.Err()
	}
	timer := time.NewTimer(a.d)
	defer timer.Stop()
	select {
	case <-req.Context().Done():
		return req.Context().Err()
	case <-timer.C:
		return nil
	}
}

func (a latencyAction) request(req apiserver.Request, serve func() (runtime.Object, error)) (runtime.Object, error) {
	if err := a.wait(req); err != nil {
		return nil, err
	}
	return serve()
}

func (a latencyAction) watch(req apiserver.Request, open func() (watch.Interface, error)) (watch.Interface, error) {
	if err := a.wait(req); err != nil {
		return nil, err
	}
	return open()
}

type throttleAction struct{ seconds int }

// err is what client-go makes of API priority and fairness's 429 answer (a plain-text
// body and a Retry-After header).
func (a throttleAction) err(req apiserver.Request) error {
	method := map[string]string{"create": "POST", "update": "PUT", "patch": "PATCH", "delete": "DELETE", "deletecollection": "DELETE"}[req.Verb]
	if method == "" {
		method = "GET"
	}
	return apierrors.NewGenericServerResponse(http.StatusTooManyRequests, method,
		schema.GroupResource{Group: req.Resource.Group, Resource: req.Resource.Resource}, req.Name,
		"Too many requests, please try again later.", a.seconds, true)
}

func (a throttleAction) request(req apiserver.Request, _ func() (runtime.Object, error)) (runtime.Object, error) {
	return nil, a.err(req)
}

func (a throttleAction) watch(req apiserver.Request, _ func() (watch.Interface, error)) (watch.Interface, error) {
	return nil, a.err(req)
}

type refuseAction struct{}

// refused is a refused TCP connection; the client fills in the server's address.
func refused() error {
	return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
}

func (refuseAction) request(apiserver.Request, func() (runtime.Object, error)) (runtime.Object, error) {
	return nil, refused()
}

func (refuseAction) watch(apiserver.Request, func() (watch.Interface, error)) (watch.Interface, error) {
	return nil, refused()
}

type loseAction struct{ err error }

func (a loseAction) request(_ apiserver.Request, serve func() (runtime.Object, error)) (runtime.Object, error) {
	if _, err := serve(); err != nil {
		return nil, err
	}
	return nil, a.err
}

func (a loseAction) watch(_ apiserver.Request, open func() (watch.Interface, error)) (watch.Interface, error) {
	w, err := open()
	if err != nil {
		return nil, err
	}
	w.Stop()
	return nil, a.err
}

type dropWatchAction struct{}

func (dropWatchAction) watch(apiserver.Request, func() (watch.Interface, error)) (watch.Interface, error) {
	return apiserver.EndedWatch(), nil
}

type expireWatchAction struct{}

func (expireWatchAction) watch(apiserver.Request, func() (watch.Interface, error)) (watch.Interface, error) {
	return apiserver.EndedWatch(watch.Event{Type: watch.Error, Object: apiserver.CompactedStatus()}), nil
}
