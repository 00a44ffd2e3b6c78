package localcluster

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"flinksim/ha"
	"flinksim/kubeclient"
	"flinksim/portforward"
)

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	f, err := LoadFile(write("ok.yaml", "rbac: true\nseed: 7\nbuckets: [s3://flink-ha]\nnodes:\n- name: big\n  cpu: \"16\"\n  memory: 64Gi\n  labels: {zone: a}\n"+
		"  taints: [{key: dedicated, value: flink, effect: NoSchedule}]\n- name: small\n"))
	if err != nil {
		t.Fatal(err)
	}
	nodes := f.NodeConfigs()
	if !*f.RBAC || *f.Seed != 7 || len(f.Buckets) != 1 || len(nodes) != 2 || nodes[0].CPU != "16" || nodes[0].Labels["zone"] != "a" || nodes[0].Taints[0].Effect != corev1.TaintEffectNoSchedule {
		t.Errorf("LoadFile = %+v, nodes %+v", f, nodes)
	}
	for _, tc := range []struct{ content, want string }{
		{"nodez: []\n", `unknown field "nodez"`},
		{"nodes:\n- name: a\n  cpu: lots\n", `cpu "lots" is not a quantity`},
		{"nodes:\n- name: a\n  memory: 1 gig\n", `memory "1 gig" is not a quantity`},
		{"rbac: maybe\n", "cluster file"},
	} {
		if _, err := LoadFile(write("bad.yaml", tc.content)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadFile(%q) = %v, want an error with %q", tc.content, err, tc.want)
		}
	}
	if _, err := LoadFile(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "reading the cluster file") {
		t.Errorf("a missing file: %v", err)
	}
	if _, err := New(Config{Kubeconfig: filepath.Join(dir, "kubeconfig"), Buckets: []string{"s3://flink/ha"}}); err == nil ||
		!strings.Contains(err.Error(), "names a path inside a bucket") {
		t.Errorf("New with a bucket that is a path: %v", err)
	}
	if _, err := Nodes(0, "4", "16Gi"); err == nil {
		t.Error("Nodes(0) should be refused")
	}
}

func TestKubeconfigOfOthersIsNotOverwritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	theirs := "apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster: {server: 'https://prod:6443'}\n"
	if err := os.WriteFile(path, []byte(theirs), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(Config{Kubeconfig: path})
	if err == nil || !strings.Contains(err.Error(), `holds other clusters ("prod")`) {
		t.Fatalf("New over someone's kubeconfig = %v, want a refusal", err)
	}
	if got, _ := os.ReadFile(path); string(got) != theirs {
		t.Errorf("the kubeconfig was changed:\n%s", got)
	}
}

func TestControlEndpoint(t *testing.T) {
	c := upForTest(t, Config{RBAC: true})
	client, err := Dial(c.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()
	pods := client.Kube.CoreV1().Pods("default")
	if _, err := pods.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "victim"}, Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "main", Image: "busybox", Command: []string{"sh", "-c", "sleep 3600"}}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the pod runs", func() bool {
		p, err := pods.Get(ctx, "victim", metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning
	})
	msg, err := client.Inject(ctx, Fault{Kind: "crash", Pod: "victim", ExitCode: 3})
	if err != nil || msg != "pod default/victim: every container exited with code 3" {
		t.Fatalf("crash: %q, %v", msg, err)
	}
	eventually(t, "the crashed container restarts", func() bool {
		p, err := pods.Get(ctx, "victim", metav1.GetOptions{})
		return err == nil && len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount == 1 &&
			p.Status.ContainerStatuses[0].LastTerminationState.Terminated != nil && p.Status.ContainerStatuses[0].LastTerminationState.Terminated.ExitCode == 3
	})

	if _, err := client.Inject(ctx, Fault{Kind: "api-errors", Verb: "get", Resource: "configmaps", Code: 503, Count: 1}); err != nil {
		t.Fatal(err)
	}
	list, err := client.Faults(ctx)
	if err != nil || len(list.APIErrors) != 1 || !strings.Contains(list.APIErrors[0], "503") {
		t.Errorf("Faults() = %v, %v", list, err)
	}
	_, err = client.Kube.CoreV1().ConfigMaps("default").Get(ctx, "any", metav1.GetOptions{})
	if !apierrors.IsServiceUnavailable(err) {
		t.Errorf("a get under the fault: %v, want 503 Service Unavailable", err)
	}
	if _, err = client.Kube.CoreV1().ConfigMaps("default").Get(ctx, "any", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the next get (the fault struck once): %v, want NotFound", err)
	}
	if msg, err := client.Inject(ctx, Fault{Kind: "clear-api-errors"}); err != nil || msg != "1 API fault(s) removed" {
		t.Errorf("clear: %q, %v", msg, err)
	}

	for _, tc := range []struct {
		f    Fault
		want string
	}{
		{Fault{Kind: "explode"}, `unknown fault "explode"`},
		{Fault{Kind: "crash"}, "crash needs a pod"},
		{Fault{Kind: "oom", Pod: "nobody"}, `pods "nobody" not found`},
		{Fault{Kind: "node-notready", Node: "node-9"}, `node "node-9"`},
		{Fault{Kind: "api-errors", Code: 200}, "not an HTTP error status"},
		{Fault{Kind: "api-errors", Verb: "explode"}, "not a Kubernetes verb"},
	} {
		if _, err := client.Inject(ctx, tc.f); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Inject(%+v) = %v, want an error with %q", tc.f, err, tc.want)
		}
	}

	// The object store, as the flink CLI uploads artifacts to it.
	if err := client.Put(ctx, "file:///flink/jars/job.jar", []byte("PK")); err != nil {
		t.Errorf("Put: %v", err)
	}
	if ok, err := client.Exists(ctx, "file:///flink/jars/job.jar"); !ok || err != nil {
		t.Errorf("Exists after Put = %v, %v", ok, err)
	}
	if data, err := c.ObjectStore().Read(ctx, "file:///flink/jars/job.jar"); string(data) != "PK" || err != nil {
		t.Errorf("the object store holds %q, %v", data, err)
	}
	if ok, err := client.Exists(ctx, "file:///flink/jars/other.jar"); ok || err != nil {
		t.Errorf("Exists of a missing file = %v, %v", ok, err)
	}
	if err := client.Put(ctx, "s3://no-bucket/job.jar", []byte("PK")); err == nil || !strings.Contains(err.Error(), "--bucket s3://<name>") {
		t.Errorf("Put into a missing bucket: %v, want an error that names --bucket", err)
	}
	if store, err := ArtifactsFor(&kubeclient.Target{Context: "prod", Config: &rest.Config{Host: "https://prod:6443"}}); store != nil || err != nil {
		t.Errorf("ArtifactsFor another cluster than flinksim's = %v, %v; want none", store, err)
	}

	// Only the admin reaches the control endpoint: not a user it impersonates.
	cfg, err := RESTConfig(c.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Impersonate.UserName = "system:serviceaccount:default:default"
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer hc.CloseIdleConnections()
	resp, err := hc.Get(cfg.Host + "/flinksim/v1/forwards")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("the control endpoint as a service account: %s, want 403", resp.Status)
	}
	var _ kubernetes.Interface = client.Kube
}

