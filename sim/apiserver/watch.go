package apiserver

import (
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// watcher is one open watch. Events are delivered under the server's lock without
// blocking: a watcher whose buffer is full is closed, as a real API server closes an
// unresponsive watcher, and the client starts a new watch.
type watcher struct {
	server  *Server
	table   *table
	filter  filter
	ch      chan watch.Event
	stopped bool
	timer   *time.Timer
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

// errorWatch delivers one ERROR event and closes, as the real server answers a watch
// it cannot serve (for example a resourceVersion that is too old).
func errorWatch(status runtime.Object) watch.Interface {
	ch := make(chan watch.Event, 1)
	ch <- watch.Event{Type: watch.Error, Object: status}
	close(ch)
	return &closedWatch{ch: ch}
}

type closedWatch struct{ ch chan watch.Event }

func (c *closedWatch) ResultChan() <-chan watch.Event { return c.ch }
func (c *closedWatch) Stop()                          {}
