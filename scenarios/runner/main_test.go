package runner

import (
	"flag"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// childEnv makes the test binary a subprocess of one of its own tests: "suite" runs
// TestChild with the runner's flags, "standalone" runs Main. Tests of runs that must
// fail run them this way, so that failing is the child's business.
const childEnv = "RUNNER_TEST_CHILD"

var childOptions = DefaultOptions()

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "standalone":
		os.Exit(Main(testSuite(nil), DefaultOptions()))
	case "suite":
		childOptions.RerunCommand = "runner.test -test.run"
		BindFlags(flag.CommandLine, &childOptions)
	}
	goleak.VerifyTestMain(m)
}

// TestChild is the run a subprocess was started for; it is skipped otherwise.
func TestChild(t *testing.T) {
	if os.Getenv(childEnv) != "suite" {
		t.Skip("runs only as a subprocess of another test")
	}
	Run(t, testSuite(nil), childOptions)
}
