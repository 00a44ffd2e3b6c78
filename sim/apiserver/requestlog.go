package apiserver

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Entry is one answered request, or one fault that struck an open watch.
type Entry struct {
	Time     time.Time
	Duration time.Duration
	Request
	// Code is the HTTP status the real server would have answered with; 0 when no answer
	// reached the caller (a refused connection, a caller that gave up).
	Code  int32
	Error string
	// Fault says what faults injected into the request ("" when none did), e.g.
	// "latency 2s" or "committed, then the response was lost".
	Fault string
}

func (e Entry) String() string {
	what := e.Resource.Resource
	if e.Subresource != "" {
		what += "/" + e.Subresource
	}
	target := e.Name
	if e.Namespace != "" {
		target = e.Namespace + "/" + e.Name
	}
	s := fmt.Sprintf("%s %-6s %s %s %s → %d", e.Time.UTC().Format("15:04:05.000"), e.Verb, what, target, e.User, e.Code)
	if e.Error != "" {
		s += " " + e.Error
	}
	if e.Fault != "" {
		s += " [fault: " + e.Fault + "]"
	}
	return s
}

// RequestLog keeps the newest requests and counts all of them. Its ring of entries is
// made of chunks allocated as requests come, up to its capacity, so that it neither
// costs its full size up front nor copies itself as it grows.
type RequestLog struct {
	mu       sync.Mutex
	chunks   [][]Entry
	size     int // entries kept
	head     int // index of the oldest entry
	capacity int
	counts   map[countKey]int
}

const logChunk = 1024

// at is the i-th slot of the ring.
func (l *RequestLog) at(i int) *Entry { return &l.chunks[i/logChunk][i%logChunk] }

func newRequestLog(capacity int) *RequestLog {
	return &RequestLog{capacity: capacity, counts: map[countKey]int{}}
}

type countKey struct{ user, pod, verb, resource, subresource string }

// add logs an answered request. An error that is not an API status never came from the
// server: the caller got no answer (code 0).
func (l *RequestLog) add(r Request, start time.Time, err error, fault string) {
	e := Entry{Time: start, Duration: time.Since(start), Request: r, Code: 200, Fault: fault}
	e.state = nil // the log keeps no contexts
	if r.Verb == "create" {
		e.Code = 201
	}
	if err != nil {
		e.Code = 0
		var st apierrors.APIStatus
		if errors.As(err, &st) {
			e.Code = st.Status().Code
		}
		e.Error = err.Error()
	}
	l.append(e, true)
}

// append keeps e; counted says whether it is a request (Count counts requests only).
func (l *RequestLog) append(e Entry, counted bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.size < l.capacity {
		if l.size%logChunk == 0 {
			l.chunks = append(l.chunks, make([]Entry, min(logChunk, l.capacity-l.size)))
		}
		*l.at(l.size) = e
		l.size++
	} else {
		*l.at(l.head) = e
		l.head = (l.head + 1) % l.capacity
	}
	if counted {
		l.counts[countKey{e.User, e.Pod, e.Verb, e.Resource.Resource, e.Subresource}]++
	}
}

// Entries returns the kept entries, oldest first, that match (nil matches all).
func (l *RequestLog) Entries(match func(Entry) bool) []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Entry
	for i := range l.size {
		e := *l.at((l.head + i) % l.capacity)
		if match == nil || match(e) {
			out = append(out, e)
		}
	}
	return out
}

// Count is the number of requests ever made by user ("" = anyone) with verb
// ("" = any) on resource ("" = any), including those no longer kept.
func (l *RequestLog) Count(user, verb, resource string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for k, c := range l.counts {
		if (user == "" || k.user == user) && (verb == "" || k.verb == verb) && (resource == "" || k.resource == resource) {
			n += c
		}
	}
	return n
}

// CountFrom is the number of requests ever made from pod (Request.Pod) with verb on
// resource, written as in an RBAC rule ("pods", "pods/status"), including those no
// longer kept. Unlike Count, a resource does not count its subresources.
func (l *RequestLog) CountFrom(pod, verb, resource string) int {
	resource, subresource, _ := strings.Cut(resource, "/")
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for k, c := range l.counts {
		if k.pod == pod && k.verb == verb && k.resource == resource && k.subresource == subresource {
			n += c
		}
	}
	return n
}

// Tail renders the newest n entries, for failure reports.
func (l *RequestLog) Tail(n int) string {
	all := l.Entries(nil)
	if len(all) > n {
		all = all[len(all)-n:]
	}
	var b strings.Builder
	for _, e := range all {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}
