package localcluster

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flinksim/sim"
)

// kubectlPath is the real kubectl the end-to-end tests drive.
const kubectlPath = "/usr/bin/kubectl"

// upForTest starts a local cluster in real time on loopback and stops it when the test
// ends.
func upForTest(t *testing.T, cfg Config) *Cluster {
	t.Helper()
	if cfg.Kubeconfig == "" {
		cfg.Kubeconfig = filepath.Join(t.TempDir(), "kubeconfig")
	}
	if cfg.Nodes == nil {
		cfg.Nodes = []sim.NodeConfig{{Name: "node-1", CPU: "8", Memory: "32Gi"}, {Name: "node-2", CPU: "8", Memory: "32Gi"}}
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("flinksim up stopped with: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("flinksim up did not stop within 30 s of its context ending")
		}
	})
	return c
}

// kubectl runs the real kubectl against a cluster.
type kubectl struct {
	t          *testing.T
	kubeconfig string
	home       string
	env        []string
}

func newKubectl(t *testing.T, c *Cluster) *kubectl {
	t.Helper()
	if _, err := os.Stat(kubectlPath); err != nil {
		t.Skipf("%s is not installed (%v): the kubectl end-to-end test needs the real kubectl (apt-get install kubectl)", kubectlPath, err)
	}
	return &kubectl{t: t, kubeconfig: c.Kubeconfig(), home: t.TempDir()}
}

// try runs kubectl and returns its stdout, stderr and error.
func (k *kubectl) try(stdin string, args ...string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubectlPath, append([]string{"--kubeconfig", k.kubeconfig, "--request-timeout=30s"}, args...)...)
	// A home of its own, so kubectl's discovery cache starts empty and stays in the test.
	cmd.Env = append([]string{"HOME=" + k.home, "PATH=/usr/bin:/bin"}, k.env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// run runs kubectl and fails the test if it fails.
func (k *kubectl) run(args ...string) string {
	k.t.Helper()
	return k.runIn("", args...)
}

func (k *kubectl) runIn(stdin string, args ...string) string {
	k.t.Helper()
	out, errOut, err := k.try(stdin, args...)
	if err != nil {
		k.t.Fatalf("kubectl %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	if strings.Contains(errOut, "error") || strings.Contains(errOut, "rror:") {
		k.t.Errorf("kubectl %s printed an error on stderr:\n%s", strings.Join(args, " "), errOut)
	}
	return out
}

// eventually reruns kubectl until its output contains want, for up to a minute.
func (k *kubectl) eventually(want string, args ...string) string {
	k.t.Helper()
	deadline := time.Now().Add(time.Minute)
	var out, errOut string
	for time.Now().Before(deadline) {
		var err error
		out, errOut, err = k.try("", args...)
		if err == nil && strings.Contains(out, want) {
			return out
		}
		time.Sleep(250 * time.Millisecond)
	}
	k.t.Fatalf("kubectl %s did not show %q within a minute; last output:\n%s\n%s", strings.Join(args, " "), want, out, errOut)
	return ""
}

func mustContain(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("%s: the output lacks %q:\n%s", what, want, out)
		}
	}
}

const helloDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
  labels: {app: hello}
spec:
  replicas: 2
  selector:
    matchLabels: {app: hello}
  template:
    metadata:
      labels: {app: hello}
    spec:
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "echo hello from the simulated cluster; sleep 3600"]
        resources:
          requests: {cpu: 100m, memory: 64Mi}
