package apiserver

import (
	"context"
	"sync"

	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// Link is the network path between a client and the server (flinksim/sim/network's
// Route is one). While it is cut, the client's requests are held before they reach the
// server and its open watches deliver nothing, as when packets between them are dropped.
type Link interface {
	// Cut reports whether the path is cut now, and a channel closed at its next change.
	Cut() (bool, <-chan struct{})
}

// Address is where clients reach the server ("10.96.0.1:443": the kubernetes Service's
// address, the first of the service CIDR); a Link to it is a path to the server.
func (s *Server) Address() string { return s.addr.String() }

// ClientsetOver returns a client acting as user whose requests travel over link: while
// the link is cut, a request hangs until its context ends and then fails as client-go's
// does when the server does not answer (a *url.Error with the context's error, the
// request not served), and events of open watches are held (a watch's end too) until
// the link is whole again, when they arrive in order. A request has no other timeout
// than its context, as a client-go request of a rest.Config without Timeout.
func (s *Server) ClientsetOver(user string, link Link) kubernetes.Interface {
	return &clientset{Clientset: s.unservedClientset(user), server: s, user: user, link: link}
}

// PodClientsetOver is ClientsetOver for the processes of a pod: their requests carry
// the pod's name (Request.Pod), as those made with a pod-bound service-account token
// do, so that the request log tells which pod made each.
func (s *Server) PodClientsetOver(user, pod string, link Link) kubernetes.Interface {
	return &clientset{Clientset: s.unservedClientset(user), server: s, user: user, pod: pod, link: link}
}

// awaitLink blocks while the client's link is cut; it returns ctx's error if ctx ends
// first.
func (c *clientset) awaitLink(ctx context.Context) error {
	if c.link == nil {
		return nil
	}
	for {
		cut, changed := c.link.Cut()
		if !cut {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// linkWatch passes a watch's events on while the link is whole and holds them while it
// is cut.
type linkWatch struct {
	inner watch.Interface
	link  Link
	out   chan watch.Event
	stop  chan struct{}
	once  sync.Once
}

func newLinkWatch(inner watch.Interface, link Link) *linkWatch {
	w := &linkWatch{inner: inner, link: link, out: make(chan watch.Event), stop: make(chan struct{})}
	go w.run()
	return w
}

func (w *linkWatch) run() {
	defer close(w.out)
	defer w.inner.Stop()
	for {
		select {
		case <-w.stop:
			return
		case ev, ok := <-w.inner.ResultChan():
			// The end of the watch is news that crosses the link too.
			if !w.awaitLink() || !ok {
				return
			}
			select {
			case w.out <- ev:
			case <-w.stop:
				return
			}
		}
	}
}

// awaitLink blocks while the link is cut; false when the watch is stopped meanwhile.
func (w *linkWatch) awaitLink() bool {
	for {
		cut, changed := w.link.Cut()
		if !cut {
			return true
		}
		select {
		case <-changed:
		case <-w.stop:
			return false
		}
	}
}

func (w *linkWatch) Stop() { w.once.Do(func() { close(w.stop) }) }

func (w *linkWatch) ResultChan() <-chan watch.Event { return w.out }
