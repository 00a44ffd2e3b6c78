package apiserver

import (
	"net/http"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
)

// Fault intercepts requests: it may delay them, fail them instead of serving them,
// or serve them and then lose the response. The package flinksim/sim/faults has the
// catalogue; any type with this method is a fault.
//
// A fault runs in the caller's goroutine and shares no lock with other requests, so it
// may block; one that delays a request must give up when req.Context() ends (the
// server then does not serve the request). A fault says what it did with
// req.Injected, which the request log shows.
type Fault interface {
	// Intercept is called for every request before it is served. serve runs the
	// request against the store; for a watch request it opens the watch and returns
	// no object.
	Intercept(req Request, serve func() (runtime.Object, error)) (runtime.Object, error)
}

// WatchFault is a Fault that decides what a watch request gets: it may hand out
// another watch than the one open returns (one that ends at once, one that delivers an
// ERROR event). A watch it opens and does not hand out it must stop.
type WatchFault interface {
	Fault
	InterceptWatch(req Request, open func() (watch.Interface, error)) (watch.Interface, error)
}

// InstallHook is implemented by faults that act on the server when AddFault installs
// them, as an outage closes the open watches.
type InstallHook interface {
	OnInstall(s *Server)
}

// AddFault installs a fault; faults run in the order added.
func (s *Server) AddFault(f Fault) {
	s.mu.Lock()
	s.faults = append(s.faults, f)
	s.mu.Unlock()
	if h, ok := f.(InstallHook); ok {
		h.OnInstall(s)
	}
}

// RemoveFault uninstalls a fault.
func (s *Server) RemoveFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.faults {
		if x == f {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			return
		}
	}
}

func (s *Server) installedFaults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

func (s *Server) intercept(req Request, serve func() (runtime.Object, error)) (runtime.Object, error) {
	faults := s.installedFaults()
	for i := len(faults) - 1; i >= 0; i-- {
		f, next := faults[i], serve
		serve = func() (runtime.Object, error) { return f.Intercept(req, next) }
	}
	return serve()
}

func (s *Server) interceptWatch(req Request, open func() (watch.Interface, error)) (watch.Interface, error) {
	faults := s.installedFaults()
	for i := len(faults) - 1; i >= 0; i-- {
		f, next := faults[i], open
		if wf, ok := f.(WatchFault); ok {
			open = func() (watch.Interface, error) { return wf.InterceptWatch(req, next) }
			continue
		}
		open = func() (watch.Interface, error) {
			var w watch.Interface
			_, err := f.Intercept(req, func() (runtime.Object, error) {
				var err error
				w, err = next()
				return nil, err
			})
			switch {
			case err != nil && w != nil:
				w.Stop() // served, but the fault lost the response
				return nil, err
			case err != nil:
				return nil, err
			case w == nil:
				// The fault answered for the server without an error: an empty watch.
				return closedWatch(), nil
			}
			return w, nil
		}
	}
	return open()
}

// DropWatches closes the open watches that match (nil matches all) without an ERROR
// event, as when their connections break; clients start new watches. It returns how
// many it closed; the request log shows each.
func (s *Server) DropWatches(match func(Request) bool) int {
	return s.endWatches(match, nil, "the open watch was dropped")
}

// FailWatches delivers an ERROR event with status to the open watches that match (nil
// matches all) and closes them. It returns how many it reached; the request log shows
// each.
func (s *Server) FailWatches(match func(Request) bool, status *metav1.Status) int {
	return s.endWatches(match, status, "ERROR "+statusText(status)+" delivered to the open watch")
}

// ExpireWatches ends the open watches that match (nil matches all) with ERROR 410
// Expired, as the real server does when etcd compacts past a watch: clients list again.
func (s *Server) ExpireWatches(match func(Request) bool) int {
	return s.FailWatches(match, CompactedStatus())
}

// CompactedStatus is the ERROR a real server delivers to a watch that etcd has
// compacted past.
func CompactedStatus() *metav1.Status {
	return &metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusGone,
		Reason:  metav1.StatusReasonExpired,
		Message: "etcdserver: mvcc: required revision has been compacted",
	}
}

func statusText(st *metav1.Status) string {
	return http.StatusText(int(st.Code)) + " " + string(st.Reason)
}

func (s *Server) endWatches(match func(Request) bool, status *metav1.Status, what string) int {
	s.mu.Lock()
	var ended []Request
	for _, t := range s.tables {
		for w := range t.watchers {
			if match != nil && !match(w.req) {
				continue
			}
			if status != nil {
				w.sendFinal(watch.Event{Type: watch.Error, Object: status.DeepCopy()})
			}
			w.stopLocked()
			ended = append(ended, w.req)
		}
	}
	s.mu.Unlock()
	now := time.Now()
	for _, req := range ended {
		e := Entry{Time: now, Request: req, Fault: what}
		if status != nil {
			e.Code, e.Error = status.Code, status.Message
		}
		s.log.append(e, false)
	}
	return len(ended)
}

func schemaKind(kind string) schema.GroupKind { return schema.GroupKind{Kind: kind} }