`

func TestKubectlAgainstFlinksimUp(t *testing.T) {
	c := upForTest(t, Config{RBAC: true})
	k := newKubectl(t, c)

	out := k.run("version", "-o", "yaml")
	mustContain(t, "kubectl version", out, "serverVersion", "v1.37.2-flinksim")

	out = k.run("get", "nodes")
	mustContain(t, "kubectl get nodes", out, "NAME", "STATUS", "ROLES", "AGE", "VERSION", "node-1", "Ready", "v1.37.2")

	out = k.run("get", "pods")
	if strings.TrimSpace(out) != "" {
		t.Errorf("kubectl get pods on a fresh cluster printed %q, want nothing (No resources found goes to stderr)", out)
	}

	out = k.runIn(helloDeployment, "apply", "-f", "-")
	mustContain(t, "kubectl apply", out, "deployment.apps/hello created")
	out = k.run("rollout", "status", "deployment/hello", "--timeout=60s")
	mustContain(t, "kubectl rollout status", out, "successfully rolled out")
	k.run("wait", "--for=condition=Ready", "pod", "-l", "app=hello", "--timeout=60s")
	out = k.run("get", "pods")
	mustContain(t, "kubectl get pods", out, "NAME", "READY", "STATUS", "RESTARTS", "AGE", "hello-", "1/1", "Running")
	out = k.run("get", "pods", "-o", "wide")
	mustContain(t, "kubectl get pods -o wide", out, "IP", "NODE", "10.244.", "node-")
	out = k.run("get", "pods", "-A", "--show-labels")
	mustContain(t, "kubectl get pods -A --show-labels", out, "NAMESPACE", "default   ", "app=hello")
	out = k.run("get", "deployments")
	mustContain(t, "kubectl get deployments", out, "UP-TO-DATE", "AVAILABLE", "hello", "2/2")
	out = k.run("expose", "deployment", "hello", "--port=80", "--target-port=8080")
	mustContain(t, "kubectl expose", out, "service/hello exposed")
	out = k.run("get", "replicasets,services")
	mustContain(t, "kubectl get rs,svc", out, "DESIRED", "CURRENT", "replicaset.apps/hello-", "service/hello", "CLUSTER-IP", "10.96.", "80/TCP")

	// A re-apply of the same file is a no-op patch; a changed one patches.
	out = k.runIn(helloDeployment, "apply", "-f", "-")
	mustContain(t, "kubectl apply again", out, "deployment.apps/hello unchanged")
	out = k.runIn(strings.Replace(helloDeployment, "replicas: 2", "replicas: 1", 1), "apply", "-f", "-")
	mustContain(t, "kubectl apply of a change", out, "deployment.apps/hello configured")
	k.eventually("1/1", "get", "deployment", "hello")

	pod := strings.TrimSpace(k.run("get", "pods", "-l", "app=hello", "-o", "jsonpath={.items[0].metadata.name}"))
	out = k.eventually("hello from the simulated cluster", "logs", pod)
	out = k.run("logs", "deployment/hello")
	mustContain(t, "kubectl logs deployment/hello", out, "hello from the simulated cluster")

	_, errOut, err := k.try("", "exec", pod, "--", "ls")
	if err == nil || !strings.Contains(errOut, "flinksim does not serve pods/exec") {
		t.Errorf("kubectl exec: err %v, stderr %q; want flinksim's explanation", err, errOut)
	}
	out = k.run("describe", "pod", pod)
	mustContain(t, "kubectl describe pod", out, "Name:", pod, "Status:", "Running", "Containers:", "busybox", "Events:", "Scheduled")

	// ConfigMaps: create, edit (GET, then PATCH from what the editor changed), patch.
	out = k.run("create", "configmap", "settings", "--from-literal=mode=one")
	mustContain(t, "kubectl create configmap", out, "configmap/settings created")
	k.env = []string{"EDITOR=sed -i s/mode:\\ one/mode:\\ two/", "KUBE_EDITOR="}
	out = k.run("edit", "configmap", "settings")
	k.env = nil
	mustContain(t, "kubectl edit configmap", out, "configmap/settings edited")
	out = k.run("get", "configmap", "settings", "-o", "jsonpath={.data.mode}")
	if out != "two" {
		t.Errorf("after kubectl edit, data.mode = %q, want two", out)
	}
	k.run("patch", "configmap", "settings", "--type=merge", "-p", `{"data":{"mode":"three"}}`)
	k.run("patch", "configmap", "settings", "--type=json", "-p", `[{"op":"add","path":"/data/extra","value":"x"}]`)
	out = k.run("get", "configmap", "settings", "-o", "jsonpath={.data.mode},{.data.extra}")
	if out != "three,x" {
		t.Errorf("after the patches, data = %q, want three,x", out)
	}
	out = k.run("get", "configmap", "settings")
	mustContain(t, "kubectl get configmap", out, "DATA", "settings", "2")

	// Unknown fields are rejected as kubectl's strict validation asks.
	_, errOut, err = k.try("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: typo}\ndatta: {a: b}\n", "apply", "-f", "-")
	if err == nil || !strings.Contains(errOut, `unknown field "datta"`) {
		t.Errorf("kubectl apply of a ConfigMap with an unknown field: err %v, stderr %q; want a strict decoding error", err, errOut)
	}

	out = k.run("get", "events")
	mustContain(t, "kubectl get events", out, "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE", "pod/"+pod)

	// RBAC: the kubeconfig's user is cluster-admin; a service account may nothing
	// until a binding says so.
	out = k.run("auth", "can-i", "create", "pods")
	mustContain(t, "kubectl auth can-i", out, "yes")
	out, _, _ = k.try("", "auth", "can-i", "create", "pods", "--as=system:serviceaccount:default:flink")
	mustContain(t, "kubectl auth can-i --as flink before the binding", out, "no")
	out = k.run("create", "clusterrolebinding", "flink-role-binding-flink", "--clusterrole=edit", "--serviceaccount=default:flink")
	mustContain(t, "kubectl create clusterrolebinding", out, "clusterrolebinding.rbac.authorization.k8s.io/flink-role-binding-flink created")
	out = k.run("auth", "can-i", "create", "pods", "--as=system:serviceaccount:default:flink")
	mustContain(t, "kubectl auth can-i --as flink after the binding", out, "yes")
	out = k.run("get", "pods", "--as=system:serviceaccount:default:flink")
	mustContain(t, "kubectl get pods --as flink", out, "hello-")
	_, errOut, err = k.try("", "get", "nodes", "--as=system:serviceaccount:default:flink")
	if err == nil || !strings.Contains(errOut, "forbidden") {
		t.Errorf("kubectl get nodes as a service account with edit: err %v, stderr %q; want forbidden", err, errOut)
	}
	out = k.run("auth", "whoami")
	mustContain(t, "kubectl auth whoami", out, "system:admin", "system:masters")

	out = k.run("scale", "deployment/hello", "--replicas=3")
	mustContain(t, "kubectl scale", out, "deployment.apps/hello scaled")
	k.eventually("3/3", "get", "deployment", "hello")

	// Deleting the Deployment removes its ReplicaSet and pods (garbage collection).
	out = k.run("delete", "deployment/hello")
	mustContain(t, "kubectl delete deployment", out, `deployment.apps "hello" deleted`)
	deadline := time.Now().Add(time.Minute)
	for {
		out, _, _ = k.try("", "get", "pods,replicasets", "-l", "app=hello", "-o", "name")
		if strings.TrimSpace(out) == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pods and ReplicaSet of the deleted Deployment are still there after a minute:\n%s", out)
		}
		time.Sleep(250 * time.Millisecond)
	}
	k.run("delete", "configmap", "settings")
	_, errOut, err = k.try("", "get", "configmap", "settings")
	if err == nil || !strings.Contains(errOut, `configmaps "settings" not found`) {
		t.Errorf("kubectl get of a deleted ConfigMap: err %v, stderr %q; want NotFound", err, errOut)
	}
}

func TestKubectlOverPlainHTTP(t *testing.T) {
	c := upForTest(t, Config{HTTP: true})
	if !strings.HasPrefix(c.URL(), "http://127.0.0.1:") {
		t.Fatalf("URL %s, want plain HTTP on loopback", c.URL())
	}
	k := newKubectl(t, c)
	out := k.run("get", "nodes")
	mustContain(t, "kubectl get nodes over HTTP", out, "node-1", "Ready")
	out = k.run("auth", "whoami")
	mustContain(t, "kubectl auth whoami over HTTP", out, "system:admin")
}
