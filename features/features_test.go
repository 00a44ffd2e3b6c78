package features_test

import (
	"flag"
	"os"
	"testing"

	"flinksim/scenarios"
	"flinksim/scenarios/runner"
)

// options are the runner's flags, given to go test after the package:
//
//	go test ./features -godog.tags=@ha
//	go test ./features -run 'TestFeatures/^Session_cluster$' -seed 42
//	go test ./features -godog.paths=session_cluster.feature -report.junit=/tmp/features.xml
var options = runner.DefaultOptions()

func init() {
	options.Paths = []string{"."} // go test runs in this folder
	options.RerunCommand = "go test ./features -run"
	runner.BindFlags(flag.CommandLine, &options)
}

// TestFeatures runs every scenario of the feature files in this folder, each as a
// subtest "<feature>/<scenario>" in its own synctest bubble, on a World of its own.
func TestFeatures(t *testing.T) {
	featuresRun = runner.Run(t, suite(), options)
	if path := os.Getenv(traceDumpEnv); path != "" {
		dumpTraces(t, path, featuresRun)
	}
}

// featuresRun is TestFeatures' run, whose traces TestSameSeedSameTrace compares with a
// second run's (go test runs the tests of a package one after another, in file order).
var featuresRun *runner.Summary

// suite is the step library as the runner runs it.
func suite() runner.Suite {
	return runner.Suite{
		Name:        "flinksim",
		NewScenario: func(seed int64) runner.Scenario { return scenarios.NewWorld(seed) },
	}
}
