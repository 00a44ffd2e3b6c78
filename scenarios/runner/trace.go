package runner

import (
	"fmt"
	"strings"
)

// FirstTraceDifference compares the traces of two runs of the same scenarios (see
// Tracer), scenario by scenario in the first run's order, and describes the first
// place where they differ: the scenario, the line number and both lines, with the
// lines before it for context. It returns "" when every scenario of the first run
// left the same trace in the second. Scenarios that ran in only one of the runs are a
// difference too.
func FirstTraceDifference(first, second *Summary) string {
	for _, a := range first.Results {
		b := second.Result(a.Name)
		if b == nil {
			return fmt.Sprintf("scenario %q (%s) ran only in the first run", a.Name, a.Location())
		}
		if d := traceDifference(a.Trace, b.Trace); d != "" {
			return fmt.Sprintf("scenario %q (%s, seeds %d and %d): %s", a.Name, a.Location(), a.Seed, b.Seed, d)
		}
	}
	for _, b := range second.Results {
		if first.Result(b.Name) == nil {
			return fmt.Sprintf("scenario %q (%s) ran only in the second run", b.Name, b.Location())
		}
	}
	return ""
}

// traceContext is how many equal lines before a difference are shown.
const traceContext = 3

func traceDifference(a, b []string) string {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	if i == n && len(a) == len(b) {
		return ""
	}
	line := func(lines []string) string {
		if i < len(lines) {
			return lines[i]
		}
		return fmt.Sprintf("(end of trace, %d lines)", len(lines))
	}
	var ctx strings.Builder
	for _, l := range a[max(0, i-traceContext):i] {
		ctx.WriteString("\n      " + l)
	}
	return fmt.Sprintf("traces differ at line %d\n    after:%s\n    first:  %s\n    second: %s", i+1, ctx.String(), line(a), line(b))
}
