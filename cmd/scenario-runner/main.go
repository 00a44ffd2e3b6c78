// Command scenario-runner runs Gherkin feature files from any folder with flinksim's
// step library, each scenario on a simulated cluster of its own in virtual time,
// exactly as `go test ./features` runs the project's own features.
//
//	scenario-runner [flags] [feature files or folders]   (default: ./features)
//	scenario-runner -godog.tags=@ha ~/my-features
//	scenario-runner -godog.paths=~/my-features -test.run 'TestFeatures/^HA_failover$' -seed 42
//	scenario-runner -report.junit=out/features.xml -report.cucumber=out/features.json ~/my-features
//
// It takes the flags of go test ./features (-godog.*, -seed, -seed.base, -report.*)
// and the testing package's, spelled in full (-test.run, -test.v). A failed scenario
// prints the command that reruns it. See flinksim/scenarios/runner.
package main

import (
	"os"

	"flinksim/scenarios"
	"flinksim/scenarios/runner"
)

func main() {
	os.Exit(runner.Main(runner.Suite{
		Name:        "flinksim",
		NewScenario: func(seed int64) runner.Scenario { return scenarios.NewWorld(seed) },
	}, runner.DefaultOptions()))
}
