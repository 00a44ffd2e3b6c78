package jobmanager

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"

	"flinksim/resourcemanager"
)

// A job that ends right after it asked for slots: its declarations must reach the
// resource manager in the order made, or the resource manager keeps the job's slots
// (and TaskManager pods) for a job that is gone.
func TestJobMasterDeclaresRequirementsInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var got []int
		first := make(chan struct{})
		svc := jobMasterServices{
			log:   slog.New(slog.DiscardHandler),
			newID: func() string { return "0123456789abcdef0123456789abcdef" },
			declare: func(_ context.Context, req resourcemanager.JobRequirements) error {
				if req.Slots == 4 {
					<-first // the first declaration is slow to reach the resource manager
				}
				mu.Lock()
				defer mu.Unlock()
				got = append(got, req.Slots)
				return nil
			},
		}
		m := newJobMaster(svc, &jobGraph{id: "job", slots: 4}, nil)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); m.loop.Run(ctx) }()
		if err := m.loop.Call(ctx, func() { m.declare(4); m.declare(0) }); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		close(first)
		synctest.Wait()
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(got, []int{4, 0}) {
			t.Fatalf("the resource manager got the declarations %v, want [4 0]: the job's last word is that it needs none", got)
		}
	})
}
