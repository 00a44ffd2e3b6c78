package runner

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// runChild runs this test binary again as a child (see TestMain) and returns what it
// printed and its exit code.
func runChild(t *testing.T, mode string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), childEnv+"="+mode)
	return runCmd(t, cmd)
}

func runCmd(t *testing.T, cmd *exec.Cmd) (string, int) {
	t.Helper()
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	case err != nil:
		t.Fatalf("running %v: %v", cmd.Args, err)
	}
	return string(out), 0
}

var (
	drawsRe = regexp.MustCompile(`failing on purpose after drawing \[([\d ]+)\]`)
	rerunRe = regexp.MustCompile(`rerun: (.*-test\.run '([^']+)' -seed (\d+).*)`)
)

// failureOf is the part of a child's output that reports one failed subtest.
func failureOf(t *testing.T, out, test string) string {
	t.Helper()
	_, after, ok := strings.Cut(out, "--- FAIL: "+test+" ")
	if !ok {
		t.Fatalf("no failure of %s in:\n%s", test, out)
	}
	if i := strings.Index(after, "--- FAIL"); i >= 0 {
		after = after[:i]
	}
	return after
}

func TestFailingScenarioPrintsSeedAndRerunReproducesIt(t *testing.T) {
	out, code := runChild(t, "suite", "-test.run=^TestChild$", "-godog.paths=testdata/failing")
	if code == 0 {
		t.Fatalf("a suite with a failing scenario passed:\n%s", out)
	}
	failure := failureOf(t, out, "TestChild/Failing_behaviour/fails_after_drawing_random_numbers")
	draws, rerun := drawsRe.FindStringSubmatch(failure), rerunRe.FindStringSubmatch(failure)
	if draws == nil || rerun == nil {
		t.Fatalf("the failure lacks the draws or the rerun command:\n%s", failure)
	}
	pattern, seed := rerun[2], rerun[3]
	for _, want := range []string{"seed: " + seed + "\n", "report:\n", "test world: seed " + seed + ", draws [" + draws[1] + "]"} {
		if !strings.Contains(failure, want) {
			t.Errorf("the failure lacks %q:\n%s", want, failure)
		}
	}

	again, code := runChild(t, "suite", "-test.run="+pattern, "-seed="+seed, "-godog.paths=testdata/failing")
	if code == 0 || !strings.Contains(again, "\n1 scenario (1 failed) · ") {
		t.Fatalf("the rerun did not fail just that scenario:\n%s", again)
	}
	if got := drawsRe.FindStringSubmatch(again); got == nil || got[1] != draws[1] {
		t.Errorf("the rerun with seed %s drew %v, want [%s]:\n%s", seed, got, draws[1], again)
	}

	other, _ := runChild(t, "suite", "-test.run="+pattern, "-seed=1", "-godog.paths=testdata/failing")
	if got := drawsRe.FindStringSubmatch(other); got == nil || got[1] == draws[1] {
		t.Errorf("seed 1 drew %v too, as did seed %s", got, seed)
	}
}

func TestStrictModeFailsUndefinedAndPendingSteps(t *testing.T) {
	out, code := runChild(t, "suite", "-test.run=^TestChild$/^Failing_behaviour$/^has_an?_", "-godog.paths=testdata/failing")
	if code == 0 {
		t.Fatalf("undefined and pending steps passed:\n%s", out)
	}
	undefined := failureOf(t, out, "TestChild/Failing_behaviour/has_an_undefined_step")
	if !strings.Contains(undefined, `undefined at step "a step pases"`) {
		t.Errorf("the undefined step is not named:\n%s", undefined)
	}
	// A mistyped step: the closest steps of the library, not Go code to write.
	hint := "no step of the library matches: a step pases; the closest steps are:\n" +
		"        ^a step passes$\n" +
		"    -godog.definitions lists every step"
	if !strings.Contains(out, hint) {
		t.Errorf("the pretty output does not name the closest step (%q):\n%s", hint, out)
	}
	if !strings.Contains(undefined, "^a step passes$") {
		t.Errorf("the failure does not name the closest step:\n%s", undefined)
	}
	if strings.Contains(out, "godog.ErrPending") {
		t.Errorf("the output offers Go snippets to a feature writer:\n%s", out)
	}
	pending := failureOf(t, out, "TestChild/Failing_behaviour/has_a_pending_step")
	if !strings.Contains(pending, `pending at step "a step is pending"`) {
		t.Errorf("the pending step is not named:\n%s", pending)
	}

	out, code = runChild(t, "suite", "-test.run=^TestChild$/^Failing_behaviour$/^has_an?_", "-godog.paths=testdata/failing", "-godog.strict=false")
	if code != 0 || !strings.Contains(out, "2 scenarios (1 undefined, 1 pending)") {
		t.Errorf("with -godog.strict=false, undefined and pending steps failed (exit %d):\n%s", code, out)
	}
}

