package localcluster

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"flinksim/cli"
	"flinksim/deployer"
	"flinksim/kubeclient"
	"flinksim/sim"
)

// TestHATakeover follows Flink's docs for a highly available session cluster on
// flinksim up's simulated cluster, in virtual time: kubernetes-session with
// high-availability.type=kubernetes, storage on the cluster's shared file:// and two
// JobManagers, a streaming job from the examples, then flinksim status and flinksim
// fault kill-leader as the commands do them — the fault parsed by ParseFault and sent
// by a Client through the control endpoint's handler, the status gathered by Gather
// and laid out by Render. Only the HTTP transport to flinksim up is left out (real
// sockets would stop virtual time).
func TestHATakeover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startHA(t, nil)
		const id = "ha-session"
		h.mustRun(cli.KubernetesSession, "-Dkubernetes.cluster-id="+id,
			"-Dhigh-availability.type=kubernetes", "-Dhigh-availability.storageDir=file:///flink-ha",
			"-Dkubernetes.jobmanager.replicas=2")
		within(t, 2*time.Minute, "the session cluster's REST endpoint answers", func() (bool, string) {
			out, code := h.run(cli.Flink, "list", "--target", "kubernetes-session", "-Dkubernetes.cluster-id="+id)
			return code == 0, out
		})
		h.mustRun(cli.Flink, "run", "--detached", "--target", "kubernetes-session", "-Dkubernetes.cluster-id="+id,
			"./examples/streaming/TopSpeedWindowing.jar")
		h.jobRuns(id, "after the submission")

		first := h.leads(id, "a JobManager leads", func(Leader) bool { return true })
		view := Render(h.snapshot(), time.Now())
		mustContain(t, "flinksim status", view, fmt.Sprintf("leader: %s (lock identity %s)", first.Pod, first.Identity))

		// Graceful: the pod is deleted, its JobManager gives up the leadership as it stops.
		msg := h.fault("kill-leader", id)
		mustContain(t, "flinksim fault kill-leader", msg, "the leader of "+id+", JobManager pod default/"+first.Pod, "deleted")
		second := h.leads(id, "the standby takes over from "+first.Pod, otherPod(first))
		h.jobRuns(id, "after the graceful takeover")
		if view := Render(h.snapshot(), time.Now()); !strings.Contains(view, "leader: "+second.Pod) {
			t.Errorf("flinksim status does not show the new leader %s:\n%s", second.Pod, view)
		}

		// --crash: the process dies holding the lock; once the lease ran out another
		// process leads: the standby, or the crashed pod's restarted container.
		msg = h.fault("kill-leader", id, "--crash", "--exit-code", "3")
		mustContain(t, "flinksim fault kill-leader --crash", msg, second.Pod, "crashed with exit code 3")
		third := h.leads(id, "another JobManager process takes over from the crashed one in "+second.Pod, otherIdentity(second))
		h.jobRuns(id, "after the takeover from a crashed leader")

		// partition-api: the leader cannot renew its lease, so it steps down and the
		// standby (the restarted crashed one) leads; heal-api lets it back.
		msg = h.fault("partition-api", third.Pod)
		mustContain(t, "flinksim fault partition-api", msg, "cut off from the API server")
		h.leads(id, "a standby takes over from "+third.Pod+", which lost the API server", otherPod(third))
		mustContain(t, "flinksim fault heal-api", h.fault("heal-api", third.Pod), "reaches the API server again")
		h.jobRuns(id, "after the takeover from a leader cut off from the API server")

		// hang and resume the TaskManager: the pod keeps Running.
		tm := id + "-taskmanager-1-1"
		mustContain(t, "flinksim fault hang", h.fault("hang", tm), "hangs")
		mustContain(t, "flinksim fault resume", h.fault("resume", tm), "resumed")
	})
}

