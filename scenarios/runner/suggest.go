package runner

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/cucumber/godog"
)

// undefinedHint is what the runner says about a step no definition matches: the
// closest step patterns of the suite, for a feature writer who mistyped one.
func undefinedHint(text string, sc Scenario) string {
	var b strings.Builder
	fmt.Fprintf(&b, "no step of the library matches: %s", text)
	if close := closestSteps(text, stepPatterns(sc), 3); len(close) > 0 {
		b.WriteString("; the closest steps are:")
		for _, p := range close {
			b.WriteString("\n    " + p)
		}
	}
	b.WriteString("\n-godog.definitions lists every step (features/STEPS.md, with examples)")
	return b.String()
}

// stepPatterns are the regular expressions of the steps sc registers.
func stepPatterns(sc Scenario) []string {
	var out bytes.Buffer
	godog.TestSuite{
		ScenarioInitializer: sc.Register,
		Options:             &godog.Options{Format: "progress", ShowStepDefinitions: true, NoColors: true, Output: &out},
	}.Run()
	var patterns []string
	for _, line := range strings.Split(ansi.ReplaceAllString(out.String(), ""), "\n") {
		if i := strings.LastIndex(line, " # "); i > 0 {
			patterns = append(patterns, strings.TrimSpace(line[:i]))
		}
	}
	return patterns
}

var (
	ansi   = regexp.MustCompile(`\x1b\[[0-9;]*m`)
	quoted = regexp.MustCompile(`"[^"]*"`)
	digits = regexp.MustCompile(`\d+`)
	// groupish is what a step pattern has where a step has words or values.
	groupish = regexp.MustCompile(`\\[dS]\+|\(\?:|\(|\)|\?|\^|\$|\\`)
)

// closestSteps returns up to n patterns nearest to text by edit distance, of those
// close enough to be a likely typo or variant.
func closestSteps(text string, patterns []string, n int) []string {
	norm := func(s string) string { return digits.ReplaceAllString(quoted.ReplaceAllString(s, `""`), "0") }
	t := norm(text)
	type scored struct {
		p string
		d int
	}
	var all []scored
	for _, p := range patterns {
		shape := norm(groupish.ReplaceAllString(strings.ReplaceAll(p, `"([^"]*)"`, `""`), ""))
		if d := editDistance(t, shape); d <= max(len(t), len(shape))/3 {
			all = append(all, scored{p, d})
		}
	}
	slices.SortStableFunc(all, func(a, b scored) int { return a.d - b.d })
	var out []string
	for _, s := range all[:min(n, len(all))] {
		out = append(out, s.p)
	}
	return out
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
