package resourcemanager

import (
	"context"
	"sync"
	"time"
)

// loop is the resource manager's main thread: one goroutine runs every task posted to
// it, one at a time, and only that goroutine touches the resource manager's state
// (reference §4: a single-writer event loop). Kubernetes calls and calls to
// TaskManagers run on goroutines started with async, which post their results back.
//
// The queue is unbounded so that posting never blocks: the loop may post to itself,
// and a goroutine posting a watch event never waits for the loop.
type loop struct {
	mu      sync.Mutex
	queue   []func()
	wake    chan struct{} // capacity 1: "the queue is not empty"
	stopped bool
	closing chan struct{} // closed when the loop stops serving tasks
	done    chan struct{} // closed when the loop and its goroutines have stopped
	timers  map[*loopTimer]struct{}
	ctx     context.Context
	async   sync.WaitGroup
}

func newLoop() *loop {
	return &loop{wake: make(chan struct{}, 1), closing: make(chan struct{}), done: make(chan struct{}), timers: map[*loopTimer]struct{}{}}
}

// post queues f to run on the loop. It reports false when the loop has stopped; f
// then never runs. Tasks posted before the loop runs wait for it.
func (l *loop) post(f func()) bool {
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

// run executes tasks until ctx ends. Whatever is still queued then is dropped.
func (l *loop) run(ctx context.Context) {
	for {
		l.mu.Lock()
		tasks := l.queue
		l.queue = nil
		l.mu.Unlock()
		for _, t := range tasks {
			if ctx.Err() != nil {
				break
			}
			t()
		}
		if ctx.Err() != nil {
			return
		}
		select {
		case <-l.wake:
		case <-ctx.Done():
			return
		}
	}
}

// start records the context of the loop's lifetime; goroutines started with async get
// it.
func (l *loop) start(ctx context.Context) { l.ctx = ctx }

// stop refuses further tasks, stops the timers, waits for the async goroutines (whose
// context has ended) and marks the loop done. Called by the loop goroutine after run.
func (l *loop) stop() {
	l.mu.Lock()
	l.stopped = true
	l.queue = nil
	timers := l.timers
	l.timers = map[*loopTimer]struct{}{}
	l.mu.Unlock()
	close(l.closing)
	for t := range timers {
		t.timer.Stop()
	}
	l.async.Wait()
	close(l.done)
}

// goAsync runs f on a goroutine of its own, off the loop, with the loop's context.
// stop waits for it.
func (l *loop) goAsync(f func(ctx context.Context)) {
	l.async.Add(1)
	go func() {
		defer l.async.Done()
		f(l.ctx)
	}()
}

// loopTimer runs a task on the loop after a delay unless cancelled first. Cancel must
// be called on the loop, which is what makes it race-free: a timer that fired but
// whose task has not run yet is still cancelled.
type loopTimer struct {
	l         *loop
	timer     *time.Timer
	cancelled bool
}

// after runs f on the loop once d has passed.
func (l *loop) after(d time.Duration, f func()) *loopTimer {
	t := &loopTimer{l: l}
	l.mu.Lock()
	l.timers[t] = struct{}{}
	l.mu.Unlock()
	t.timer = time.AfterFunc(d, func() {
		l.post(func() {
			l.forget(t)
			if !t.cancelled {
				f()
			}
		})
	})
	return t
}

// Cancel prevents the task from running. Safe on a nil timer.
func (t *loopTimer) Cancel() {
	if t == nil || t.cancelled {
		return
	}
	t.cancelled = true
	t.timer.Stop()
	t.l.forget(t)
}

func (l *loop) forget(t *loopTimer) {
	l.mu.Lock()
	delete(l.timers, t)
	l.mu.Unlock()
}
