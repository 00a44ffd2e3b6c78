// Package features holds the Gherkin feature files and the test that runs them, each
// scenario in its own testing/synctest bubble (virtual time).
//
// # Mutation check
//
// TestMutationsMakeScenariosFail proves that the scenarios can fail. For each
// behaviour named in package internal/mutation (gc, pod-replacement, idle-release,
// failure-rate, leader-takeover) it reruns this test binary on one scenario that relies on the
// behaviour, with FLINKSIM_MUTATE=<name> in the environment, which switches the
// behaviour off at the one place it happens (the garbage collector's deletions, the
// resource manager's request for a pod after a TaskManager was lost, its release of
// idle TaskManagers, its start-failure cool-down, a standby's takeover of an expired
// lease). The check passes only if the
// mutated scenario fails, with the expected message and its seed. By hand:
//
//	FLINKSIM_MUTATE=idle-release go test ./features -run 'TestFeatures/^TaskManager_pods_on_demand$'
package features
