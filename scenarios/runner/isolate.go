package runner

import (
	"bytes"
	"fmt"
	"slices"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
)

// isolate returns the feature source reduced to one pickle, so that godog, given the
// result, runs exactly that scenario (or that one Examples row of an outline).
//
// Every other scenario, every other Examples table of the pickle's outline and every
// other row of its table is blanked line by line. Line numbers, the feature header,
// backgrounds, rules, tags and comments stay where they were, so godog reports the
// scenario at its real place in the file. (godog's own FILE:LINE filter cannot pick an
// outline row: it matches the outline's line and runs all rows.)
//
// The result is parsed back and must hold exactly the pickle asked for.
func isolate(src []byte, doc *messages.GherkinDocument, pickle *messages.Pickle) ([]byte, error) {
	if doc.Feature == nil || len(pickle.AstNodeIds) == 0 {
		return nil, fmt.Errorf("isolating %q: no feature or no scenario", pickle.Name)
	}
	lines := bytes.SplitAfter(src, []byte("\n"))
	if n := len(lines); n > 0 && len(lines[n-1]) == 0 {
		lines = lines[:n-1]
	}
	blank := make([]bool, len(lines)+2) // by 1-based line number

	// Every child of the feature and of its rules starts a block that runs until the
	// next one starts.
	var starts []int64
	var scenarios []*messages.Scenario
	for _, c := range doc.Feature.Children {
		switch {
		case c.Background != nil:
			starts = append(starts, c.Background.Location.Line)
		case c.Scenario != nil:
			starts = append(starts, scenarioStart(c.Scenario))
			scenarios = append(scenarios, c.Scenario)
		case c.Rule != nil:
			starts = append(starts, firstLine(c.Rule.Location, c.Rule.Tags))
			for _, rc := range c.Rule.Children {
				switch {
				case rc.Background != nil:
					starts = append(starts, rc.Background.Location.Line)
				case rc.Scenario != nil:
					starts = append(starts, scenarioStart(rc.Scenario))
					scenarios = append(scenarios, rc.Scenario)
				}
			}
		}
	}
	slices.Sort(starts)
	last := int64(len(lines))
	end := func(start int64) int64 {
		for _, s := range starts {
			if s > start {
				return s - 1
			}
		}
		return last
	}
	mark := func(from, to int64) {
		for l := from; l <= to && l <= last; l++ {
			blank[l] = true
		}
	}

	target, row := pickle.AstNodeIds[0], ""
	if len(pickle.AstNodeIds) > 1 {
		row = pickle.AstNodeIds[1]
	}
	found := false
	for _, sc := range scenarios {
		start := scenarioStart(sc)
		stop := end(start)
		if sc.Id != target {
			mark(start, stop)
			continue
		}
		found = true
		if row == "" {
			continue
		}
		for i, ex := range sc.Examples {
			exStart, exStop := firstLine(ex.Location, ex.Tags), stop
			if i+1 < len(sc.Examples) {
				exStop = firstLine(sc.Examples[i+1].Location, sc.Examples[i+1].Tags) - 1
			}
			if !slices.ContainsFunc(ex.TableBody, func(r *messages.TableRow) bool { return r.Id == row }) {
				mark(exStart, exStop)
				continue
			}
			for _, r := range ex.TableBody {
				if r.Id != row {
					blank[r.Location.Line] = true
				}
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("isolating %q: its scenario is not in the feature", pickle.Name)
	}

	comments := map[int64]bool{}
	for _, c := range doc.Comments {
		comments[c.Location.Line] = true
	}
	var out bytes.Buffer
	for i, l := range lines {
		n := int64(i + 1)
		if blank[n] && !comments[n] {
			out.Write(lineEnding(l))
			continue
		}
		out.Write(l)
	}
	if err := checkIsolated(out.Bytes(), pickle); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// checkIsolated parses an isolated feature and checks that it holds just the pickle.
func checkIsolated(src []byte, want *messages.Pickle) error {
	newID := (&messages.Incrementing{}).NewId
	doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(src), newID)
	if err != nil {
		return fmt.Errorf("isolating %q: the reduced feature does not parse: %w", want.Name, err)
	}
	pickles := gherkin.Pickles(*doc, want.Uri, newID)
	if len(pickles) != 1 {
		return fmt.Errorf("isolating %q: the reduced feature holds %d scenarios, want 1", want.Name, len(pickles))
	}
	got := pickles[0]
	same := got.Name == want.Name && len(got.Steps) == len(want.Steps)
	for i := 0; same && i < len(got.Steps); i++ {
		same = got.Steps[i].Text == want.Steps[i].Text
	}
	if !same {
		return fmt.Errorf("isolating %q: the reduced feature holds %q instead", want.Name, got.Name)
	}
	return nil
}

func scenarioStart(sc *messages.Scenario) int64 { return firstLine(sc.Location, sc.Tags) }

// firstLine is where a keyword's block starts: at its first tag, if it has tags.
func firstLine(keyword *messages.Location, tags []*messages.Tag) int64 {
	line := keyword.Line
	for _, t := range tags {
		line = min(line, t.Location.Line)
	}
	return line
}

// lineEnding is what a blanked line keeps: its line break, if any.
func lineEnding(line []byte) []byte {
	switch {
	case bytes.HasSuffix(line, []byte("\r\n")):
		return []byte("\r\n")
	case bytes.HasSuffix(line, []byte("\n")):
		return []byte("\n")
	}
	return nil
}
