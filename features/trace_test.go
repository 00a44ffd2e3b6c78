package features_test

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"flinksim/scenarios/runner"
)

// TestSameSeedSameTrace runs the feature suite again with the same seeds and compares
// the scenarios' traces (the steps and the cluster's observable history in simulated
// time, see scenarios.World.Trace) line by line with those of TestFeatures' run; the
// first difference fails the test, naming its scenario. Run alone, it runs the suite
// twice. Flags narrow it like TestFeatures:
//
//	go test ./features -run TestSameSeedSameTrace -godog.tags=@jobs
func TestSameSeedSameTrace(t *testing.T) {
	o := options
	o.Output = io.Discard
	first := featuresRun
	if first == nil {
		if !t.Run("first", func(t *testing.T) { first = runner.Run(t, suite(), o) }) {
			t.Fatal("the first run failed; the traces are compared only when every scenario passes")
		}
	} else if first.Count(runner.Passed) != len(first.Results) {
		t.Skip("TestFeatures failed; the traces are compared only when every scenario passes")
	}
	var second *runner.Summary
	if raceEnabled {
		// ThreadSanitizer's history overflows on two whole suites in one process: the
		// second run goes to a process of its own.
		second = runAgainElsewhere(t, first)
	} else if !t.Run("again", func(t *testing.T) { second = runner.Run(t, suite(), o) }) {
		t.Fatal("the second run failed, though the first passed with the same seeds")
	}
	if len(first.Results) == 0 {
		t.Fatal("no scenario ran: nothing to compare")
	}
	if d := runner.FirstTraceDifference(first, second); d != "" {
		if dir := os.Getenv(traceDirEnv); dir != "" {
			writeTraces(t, filepath.Join(dir, "first"), first)
			writeTraces(t, filepath.Join(dir, "second"), second)
		}
		t.Fatalf("two runs with the same seeds left different traces (set %s=DIR to keep them for diff -r): %s", traceDirEnv, d)
	}
}

// traceDirEnv names a folder that receives both runs' traces when they differ, one
// file per scenario.
const traceDirEnv = "FLINKSIM_TRACE_DIR"

func writeTraces(t *testing.T, dir string, sum *runner.Summary) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	unsafe := regexp.MustCompile(`[^A-Za-z0-9_.-]+`)
	for _, r := range sum.Results {
		name := unsafe.ReplaceAllString(r.Name, "_") + ".trace"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(r.Trace, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("traces written to %s", dir)
}

// traceDumpEnv names a file TestFeatures writes every scenario's status and trace to
// (JSON), for a TestSameSeedSameTrace that ran it in another process.
const traceDumpEnv = "FLINKSIM_TRACE_DUMP"

type dumpedResult struct {
	Status runner.Status
	Trace  []string
}

func dumpTraces(t *testing.T, path string, sum *runner.Summary) {
	out := map[string]dumpedResult{}
	for _, r := range sum.Results {
		out[r.Name] = dumpedResult{Status: r.Status, Trace: r.Trace}
	}
	b, err := json.Marshal(out)
	if err == nil {
		err = os.WriteFile(path, b, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// runAgainElsewhere runs TestFeatures in a new process of this test binary, with the
// same flags, and returns its results in the shape of first.
func runAgainElsewhere(t *testing.T, first *runner.Summary) *runner.Summary {
	dump := filepath.Join(t.TempDir(), "traces.json")
	args := []string{"-test.run=^TestFeatures$", "-test.count=1"}
	for _, a := range os.Args[1:] {
		if !strings.HasPrefix(a, "-test.") {
			args = append(args, a) // the runner's flags: tags, paths, seeds
		}
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), traceDumpEnv+"="+dump)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the second run failed, though the first passed with the same seeds: %v\n%s", err, out)
	}
	b, err := os.ReadFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]dumpedResult
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	second := *first
	second.Results = nil
	for _, r := range first.Results {
		c := *r
		d, ok := got[r.Name]
		if !ok {
			t.Fatalf("the second run has no result for %q", r.Name)
		}
		c.Status, c.Trace = d.Status, d.Trace
		second.Results = append(second.Results, &c)
	}
	return &second
}
