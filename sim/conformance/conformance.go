package conformance

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
)

// Env is what a case gets from its backend: clients, a namespace of its own, and a way to
// wait. A backend builds a new Env for every case.
type Env struct {
	// Client acts as cluster-admin.
	Client kubernetes.Interface
	// ClientFor returns a client acting as the given identity, e.g.
	// "system:serviceaccount:ns:sa" (with the groups a real server gives that identity). Nil
	// when the backend has no identities yet; cases that need it then skip.
	ClientFor func(user string) kubernetes.Interface
	// Namespace is a fresh Active namespace for this case alone.
	Namespace string
	// Backend names the API server: BackendSim, BackendEnvtest or BackendHTTP.
	Backend string
	// Eventually polls cond until it returns true or timeout passes, and fails the test
	// then (with cond's last error, if any). The timeout is simulated time on sim and real
	// time on envtest and sim-over-http. An error from cond does not stop the polling.
	Eventually func(t testing.TB, timeout time.Duration, cond func() (bool, error))
	// Controllers is true when the garbage collector, namespace controller etc. run
	// against this API server.
	Controllers bool
}

// Backend names.
const (
	BackendSim     = "sim"
	BackendEnvtest = "envtest"
	// BackendHTTP is the simulated API server behind kubeserver, reached by client-go
	// over HTTP in real time: what kubectl and Flink's CLIs see of flinksim up.
	BackendHTTP = "sim-over-http"
)

// Case is one named API-semantics expectation.
type Case struct {
	// Name is "<area>/<behaviour>", e.g. "create/generateName-assigns-unique-suffix".
	Name string
	// NeedsControllers marks cases that need the garbage collector or the namespace
	// controller; they skip on a backend whose Env.Controllers is false.
	NeedsControllers bool
	// SimOnly marks cases the real server cannot be made to show deterministically; the
	// case's Run documents why. They skip on envtest; they run on sim and on
	// sim-over-http (the simulator's semantics, served over HTTP).
	SimOnly bool
	// Run performs the case against env; it fails t when the backend disagrees.
	Run func(t *testing.T, env *Env)
}

// Skip reasons, worded once so a backend's skip list reads the same everywhere.
const (
	skipNoControllers = "no controllers run against this backend yet"
	skipNoIdentities  = "this backend has no per-identity clients (Env.ClientFor is nil)"
)

// Cases returns every case of the suite, in a stable order (grouped by area).
func Cases() []Case {
	var all []Case
	for _, group := range [][]Case{
		metaCases(),
		namespaceCases(),
		concurrencyCases(),
		patchCases(),
		listCases(),
		watchCases(),
		deleteCases(),
		gcCases(),
		podCases(),
		podSubresourceCases(),
		serviceCases(),
		configMapCases(),
		secretCases(),
		deploymentCases(),
		miscCases(),
		rbacCases(),
		contextCases(),
	} {
		all = append(all, group...)
	}
	return all
}

// Run runs every case of Cases as a subtest of t, each with a fresh Env from newEnv.
func Run(t *testing.T, newEnv func(t *testing.T) *Env) {
	t.Helper()
	for _, c := range Cases() {
		t.Run(c.Name, func(t *testing.T) {
			env := newEnv(t)
			switch {
			case c.NeedsControllers && !env.Controllers:
				t.Skip(skipNoControllers)
			case c.SimOnly && env.Backend != BackendSim && env.Backend != BackendHTTP:
				t.Skipf("kept for %s and %s only: the real server cannot be made to show this deterministically (see the case)", BackendSim, BackendHTTP)
			}
			c.Run(t, env)
		})
	}
}

var caseName = regexp.MustCompile(`^[a-z][a-z0-9]*/[A-Za-z0-9][A-Za-z0-9.-]*$`)

// validateCases reports what is wrong with a list of cases: a malformed or duplicate name
// or a missing Run.
func validateCases(cases []Case) error {
	var problems []string
	var seen []string
	for _, c := range cases {
		switch {
		case !caseName.MatchString(c.Name):
			problems = append(problems, fmt.Sprintf("case %q: name must match %s", c.Name, caseName))
		case slices.Contains(seen, c.Name):
			problems = append(problems, fmt.Sprintf("case %q: duplicate name", c.Name))
		case c.Run == nil:
			problems = append(problems, fmt.Sprintf("case %q: Run is nil", c.Name))
		}
		seen = append(seen, c.Name)
	}
	if len(problems) > 0 {
		return fmt.Errorf("invalid conformance cases:\n%s", strings.Join(problems, "\n"))
	}
	return nil
}
