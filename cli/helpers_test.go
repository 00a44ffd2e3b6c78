package cli_test

import (
	"context"
	"io/fs"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"flinksim/cli"
	"flinksim/config"
	"flinksim/dfs"
	"flinksim/flinkrest/flinkresttest"
	"flinksim/internal/syncbuf"
	"flinksim/kubeclient"
)

const distributionConfig = `jobmanager.rpc.address: localhost
jobmanager.rpc.port: 6123
jobmanager.bind-host: localhost
jobmanager.memory.process.size: 1600m
taskmanager.bind-host: localhost
taskmanager.host: localhost
taskmanager.memory.process.size: 1728m
taskmanager.numberOfTaskSlots: 1
parallelism.default: 1
rest.address: localhost
rest.bind-address: localhost
`

const kubeconfig = `apiVersion: v1
kind: Config
current-context: dev
clusters: [{name: dev, cluster: {server: "https://dev.example:6443"}}]
users: [{name: me, user: {token: secret}}]
contexts: [{name: dev, context: {cluster: dev, user: me}}]
`

// fixture is a machine with a Flink distribution's conf dir, a kubeconfig, a fake
// Kubernetes API, a fake JobManager and a simulated DFS.
type fixture struct {
	t       *testing.T
	files   map[string]string
	vars    map[string]string
	kube    *fake.Clientset
	jm      *flinkresttest.JobManager
	dfs     *dfs.FS
	stdin   string
	stdout  syncbuf.Buffer
	stderr  syncbuf.Buffer
	targets []*kubeclient.Target
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{
		t: t,
		files: map[string]string{
			"/opt/flink/conf/config.yaml":              distributionConfig,
			"/opt/flink/conf/log4j-console.properties": "rootLogger.level = INFO\n",
			"/home/me/.kube/config":                    kubeconfig,
			"/home/me/jobs/job.jar":                    "PK\x03\x04job",
		},
		vars: map[string]string{"FLINK_CONF_DIR": "/opt/flink/conf", "HOME": "/home/me"},
		kube: fake.NewClientset(),
		jm:   flinkresttest.New(),
		dfs:  dfs.New(),
	}
	f.kube.PrependReactor("create", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
		a.(k8stesting.CreateAction).GetObject().(*appsv1.Deployment).UID = "uid-1"
		return false, nil, nil
	})
	return f
}

func (f *fixture) env(args ...string) cli.Env {
	return cli.Env{
		Args:   args,
		Stdin:  strings.NewReader(f.stdin),
		Stdout: &f.stdout,
		Stderr: &f.stderr,
		LookupEnv: func(k string) (string, bool) {
			v, ok := f.vars[k]
			return v, ok
		},
		ReadFile: func(p string) ([]byte, error) {
			if s, ok := f.files[p]; ok {
				return []byte(s), nil
			}
			return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
		},
		Getwd: func() (string, error) { return "/home/me", nil },
		Kubernetes: func(t *kubeclient.Target) (kubernetes.Interface, error) {
			f.targets = append(f.targets, t)
			return f.kube, nil
		},
		HTTP:      f.jm.HTTPClient(),
		Artifacts: f.dfs,
		Rand:      rand.New(rand.NewPCG(1, 2)),
		Location:  time.UTC,
	}
}

func (f *fixture) flink(args ...string) int {
	return cli.Flink(context.Background(), f.env(args...))
}

func (f *fixture) session(args ...string) int {
	return cli.KubernetesSession(context.Background(), f.env(args...))
}

// succeed fails the test unless code is 0.
func (f *fixture) succeed(code int) {
	f.t.Helper()
	if code != 0 {
		f.t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, f.stdout.String(), f.stderr.String())
	}
}

// fail fails the test unless code is 1 and stderr says want.
func (f *fixture) fail(code int, want string) {
	f.t.Helper()
	if code != 1 || !strings.Contains(f.stderr.String(), want) {
		f.t.Fatalf("exit code %d, want 1 with %q on stderr\nstdout:\n%s\nstderr:\n%s", code, want, f.stdout.String(), f.stderr.String())
	}
}

func (f *fixture) deployment(name string) (*appsv1.Deployment, bool) {
	d, err := f.kube.AppsV1().Deployments("default").Get(context.Background(), name, metav1.GetOptions{})
	return d, err == nil
}

// shipped is the configuration in flink-config-<id>.
func (f *fixture) shipped(id string) (*config.Configuration, *corev1.ConfigMap) {
	f.t.Helper()
	cm, err := f.kube.CoreV1().ConfigMaps("default").Get(context.Background(), "flink-config-"+id, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	conf, err := config.ParseYAML([]byte(cm.Data["config.yaml"]))
	if err != nil {
		f.t.Fatal(err)
	}
	return conf, cm
}

func (f *fixture) creates(resource string) int {
	n := 0
	for _, a := range f.kube.Actions() {
		if a.GetVerb() == "create" && a.GetResource().Resource == resource {
			n++
		}
	}
	return n
}

// restService is a running cluster's REST Service.
func restService(id string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: id + "-rest", Namespace: "default",
			Labels: map[string]string{"type": "flink-native-kubernetes", "app": id}},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP,
			Ports: []corev1.ServicePort{{Name: "rest", Port: 8081, TargetPort: intstr.FromInt32(8081)}}},
	}
}

var metaCreate = metav1.CreateOptions{}
