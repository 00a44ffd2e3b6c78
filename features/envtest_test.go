package features_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"flinksim/flinkimage"
	"flinksim/scenarios"
	"flinksim/scenarios/runner"
	"flinksim/sim"
	"flinksim/sim/envtestbackend"
)

// requireEnvtestVar, when "1", turns missing kube-apiserver and etcd binaries into a
// failure instead of a skip (make test sets it).
const requireEnvtestVar = "FLINKSIM_REQUIRE_ENVTEST"

// envtestTag selects the scenarios that also run against a real kube-apiserver.
const envtestTag = "@envtest"

// TestFeaturesEnvtest runs the scenarios tagged @envtest against a real kube-apiserver
// and etcd (sim/envtestbackend), with the simulator's controllers, nodes and kubelet
// running against that server, in real time. One server and one simulated cluster of
// three default nodes serve every scenario, each in a namespace of its own that is
// deleted after it (see scenarios.SharedCluster). Waits ("within 2 minutes …") keep
// their limit and end as soon as the condition holds; a fixed wait longer than 30
// seconds fails the scenario, as do steps that need the simulated API server (faults
// of the API, the request log), a cluster of another shape, or a disabled garbage
// collector: tag only scenarios that run in a few seconds of real time.
//
//	go test ./features -run TestFeaturesEnvtest -v
func TestFeaturesEnvtest(t *testing.T) {
	dir, err := envtestbackend.FindAssets()
	if err != nil {
		if os.Getenv(requireEnvtestVar) == "1" {
			t.Fatalf("%v (%s=1 requires the real API server)", err, requireEnvtestVar)
		}
		t.Skipf("%v; set %s=1 to make this a failure", err, requireEnvtestVar)
	}
	backend, err := envtestbackend.Start(envtestbackend.Config{AssetsDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := backend.Stop(); err != nil {
			t.Error(err)
		}
	})
	cfg := sim.Config{Seed: runner.DefaultBaseSeed, Backend: backend, Images: flinkimage.Images()}
	cluster, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- cluster.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-stopped; err != nil {
			t.Errorf("the simulated cluster on kube-apiserver: %v", err)
		}
	})
	shared := &scenarios.SharedCluster{Cluster: cluster, Config: cfg}

	o := options
	o.RealTime = true
	o.Tags = withTag(envtestTag, options.Tags)
	o.RerunCommand = "go test ./features -run"
	runner.Run(t, runner.Suite{
		Name:        "flinksim on kube-apiserver",
		NewScenario: func(seed int64) runner.Scenario { return scenarios.NewWorldOn(seed, shared) },
	}, o)
}

// withTag narrows a godog tag expression to the scenarios that also carry tag. godog's
// expressions are alternatives (",") of conjunctions ("&&") without parentheses, so the
// tag joins every alternative.
func withTag(tag, expr string) string {
	if strings.TrimSpace(expr) == "" {
		return tag
	}
	var alts []string
	for alt := range strings.SplitSeq(expr, ",") {
		alts = append(alts, tag+" && "+strings.TrimSpace(alt))
	}
	return strings.Join(alts, ",")
}

func TestWithTag(t *testing.T) {
	for expr, want := range map[string]string{
		"":             "@envtest",
		"@session":     "@envtest && @session",
		"@a && ~@b,@c": "@envtest && @a && ~@b,@envtest && @c",
	} {
		if got := withTag("@envtest", expr); got != want {
			t.Errorf("withTag(%q) = %q, want %q", expr, got, want)
		}
	}
}
