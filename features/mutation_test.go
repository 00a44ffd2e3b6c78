package features_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"flinksim/internal/mutation"
)

// TestMutationsMakeScenariosFail proves that scenarios can fail: with a behaviour
// switched off (FLINKSIM_MUTATE, see package internal/mutation), a scenario that
// depends on it must fail, and fail for the expected reason. Each case reruns this
// test binary on one scenario with the mutation set.
func TestMutationsMakeScenariosFail(t *testing.T) {
	if os.Getenv(mutation.Env) != "" {
		t.Skip("already inside a mutated run")
	}
	for _, m := range []struct {
		mutation string
		scenario string // -test.run pattern below TestFeatures
		want     string // what the failure must say
	}{
		{mutation.GC,
			"^Session_cluster_on_native_Kubernetes$/^Deleting_the_JobManager_Deployment_removes_the_whole_cluster$",
			`nothing labelled "app=my-session" remains`},
		{mutation.PodReplacement,
			"^TaskManager_pod_failures$/^A_crashed_TaskManager_pod_is_replaced_with_the_next_index_and_the_job_restarts$",
			`the TaskManager pods of "my-session" are my-session-taskmanager-1-2, my-session-taskmanager-1-3`},
		{mutation.IdleRelease,
			"^TaskManager_pods_on_demand$/^Idle_TaskManagers_are_released_after_resourcemanager.taskmanager-timeout$",
			`no TaskManager pod of "my-session" remains`},
		{mutation.FailureRate,
			"^TaskManager_pod_failures$/^Reaching_the_maximum_start_failure_rate_pauses_pod_creation_for_the_retry_interval$",
			`the TaskManager pod creations of "my-session" were attempted at +0s, +0s, +0s, +0s, +0s, +0s`},
		{mutation.LeaderTakeover,
			"^Kubernetes_HA_failover$/^A_crashed_leader_does_not_release_the_lock",
			`a new JobManager of "my-session" leads`},
		{mutation.PendingSpares,
			"^TaskManager_pod_failures$/^Redundant_TaskManagers_that_cannot_be_scheduled_stay_Pending",
			`want my-session-taskmanager-1-1, my-session-taskmanager-1-2, my-session-taskmanager-1-3, my-session-taskmanager-1-4`},
		{mutation.IdempotentAdd,
			"^Kubernetes_HA_failover$/^A_checkpoint_whose_pointer_was_stored_but_whose_response_was_lost",
			`whose pointer write lost its response, FAILED`},
	} {
		t.Run(m.mutation, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestFeatures$/"+m.scenario, "-test.count=1")
			cmd.Env = append(os.Environ(), mutation.Env+"="+m.mutation)
			out, err := cmd.CombinedOutput()
			if !strings.Contains(string(out), "Scenario:") {
				t.Fatalf("the pattern %q selected no scenario:\n%s", m.scenario, out)
			}
			if err == nil {
				t.Fatalf("with %s=%s the scenario still passed:\n%s", mutation.Env, m.mutation, out)
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
