package features_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"flinksim/sim"
)

// TestMutationsMakeScenariosFail proves that scenarios can fail: with a behaviour
// switched off (FLINKSIM_MUTATE), the scenario that depends on it must fail. Each case
// reruns this test binary on one scenario with the mutation set.
func TestMutationsMakeScenariosFail(t *testing.T) {
	if os.Getenv(sim.MutationEnv) != "" {
		t.Skip("already inside a mutated run")
	}
	for _, m := range []struct {
		mutation string
		scenario string // -test.run pattern below TestFeatures
		want     string // what the failure must say
	}{
		{"gc", "^Session_cluster_on_native_Kubernetes$/^Deleting_the_JobManager_Deployment_removes_the_whole_cluster$", `nothing labelled "app=my-session" remains`},
	} {
		t.Run(m.mutation, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestFeatures$/"+m.scenario, "-test.count=1")
			cmd.Env = append(os.Environ(), sim.MutationEnv+"="+m.mutation)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("with %s=%s the scenario still passed:\n%s", sim.MutationEnv, m.mutation, out)
			}
			if !strings.Contains(string(out), m.want) {
				t.Fatalf("the mutated run failed, but not because %q:\n%s", m.want, out)
			}
			if !strings.Contains(string(out), "seed") {
				t.Fatalf("the failure does not print its seed:\n%s", out)
			}
		})
	}
}
