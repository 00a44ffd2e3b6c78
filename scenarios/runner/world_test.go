package runner

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cucumber/godog"
)

// testWorld is a step library for the runner's own tests: steps that pass, fail, wait
// on virtual time, draw from the scenario's seed, and leave a goroutine behind.
type testWorld struct {
	seed  int64
	rand  *rand.Rand
	log   *testLog
	entry *logEntry
	never chan struct{}
	trace []string
}

// changingValue is what the step that spoils determinism traces: a different value
// at each call, as a trace that depends on goroutine scheduling would be.
var changingValue atomic.Int64

// testLog is what the scenarios of one run did, one entry per scenario started.
type testLog struct {
	mu      sync.Mutex
	entries []*logEntry
}

type logEntry struct {
	scenario string
	bubble   int64
	seed     int64
	notes    []string
	draws    []int
	start    time.Time
	took     time.Duration
}

func (l *testLog) byScenario() map[string][]*logEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := map[string][]*logEntry{}
	for _, e := range l.entries {
		m[e.scenario] = append(m[e.scenario], e)
	}
	return m
}

// testSuite is a Suite over testWorld; log may be nil.
func testSuite(log *testLog) Suite {
	if log == nil {
		log = &testLog{}
	}
	return Suite{Name: "runner tests", NewScenario: func(seed int64) Scenario {
		return &testWorld{seed: seed, rand: rand.New(rand.NewPCG(uint64(seed), 1)), log: log}
	}}
}

func (w *testWorld) Register(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		w.entry = &logEntry{scenario: s.Name, bubble: currentBubble(), seed: w.seed, start: time.Now()}
		w.log.mu.Lock()
		w.log.entries = append(w.log.entries, w.entry)
		w.log.mu.Unlock()
		return ctx, nil
	})
	sc.After(func(ctx context.Context, s *godog.Scenario, err error) (context.Context, error) {
		w.log.mu.Lock()
		w.entry.took = time.Since(w.entry.start)
		w.log.mu.Unlock()
		return ctx, nil
	})
	sc.StepContext().Before(func(ctx context.Context, st *godog.Step) (context.Context, error) {
		w.tracef("step: %s", st.Text)
		return ctx, nil
	})
	sc.Step(`^a step passes$`, func() {})
	sc.Step(`^the trace records something that changes from run to run$`, func() {
		w.tracef("changing value %d", changingValue.Add(1))
	})
	sc.Step(`^a step is pending$`, func() error { return godog.ErrPending })
	sc.Step(`^(\d+) hours? of simulated time pass(?:es)?$`, func(h int) { time.Sleep(time.Duration(h) * time.Hour) })
	sc.Step(`^the scenario notes "([^"]*)"$`, func(note string) {
		w.log.mu.Lock()
		defer w.log.mu.Unlock()
		w.entry.notes = append(w.entry.notes, note)
		w.tracef("note %q", note)
	})
	sc.Step(`^(\d+) random numbers are drawn$`, func(n int) {
		w.log.mu.Lock()
		defer w.log.mu.Unlock()
		for range n {
			w.entry.draws = append(w.entry.draws, w.rand.IntN(1_000_000))
		}
		w.tracef("drew %v", w.entry.draws)
	})
	sc.Step(`^the scenario fails$`, func() error {
		return fmt.Errorf("failing on purpose after drawing %v", w.entry.draws)
	})
	sc.Step(`^the scenario waits for nothing$`, func() { <-make(chan struct{}) })
	sc.Step(`^a goroutine is left running$`, func() {
		w.never = make(chan struct{})
		go leakUntilClosed(w.never)
	})
}

// leakUntilClosed is the goroutine a leaking scenario forgets to stop.
func leakUntilClosed(never chan struct{}) { <-never }

func (w *testWorld) Close(context.Context) error { return nil }

// tracef records a trace line stamped with the scenario's clock.
func (w *testWorld) tracef(format string, args ...any) {
	w.trace = append(w.trace, time.Now().UTC().Format("15:04:05.000 ")+fmt.Sprintf(format, args...))
}

func (w *testWorld) Trace() []string { return w.trace }

func (w *testWorld) Report() string {
	draws := "none"
	if w.entry != nil && len(w.entry.draws) > 0 {
		draws = fmt.Sprint(w.entry.draws)
	}
	return "test world: seed " + strconv.FormatInt(w.seed, 10) + ", draws " + draws
}
