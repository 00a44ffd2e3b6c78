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

// watcher is one open watch. Events are handed over under the server's lock without
// blocking the server: into the watch's buffer (Config.WatchBuffer events) and, once
// that is full, into a backlog that a goroutine of the watch's own (pump) feeds to the
// client. A watcher that takes no event for Config.WatchBlockedTimeout while events
// wait is closed, as the real watch cache closes a watcher it could not hand an event
// within its time budget ("Forcing watcher close due to unresponsiveness"); its client
// starts a new watch from the last resourceVersion it saw. Time is the server's clock,
// virtual in a synctest bubble: a client that is busy but runnable is never slow there,
// only one that waits for something else while its events pile up.
type watcher struct {
	server *Server
	table  *table
	filter filter
	// req is the request that opened the watch (without its state), for the faults that
	// strike open watches.
	req     Request
	ch      chan watch.Event
	stopped bool
	// done is closed when the watch stops.
	done chan struct{}
	// backlog are the events that did not fit into ch, oldest first; pumping says that
	// the pump runs (it then closes ch when the watch stops).
	backlog []watch.Event
	pumping bool
	timer   *time.Timer
	// unbind stops watching the caller's context.
	unbind func() bool
}

// maxWatchBacklog bounds the backlog of one watcher, as a last resort against a client
// that takes events, but far slower than they come.
const maxWatchBacklog = 1 << 20

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
	close(w.done)
	w.backlog = nil
	if !w.pumping {
		close(w.ch)
	}
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

// send hands an event over, in order: into the buffer while it has room and nothing
// waits in the backlog, else into the backlog. Called with the server's lock held.
func (w *watcher) send(ev watch.Event) {
	if w.stopped {
		return
	}
	if len(w.backlog) == 0 {
		select {
		case w.ch <- ev:
			return
		default:
		}
	}
	if len(w.backlog) >= maxWatchBacklog {
		w.stopLocked()
		return
	}
	w.backlog = append(w.backlog, ev)
	if !w.pumping {
		w.pumping = true
		go w.pump()
	}
}

// sendFinal hands over the last event of a watch that ends now (an ERROR): delivered
// only when it fits without waiting, as the real server's last word on a watch whose
// client does not read is lost. Called with the server's lock held.
func (w *watcher) sendFinal(ev watch.Event) {
	if w.stopped || len(w.backlog) > 0 {
		return
	}
	select {
	case w.ch <- ev:
	default:
	}
}

// pump feeds the backlog to the client, one event at a time, and closes the watch when
// the client takes none for the blocked timeout. It ends when the backlog is empty or
// the watch has stopped; then it closes ch if the watch has stopped.
func (w *watcher) pump() {
	s := w.server
	timer := time.NewTimer(s.cfg.WatchBlockedTimeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if w.stopped || len(w.backlog) == 0 {
			w.pumping = false
			if w.stopped {
				close(w.ch)
			}
			s.mu.Unlock()
			return
		}
		ev := w.backlog[0]
		s.mu.Unlock()
		timer.Reset(s.cfg.WatchBlockedTimeout)
		select {
		case w.ch <- ev:
			s.mu.Lock()
			if !w.stopped {
				w.backlog[0] = watch.Event{}
				w.backlog = w.backlog[1:]
			}
			s.mu.Unlock()
		case <-w.done:
		case <-timer.C:
			s.mu.Lock()
			unresponsive := !w.stopped
			w.stopLocked()
			s.mu.Unlock()
			if unresponsive {
				s.log.append(Entry{Time: time.Now(), Request: w.req,
					Fault: fmt.Sprintf("the watch was closed: its client took no event for %v (%d waiting)", s.cfg.WatchBlockedTimeout, len(w.ch)+1)}, false)
			}
		}
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
		w.sendFinal(watch.Event{Type: watch.Error, Object: streamDecodingError(ctx.Err())})
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
