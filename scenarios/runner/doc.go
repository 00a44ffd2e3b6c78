// Package runner runs Gherkin features with godog, one scenario per testing/synctest
// bubble, for `go test ./features` and for the standalone scenario-runner binary.
//
// # One scenario, one bubble, one godog run
//
// Every scenario (every pickle: a plain scenario, or one Examples row of an outline)
// is a subtest "<feature>/<scenario>" of the test that calls Run, and runs inside its
// own synctest bubble: time there is virtual and moves only when every goroutine of
// the scenario is blocked, so "5 minutes pass" costs microseconds, and a goroutine
// still in the bubble after the scenario closed fails that scenario, by name, with its
// stack. So does a scenario whose goroutines all wait with no timer pending
// (deadlock). A goroutine stuck where synctest cannot see it wait for good (a mutex
// held forever, real I/O) keeps its scenario from ending; go test's -timeout then
// names that scenario.
//
// godog cannot run inside a bubble as it usually runs (its Options.TestingT calls
// t.Run, which a bubble forbids), and one godog run over many scenarios would put them
// all in one bubble. So the runner lists the scenarios itself, with godog's own parser
// and tag filter (godog.TestSuite.RetrieveFeatures), and runs godog once per scenario
// inside that scenario's bubble, giving it the feature file reduced to that one
// scenario (see isolate: the other scenarios and rows are blanked, line numbers kept).
// A Before hook checks that godog ran exactly the one scenario.
//
// # Seeds
//
// Each scenario's seed is -seed if given, else a hash of -seed.base (default
// DefaultBaseSeed, printed) and the scenario's name, so it does not move when other
// scenarios are added or filtered out. A scenario that fails prints its seed, a
// one-line command that reruns just it with that seed, and its Scenario.Report.
//
// # Traces and real time
//
// A Scenario that is also a Tracer hands its event trace to the runner when it ends;
// Result.Trace keeps it, and FirstTraceDifference compares two runs' traces scenario
// by scenario (features' TestSameSeedSameTrace). Options.RealTime runs scenarios
// without bubbles, on the wall clock, for scenarios that talk to a real API server.
//
// # Output and reports
//
// Scenarios print to Options.Output as they finish, with godog's pretty formatter by
// default (the feature header once per feature, and a result line with the simulated
// and wall time and the seed under each scenario). -report.junit and -report.cucumber
// (or -godog.format=junit:FILE,cucumber:FILE) write one JUnit XML and one cucumber JSON
// report for the whole run: godog's reports of each one-scenario run, merged (see
// reports.go).
//
// # Standalone
//
// Main runs a suite as a program (cmd/scenario-runner), through testing.MainStart
// with a small implementation of the testing package's dependencies (see main.go).
package runner