// TestHAApplicationOnS3: an HA application cluster keeps its HA data in an s3://
// bucket of flinksim up's object store (with the S3 plugin enabled, as Flink's docs
// say), its job jar uploaded there by flink run (kubernetes.artifacts.local-upload-*),
// and survives the loss of its leader.
func TestHAApplicationOnS3(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startHA(t, []string{"s3://flink-ha", "flink-artifacts"})
		const id, plugin = "ha-app", "flink-s3-fs-hadoop-2.0-SNAPSHOT.jar"
		h.mustRun(cli.Flink, "run", "--target", "kubernetes-application", "-Dkubernetes.cluster-id="+id,
			"-Dhigh-availability.type=kubernetes", "-Dhigh-availability.storageDir=s3://flink-ha/recovery",
			"-Dkubernetes.jobmanager.replicas=2",
			"-Dcontainerized.master.env.ENABLE_BUILT_IN_PLUGINS="+plugin, "-Dcontainerized.taskmanager.env.ENABLE_BUILT_IN_PLUGINS="+plugin,
			"-Dkubernetes.artifacts.local-upload-enabled=true", "-Dkubernetes.artifacts.local-upload-target=s3://flink-artifacts/jars",
			"local://"+filepath.Join(h.home, "examples/streaming/TopSpeedWindowing.jar"))
		if ok, err := h.c.store.Exists(context.Background(), "s3://flink-artifacts/jars/TopSpeedWindowing.jar"); !ok {
			t.Fatalf("flink run uploaded no jar to s3://flink-artifacts/jars (%v); the store holds %q", err, h.c.store.Files())
		}
		h.jobRuns(id, "in the application cluster", "--target", "kubernetes-application")
		first := h.leads(id, "a JobManager leads", func(Leader) bool { return true })
		var haFiles []string
		for _, f := range h.c.store.Files() {
			if strings.HasPrefix(f, "s3://flink-ha/recovery/") {
				haFiles = append(haFiles, f)
			}
		}
		if len(haFiles) == 0 {
			t.Fatalf("no HA data under s3://flink-ha/recovery: the store holds %q", h.c.store.Files())
		}
		h.fault("kill-leader", id)
		h.leads(id, "the standby takes over from "+first.Pod, otherPod(first))
		h.jobRuns(id, "after the takeover", "--target", "kubernetes-application")
	})
}

// TestFaultMistakes: the control endpoint says what is wrong with a fault it cannot
// carry out.
func TestFaultMistakes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startHA(t, nil)
		ctx := context.Background()
		kube := h.c.sim.Client()
		zero := int32(0)
		for _, name := range []string{"plain", "unled", "gone"} {
			labels := map[string]string{"app": name, "type": "flink-native-kubernetes"}
			if _, err := kube.AppsV1().Deployments("default").Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
				Spec: appsv1.DeploymentSpec{Replicas: &zero, Selector: &metav1.LabelSelector{MatchLabels: labels},
					Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
						Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}}}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		for name, annotations := range map[string]map[string]string{
			"unled": {"control-plane.alpha.kubernetes.io/leader": `{"holderIdentity":"","leaseDuration":15.0}`},
			"gone":  {"control-plane.alpha.kubernetes.io/leader": `{"holderIdentity":"c0ffee","leaseDuration":15.0}`},
		} {
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name + "-cluster-config-map", Annotations: annotations}}
			if name == "gone" {
				cm.Data = map[string]string{"org.apache.flink.k8s.leader.restserver": "9d9c2f8e-3f51-4b8a-9b7e-1d2f6f6b2a10,http://10.244.9.9:8081"}
			}
			if _, err := kube.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			f    Fault
			want string
		}{
			{Fault{Kind: "kill-leader", Cluster: "nobody"}, `no Flink cluster "nobody" in namespace default`},
			{Fault{Kind: "kill-leader", Cluster: "plain"}, "runs without Kubernetes HA (no ConfigMap plain-cluster-config-map)"},
			{Fault{Kind: "kill-leader", Cluster: "unled"}, "no JobManager of default/unled leads right now"},
			{Fault{Kind: "kill-leader", Cluster: "gone"}, "is at http://10.244.9.9:8081, but no JobManager pod has that address"},
			{Fault{Kind: "kill-leader"}, "kill-leader needs a cluster-id: flinksim fault kill-leader <cluster-id>"},
			{Fault{Kind: "hang", Pod: "nobody"}, `pods "nobody" not found`},
			{Fault{Kind: "resume"}, "resume needs a pod"},
			{Fault{Kind: "partition-api", Pod: "nobody"}, `pods "nobody" not found`},
			{Fault{Kind: "heal-api", Pod: "nobody", Namespace: "elsewhere"}, `pods "nobody" not found`},
			{Fault{Kind: "explode"}, `unknown fault "explode": choose one of kill-pod, crash`},
		} {
			if msg, err := h.client.Inject(ctx, tc.f); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Inject(%+v) = %q, %v; want an error with %q", tc.f, msg, err, tc.want)
			}
		}
	})
}

// haWorld is flinksim up without its HTTP side, in a synctest bubble, and a user's
// machine: a Flink home, a kubeconfig, the CLIs and a flinksim Client.
type haWorld struct {
	t      *testing.T
	c      *Cluster
	client *Client
	home   string
	env    map[string]string
	rest   *http.Client
}