func TestRender(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }
	flink := func(component string) map[string]string {
		return map[string]string{"type": "flink-native-kubernetes", "app": "my-session", "component": component}
	}
	running := corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: "c", Ready: true,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}}
	cpu, mem := resource.MustParse("4"), resource.MustParse("16Gi")
	snap := &Snapshot{
		Nodes: []corev1.Node{{ObjectMeta: metav1.ObjectMeta{Name: "node-1"}, Status: corev1.NodeStatus{
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: cpu, corev1.ResourceMemory: mem},
			Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}},
		Pods: []corev1.Pod{
			{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "my-session-abc", Labels: flink("jobmanager"), CreationTimestamp: ago(2 * time.Minute)},
				Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "c"}}}, Status: withIP(running, "10.244.0.7")},
			{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "my-session-def", Labels: flink("jobmanager"), CreationTimestamp: ago(2 * time.Minute)},
				Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "c"}}}, Status: withIP(running, "10.244.0.8")},
			{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "my-session-taskmanager-1-1", Labels: flink("taskmanager"), CreationTimestamp: ago(time.Minute)},
				Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "c"}}}, Status: running},
			{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "other", CreationTimestamp: ago(time.Hour)}, Status: corev1.PodStatus{Phase: corev1.PodPending}},
		},
		ConfigMaps: []corev1.ConfigMap{{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "my-session-cluster-config-map",
			Annotations: map[string]string{ha.LeaderAnnotationKey: `{"holderIdentity":"4f1c-jm","leaseDuration":15.0}`}},
			Data: map[string]string{ha.LeaderKeyPrefix + ha.RestServerComponent: "9d9c2f8e-3f51-4b8a-9b7e-1d2f6f6b2a10,http://10.244.0.8:8081"}}},
		Forwards: []portforward.Forward{{Namespace: "default", Service: "my-session-rest", Port: 8081, Local: "127.0.0.1:8081"}},
		Jobs:     map[string][]Job{"default/my-session": {{ID: "ef9b", Name: "CarTopSpeedWindowingExample", State: "RUNNING"}}},
		Events: []corev1.Event{{InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "other"}, Type: "Warning", Reason: "FailedScheduling",
			Message: "0/1 nodes are available", LastTimestamp: ago(10 * time.Second)}},
		Faults: FaultList{APIErrors: []string{"#1: error 503 ServiceUnavailable on get configmaps */* (struck 0 times)"}},
	}
	got := Render(snap, now)
	for _, want := range []string{
		"NODES", "node-1  Ready   4    16Gi    3",
		"FLINK CLUSTER my-session (namespace default)", "leader: my-session-def (lock identity 4f1c-jm)", "REST: http://127.0.0.1:8081",
		"my-session-abc              jobmanager   Running (1/1 ready)", "my-session-taskmanager-1-1  taskmanager",
		"ef9b  CarTopSpeedWindowingExample  RUNNING",
		"OTHER PODS", "default    other  Pending",
		"FORWARDS", "default/my-session-rest:8081 → http://127.0.0.1:8081 (port-forward)",
		"API ERROR FAULTS", "RECENT EVENTS", "10s ago  Warning  FailedScheduling  pod/other  0/1 nodes are available",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Render lacks %q:\n%s", want, got)
		}
	}
	snap.Jobs = map[string][]Job{}
	snap.JobErrors = map[string]string{"default/my-session": "REST endpoint http://127.0.0.1:8081 not reachable"}
	if got := Render(snap, now); !strings.Contains(got, "jobs: unknown (REST endpoint http://127.0.0.1:8081 not reachable)") {
		t.Errorf("Render without jobs:\n%s", got)
	}
}

func withIP(s corev1.PodStatus, ip string) corev1.PodStatus {
	s.PodIP = ip
	return s
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 30 s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
