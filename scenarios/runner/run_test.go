package runner

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// runInProcess runs a passing suite as a subtest of t and returns its summary, the
// test world's log and what the runner printed.
func runInProcess(t *testing.T, o Options) (*Summary, *testLog, string) {
	t.Helper()
	var out bytes.Buffer
	o.Output = &out
	o.NoColors = true
	log := &testLog{}
	var sum *Summary
	if !t.Run("suite", func(t *testing.T) { sum = Run(t, testSuite(log), o) }) {
		t.Fatalf("the suite failed:\n%s", out.String())
	}
	return sum, log, out.String()
}

func options(paths ...string) Options {
	o := DefaultOptions()
	o.Paths = paths
	return o
}

func names(sum *Summary) []string {
	var ns []string
	for _, r := range sum.Results {
		ns = append(ns, r.Name)
	}
	return ns
}

var basicNames = []string{
	"Basic behaviour/a plain scenario #1",
	"Basic behaviour/an hour passes",
	"Basic behaviour/rows run separately with one #1",
	"Basic behaviour/rows run separately with two #2",
	"Basic behaviour/rows run separately with three #3",
	"Basic behaviour/a plain scenario #2",
	"Basic behaviour/inside a rule",
	"Second feature/random numbers",
	"Second feature/smoke",
}

func TestEachScenarioRunsAloneInItsOwnBubble(t *testing.T) {
	sum, log, _ := runInProcess(t, options("testdata/basic"))

	if got := names(sum); !slices.Equal(got, basicNames) {
		t.Fatalf("scenarios run:\n%q\nwant\n%q", got, basicNames)
	}
	bubbles := map[int64]string{}
	for _, r := range sum.Results {
		if r.Status != Passed {
			t.Errorf("%s: %s %s", r.Name, r.Status, r.Err)
		}
	}
	// The world's Before hook logs every scenario godog starts: one per world, so one
	// per godog run, each in a bubble of its own.
	if len(log.entries) != len(basicNames) {
		t.Fatalf("godog started %d scenarios, want %d", len(log.entries), len(basicNames))
	}
	for _, e := range log.entries {
		if e.bubble == 0 {
			t.Errorf("scenario %q ran outside a synctest bubble", e.scenario)
		}
		if other, ok := bubbles[e.bubble]; ok {
			t.Errorf("scenarios %q and %q share bubble %d", other, e.scenario, e.bubble)
		}
		bubbles[e.bubble] = e.scenario
	}
}

func TestOutlineRowsRunAsSeparateScenarios(t *testing.T) {
	// godog's FILE:LINE names the outline; the runner still runs its rows one by one.
	sum, log, _ := runInProcess(t, options("testdata/basic/basic.feature:18"))

	want := basicNames[2:5]
	if got := names(sum); !slices.Equal(got, want) {
		t.Fatalf("scenarios run: %q, want %q", got, want)
	}
	for i, value := range []string{"one", "two", "three"} {
		entries := log.byScenario()["rows run separately with "+value]
		if len(entries) != 1 || !slices.Equal(entries[0].notes, []string{value}) {
			t.Errorf("row %q: %d runs, notes %v; want one run noting %q", value, len(entries), entries, value)
		}
		r := sum.Results[i]
		if r.URI != "testdata/basic/basic.feature" || r.Line != []int64{23, 25, 30}[i] {
			t.Errorf("row %q is at %s, want its own line in testdata/basic/basic.feature", value, r.Location())
		}
	}
}

func TestRuleBackgroundRunsOnlyForTheRulesScenarios(t *testing.T) {
	_, log, _ := runInProcess(t, options("testdata/basic/basic.feature"))

	for name, entries := range log.byScenario() {
		got := slices.Contains(entries[0].notes, "rule background")
		if want := name == "inside a rule"; got != want {
			t.Errorf("%q noted the rule's background: %v, want %v", name, got, want)
		}
	}
}

