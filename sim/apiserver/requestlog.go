package apiserver

import (
	"fmt"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Entry is one answered request.
type Entry struct {
	Time     time.Time
	Duration time.Duration
	Request
	// Code is the HTTP status the real server would have answered with.
	Code  int32
	Error string
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
	return s
}

// RequestLog keeps the newest requests and counts all of them.
type RequestLog struct {
	mu      sync.Mutex
	entries []Entry
	head    int
	size    int
	counts  map[string]int
}

func newRequestLog(capacity int) *RequestLog {
	return &RequestLog{entries: make([]Entry, capacity), counts: map[string]int{}}
}

func countKey(user, verb, resource string) string { return user + "\x00" + verb + "\x00" + resource }

func (l *RequestLog) add(r Request, start time.Time, err error) {
	e := Entry{Time: start, Duration: time.Since(start), Request: r, Code: 200}
	if r.Verb == "create" {
		e.Code = 201
	}
	if err != nil {
		e.Code = 500
		if st, ok := err.(apierrors.APIStatus); ok {
			e.Code = st.Status().Code
		}
		e.Error = err.Error()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.size == len(l.entries) {
		l.entries[l.head] = e
		l.head = (l.head + 1) % len(l.entries)
	} else {
		l.entries[(l.head+l.size)%len(l.entries)] = e
		l.size++
	}
	l.counts[countKey(r.User, r.Verb, r.Resource.Resource)]++
}

// Entries returns the kept entries, oldest first, that match (nil matches all).
func (l *RequestLog) Entries(match func(Entry) bool) []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Entry
	for i := 0; i < l.size; i++ {
		e := l.entries[(l.head+i)%len(l.entries)]
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
		parts := strings.SplitN(k, "\x00", 3)
		if (user == "" || parts[0] == user) && (verb == "" || parts[1] == verb) && (resource == "" || parts[2] == resource) {
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
