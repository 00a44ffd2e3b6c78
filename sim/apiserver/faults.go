package apiserver

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
)

// Fault intercepts requests: it may delay them, fail them instead of serving them,
// or serve them and then lose the response.
type Fault interface {
	// Intercept is called for every request before it is served. serve runs the
	// request against the store.
	Intercept(req Request, serve func() (runtime.Object, error)) (runtime.Object, error)
}

// AddFault installs a fault; faults run in the order added.
func (s *Server) AddFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
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

func (s *Server) intercept(req Request, serve func() (runtime.Object, error)) (runtime.Object, error) {
	s.mu.Lock()
	faults := s.faults
	s.mu.Unlock()
	for i := len(faults) - 1; i >= 0; i-- {
		f, next := faults[i], serve
		serve = func() (runtime.Object, error) { return f.Intercept(req, next) }
	}
	return serve()
}

func (s *Server) wrapWatch(req Request, w watch.Interface) watch.Interface { return w }

func schemaKind(kind string) schema.GroupKind { return schema.GroupKind{Kind: kind} }
