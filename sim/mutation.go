package sim

import (
	"os"
	"slices"
	"strings"
)

// MutationEnv names the environment variable that switches behaviours off on purpose,
// to prove that the scenarios which depend on them can fail: a comma-separated list
// of mutation names, e.g. FLINKSIM_MUTATE=gc.
const MutationEnv = "FLINKSIM_MUTATE"

// Mutated reports whether the named behaviour is switched off for this process.
// Known names: "gc" (the garbage collector observes but never deletes).
func Mutated(name string) bool {
	return slices.Contains(strings.Split(os.Getenv(MutationEnv), ","), name)
}
