package sim

import "flinksim/internal/mutation"

// MutationEnv names the environment variable that switches behaviours off on purpose,
// to prove that the scenarios which depend on them can fail: a comma-separated list
// of mutation names, e.g. FLINKSIM_MUTATE=gc. See package internal/mutation.
const MutationEnv = mutation.Env

// Mutated reports whether the named behaviour is switched off for this process.
// The simulator's own: "gc" (the garbage collector observes but never deletes).
func Mutated(name string) bool { return mutation.On(name) }
