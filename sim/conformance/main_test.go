package conformance

import (
	"fmt"
	"os"
	"runtime/pprof"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(stoppingM{m}, leakIgnores...)
}

// stoppingM runs the tests and then stops the shared real control plane, so goleak
// checks for leaks after it is gone.
type stoppingM struct{ m *testing.M }

func (s stoppingM) Run() int {
	code := s.m.Run()
	if err := stopControlPlane(); err != nil {
		fmt.Fprintf(os.Stderr, "stopping kube-apiserver and etcd: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
	return code
}

// leakIgnores names the goroutines that outlive a stopped envtest control plane.
var leakIgnores = []goleak.Option{}
