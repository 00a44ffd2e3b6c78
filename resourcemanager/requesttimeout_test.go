package resourcemanager

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"flinksim/sim/faults"
)

// A JobManager whose requests the API server does not answer (a cut network) sees its
// pod watch set-up and its recovery list fail after the request timeout, as fabric8's
// do, rather than waiting for ever: the watch is retried with back-off and, when the
// retries run out, the resource manager fails (reference §4.1 step 1).
func TestUnansweredRequestsTimeOut(t *testing.T) {
	t.Run("the pod watch", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			start := time.Now()
			h := newDriverHarness(t, harnessOptions{beforeInit: func(h *driverHarness) {
				h.cluster.Server().AddFault(faults.Latency(faults.Match{Verb: "watch", Resource: "pods"}, 24*time.Hour))
			}})
			defer h.stop()
			if h.initErr == nil || !errors.Is(h.initErr, context.DeadlineExceeded) || !strings.Contains(h.initErr.Error(), "after 15 retries") {
				t.Fatalf("initialize: %v, want the watch to fail after 15 retries of 10 s each", h.initErr)
			}
			// 16 attempts of 10 s, and the back-off between them: 50 ms doubling, at most a minute.
			if took, want := time.Since(start), 16*10*time.Second+(50*time.Millisecond)*(1<<11-1)+4*time.Minute; took != want {
				t.Errorf("gave up after %v, want %v", took, want)
			}
		})
	})
	t.Run("the recovery list", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{beforeInit: func(h *driverHarness) {
				h.cluster.Server().AddFault(faults.Latency(faults.Match{Verb: "list", Resource: "pods"}, 24*time.Hour))
			}})
			defer h.stop()
			if h.initErr == nil || !errors.Is(h.initErr, context.DeadlineExceeded) || !strings.Contains(h.initErr.Error(), "previous attempts") {
				t.Fatalf("initialize: %v, want the recovery list to time out", h.initErr)
			}
		})
	})
	t.Run("a slow answer within the timeout", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newDriverHarness(t, harnessOptions{beforeInit: func(h *driverHarness) {
				h.cluster.Server().AddFault(faults.Latency(faults.Match{Verb: "watch", Resource: "pods"}, 9*time.Second))
			}})
			defer h.stop()
			h.mustInit()
			w := h.waitCompleted(h.request())
			if w.ID != "my-flink-taskmanager-1-1" {
				t.Fatalf("worker %q, want my-flink-taskmanager-1-1", w.ID)
			}
		})
	})
}
