package kubeserver

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"flinksim/sim/apiserver"
)

// serveLogs answers pods/<name>/log: the container's log as plain text. With
// follow=true it keeps the response open and sends new lines as the container writes
// them, until the container's pod is gone or finished, the client leaves or the
// server stops.
func (s *Server) serveLogs(w http.ResponseWriter, r *http.Request, user string, info *requestInfo) {
	opts, err := podLogOptions(r.URL.Query())
	if err != nil {
		writeError(w, err)
		return
	}
	req := apiserver.Request{User: user, Groups: apiserver.GroupsOf(user), Verb: "get", Resource: info.res.gvr,
		Subresource: "log", Namespace: info.namespace, Name: info.name}
	if ok, reason := s.decide(req); !ok {
		writeError(w, forbidden(req, reason))
		return
	}
	ctx := r.Context()
	read := func(o *corev1.PodLogOptions) ([]byte, error) {
		if s.cfg.API.Object(info.res.gvr, info.namespace, info.name) == nil {
			return nil, apierrors.NewNotFound(info.res.gvr.GroupResource(), info.name)
		}
		if s.cfg.Logs == nil {
			return nil, notFound(r.URL.Path)
		}
		return s.cfg.Logs(info.namespace, info.name, o.Container, o)
	}
	first, err := read(opts)
	if err != nil {
		writeError(w, err)
		return
	}
	if opts.LimitBytes != nil && int64(len(first)) > *opts.LimitBytes {
		first = first[:*opts.LimitBytes]
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	w.Write(first)
	if !opts.Follow {
		return
	}
	flusher, _ := w.(http.Flusher)
	if flusher != nil {
		flusher.Flush()
	}
	// Follow by reading the whole log again and sending what is new past the length
	// seen so far; a restarted container starts a new, shorter log.
	whole := &corev1.PodLogOptions{Container: opts.Container, Timestamps: opts.Timestamps}
	all, err := read(whole)
	if err != nil {
		return
	}
	seen := len(all)
	written := int64(len(first))
	tick := time.NewTicker(s.cfg.LogPollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		all, err := read(whole)
		if err != nil {
			return
		}
		if len(all) < seen {
			seen = 0
		}
		if len(all) > seen {
			chunk := all[seen:]
			seen = len(all)
			if opts.LimitBytes != nil {
				if written >= *opts.LimitBytes {
					return
				}
				if rest := *opts.LimitBytes - written; int64(len(chunk)) > rest {
					chunk = chunk[:rest]
				}
			}
			written += int64(len(chunk))
			if _, err := w.Write(chunk); err != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
			continue
		}
		if s.podDone(info) {
			return
		}
	}
}

// podDone reports whether a followed log can end: the pod is gone or finished.
func (s *Server) podDone(info *requestInfo) bool {
	pod, ok := s.cfg.API.Object(info.res.gvr, info.namespace, info.name).(*corev1.Pod)
	return !ok || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

// podLogOptions reads the query parameters of pods/log.
func podLogOptions(q url.Values) (*corev1.PodLogOptions, error) {
	opts := &corev1.PodLogOptions{Container: q.Get("container")}
	var err error
	flag := func(name string) bool {
		v := q.Get(name)
		if v == "" {
			return false
		}
		b, perr := strconv.ParseBool(v)
		if perr != nil && err == nil {
			err = badRequest(fmt.Sprintf("%s=%q is not true or false", name, v))
		}
		return b
	}
	number := func(name string) *int64 {
		v := q.Get(name)
		if v == "" {
			return nil
		}
		n, perr := strconv.ParseInt(v, 10, 64)
		if (perr != nil || n < 0) && err == nil {
			err = badRequest(fmt.Sprintf("%s=%q is not a non-negative whole number", name, v))
		}
		return &n
	}
	opts.Follow = flag("follow")
	opts.Previous = flag("previous")
	opts.Timestamps = flag("timestamps")
	opts.TailLines = number("tailLines")
	opts.SinceSeconds = number("sinceSeconds")
	opts.LimitBytes = number("limitBytes")
	if v := q.Get("sinceTime"); v != "" {
		t, perr := time.Parse(time.RFC3339, v)
		if perr != nil && err == nil {
			err = badRequest(fmt.Sprintf("sinceTime=%q is not an RFC 3339 time: %v", v, perr))
		}
		secs := int64(time.Since(t).Seconds()) + 1
		opts.SinceSeconds = &secs
	}
	return opts, err
}