func TestLeftoverGoroutineFailsItsScenarioByName(t *testing.T) {
	out, code := runChild(t, "suite", "-test.run=^TestChild$", "-godog.paths=testdata/leak")
	if code == 0 {
		t.Fatalf("a scenario that leaves a goroutine behind passed:\n%s", out)
	}
	failure := failureOf(t, out, "TestChild/Leaks/a_goroutine_outlives_its_scenario")
	for _, want := range []string{"left 1 goroutine(s) behind", "runner.leakUntilClosed", "world_test.go", "seed: "} {
		if !strings.Contains(failure, want) {
			t.Errorf("the failure lacks %q:\n%s", want, failure)
		}
	}
	if strings.Contains(out, "--- FAIL: TestChild/Leaks/the_next_scenario_still_runs") ||
		!strings.Contains(out, "2 scenarios (1 passed, 1 failed)") {
		t.Errorf("the scenario after the leaking one did not run and pass:\n%s", out)
	}
}

func TestDeadlockedScenarioFailsByName(t *testing.T) {
	out, code := runChild(t, "suite", "-test.run=^TestChild$", "-godog.paths=testdata/deadlock")
	if code == 0 {
		t.Fatalf("a deadlocked scenario passed:\n%s", out)
	}
	failure := failureOf(t, out, "TestChild/Deadlocks/a_step_waits_for_something_that_never_happens")
	for _, want := range []string{"deadlocked: every goroutine of the scenario is blocked", "world_test.go", "seed: "} {
		if !strings.Contains(failure, want) {
			t.Errorf("the failure lacks %q:\n%s", want, failure)
		}
	}
	if !strings.Contains(out, "2 scenarios (1 passed, 1 failed)") {
		t.Errorf("the scenario after the deadlocked one did not run and pass:\n%s", out)
	}
}

func TestStopOnFailureSkipsTheRest(t *testing.T) {
	out, code := runChild(t, "suite", "-test.run=^TestChild$", "-godog.paths=testdata/failing", "-godog.stop-on-failure")
	if code == 0 || !strings.Contains(out, "6 scenarios (1 passed, 1 failed, 4 skipped)") {
		t.Errorf("-godog.stop-on-failure (exit %d):\n%s", code, out)
	}
}

