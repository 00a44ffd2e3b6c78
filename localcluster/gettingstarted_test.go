package localcluster

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flinksim/cli"
	"flinksim/portforward"
)

// TestGettingStarted walks the Getting Started section of Flink's Native Kubernetes
// page against flinksim up, with the real kubectl and this project's flink and
// kubernetes-session (package cli, in-process): the steps README.md's Try it section lists.
func TestGettingStarted(t *testing.T) {
	home := filepath.Join(t.TempDir(), "flink")
	c := upForTest(t, Config{RBAC: true, FlinkHome: home, ForwardRESTServices: true, LoadBalancers: "127.0.77.0/24"})
	k := newKubectl(t, c)
	restHTTP := &http.Client{Timeout: 30 * time.Second}
	t.Cleanup(restHTTP.CloseIdleConnections)

	// Flink's CLIs as a user runs them from $FLINK_HOME, with KUBECONFIG exported.
	flinkCLI := func(main func(context.Context, cli.Env) int, args ...string) (string, int) {
		t.Helper()
		var out bytes.Buffer
		env := map[string]string{"KUBECONFIG": c.Kubeconfig(), "FLINK_HOME": home, "HOME": t.TempDir()}
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		code := main(ctx, cli.Env{Args: args, Stdout: &out, Stderr: &out, HTTP: restHTTP,
			LookupEnv: func(key string) (string, bool) { v, ok := env[key]; return v, ok },
			Getwd:     func() (string, error) { return home, nil },
			// Relative paths from $FLINK_HOME, the working directory of the walk.
			ReadFile: func(p string) ([]byte, error) {
				if !filepath.IsAbs(p) {
					p = filepath.Join(home, p)
				}
				return os.ReadFile(p)
			}})
		return out.String(), code
	}
	mustRun := func(main func(context.Context, cli.Env) int, args ...string) string {
		t.Helper()
		out, code := flinkCLI(main, args...)
		if code != 0 {
			t.Fatalf("%s exited with %d:\n%s", strings.Join(args, " "), code, out)
		}
		return out
	}

	// RBAC: the JobManager runs as default/default and creates the TaskManager pods.
	k.run("create", "clusterrolebinding", "flink-role-binding-default", "--clusterrole=edit", "--serviceaccount=default:default")

	out := mustRun(cli.KubernetesSession, "-Dkubernetes.cluster-id=my-first-flink-cluster", "-Dkubernetes.rest-service.exposed.type=LoadBalancer")
	// The URL it prints is the load balancer's if the ingress was already published,
	// else (as Flink falls back) a node's address.
	mustContain(t, "kubernetes-session", out, "Create flink session cluster my-first-flink-cluster successfully")
	k.eventually("1/1", "get", "deployment", "my-first-flink-cluster")
	k.eventually("127.0.77.", "get", "service", "my-first-flink-cluster-rest")

	out = mustRun(cli.Flink, "run", "--detached", "--target", "kubernetes-session", "-Dkubernetes.cluster-id=my-first-flink-cluster",
		"./examples/streaming/TopSpeedWindowing.jar")
	mustContain(t, "flink run", out, "Job has been submitted with JobID")

	// The JobManager asks for a TaskManager for the job's slot; both pods run.
	t.Cleanup(func() {
		if t.Failed() {
			jm, _, _ := k.try("", "logs", "deployment/my-first-flink-cluster")
			events, _, _ := k.try("", "get", "events")
			t.Logf("JobManager log:\n%s\nevents:\n%s", jm, events)
		}
	})
	k.eventually("Running", "get", "pods", "-l", "app=my-first-flink-cluster,component=taskmanager")
	out = k.run("get", "pods")
	mustContain(t, "kubectl get pods", out, "my-first-flink-cluster-", "my-first-flink-cluster-taskmanager-1-1", "Running")
	if strings.Count(out, "Running") < 2 {
		t.Errorf("kubectl get pods should show the JobManager and the TaskManager Running:\n%s", out)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		out = mustRun(cli.Flink, "list", "--target", "kubernetes-session", "-Dkubernetes.cluster-id=my-first-flink-cluster")
		if strings.Contains(out, "CarTopSpeedWindowingExample (RUNNING)") || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	mustContain(t, "flink list", out, "CarTopSpeedWindowingExample (RUNNING)")

	// The REST Service is also forwarded to a loopback port, for -m (the ClusterIP way).
	var forward portforward.Forward
	for _, f := range c.Forwards() {
		if f.Service == "my-first-flink-cluster-rest" && !f.LoadBalancer {
			forward = f
		}
	}
	if forward.Local == "" {
		t.Fatalf("no port-forward of my-first-flink-cluster-rest among %v", c.Forwards())
	}
	out = mustRun(cli.Flink, "list", "-m", forward.Local)
	mustContain(t, "flink list -m <forward>", out, "CarTopSpeedWindowingExample (RUNNING)")

	// flinksim status sees the cluster, its pods and its job.
	client, err := Dial(c.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	snap, err := Gather(context.Background(), client, restHTTP)
	if err != nil {
		t.Fatal(err)
	}
	view := Render(snap, time.Now())
	mustContain(t, "flinksim status", view, "FLINK CLUSTER my-first-flink-cluster", "jobmanager", "taskmanager", "CarTopSpeedWindowingExample", "RUNNING")

	// flinksim port-forward of the same Service port gives the open forward.
	again, err := client.Forward(context.Background(), ForwardRequest{Namespace: "default", Service: "my-first-flink-cluster-rest", Port: 8081})
	if err != nil || again != forward {
		t.Errorf("flinksim port-forward of the forwarded REST Service: %v, %v; want %v", again, err, forward)
	}

	// Kill the TaskManager: the JobManager's resource manager asks for a new one.
	msg, err := client.Inject(context.Background(), Fault{Kind: "kill-pod", Pod: "my-first-flink-cluster-taskmanager-1-1"})
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "flinksim fault kill-pod", msg, "pod default/my-first-flink-cluster-taskmanager-1-1 killed")
	k.eventually("Running", "get", "pods", "my-first-flink-cluster-taskmanager-1-2")

	out = k.run("delete", "deployment/my-first-flink-cluster")
	mustContain(t, "kubectl delete deployment", out, `deployment.apps "my-first-flink-cluster" deleted`)
	deadline = time.Now().Add(time.Minute)
	for {
		out, _, _ = k.try("", "get", "pods,services,configmaps", "-l", "app=my-first-flink-cluster", "-o", "name")
		if strings.TrimSpace(out) == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a minute after kubectl delete deployment/my-first-flink-cluster these are still there:\n%s", out)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
