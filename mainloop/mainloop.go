// Package mainloop is the "main thread" of a Flink component: one goroutine runs every
// task posted to it, one at a time, and only that goroutine touches the component's
// state; remote calls run on goroutines of their own (Go) and post their results
// back; timers post their task when they fire (After). Flink's RpcEndpoint main thread
// works the same way; the resource manager, the JobMasters, the HA process and the
// TaskExecutors each run on one.
//
// The queue is unbounded, so posting never blocks: the loop may post to itself and a
// network handler never waits for a busy loop to accept its message.
package mainloop

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrStopped: the loop does not run (any more).
var ErrStopped = errors.New("the component has stopped")

// Loop is a main thread. Make it with New, run it with Run.
type Loop struct {
	mu      sync.Mutex
	queue   []func()
	wake    chan struct{}
	stopped bool
	closing chan struct{}
	done    chan struct{}
	timers  map[*Timer]struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	async   sync.WaitGroup
}

// New makes a loop; tasks posted before Run wait for it.
func New() *Loop {
	ctx, cancel := context.WithCancel(context.Background())
	return &Loop{wake: make(chan struct{}, 1), closing: make(chan struct{}), done: make(chan struct{}), timers: map[*Timer]struct{}{}, ctx: ctx, cancel: cancel}
}

// Run executes tasks until ctx ends or Stop is called — a task still queued then never
// runs — and then refuses new tasks, stops the timers, cancels the context of the
// goroutines started with Go and waits for them. A loop stopped before Run runs no
// task: Run only does the shutdown.
func (l *Loop) Run(ctx context.Context) {
	defer l.stop()
	ended := func() bool { return ctx.Err() != nil || l.ctx.Err() != nil }
	if ended() {
		return
	}
	// The goroutines started with Go learn at once that ctx ended, even while a task
	// runs.
	defer context.AfterFunc(ctx, l.cancel)()
	for {
		l.mu.Lock()
		tasks := l.queue
		l.queue = nil
		l.mu.Unlock()
		for _, t := range tasks {
			if ended() {
				return
			}
			t()
		}
		select {
		case <-l.wake:
		case <-ctx.Done():
			return
		case <-l.ctx.Done():
			return
		}
	}
}

// Stop ends Run as if its context had ended (callable from the loop itself).
func (l *Loop) Stop() { l.cancel() }

// Context is the loop's lifetime: it ends when Run stops.
func (l *Loop) Context() context.Context { return l.ctx }

// Closing is closed once the loop stopped serving tasks.
func (l *Loop) Closing() <-chan struct{} { return l.closing }

// Done is closed once Run has finished its shutdown: the loop stopped serving tasks,
// its timers are stopped and every goroutine started with Go has returned.
func (l *Loop) Done() <-chan struct{} { return l.done }

func (l *Loop) stop() {
	l.cancel()
	l.mu.Lock()
	l.stopped = true
	l.queue = nil
	timers := l.timers
	l.timers = map[*Timer]struct{}{}
	l.mu.Unlock()
	close(l.closing)
	for t := range timers {
		t.timer.Stop()
	}
	l.async.Wait()
	close(l.done)
}

// Post queues f; false when the loop has stopped (f never runs).
func (l *Loop) Post(f func()) bool {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return false
	}
	l.queue = append(l.queue, f)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return true
}

// Call runs f on the loop and waits for it: ErrStopped when the loop stopped first,
// ctx's error when ctx ended first (f may still run).
func (l *Loop) Call(ctx context.Context, f func()) error {
	done := make(chan struct{})
	if !l.Post(func() { f(); close(done) }) {
		return ErrStopped
	}
	select {
	case <-done:
		return nil
	case <-l.closing:
		select {
		case <-done:
			return nil
		default:
			return ErrStopped
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Do runs f on the loop and returns its result (see Call).
func Do[T any](ctx context.Context, l *Loop, f func() (T, error)) (T, error) {
	var v T
	var err error
	if cerr := l.Call(ctx, func() { v, err = f() }); cerr != nil {
		var zero T
		return zero, cerr
	}
	return v, err
}

// Go runs f off the loop with the loop's context; Run waits for it before returning.
// After the loop stopped, f is not started.
func (l *Loop) Go(f func(ctx context.Context)) {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return
	}
	l.async.Add(1)
	l.mu.Unlock()
	go func() {
		defer l.async.Done()
		f(l.ctx)
	}()
}

// Timer runs a task on the loop after a delay unless cancelled first.
type Timer struct {
	l         *Loop
	timer     *time.Timer
	cancelled bool
}

// After runs f on the loop once d has passed. Cancel the timer on the loop.
func (l *Loop) After(d time.Duration, f func()) *Timer {
	t := &Timer{l: l}
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		t.cancelled = true
		return t
	}
	l.timers[t] = struct{}{}
	t.timer = time.AfterFunc(d, func() {
		l.Post(func() {
			l.forget(t)
			if !t.cancelled {
				f()
			}
		})
	})
	l.mu.Unlock()
	return t
}

// Cancel prevents the task from running; call it on the loop. Safe on nil.
func (t *Timer) Cancel() {
	if t == nil || t.cancelled {
		return
	}
	t.cancelled = true
	if t.timer != nil {
		t.timer.Stop()
	}
	t.l.forget(t)
}

func (l *Loop) forget(t *Timer) {
	l.mu.Lock()
	delete(l.timers, t)
	l.mu.Unlock()
}
