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