func startHA(t *testing.T, buckets []string) *haWorld {
	t.Helper()
	c, err := newSimulation(Config{Seed: 7, Buckets: buckets, Nodes: []sim.NodeConfig{{Name: "node-1", CPU: "8", Memory: "32Gi"}, {Name: "node-2", CPU: "8", Memory: "32Gi"}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.sim.Start(ctx) }()
	dir := t.TempDir()
	h := &haWorld{t: t, c: c, home: filepath.Join(dir, "flink"),
		// Requests from the host enter the cluster network from an address of their own.
		rest: &http.Client{Transport: &http.Transport{DialContext: c.sim.Network().Host("10.244.250.250").DialContext}, Timeout: time.Minute}}
	t.Cleanup(func() {
		h.rest.CloseIdleConnections()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the simulated cluster stopped with: %v", err)
		}
	})
	if err := writeFlinkHome(h.home); err != nil {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := writeKubeconfig(kubeconfig, "https://127.0.0.1:6443", "token", nil); err != nil {
		t.Fatal(err)
	}
	h.env = map[string]string{"KUBECONFIG": kubeconfig, "FLINK_HOME": h.home, "HOME": dir}
	h.client = &Client{config: &rest.Config{Host: "https://127.0.0.1:6443"}, Kube: c.sim.Client(),
		http: &http.Client{Transport: handlerTransport{c.controlHandler()}}}
	within(t, time.Minute, "the nodes are Ready and the kubelet runs", func() (bool, string) {
		nodes, err := c.sim.Client().CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
		return err == nil && len(nodes.Items) == 2 && c.sim.Kubelet() != nil, fmt.Sprint(err)
	})
	return h
}

// run runs a Flink CLI as a user does from $FLINK_HOME.
func (h *haWorld) run(main func(context.Context, cli.Env) int, args ...string) (string, int) {
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := main(ctx, cli.Env{Args: args, Stdout: &out, Stderr: &out, HTTP: h.rest,
		LookupEnv: func(key string) (string, bool) { v, ok := h.env[key]; return v, ok },
		Getwd:     func() (string, error) { return h.home, nil },
		ReadFile: func(p string) ([]byte, error) {
			if !filepath.IsAbs(p) {
				p = filepath.Join(h.home, p)
			}
			return os.ReadFile(p)
		},
		Kubernetes: func(*kubeclient.Target) (kubernetes.Interface, error) { return h.c.sim.Client(), nil },
		// What ArtifactsFor makes of flinksim up's kubeconfig: a Client of its object store.
		ArtifactsFor: func(*kubeclient.Target) (deployer.ArtifactStore, error) { return h.client, nil },
	})
	return out.String(), code
}

func (h *haWorld) mustRun(main func(context.Context, cli.Env) int, args ...string) string {
	h.t.Helper()
	out, code := h.run(main, args...)
	if code != 0 {
		h.t.Fatalf("%s exited with %d:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// fault runs flinksim fault's parsing and sends the fault as the command does.
func (h *haWorld) fault(args ...string) string {
	h.t.Helper()
	fs := flag.NewFlagSet("flinksim fault", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("kubeconfig", "", "")
	f, err := ParseFault(args, fs)
	if err != nil {
		h.t.Fatalf("flinksim fault %s: %v", strings.Join(args, " "), err)
	}
	msg, err := h.client.Inject(context.Background(), f)
	if err != nil {
		h.t.Fatalf("flinksim fault %s: %v\n%s", strings.Join(args, " "), err, Render(h.snapshot(), time.Now()))
	}
	return msg
}

func (h *haWorld) snapshot() *Snapshot {
	h.t.Helper()
	s, err := Gather(context.Background(), h.client, h.rest)
	if err != nil {
		h.t.Fatalf("flinksim status: %v", err)
	}
	return s
}

// leads waits until a JobManager pod leads cluster id, as flinksim status sees it,
// and accept takes that leader.
func (h *haWorld) leads(id, what string, accept func(Leader) bool) Leader {
	h.t.Helper()
	var l Leader
	within(h.t, 2*time.Minute, what, func() (bool, string) {
		s := h.snapshot()
		var held bool
		l, _, held = findLeader(s.ConfigMaps, s.Pods, "default", id)
		return held && l.Pod != "" && !l.Terminating && accept(l), describeLeader(s.ConfigMaps, s.Pods, "default", id)
	})
	h.t.Logf("%s: %s leads (lock identity %s)", what, l.Pod, l.Identity)
	return l
}

func otherPod(before Leader) func(Leader) bool {
	return func(l Leader) bool { return l.Pod != before.Pod }
}

func otherIdentity(before Leader) func(Leader) bool {
	return func(l Leader) bool { return l.Identity != before.Identity }
}

// jobRuns waits until flink list shows the example job RUNNING (the target is
// kubernetes-session unless given).
func (h *haWorld) jobRuns(id, when string, target ...string) {
	h.t.Helper()
	if len(target) == 0 {
		target = []string{"--target", "kubernetes-session"}
	}
	within(h.t, 2*time.Minute, "the job runs "+when, func() (bool, string) {
		out, _ := h.run(cli.Flink, append([]string{"list", "-Dkubernetes.cluster-id=" + id}, target...)...)
		return strings.Contains(out, "CarTopSpeedWindowingExample (RUNNING)"), out
	})
}

// within polls cond in virtual time (the test runs in a synctest bubble).
func within(t *testing.T, d time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		synctest.Wait()
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s (last seen: %s)", d, what, why)
		}
		time.Sleep(time.Second)
	}
}

// handlerTransport carries a Client's requests straight to the control endpoint's
// handler, as flinksim up's API server would after authenticating the admin.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	return rec.Result(), nil
}
