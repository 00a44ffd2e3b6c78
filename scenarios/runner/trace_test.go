package runner

import (
	"strings"
	"testing"
	"time"
)

func TestSameSeedGivesTheSameTraces(t *testing.T) {
	first, _, _ := runInProcess(t, options("testdata/basic"))
	again, _, _ := runInProcess(t, options("testdata/basic"))
	if len(first.Results) == 0 || len(first.Result("Second feature/random numbers").Trace) == 0 {
		t.Fatalf("no traces taken: %+v", first.Results)
	}
	if d := FirstTraceDifference(first, again); d != "" {
		t.Errorf("two runs with base seed 1 differ: %s", d)
	}
	o := options("testdata/basic")
	o.BaseSeed = 2
	other, _, _ := runInProcess(t, o)
	d := FirstTraceDifference(first, other)
	if !strings.Contains(d, `scenario "Second feature/random numbers"`) {
		t.Errorf("base seeds 1 and 2 drew the same numbers, or the difference does not name the scenario: %q", d)
	}
}

func TestTraceDifferenceNamesTheScenarioAndTheLine(t *testing.T) {
	first, _, _ := runInProcess(t, options("testdata/changing"))
	second, _, _ := runInProcess(t, options("testdata/changing"))
	d := FirstTraceDifference(first, second)
	for _, want := range []string{
		`scenario "Changing trace/unsteady" (testdata/changing/changing.feature:8`,
		"traces differ at line 4",
		"\n      00:00:00.000 drew [",
		"\n    first:  00:00:00.000 changing value ",
		"\n    second: 00:00:00.000 changing value ",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("the difference lacks %q:\n%s", want, d)
		}
	}
	if strings.Contains(d, "steady\"") && !strings.Contains(d, "unsteady") {
		t.Errorf("the steady scenario was blamed:\n%s", d)
	}
}

func TestTraceDifferenceOfMissingScenariosAndLines(t *testing.T) {
	a := &Summary{Results: []*Result{{Name: "F/a", URI: "f.feature", Line: 3, Trace: []string{"x", "y"}}}}
	b := &Summary{Results: []*Result{{Name: "F/a", URI: "f.feature", Line: 3, Trace: []string{"x"}}}}
	if d := FirstTraceDifference(a, b); !strings.Contains(d, "line 2") || !strings.Contains(d, "(end of trace, 1 lines)") {
		t.Errorf("a shorter trace: %q", d)
	}
	c := &Summary{}
	if d := FirstTraceDifference(a, c); !strings.Contains(d, `"F/a" (f.feature:3) ran only in the first run`) {
		t.Errorf("a scenario missing in the second run: %q", d)
	}
	if d := FirstTraceDifference(c, a); !strings.Contains(d, "ran only in the second run") {
		t.Errorf("a scenario missing in the first run: %q", d)
	}
}

func TestRealTimeRunsWithoutBubbles(t *testing.T) {
	o := options("testdata/basic")
	o.Tags = "~@slow"
	o.RealTime = true
	start := time.Now()
	sum, log, _ := runInProcess(t, o)
	if sum.Count(Passed) != len(sum.Results) || len(sum.Results) != len(basicNames)-1 {
		t.Fatalf("%d of %d scenarios passed", sum.Count(Passed), len(sum.Results))
	}
	for _, e := range log.entries {
		if e.bubble != 0 {
			t.Errorf("%s ran in bubble %d", e.scenario, e.bubble)
		}
		if e.start.Before(start) {
			t.Errorf("%s started at %v, before the run (%v): not the real clock", e.scenario, e.start, start)
		}
	}
}