func TestTimeIsVirtual(t *testing.T) {
	o := options("testdata/basic")
	o.Tags = "@slow"
	start := time.Now()
	sum, log, _ := runInProcess(t, o)
	wall := time.Since(start)

	r := sum.Result("Basic behaviour/an hour passes")
	if r == nil || len(sum.Results) != 1 {
		t.Fatalf("want just the hour-long scenario, ran %q", names(sum))
	}
	// In a bubble the clock moves only when every goroutine waits: the scenario's
	// hour is exact, and costs no real time.
	if r.SimulatedTime != time.Hour {
		t.Errorf("simulated time %s, want exactly 1h", r.SimulatedTime)
	}
	if took := log.entries[0].took; took != time.Hour {
		t.Errorf("the scenario saw %s pass, want 1h", took)
	}
	if wall > time.Minute {
		t.Errorf("an hour of simulated time took %s of wall time", wall)
	}
}

func TestTagsFilterScenarios(t *testing.T) {
	for _, tc := range []struct {
		tags string
		want []string
	}{
		{"@slow", basicNames[1:2]},
		{"@big", basicNames[4:5]},
		{"@smoke,@slow", []string{basicNames[1], basicNames[8]}},
		{"@basic && ~@slow && ~@big", []string{basicNames[0], basicNames[2], basicNames[3], basicNames[5], basicNames[6]}},
		{"~@basic", basicNames[7:]},
	} {
		t.Run(tc.tags, func(t *testing.T) {
			o := options("testdata/basic")
			o.Tags = tc.tags
			sum, _, _ := runInProcess(t, o)
			if got := names(sum); !slices.Equal(got, tc.want) {
				t.Errorf("-godog.tags %q ran\n%q\nwant\n%q", tc.tags, got, tc.want)
			}
		})
	}
}

func TestSeedsDeriveFromBaseSeedAndName(t *testing.T) {
	seeds := func(o Options) (map[string]int64, map[string][]int) {
		sum, log, _ := runInProcess(t, o)
		s := map[string]int64{}
		for _, r := range sum.Results {
			s[r.Name] = r.Seed
		}
		return s, map[string][]int{"random numbers": log.byScenario()["random numbers"][0].draws}
	}
	first, firstDraws := seeds(options("testdata/basic"))
	again, againDraws := seeds(options("testdata/basic"))
	if fmt.Sprint(first) != fmt.Sprint(again) || fmt.Sprint(firstDraws) != fmt.Sprint(againDraws) {
		t.Errorf("two runs with the same base seed differ:\n%v %v\n%v %v", first, firstDraws, again, againDraws)
	}
	distinct := map[int64]bool{}
	for _, s := range first {
		distinct[s] = true
	}
	if len(distinct) != len(first) {
		t.Errorf("scenarios share seeds: %v", first)
	}

	// A scenario's seed does not depend on which other scenarios run.
	o := options("testdata/basic/second.feature")
	alone, _ := seeds(o)
	if alone["Second feature/smoke"] != first["Second feature/smoke"] {
		t.Errorf("seed of a scenario run alone %d, in the whole suite %d", alone["Second feature/smoke"], first["Second feature/smoke"])
	}

	o = options("testdata/basic")
	o.BaseSeed = 2
	other, otherDraws := seeds(o)
	for name, s := range other {
		if s == first[name] {
			t.Errorf("%s: seed %d for base seeds 1 and 2", name, s)
		}
	}
	if fmt.Sprint(otherDraws) == fmt.Sprint(firstDraws) {
		t.Errorf("draws %v for base seeds 1 and 2", otherDraws)
	}

	o = options("testdata/basic")
	o.Seed, o.SeedSet = first["Second feature/random numbers"], true
	fixed, fixedDraws := seeds(o)
	for name, s := range fixed {
		if s != o.Seed {
			t.Errorf("%s: seed %d, want -seed %d", name, s, o.Seed)
		}
	}
	if fmt.Sprint(fixedDraws) != fmt.Sprint(firstDraws) {
		t.Errorf("with its own seed given, the scenario drew %v, want %v", fixedDraws, firstDraws)
	}
}