func TestReportsMergeIntoOneJUnitAndOneCucumberFile(t *testing.T) {
	dir := t.TempDir()
	junitFile, cucumberFile := filepath.Join(dir, "report.xml"), filepath.Join(dir, "report.json")
	out, code := runChild(t, "suite", "-test.run=^TestChild$",
		"-godog.paths=testdata/leak,testdata/failing,testdata/basic",
		"-godog.concurrency=2", "-godog.random=3", "-godog.format=progress",
		"-report.junit="+junitFile, "-report.cucumber="+cucumberFile)
	if code == 0 {
		t.Fatalf("the suite passed:\n%s", out)
	}

	t.Run("junit", func(t *testing.T) {
		data, err := os.ReadFile(junitFile)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Name   string `xml:"name,attr"`
			Suites []struct {
				Name  string `xml:"name,attr"`
				Tests int    `xml:"tests,attr"`
				Cases []struct {
					Name      string `xml:"name,attr"`
					Classname string `xml:"classname,attr"`
					Status    string `xml:"status,attr"`
					Failure   *struct {
						Message string `xml:"message,attr"`
						Text    string `xml:",chardata"`
					} `xml:"failure"`
					SystemOut string `xml:"system-out"`
				} `xml:"testcase"`
			} `xml:"testsuite"`
		}
		var counts struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Errors   int `xml:"errors,attr"`
		}
		if err := xml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("not XML: %v\n%s", err, data)
		}
		if err := xml.Unmarshal(data, &counts); err != nil {
			t.Fatal(err)
		}
		if doc.Name != "runner tests" || counts.Tests != 17 || counts.Failures != 2 || counts.Errors != 2 {
			t.Errorf("testsuites %q: %+v; want runner tests, 17 tests, 2 failures, 2 errors", doc.Name, counts)
		}
		var suites []string
		var cases []string
		for _, s := range doc.Suites {
			suites = append(suites, s.Name)
			for _, c := range s.Cases {
				cases = append(cases, c.Name)
				if c.Classname != s.Name || !strings.Contains(c.SystemOut, "seed: ") {
					t.Errorf("case %q: classname %q, system-out %q", c.Name, c.Classname, c.SystemOut)
				}
				switch c.Name {
				case "a goroutine outlives its scenario":
					if c.Failure == nil || !strings.Contains(c.Failure.Text, "leakUntilClosed") {
						t.Errorf("leaking case: failure %+v", c.Failure)
					}
				case "fails after drawing random numbers":
					if c.Failure == nil || !strings.Contains(c.Failure.Message, "failing on purpose") ||
						!strings.Contains(c.Failure.Text, "rerun: ") || !strings.Contains(c.Failure.Text, "test world: seed") {
						t.Errorf("failing case: failure %+v", c.Failure)
					}
				}
			}
		}
		wantSuites := []string{"Basic behaviour", "Second feature", "Failing behaviour", "Leaks"}
		if !slices.Equal(suites, wantSuites) {
			t.Errorf("testsuites %q, want one per feature in file order %q", suites, wantSuites)
		}
		if len(cases) != 17 || cases[0] != "a plain scenario #1" || cases[2] != "rows run separately with one #1" {
			t.Errorf("testcases not in file order: %q", cases)
		}
	})

	t.Run("cucumber", func(t *testing.T) {
		data, err := os.ReadFile(cucumberFile)
		if err != nil {
			t.Fatal(err)
		}
		var features []struct {
			URI      string `json:"uri"`
			Name     string `json:"name"`
			Elements []struct {
				ID    string `json:"id"`
				Name  string `json:"name"`
				Line  int    `json:"line"`
				Steps []struct {
					Name   string `json:"name"`
					Result struct {
						Status string `json:"status"`
					} `json:"result"`
				} `json:"steps"`
				After []struct {
					Result struct {
						Status string `json:"status"`
						Error  string `json:"error_message"`
					} `json:"result"`
				} `json:"after"`
			} `json:"elements"`
		}
		if err := json.Unmarshal(data, &features); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, data)
		}
		var got []string
		ids := map[string]bool{}
		for _, f := range features {
			got = append(got, f.URI+" "+strings.Repeat("*", len(f.Elements)))
			line := 0
			for _, el := range f.Elements {
				// godog's ids repeat when scenario names do; id and line do not.
				key := fmt.Sprintf("%s@%d", el.ID, el.Line)
				if ids[key] {
					t.Errorf("id %q twice", key)
				}
				ids[key], ids[el.ID] = true, true
				if el.Line <= line {
					t.Errorf("%s: element %q at line %d after line %d", f.URI, el.Name, el.Line, line)
				}
				line = el.Line
				if len(el.Steps) == 0 {
					t.Errorf("%s: element %q has no steps", f.URI, el.Name)
				}
				leaks := el.Name == "a goroutine outlives its scenario"
				if hook := len(el.After) == 1 && el.After[0].Result.Status == "failed" &&
					strings.Contains(el.After[0].Result.Error, "goroutine"); hook != leaks {
					t.Errorf("%s: element %q has after hooks %+v", f.URI, el.Name, el.After)
				}
			}
		}
		want := []string{
			"testdata/basic/basic.feature *******",
			"testdata/basic/second.feature **",
			"testdata/failing/failing.feature ******",
			"testdata/leak/leak.feature **",
		}
		if !slices.Equal(got, want) {
			t.Errorf("features and their scenario counts:\n%q\nwant\n%q", got, want)
		}
		for _, id := range []string{
			"basic-behaviour;rows-run-separately-with-one;small;2",
			"basic-behaviour;rows-run-separately-with-two;small;3",
			"basic-behaviour;rows-run-separately-with-three;large;2",
		} {
			if !ids[id] {
				t.Errorf("no outline row %q among %v", id, ids)
			}
		}
	})
}

func TestStandaloneMainRunsFeaturesFromAnyFolder(t *testing.T) {
	out, code := runChild(t, "standalone", "-godog.no-colors", "testdata/basic")
	if code != 0 || !strings.Contains(out, "9 scenarios (9 passed)") || !strings.Contains(out, "\nPASS") {
		t.Fatalf("standalone run of testdata/basic (exit %d):\n%s", code, out)
	}

	out, code = runChild(t, "standalone", "-test.run=TestFeatures/Failing/fails", "-godog.paths=testdata/failing")
	if code == 0 {
		t.Fatalf("a failing scenario passed:\n%s", out)
	}
	rerun, draws := rerunRe.FindStringSubmatch(out), drawsRe.FindStringSubmatch(out)
	if rerun == nil || draws == nil || !strings.HasPrefix(rerun[2], "^TestFeatures$/") {
		t.Fatalf("no rerun command or draws in:\n%s", out)
	}
	// The rerun command works as printed.
	cmd := exec.Command("sh", "-c", rerun[1])
	cmd.Env = append(os.Environ(), childEnv+"=standalone")
	again, code := runCmd(t, cmd)
	if got := drawsRe.FindStringSubmatch(again); code == 0 || got == nil || got[1] != draws[1] {
		t.Errorf("%s\ndrew %v, want [%s]:\n%s", rerun[1], got, draws[1], again)
	}
}
