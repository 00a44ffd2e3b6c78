package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"flinksim/internal/syncbuf"
)

func runArgs(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestCommandLineMistakes(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nothing-here")
	bad := filepath.Join(t.TempDir(), "cluster.yaml")
	if err := os.WriteFile(bad, []byte("nodes:\n- cpu: many\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Commands:"},
		{[]string{"launch"}, 2, `unknown command "launch"`},
		{[]string{"up", "extra"}, 2, "up takes flags only"},
		{[]string{"up", "--nodes", "0", "--kubeconfig", missing}, 2, "give between 1 and 1000 nodes"},
		{[]string{"up", "--node-cpu", "lots", "--kubeconfig", missing}, 2, `cpu "lots" is not a quantity`},
		{[]string{"up", "--config", bad, "--kubeconfig", missing}, 1, `cpu "many" is not a quantity`},
		{[]string{"up", "--address", "0.0.0.0:0", "--kubeconfig", missing}, 1, "not a loopback address"},
		{[]string{"up", "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"status", "--kubeconfig", missing}, 1, "start the cluster with `flinksim up` first"},
		{[]string{"status", "--interval", "1ms", "--kubeconfig", missing}, 2, "too short"},
		{[]string{"port-forward", "service/x"}, 2, "give a Service and a port"},
		{[]string{"port-forward", "service/x", "http"}, 2, `port "http" is not a port number`},
		{[]string{"port-forward", "pod/x", "8081"}, 2, "flinksim forwards Services only"},
		{[]string{"port-forward", "svc/x", "8081", "--kubeconfig", missing}, 1, "start the cluster with `flinksim up` first"},
		{[]string{"fault"}, 2, "name a fault"},
		{[]string{"fault", "explode", "x"}, 2, `unknown fault "explode"`},
		{[]string{"fault", "crash"}, 2, "usage: flinksim fault crash <pod>"},
		{[]string{"fault", "partition", "a"}, 2, "usage: flinksim fault partition <podA> <podB>"},
		{[]string{"fault", "crash", "a", "--kubeconfig", missing}, 1, "start the cluster with `flinksim up` first"},
		{[]string{"fault", "kill-leader"}, 2, "usage: flinksim fault kill-leader <cluster-id> [--crash] [--exit-code N]"},
		{[]string{"fault", "kill-leader", "s", "--container", "c"}, 2, "--container does not apply to kill-leader"},
		{[]string{"fault", "hang", "a", "b"}, 2, "usage: flinksim fault hang <pod>"},
		{[]string{"fault", "-n", "x"}, 2, "name a fault"},
		{[]string{"fault", "--kubeconfig", missing, "-n", "x", "hang", "a"}, 1, "start the cluster with `flinksim up` first"},
		{[]string{"fault", "kill-leader", "s", "--crash", "--kubeconfig", missing}, 1, "start the cluster with `flinksim up` first"},
		{[]string{"up", "--bucket", "s3://a/b", "--kubeconfig", missing}, 1, "names a path inside a bucket"},
	} {
		code, stdout, stderr := runArgs(tc.args...)
		if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
			t.Errorf("flinksim %s: exit %d, output %q%q; want exit %d and %q", strings.Join(tc.args, " "), code, stdout, stderr, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("a refused flinksim up wrote %s", missing)
	}
}

func TestFaultHelpListsTheCatalogue(t *testing.T) {
	code, stdout, _ := runArgs("fault", "help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"kill-pod <pod>", "crash <pod>", "oom <pod>", "node-notready <node>", "partition <podA> <podB>", "api-errors",
		"hang <pod>", "resume <pod>", "partition-api <pod>", "heal-api <pod>", "kill-leader <cluster-id> [--crash]"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("flinksim fault help lacks %q:\n%s", want, stdout)
		}
	}
}

// flinksim up runs until its context ends, and its subcommands reach it through the
// kubeconfig it wrote.
func TestUpServesUntilCancelled(t *testing.T) {
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &readyWriter{marker: "Ctrl-C stops the cluster", ready: make(chan struct{})}
	var stderr syncbuf.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"up", "--kubeconfig", kubeconfig, "--nodes", "2", "--seed", "5", "--load-balancers", "", "--forward-any-port"}, stdout, &stderr)
	}()
	// flinksim up says when it serves; wait for that line instead of polling.
	select {
	case <-stdout.ready:
	case code := <-done:
		cancel()
		t.Fatalf("flinksim up exited with %d before serving:\n%s\n%s", code, stdout.String(), stderr.String())
	case <-time.After(30 * time.Second):
		cancel()
		<-done
		t.Fatalf("flinksim up did not serve within 30 s:\n%s\n%s", stdout.String(), stderr.String())
	}
	code, status, errOut := runArgs("status", "--kubeconfig", kubeconfig)
	if code != 0 {
		t.Errorf("flinksim status: exit %d: %s", code, errOut)
	}
	if !strings.Contains(status, "node-2  Ready") || !strings.Contains(status, "FLINK CLUSTERS\n(none") {
		t.Errorf("flinksim status:\n%s", status)
	}
	// As flinksim up says: export KUBECONFIG=…, and the commands find the cluster.
	t.Setenv("KUBECONFIG", kubeconfig)
	if code, out, errOut := runArgs("status"); code != 0 || !strings.Contains(out, "node-2  Ready") {
		t.Errorf("flinksim status with KUBECONFIG: exit %d: %s%s", code, out, errOut)
	}
	if code, out, errOut := runArgs("fault", "node-notready", "node-2"); code != 0 || !strings.Contains(out, "node node-2 stopped") {
		t.Errorf("flinksim fault node-notready: %d %q %q", code, out, errOut)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("flinksim up exited with %d:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("flinksim up did not stop within 30 s of Ctrl-C")
	}
	for _, want := range []string{"seed 5", "flinksim is up: Kubernetes API at https://127.0.0.1:", "export KUBECONFIG=" + kubeconfig,
		"export FLINK_HOME=" + filepath.Join(dir, "flink"), "flinksim stopped",
		"object store (high-availability.storageDir, kubernetes.artifacts.local-upload-target): file:/// shared by all pods, no buckets"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("flinksim up printed no %q:\n%s", want, stdout.String())
		}
	}
}

