// Package conformance is the judge of the simulated API server: named API-semantics cases,
// written once against kubernetes.Interface, with identical expectations for every backend.
//
// A backend runs the whole suite with Run, handing each case a fresh Env (a client, a fresh
// Active namespace, a way to wait). envtest_test.go runs it against a real kube-apiserver and
// etcd (built by hack/envtest-assets.sh) with the simulator's controllers running against
// that server (sim.Config.Backend, flinksim/sim/envtestbackend), in real time; sim_test.go
// runs it against the simulated API server, each case in a synctest bubble; http_test.go
// runs it against one simulated cluster served by flinksim/kubeserver (what flinksim up
// serves), with client-go over loopback HTTP in real time and per-identity clients that
// impersonate, so that the HTTP layer is held to the same semantics. Where sim and envtest
// disagree the real server is right: every expectation here, the garbage collector's and
// the namespace controller's (NeedsControllers) included, is checked against
// kube-apiserver v1.37.2 — except the one SimOnly case (run on sim and over HTTP), whose
// comment says why — and error messages are asserted by the fragments the real server words
// (field path and reason, e.g. `spec.containers[0].image: Required value`). A backend that
// builds its errors with k8s.io/apimachinery's field.ErrorList and apierrors.NewInvalid gets
// the wording for free.
//
// Controllers run against every backend, so a case must not race them: its pods name a
// scheduler nobody serves (unservedScheduler) and the nodes they are bound to do not exist
// (absentNode); a case that writes a Deployment it created retries on conflict
// (writeDeployment); what a deletion writes is read from a watch, not after it.
//
// Cases are grouped by area, one file each (cases_meta.go, cases_patch.go, …); a case's name
// is "<area>/<behaviour>" and states the expectation, so a failing name reads as the bug.
//
// What the suite does not cover, on purpose: managedFields contents (beyond server-side
// apply conflicts), admission plugins that envtest runs but no Flink code relies on
// (Priority, PodSecurity; DefaultTolerationSeconds is covered because taint-based eviction
// depends on it), and anything that needs a kubelet.
package conformance