func TestRandomOrderIsSeeded(t *testing.T) {
	order := func(random int64) []string {
		o := options("testdata/basic")
		o.Random = random
		sum, log, _ := runInProcess(t, o)
		if sum.RandomSeed != random {
			t.Errorf("random seed %d, want %d", sum.RandomSeed, random)
		}
		var ran []string
		for _, e := range log.entries {
			ran = append(ran, e.scenario)
		}
		return ran
	}
	first, again, fileOrder := order(7), order(7), order(0)
	if !slices.Equal(first, again) {
		t.Errorf("-godog.random=7 ran\n%q\nthen\n%q", first, again)
	}
	if slices.Equal(first, fileOrder) {
		t.Errorf("-godog.random=7 kept the file order %q", first)
	}
	if !slices.Equal(slices.Sorted(slices.Values(first)), slices.Sorted(slices.Values(fileOrder))) {
		t.Errorf("shuffled run %q is not a permutation of %q", first, fileOrder)
	}
}

func TestConcurrentScenariosEachGetTheirOwnBubble(t *testing.T) {
	o := options("testdata/basic")
	o.Concurrency = 3
	sum, log, out := runInProcess(t, o)

	if len(sum.Results) != len(basicNames) || sum.Count(Passed) != len(basicNames) {
		t.Fatalf("%d results, %d passed; want %d passed", len(sum.Results), sum.Count(Passed), len(basicNames))
	}
	bubbles := map[int64]bool{}
	for _, e := range log.entries {
		bubbles[e.bubble] = true
	}
	if len(bubbles) != len(basicNames) {
		t.Errorf("%d scenarios ran in %d bubbles", len(basicNames), len(bubbles))
	}
	// Output comes a whole scenario at a time.
	if n := strings.Count(out, "Scenario: an hour passes"); n != 1 {
		t.Errorf("the hour-long scenario printed %d times:\n%s", n, out)
	}
}

func TestPrettyOutput(t *testing.T) {
	_, _, out := runInProcess(t, options("testdata/basic"))

	for _, want := range []string{
		"9 scenarios found in testdata/basic · seeds derived from base seed 1 (-seed.base) · file order",
		"Scenario: an hour passes",
		"# testdata/basic/basic.feature:14\n",
		"passed · simulated 1h0m0s · wall ",
		"| three |",
		"9 scenarios (9 passed) · 19 steps · simulated 1h0m0s · wall ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Consecutive scenarios of a feature share its header.
	if n := strings.Count(out, "Feature: Basic behaviour"); n != 1 {
		t.Errorf("feature header printed %d times:\n%s", n, out)
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colours in output to a buffer:\n%q", out)
	}
}

func TestStepDefinitions(t *testing.T) {
	o := options("testdata/basic")
	o.ShowStepDefinitions = true
	sum, log, out := runInProcess(t, o)
	if len(sum.Results) != 0 || len(log.entries) != 0 {
		t.Errorf("-godog.definitions ran %d scenarios", len(sum.Results))
	}
	if !strings.Contains(out, `^(\d+) random numbers are drawn$`) {
		t.Errorf("step definitions lack the random-numbers step:\n%s", out)
	}
}

func TestOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		format, want string
	}{
		{"pretty,nonesuch", `no such formatter`},
		{"progress:out.txt", `only junit and cucumber can go to a file`},
		{"junit:a.xml,junit:a.xml", `asked for twice`},
	} {
		o := DefaultOptions()
		o.Format = tc.format
		if _, err := o.settle(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("-godog.format %q: error %v, want one saying %q", tc.format, err, tc.want)
		}
	}
}

func TestRunPatternSelectsExactlyOneTest(t *testing.T) {
	for _, name := range []string{
		"TestFeatures/Basic_behaviour/a_plain_scenario_#2",
		"TestFeatures/HA_(Kubernetes)/leader.changes[1]_$x|y*+?",
		"TestFeatures/a/b/c",
	} {
		pattern := runPattern(name)
		if ok, _ := (testDeps{}).MatchString(strings.Split(pattern, "/")[0], "TestFeatures"); !ok {
			t.Errorf("pattern %q does not select its test", pattern)
		}
		for i, part := range strings.Split(name, "/") {
			elem := strings.Split(pattern, "/")[i]
			if ok, err := (testDeps{}).MatchString(elem, part); !ok || err != nil {
				t.Errorf("%q: element %q does not match %q (%v)", name, elem, part, err)
			}
			if ok, _ := (testDeps{}).MatchString(elem, part+"x"); ok {
				t.Errorf("%q: element %q matches more than %q", name, elem, part)
			}
		}
	}
}
