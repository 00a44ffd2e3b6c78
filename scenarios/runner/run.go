package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/colors"
)

// Scenario is the state of one scenario, as the runner needs it; the step library's
// World is one. The runner makes it inside the scenario's bubble, so whatever it
// starts runs on virtual time.
type Scenario interface {
	// Register binds the steps (and any hooks) to this scenario.
	Register(sc *godog.ScenarioContext)
	// Close stops everything the scenario started and waits for it to stop.
	Close(ctx context.Context) error
	// Report is what a person needs when the scenario failed: the seed, the event
	// trace, the state of the system under test.
	Report() string
}

// Tracer is a Scenario that keeps an event trace: what happened, stamped with the
// scenario's (virtual) time. The runner takes it into Result.Trace once the scenario
// ended, before Close, so that two runs with the same seed can be compared line by
// line (see FirstTraceDifference).
type Tracer interface {
	Trace() []string
}

// Suite is a step library as the runner sees it.
type Suite struct {
	// Name names the run in reports (the JUnit testsuites element).
	Name string
	// NewScenario makes the state of one scenario. Everything random in the scenario
	// must draw from seed, so that a rerun with the same seed repeats it.
	NewScenario func(seed int64) Scenario
}

// closeTimeout bounds Scenario.Close, in the bubble's virtual time, and
// realTimeCloseTimeout in real time (Options.RealTime).
const (
	closeTimeout         = 10 * time.Minute
	realTimeCloseTimeout = time.Minute
)

// Run runs every scenario found under o.Paths, each as a subtest of t named
// "<feature>/<scenario>" and each in its own testing/synctest bubble, so that time in
// a scenario is virtual and a goroutine a scenario leaves behind fails that scenario.
//
// A scenario that does not pass fails its subtest with the scenario's seed, a
// command that reruns just it with that seed, and its report. When all subtests are
// done, Run prints a summary to o.Output and writes the reports asked for.
//
// The returned Summary is complete when t has finished, subtests included: at once
// when scenarios run one at a time, after t's function returned when they run in
// parallel.
func Run(t *testing.T, suite Suite, o Options) *Summary {
	t.Helper()
	sum := &Summary{BaseSeed: o.BaseSeed}
	s, err := o.settle()
	if err != nil {
		t.Fatal(err)
	}
	if suite.NewScenario == nil {
		t.Fatal("runner: Suite.NewScenario is nil: the runner needs a way to make each scenario's state")
	}
	if suite.Name == "" {
		suite.Name = "features"
	}
	sum.RandomSeed = s.randomSeed
	if s.ShowStepDefinitions {
		showDefinitions(t, suite, s)
		return sum
	}
	scenarios, err := plan(s)
	if err != nil {
		t.Fatal(err)
	}
	sum.Planned = len(scenarios)
	where := strings.Join(s.Paths, ",")
	if len(scenarios) == 0 {
		if s.Tags != "" {
			t.Skipf("no scenario in %s matches -godog.tags %q", where, s.Tags)
		}
		t.Fatalf("no scenarios in %s: give feature files or folders with -godog.paths", where)
	}

	r := &run{
		suite:   suite,
		o:       s,
		sum:     sum,
		start:   time.Now(),
		sem:     make(chan struct{}, s.Concurrency),
		printer: &printer{w: output(s), stream: s.Concurrency == 1, style: resultStyle(s.stdoutFormats)},
	}
	seeds := fmt.Sprintf("seeds derived from base seed %d (-seed.base)", s.BaseSeed)
	if s.SeedSet {
		seeds = fmt.Sprintf("seed %d (-seed) for every scenario", s.Seed)
	}
	order := "file order"
	if s.randomSeed != 0 {
		order = fmt.Sprintf("random order (-godog.random=%d)", s.randomSeed)
	}
	r.printer.write("%s found in %s · %s · %s\n\n", plural(len(scenarios), "scenario"), where, seeds, order)

	t.Cleanup(func() { r.finish(t) })
	for i, p := range scenarios {
		t.Run(p.name, func(t *testing.T) { r.scenario(t, i, p) })
	}
	return sum
}

// run is one call of Run.
type run struct {
	suite   Suite
	o       settled
	printer *printer
	sem     chan struct{}
	failed  atomic.Bool
	start   time.Time

	mu  sync.Mutex
	sum *Summary
}

// scenario is the subtest of one scenario.
func (r *run) scenario(t *testing.T, order int, p *planned) {
	if r.o.Concurrency > 1 {
		t.Parallel()
		r.sem <- struct{}{}
		defer func() { <-r.sem }()
	}
	res := &Result{
		Name: p.name, TestName: t.Name(), Feature: p.feature, Scenario: p.scenario,
		URI: p.uri, Line: p.line, Tags: p.tags, Seed: p.seed, order: order, rowIndex: p.rowIndex,
	}
	res.Rerun = r.o.RerunCommand + " " + shellQuote(runPattern(t.Name())) + r.o.rerunArgs(p.seed)
	if r.o.StopOnFailure && r.failed.Load() {
		res.Status = Skipped
		r.record(res)
		t.Skip("an earlier scenario failed (-godog.stop-on-failure)")
	}
	r.execute(t, p, res)
	r.record(res)
	if !res.OK(r.o.Strict) {
		r.failed.Store(true)
		t.Error(res.Failure())
	}
}

