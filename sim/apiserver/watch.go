package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// watcher is one open watch. Events are delivered under the server's lock without
// blocking: a watcher whose buffer is full is closed, as a real API server closes an
// unresponsive watcher, and the client starts a new watch.
type watcher struct {
	server *Server
	table  *table
	filter filter
	// req is the request that opened the watch (without its state), for the faults that
	// strike open watches.
	req     Request
	ch      chan watch.Event
	stopped bool
	timer   *time.Timer
	// unbind stops watching the caller's context.
	unbind func() bool
}

var _ watch.Interface = (*watcher)(nil)

// ResultChan implements watch.Interface.
func (w *watcher) ResultChan() <-chan watch.Event { return w.ch }

// Stop implements watch.Interface.
func (w *watcher) Stop() {
	w.server.mu.Lock()
	defer w.server.mu.Unlock()
	w.stopLocked()
}

func (w *watcher) stopLocked() {
	if w.stopped {
		return
	}
	w.stopped = true
	if w.timer != nil {
		w.timer.Stop()
	}
	if w.unbind != nil {
		w.unbind()
	}
	delete(w.table.watchers, w)
	close(w.ch)
}

// deliver translates a change for this watcher's selection, as the watch cache does:
// an object that starts matching is ADDED, one that stops matching is DELETED.
func (w *watcher) deliver(e event) {
	if w.stopped {
		return
	}
	newMatch := w.filter.matches(e.obj)
	oldMatch := e.prev != nil && w.filter.matches(e.prev)
	var typ watch.EventType
	switch e.typ {
	case watch.Added:
		if !newMatch {
			return
		}
		typ = watch.Added
	case watch.Modified:
		switch {
		case oldMatch && newMatch:
			typ = watch.Modified
		case newMatch:
			typ = watch.Added
		case oldMatch:
			typ = watch.Deleted
		default:
			return
		}
	case watch.Deleted:
		if !newMatch {
			return
		}
		typ = watch.Deleted
	default:
		return
	}
	w.send(watch.Event{Type: typ, Object: e.obj})
}

func (w *watcher) send(ev watch.Event) {
	select {
	case w.ch <- ev:
	default:
		w.stopLocked()
	}
}

// bind ends the watch when ctx does, as a real client's watch ends when its request's
// context does: with an ERROR event (the stream decoder's failure), then closed.
func (w *watcher) bind(ctx context.Context) {
	if ctx.Done() == nil {
		return
	}
	w.unbind = context.AfterFunc(ctx, func() {
		w.server.mu.Lock()
		defer w.server.mu.Unlock()
		if w.stopped {
			return
		}
		w.send(watch.Event{Type: watch.Error, Object: streamDecodingError(ctx.Err())})
		w.stopLocked()
	})
}

// streamDecodingError is the ERROR client-go's watch delivers when its stream breaks,
// e.g. because the request's context ended.
func streamDecodingError(err error) runtime.Object {
	return apierrors.NewClientErrorReporter(http.StatusInternalServerError, "GET", "ClientWatchDecoding").
		AsObject(fmt.Errorf("unable to decode an event from the watch stream: %v", err))
}

// errorWatch delivers one ERROR event and closes, as the real server answers a watch
// it cannot serve (for example a resourceVersion that is too old).
func errorWatch(status runtime.Object) watch.Interface {
	return EndedWatch(watch.Event{Type: watch.Error, Object: status})
}

// closedWatch is a watch that ends at once without an event.
func closedWatch() watch.Interface { return EndedWatch() }

// EndedWatch returns a watch that delivers events and ends, for faults that answer a
// watch request in the server's place.
func EndedWatch(events ...watch.Event) watch.Interface {
	ch := make(chan watch.Event, len(events))
	for _, e := range events {
		ch <- e
	}
	close(ch)
	return &endedWatch{ch: ch}
}

type endedWatch struct{ ch chan watch.Event }

func (c *endedWatch) ResultChan() <-chan watch.Event { return c.ch }
func (c *endedWatch) Stop()                          {}
