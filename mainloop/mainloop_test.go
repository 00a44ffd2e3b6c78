package mainloop

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); l.Run(ctx) }()
		var order []string
		if err := l.Call(ctx, func() { order = append(order, "call") }); err != nil {
			t.Fatal(err)
		}
		fired := l.After(time.Second, func() { order = append(order, "timer") })
		cancelled := l.After(time.Second, func() { order = append(order, "cancelled") })
		_ = l.Call(ctx, func() { cancelled.Cancel() })
		_ = fired
		time.Sleep(2 * time.Second)
		v, err := Do(ctx, l, func() (int, error) { return len(order), nil })
		if err != nil || v != 2 {
			t.Fatalf("order %v (%v)", order, err)
		}
		l.Go(func(ctx context.Context) { <-ctx.Done() })
		cancel()
		<-done
		if l.Post(func() {}) {
			t.Fatal("posted to a stopped loop")
		}
		if err := l.Call(context.Background(), func() {}); !errors.Is(err, ErrStopped) {
			t.Fatalf("call on a stopped loop: %v", err)
		}
	})
}

// Done is closed only once the loop stopped and every goroutine started with Go
// returned, even one that outlives the loop's context.
func TestDoneWaitsForGoroutines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New()
		ctx, cancel := context.WithCancel(context.Background())
		returned := make(chan struct{})
		go func() { defer close(returned); l.Run(ctx) }()
		release := make(chan struct{})
		l.Go(func(ctx context.Context) {
			<-ctx.Done()
			<-release // still busy after the loop's context ended
		})
		synctest.Wait()
		if isClosed(l.Done()) || isClosed(l.Closing()) {
			t.Fatal("Done or Closing closed while the loop runs")
		}
		cancel()
		synctest.Wait()
		if !isClosed(l.Closing()) {
			t.Fatal("Closing still open after the loop's context ended")
		}
		if isClosed(l.Done()) || isClosed(returned) {
			t.Fatal("Done closed (or Run returned) while a goroutine of the loop still runs")
		}
		close(release)
		synctest.Wait()
		if !isClosed(l.Done()) || !isClosed(returned) {
			t.Fatal("Done still open (or Run still running) after the goroutines returned")
		}
	})
}

// Run stops at once when its context ends: a task still queued then never runs, also
// one queued before ctx ended.
func TestRunDropsTasksQueuedWhenContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New()
		ctx, cancel := context.WithCancel(context.Background())
		ran := 0
		l.Post(cancel)
		for range 100 {
			l.Post(func() { ran++ })
		}
		l.Run(ctx)
		if ran != 0 {
			t.Fatalf("%d tasks ran after the context ended", ran)
		}
		if !isClosed(l.Done()) {
			t.Fatal("Done still open after Run returned")
		}
	})
}

// A loop stopped before Run runs no task; Run only shuts it down, ending the context
// of the goroutines started before it.
func TestStopBeforeRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New()
		l.Go(func(ctx context.Context) { <-ctx.Done() })
		ran := false
		l.Post(func() { ran = true })
		timer := l.After(time.Second, func() { ran = true })
		l.Stop()
		l.Run(context.Background())
		time.Sleep(2 * time.Second)
		if ran {
			t.Fatal("a task ran on a loop stopped before Run")
		}
		if !isClosed(l.Done()) || l.Post(func() {}) {
			t.Fatal("the loop did not shut down")
		}
		timer.Cancel()
	})
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
