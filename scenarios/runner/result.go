package runner

import (
	"fmt"
	"strings"
	"time"

	"github.com/cucumber/godog/colors"
)

// Status is how a scenario ended.
type Status string

// Scenario outcomes. Undefined and pending fail the run in strict mode.
const (
	Passed    Status = "passed"
	Failed    Status = "failed"
	Undefined Status = "undefined"
	Pending   Status = "pending"
	Skipped   Status = "skipped" // not run: -godog.stop-on-failure after an earlier failure
)

// Result is what one scenario did.
type Result struct {
	// Name is "<feature>/<scenario>", the scenario's subtest name under the test that
	// ran the suite; TestName is the subtest's full name as go test prints it.
	Name     string
	TestName string
	Feature  string
	Scenario string
	URI      string // the feature file
	Line     int64  // the scenario's line, or its Examples row's line
	Tags     []string
	Seed     int64

	Status Status
	// Step is the step that failed or is undefined or pending, if one is to blame.
	Step string
	// Err says what went wrong; empty when the scenario passed.
	Err string
	// Report is the scenario's own account of itself (Scenario.Report), taken when it
	// failed.
	Report string
	// Rerun is the one-line command that reruns just this scenario with this seed.
	Rerun string
	// Trace is the scenario's event trace, when its state is a Tracer.
	Trace []string

	// SimulatedTime is how long the scenario took on its bubble's virtual clock;
	// WallTime is how long it took for real.
	SimulatedTime time.Duration
	WallTime      time.Duration
	// Steps counts the steps that ran, passed or not.
	Steps int

	junit, cucumber []byte // godog's reports of this one scenario
	order           int    // index in the run's plan
	rowIndex        int    // index of an outline row in its Examples table, else -1
	runnerErr       string // what failed outside any step: stray goroutines, Close, a hook
}

// OK reports whether the scenario counts as passed. Undefined and pending steps do
// not pass in strict mode.
func (r *Result) OK(strict bool) bool {
	switch r.Status {
	case Passed, Skipped:
		return true
	case Undefined, Pending:
		return !strict
	}
	return false
}

// Location is "file:line".
func (r *Result) Location() string { return fmt.Sprintf("%s:%d", r.URI, r.Line) }

// Failure is what a person reads when the scenario did not pass: what failed, the
// seed, the command that reruns it, and the scenario's report.
func (r *Result) Failure() string {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %q (%s) %s", r.Name, r.Location(), r.Status)
	if r.Step != "" {
		fmt.Fprintf(&b, " at step %q", r.Step)
	}
	if r.Err != "" {
		fmt.Fprintf(&b, ":\n%s", indent(r.Err, "    "))
	}
	fmt.Fprintf(&b, "\nseed: %d\nrerun: %s\n", r.Seed, r.Rerun)
	if strings.TrimSpace(r.Report) != "" {
		fmt.Fprintf(&b, "report:\n%s\n", indent(strings.TrimRight(r.Report, "\n"), "    "))
	}
	return b.String()
}

// line is the result line the pretty output prints under a scenario.
func (r *Result) line() string {
	status := string(r.Status)
	switch r.Status {
	case Passed:
		status = colors.Green(status)
	case Skipped:
		status = colors.Cyan(status)
	default:
		status = colors.Red(strings.ToUpper(status))
	}
	what := ""
	if r.Status != Passed && r.Status != Skipped {
		what = fmt.Sprintf(" %s (%s)", r.Name, r.Location())
	}
	s := fmt.Sprintf("    %s%s · simulated %s · wall %s · seed %d\n",
		status, what, r.SimulatedTime, r.WallTime.Round(time.Millisecond), r.Seed)
	if what != "" {
		s += "    rerun: " + r.Rerun + "\n"
	}
	return s
}

// shortLine is the result line that follows a scenario's progress characters.
func (r *Result) shortLine() string {
	s := fmt.Sprintf(" %s %s", r.Status, r.Name)
	if r.Status != Passed && r.Status != Skipped {
		s = fmt.Sprintf(" %s %s (%s, seed %d)", colors.Red(strings.ToUpper(string(r.Status))), r.Name, r.Location(), r.Seed)
	}
	return s + "\n"
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// Summary is a whole run: every scenario that ran (or was skipped), in plan order.
// Run returns it at once; it is complete when the test that called Run has finished,
// subtests included.
type Summary struct {
	BaseSeed   int64
	RandomSeed int64 // 0 when the order was the files' order
	Planned    int   // scenarios found; -run may have selected fewer
	Results    []*Result
	WallTime   time.Duration
}

// Count returns how many scenarios ended with the given status.
func (s *Summary) Count(status Status) int {
	n := 0
	for _, r := range s.Results {
		if r.Status == status {
			n++
		}
	}
	return n
}

// SimulatedTime is the virtual time of all scenarios together.
func (s *Summary) SimulatedTime() time.Duration {
	var d time.Duration
	for _, r := range s.Results {
		d += r.SimulatedTime
	}
	return d
}

// Result returns the result of the scenario with this name ("<feature>/<scenario>"),
// or nil.
func (s *Summary) Result(name string) *Result {
	for _, r := range s.Results {
		if r.Name == name {
			return r
		}
	}
	return nil
}