// readyWriter closes ready once marker has been written.
type readyWriter struct {
	syncbuf.Buffer
	marker string
	ready  chan struct{}
	once   sync.Once
}

func (r *readyWriter) Write(p []byte) (int, error) {
	n, err := r.Buffer.Write(p)
	if strings.Contains(r.String(), r.marker) {
		r.once.Do(func() { close(r.ready) })
	}
	return n, err
}

// The commands that use a running flinksim find its kubeconfig as kubectl does:
// --kubeconfig, then KUBECONFIG, then the default.
func TestKubeconfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	fromEnv, fromFlag, other := filepath.Join(dir, "from-env"), filepath.Join(dir, "from-flag"), filepath.Join(dir, "other")
	t.Setenv("KUBECONFIG", fromEnv)
	for _, args := range [][]string{{"status"}, {"fault", "crash", "a"}, {"port-forward", "svc/x", "8081"}} {
		name := strings.Join(args, " ")
		code, _, stderr := runArgs(args...)
		if code != 1 || !strings.Contains(stderr, "no kubeconfig at "+fromEnv) || !strings.Contains(stderr, "KUBECONFIG") {
			t.Errorf("flinksim %s with KUBECONFIG=%s: exit %d, %q; want exit 1 naming that file and KUBECONFIG", name, fromEnv, code, stderr)
		}
		code, _, stderr = runArgs(append(args, "--kubeconfig", fromFlag)...)
		if code != 1 || !strings.Contains(stderr, "no kubeconfig at "+fromFlag) || strings.Contains(stderr, fromEnv) {
			t.Errorf("flinksim %s --kubeconfig %s with KUBECONFIG set: exit %d, %q; want the flag to win", name, fromFlag, code, stderr)
		}
	}
	// A list of files, as kubectl takes: the first one that exists.
	if err := os.WriteFile(other, []byte("not yaml: ["), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", fromEnv+string(filepath.ListSeparator)+other)
	if code, _, stderr := runArgs("status"); code != 1 || !strings.Contains(stderr, "the kubeconfig "+other+" is not one flinksim up wrote") ||
		!strings.Contains(stderr, "(the kubeconfig from KUBECONFIG="+os.Getenv("KUBECONFIG")+")") {
		t.Errorf("flinksim status with KUBECONFIG=%s: exit %d, %q", os.Getenv("KUBECONFIG"), code, stderr)
	}
	t.Setenv("KUBECONFIG", filepath.Join(dir, "a")+string(filepath.ListSeparator)+filepath.Join(dir, "b"))
	if code, _, stderr := runArgs("status"); code != 1 || !strings.Contains(stderr, "none of the kubeconfigs in KUBECONFIG=") {
		t.Errorf("flinksim status with KUBECONFIG=%s: exit %d, %q", os.Getenv("KUBECONFIG"), code, stderr)
	}
	t.Setenv("KUBECONFIG", "")
	t.Setenv("HOME", dir) // the default kubeconfig is under it
	if code, _, stderr := runArgs("status"); code != 1 || !strings.Contains(stderr, "no kubeconfig at "+filepath.Join(dir, ".flinksim", "kubeconfig")) || strings.Contains(stderr, "KUBECONFIG") {
		t.Errorf("flinksim status with KUBECONFIG empty: exit %d, %q; want the default kubeconfig", code, stderr)
	}
}
