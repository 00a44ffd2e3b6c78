package conformance

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks for leaked goroutines after every test has run and the shared real
// control plane is stopped. No goleak ignore options are needed: measured with
// controller-runtime v0.25.2 and client-go v0.37.2, once envtest's Stop has killed
// kube-apiserver and etcd, nothing of envtest or client-go is left running (client
// connections end with the server, every watch is stopped by its case's cleanup). Should a
// later version leave one, name its function here with goleak.IgnoreTopFunction.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(stoppingM{m})
}

// stoppingM runs the tests and then stops the shared real control plane and the shared
// cluster served over HTTP, so goleak checks for leaks after they are gone.
type stoppingM struct{ m *testing.M }

func (s stoppingM) Run() int {
	code := s.m.Run()
	if err := stopControlPlane(); err != nil {
		fmt.Fprintf(os.Stderr, "stopping kube-apiserver and etcd: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	if err := stopServedCluster(); err != nil {
		fmt.Fprintf(os.Stderr, "stopping the cluster served over HTTP: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}