func (r *run) record(res *Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sum.Results = append(r.sum.Results, res)
}

// execute runs one scenario in its bubble and fills in its result.
func (r *run) execute(t *testing.T, p *planned, res *Result) {
	sess := r.printer.newSession(p, r.o)
	defer sess.close()
	var oc outcome
	start := time.Now()
	var stray string
	if r.o.RealTime {
		r.inBubble(t, p, sess, &oc)
	} else {
		stray = runBubble(t, func(t *testing.T) { r.inBubble(t, p, sess, &oc) })
	}
	res.WallTime = time.Since(start)
	oc.fill(res)
	if stray != "" {
		res.Status = Failed
		res.runnerErr = joinLines(res.runnerErr, stray)
		res.Err = joinLines(res.Err, stray)
	}
	sess.mu.Lock()
	res.junit, res.cucumber = slices.Clone(sess.junit.Bytes()), slices.Clone(sess.cucumber.Bytes())
	sess.mu.Unlock()
	sess.finish(res)
}

// inBubble is one scenario, inside its bubble (or, with Options.RealTime, on the
// subtest's goroutine): make its state, let godog run its single pickle, take its
// trace, and its report if it failed, close it.
func (r *run) inBubble(t *testing.T, p *planned, sess *session, oc *outcome) {
	start := time.Now()
	sc := r.suite.NewScenario(p.seed)
	var ran []string
	suite := godog.TestSuite{
		Name: sess.suite,
		ScenarioInitializer: func(ctx *godog.ScenarioContext) {
			ctx.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
				ran = append(ran, s.Name)
				return ctx, nil
			})
			sc.Register(ctx)
			ctx.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
				if status == godog.StepUndefined {
					hint := undefinedHint(st.Text, sc)
					sess.addHint(hint)
					err = fmt.Errorf("%w\n%s", godog.ErrUndefined, hint)
				}
				oc.stepDone(st.Text, status, err)
				return ctx, nil
			})
		},
		Options: &godog.Options{
			Format:          sess.format,
			Output:          sess,
			NoColors:        !r.o.colors,
			Strict:          r.o.Strict,
			FeatureContents: []godog.Feature{{Name: p.uri, Contents: p.content}},
			DefaultContext:  t.Context(),
		},
	}
	code := suite.Run()
	oc.ran(code, ran, p, time.Since(start))
	if tr, ok := sc.(Tracer); ok {
		oc.setTrace(tr.Trace())
	}
	if oc.bad() {
		oc.setReport(sc.Report())
	}
	timeout := closeTimeout
	if r.o.RealTime {
		timeout = realTimeCloseTimeout
	}
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	if err := sc.Close(ctx); err != nil {
		oc.closeFailed(err, timeout, sc.Report)
	}
}

// outcome collects, under a lock, what happens in the bubble: the bubble's goroutine
// writes it, the subtest's goroutine reads it after the bubble ended or deadlocked.
type outcome struct {
	mu        sync.Mutex
	status    Status
	blame     string // the step to blame
	err       string
	runnerErr string // what failed outside any step
	steps     int
	report    string
	trace     []string
	sim       time.Duration
}

// step records a step's result; the first step that failed, or else the first that is
// undefined or pending, is the one to blame.
func (o *outcome) stepDone(text string, status godog.StepResultStatus, err error) {
	if status == godog.StepSkipped {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.steps++
	var s Status
	switch status {
	case godog.StepFailed, godog.StepAmbiguous:
		s = Failed
	case godog.StepUndefined:
		s = Undefined
	case godog.StepPending:
		s = Pending
	default:
		return
	}
	if o.status == Failed || (o.status != "" && s != Failed) {
		return
	}
	o.status, o.blame = s, text
	o.err = ""
	if err != nil {
		o.err = err.Error()
	}
}

// ran settles the status from godog's exit code once the scenario ran.
func (o *outcome) ran(code int, ran []string, p *planned, sim time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sim = sim
	switch {
	case len(ran) != 1:
		o.status, o.blame = Failed, ""
		o.err = fmt.Sprintf("runner: godog ran %d scenarios %q for the one scenario %q (exit code %d)", len(ran), ran, p.pickle.Name, code)
		o.runnerErr = o.err
	case code == 0 && o.status == "":
		o.status = Passed
	case code == 0:
		// Undefined or pending steps in a lenient run.
	case o.status == "":
		o.status = Failed
		o.err = fmt.Sprintf("godog failed the scenario (exit code %d) though no step failed: a hook failed, or the scenario has no steps", code)
		o.runnerErr = o.err
	}
}

func (o *outcome) bad() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.status != Passed
}

func (o *outcome) setTrace(trace []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.trace = trace
}

