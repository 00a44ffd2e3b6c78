package endpoints

import (
	"strconv"
	"sync"

	discoveryv1 "k8s.io/api/discovery/v1"
)

// sliceTracker remembers the EndpointSlices the controller wrote, per Service, so that a
// sync does not act on an informer cache that has not seen its own last writes yet (it
// would create a second slice for the same endpoints), as the real controller's
// endpointSliceTracker does.
type sliceTracker struct {
	mu sync.Mutex
	// written: service key → slice name → resourceVersion written ("" = deleted).
	written map[string]map[string]string
}

func newSliceTracker() *sliceTracker {
	return &sliceTracker{written: map[string]map[string]string{}}
}

func (t *sliceTracker) wrote(service string, s *discoveryv1.EndpointSlice, deleted bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.written[service]
	if m == nil {
		m = map[string]string{}
		t.written[service] = m
	}
	if deleted {
		m[s.Name] = ""
	} else {
		m[s.Name] = s.ResourceVersion
	}
}

// stale reports whether the cached slices of a Service miss one of the controller's own
// writes; otherwise it forgets the writes the cache has caught up with.
func (t *sliceTracker) stale(service string, cached []*discoveryv1.EndpointSlice) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.written[service]
	if len(m) == 0 {
		return false
	}
	byName := make(map[string]*discoveryv1.EndpointSlice, len(cached))
	for _, s := range cached {
		byName[s.Name] = s
	}
	for name, rv := range m {
		s, ok := byName[name]
		switch {
		case rv == "" && ok, rv != "" && !ok, rv != "" && olderThan(s.ResourceVersion, rv):
			return true
		}
	}
	delete(t.written, service)
	return false
}

func (t *sliceTracker) forget(service string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.written, service)
}

// olderThan compares resourceVersions, which both the simulated and the real server
// hand out as increasing integers (clients must not rely on it; a controller's cache
// check may, as the real one does).
func olderThan(a, b string) bool {
	x, err1 := strconv.ParseUint(a, 10, 64)
	y, err2 := strconv.ParseUint(b, 10, 64)
	return err1 == nil && err2 == nil && x < y
}
