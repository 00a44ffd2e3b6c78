package scenarios

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"time"
)

// traceLog is a scenario's event trace: the steps, what the steps did, and the
// cluster history the observer saw (observe.go), stamped with the scenario's time.
//
// Two runs with the same seed must give the same trace, yet the observer's informers
// deliver events on goroutines of their own, so the order of two things that happen
// at the same instant depends on scheduling. The trace therefore is kept in segments
// that end at quiescent points — before each step and at the end, after
// synctest.Wait, when every goroutine of the scenario is blocked and everything that
// happened has been delivered — and a segment's lines are sorted when it is sealed:
// by time, then the step's own lines in the order it wrote them, then the observed
// lines of that instant by their text.
type traceLog struct {
	start time.Time

	mu      sync.Mutex
	sealed  []string
	pending []traceEntry
	seq     int
	frozen  bool
}

type traceEntry struct {
	at       time.Duration // since the scenario started
	observed bool          // seen by the observer, not written by a step
	seq      int
	text     string
}

func newTraceLog(start time.Time) *traceLog { return &traceLog{start: start} }

// add records a line at the current time. Lines after freeze are dropped: they would
// belong to the scenario's shutdown, whose timing is not the scenario's.
func (t *traceLog) add(observed bool, text string) {
	at := time.Since(t.start)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.frozen {
		return
	}
	t.seq++
	t.pending = append(t.pending, traceEntry{at: at, observed: observed, seq: t.seq, text: text})
}

// seal ends the current segment: its lines, in their canonical order, join the trace.
// Call it only where the scenario is quiescent (see traceLog).
func (t *traceLog) seal() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sealLocked()
}

func (t *traceLog) sealLocked() {
	slices.SortFunc(t.pending, func(a, b traceEntry) int {
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		if a.observed != b.observed {
			if a.observed {
				return 1
			}
			return -1
		}
		if a.observed {
			if c := cmp.Compare(a.text, b.text); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.seq, b.seq)
	})
	for _, e := range t.pending {
		t.sealed = append(t.sealed, formatElapsed(e.at)+" "+e.text)
	}
	t.pending = t.pending[:0]
}

// freeze seals the last segment and stops recording.
func (t *traceLog) freeze() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sealLocked()
	t.frozen = true
}

// lines returns the sealed trace and, in their canonical order, the lines of the
// segment still open (a report of a scenario that failed midway wants those too).
func (t *traceLog) lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := slices.Clone(t.sealed)
	if len(t.pending) > 0 {
		open := &traceLog{pending: slices.Clone(t.pending)}
		open.sealLocked()
		out = append(out, open.sealed...)
	}
	return out
}

// formatElapsed writes a time since the scenario started as hh:mm:ss.mmm.
func formatElapsed(d time.Duration) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3_600_000, ms/60_000%60, ms/1000%60, ms%1000)
}