func (o *outcome) setReport(report string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.report = report
}

// closeFailed fails the scenario whose state did not close cleanly.
func (o *outcome) closeFailed(err error, timeout time.Duration, report func() string) {
	msg := fmt.Sprintf("closing the scenario: %v", err)
	if errors.Is(err, context.DeadlineExceeded) {
		msg = fmt.Sprintf("closing the scenario did not finish within %s: %v", timeout, err)
	}
	o.mu.Lock()
	needReport := o.report == ""
	o.mu.Unlock()
	var rep string
	if needReport {
		rep = report()
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if needReport {
		o.report = rep
	}
	o.runnerErr = joinLines(o.runnerErr, msg)
	if o.status == Passed || o.status == "" {
		o.status, o.blame, o.err = Failed, "", msg
		return
	}
	o.err = joinLines(o.err, msg)
}

// joinLines joins messages line by line, leaving out empty ones.
func joinLines(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n" + b
}

func (o *outcome) fill(res *Result) {
	o.mu.Lock()
	defer o.mu.Unlock()
	res.Status, res.Step, res.Err, res.Steps, res.Report, res.Trace, res.SimulatedTime, res.runnerErr =
		o.status, o.blame, o.err, o.steps, o.report, o.trace, o.sim, o.runnerErr
	if res.Status == "" {
		// The bubble deadlocked before godog returned.
		res.Status = Failed
	}
}

// finish runs when every scenario is done: it prints the summary and writes the
// reports.
func (r *run) finish(t *testing.T) {
	r.mu.Lock()
	sum := r.sum
	sum.WallTime = time.Since(r.start)
	slices.SortFunc(sum.Results, func(a, b *Result) int { return a.order - b.order })
	r.mu.Unlock()

	r.printer.write("%s", r.summaryText(sum))
	for _, rep := range r.o.reports {
		var data []byte
		var err error
		switch rep.kind {
		case "junit":
			data, err = mergeJUnit(r.suite.Name, sum)
		case "cucumber":
			data, err = mergeCucumber(sum)
		}
		if err != nil {
			t.Errorf("runner: merging the %s report: %v", rep.kind, err)
			continue
		}
		if rep.path == "" {
			r.printer.write("%s\n", data)
			continue
		}
		if err := os.WriteFile(rep.path, data, 0o644); err != nil {
			t.Errorf("runner: writing the %s report: %v", rep.kind, err)
			continue
		}
		r.printer.write("%s report: %s\n", rep.kind, rep.path)
	}
}

func (r *run) summaryText(sum *Summary) string {
	var counts []string
	for _, st := range []Status{Passed, Failed, Undefined, Pending, Skipped} {
		if n := sum.Count(st); n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, st))
		}
	}
	if len(counts) == 0 {
		counts = append(counts, "none selected by -run")
	}
	steps := 0
	for _, res := range sum.Results {
		steps += res.Steps
	}
	var b strings.Builder
	seed := fmt.Sprintf("base seed %d", sum.BaseSeed)
	if r.o.SeedSet {
		seed = fmt.Sprintf("seed %d", r.o.Seed)
	}
	fmt.Fprintf(&b, "%s (%s) · %s · simulated %s · wall %s · %s",
		plural(len(sum.Results), "scenario"), strings.Join(counts, ", "), plural(steps, "step"), sum.SimulatedTime(),
		sum.WallTime.Round(time.Millisecond), seed)
	if sum.RandomSeed != 0 {
		fmt.Fprintf(&b, " · random order %d", sum.RandomSeed)
	}
	b.WriteString("\n")
	var failed []*Result
	for _, res := range sum.Results {
		if !res.OK(r.o.Strict) {
			failed = append(failed, res)
		}
	}
	if len(failed) > 0 {
		b.WriteString(colors.Red("Failed scenarios:") + "\n")
		for _, res := range failed {
			fmt.Fprintf(&b, "    %s (%s, %s, seed %d)\n        %s\n", res.Name, res.Location(), res.Status, res.Seed, res.Rerun)
		}
	}
	return b.String()
}

// resultStyle is the formatter whose style the runner's result lines follow.
func resultStyle(formats []string) string {
	for _, f := range formats {
		if f == "pretty" || f == "progress" {
			return f
		}
	}
	return ""
}

// output is Output, without colours unless they are on.
func output(o settled) io.Writer {
	if o.colors {
		return o.Output
	}
	return colors.Uncolored(o.Output)
}

// showDefinitions prints the suite's step definitions, as godog -d does.
func showDefinitions(t *testing.T, suite Suite, o settled) {
	out := output(o)
	synctest.Test(t, func(t *testing.T) {
		sc := suite.NewScenario(0)
		godog.TestSuite{
			ScenarioInitializer: sc.Register,
			Options:             &godog.Options{Format: "pretty", ShowStepDefinitions: true, Output: out},
		}.Run()
		if err := sc.Close(t.Context()); err != nil {
			t.Errorf("closing the scenario: %v", err)
		}
	})
}

// plural counts things: "1 scenario", "2 scenarios".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}
