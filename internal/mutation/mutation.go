// Package mutation switches behaviours off on purpose, to prove that the scenarios
// which depend on them can fail (mutation testing by hand). It is neutral ground: both
// the simulated cluster (sim) and the Flink side (resourcemanager, ha) read it, and it
// imports nothing of the project.
//
// The switch is the environment variable FLINKSIM_MUTATE, a comma-separated list of
// names, e.g. FLINKSIM_MUTATE=gc,idle-release. Each name is checked at the one place
// where its behaviour happens:
//
//	gc               sim/gc: the garbage collector observes but never deletes
//	pod-replacement  resourcemanager: a lost TaskManager is not replaced by a new pod
//	idle-release     resourcemanager: idle TaskManagers are never released
//	                 (resourcemanager.taskmanager-timeout has no effect)
//	failure-rate     resourcemanager: reaching resourcemanager.start-worker.max-failure-rate
//	                 starts no cool-down (new pods are requested at once)
//	pending-spares   resourcemanager: the periodic check does not count pending
//	                 TaskManagers as spares (slotmanager.redundant-taskmanager-num), so
//	                 spares that stay Pending are requested again on every check (Flink
//	                 before FLINK-31498)
//	leader-takeover  ha: a JobManager never takes the lock over from another holder, even
//	                 when that holder's lease has expired (standbys stay standbys)
//	idempotent-add   ha: a state-handle store write retried after its response was lost
//	                 finds its own pointer and fails with "already exists", discarding
//	                 the state the pointer names (Flink before FLINK-28265)
//
// features/mutation_test.go runs, for each name, a scenario that relies on the
// behaviour with the mutation set and checks that it fails, and fails for the expected
// reason.
package mutation

import (
	"os"
	"slices"
	"strings"
)

// Env names the environment variable that lists the mutations.
const Env = "FLINKSIM_MUTATE"

// The known mutations.
const (
	GC             = "gc"
	PodReplacement = "pod-replacement"
	IdleRelease    = "idle-release"
	FailureRate    = "failure-rate"
	LeaderTakeover = "leader-takeover"
	IdempotentAdd  = "idempotent-add"
	PendingSpares  = "pending-spares"
)

// On reports whether the named behaviour is switched off for this process.
func On(name string) bool {
	v := os.Getenv(Env)
	return v != "" && slices.Contains(strings.Split(v, ","), name)
}
