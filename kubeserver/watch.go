package kubeserver

import (
	"encoding/json"
	"fmt"
	"net/http"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	clienttesting "k8s.io/client-go/testing"
)

// serveWatch streams a watch as the real server does over JSON: one
// {"type":…,"object":…} document per line, flushed as events happen, until the watch
// ends (its timeout, the server closing a slow watcher), the client goes away, or the
// server stops. A watch with sendInitialEvents=true (client-go's watch-list) first gets
// the current objects as ADDED and a BOOKMARK marking their end.
func (s *Server) serveWatch(w http.ResponseWriter, r *http.Request, user string, info *requestInfo) {
	var opts metav1.ListOptions
	if err := decodeParams(r.URL.Query(), &opts); err != nil {
		writeError(w, err)
		return
	}
	opts.Watch = true
	if info.name != "" {
		// A watch of one object (GET …/pods/x?watch=true or /watch/…/pods/x).
		sel := fields.OneTermEqualSelector("metadata.name", info.name).String()
		if opts.FieldSelector != "" {
			sel += "," + opts.FieldSelector
		}
		opts.FieldSelector = sel
	}
	gvr, ns := info.res.gvr, info.namespace
	var initial []watch.Event
	if opts.SendInitialEvents != nil && *opts.SendInitialEvents {
		if opts.ResourceVersionMatch != metav1.ResourceVersionMatchNotOlderThan || !opts.AllowWatchBookmarks {
			writeError(w, badRequest("sendInitialEvents=true needs resourceVersionMatch=NotOlderThan and allowWatchBookmarks=true"))
			return
		}
		listOpts := metav1.ListOptions{LabelSelector: opts.LabelSelector, FieldSelector: opts.FieldSelector}
		list, err := s.cfg.API.HandleContext(r.Context(), user, clienttesting.NewListActionWithOptions(gvr, gvr.GroupVersion().WithKind(info.res.kind+"List"), ns, listOpts))
		if err != nil {
			writeError(w, err)
			return
		}
		items, _ := meta.ExtractList(list)
		for _, item := range items {
			initial = append(initial, watch.Event{Type: watch.Added, Object: item})
		}
		lm, _ := meta.ListAccessor(list)
		bookmark, err := s.newObject(info)
		if err != nil {
			writeError(w, err)
			return
		}
		m, _ := meta.Accessor(bookmark)
		m.SetResourceVersion(lm.GetResourceVersion())
		m.SetAnnotations(map[string]string{metav1.InitialEventsAnnotationKey: "true"})
		initial = append(initial, watch.Event{Type: watch.Bookmark, Object: bookmark})
		opts.ResourceVersion = lm.GetResourceVersion()
		opts.SendInitialEvents, opts.ResourceVersionMatch = nil, ""
	}
	wi, err := s.cfg.API.HandleWatchContext(r.Context(), user, clienttesting.NewWatchActionWithOptions(gvr, ns, opts))
	if err != nil {
		writeError(w, err)
		return
	}
	defer wi.Stop()

	table := wantsTable(r)
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache, private")
	w.WriteHeader(http.StatusOK)
	if flusher != nil {
		flusher.Flush()
	}
	first := true
	send := func(e watch.Event) bool {
		obj := e.Object
		if table && (e.Type == watch.Added || e.Type == watch.Modified || e.Type == watch.Deleted) {
			t, err := toTable(obj, r.URL.Query().Get("includeObject"))
			if err != nil {
				return false
			}
			if !first {
				t.ColumnDefinitions = nil // as the real server: the columns come with the first event only
			}
			first = false
			obj = t
		} else {
			obj = withKind(obj)
		}
		line, err := json.Marshal(struct {
			Type   watch.EventType `json:"type"`
			Object runtime.Object  `json:"object"`
		}{e.Type, obj})
		if err != nil {
			s.cfg.Log.Error("kubeserver: encoding a watch event", "err", err)
			return false
		}
		if _, err := w.Write(append(line, '\n')); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}
	for _, e := range initial {
		if !send(e) {
			return
		}
	}
	ctx := r.Context()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-wi.ResultChan():
			if !ok || !send(e) {
				return
			}
		}
	}
}

// newObject is an empty object of the resource's kind.
func (s *Server) newObject(info *requestInfo) (runtime.Object, error) {
	gvk := info.gv.WithKind(info.res.kind)
	obj, err := schemeNew(gvk)
	if err != nil {
		return nil, internalError(fmt.Errorf("no Go type for %s: %w", gvk, err))
	}
	return obj, nil
}

func wantsTable(r *http.Request) bool {
	for _, accept := range r.Header.Values("Accept") {
		if containsParam(accept, "as=Table") {
			return true
		}
	}
	return false
}
