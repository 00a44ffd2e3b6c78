package deployer

import (
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"flinksim/config"
	"flinksim/internal/syncbuf"
)

const (
	testClusterID = "my-flink-cluster1"
	testNamespace = "test"
	deploymentUID = types.UID("5b1a2c3d-0000-4000-8000-00000000d3b1")
)

// testConfig is the configuration of Flink's descriptor tests plus kv.
func testConfig(kv ...string) *config.Configuration {
	m := map[string]string{
		"kubernetes.cluster-id":           testClusterID,
		"kubernetes.namespace":            testNamespace,
		"execution.target":                "kubernetes-session",
		"jobmanager.memory.process.size":  "768m",
		"taskmanager.memory.process.size": "1184m",
		"$internal.deployment.config-dir": "/flink/conf",
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "<unset>" {
			delete(m, kv[i])
			continue
		}
		m[kv[i]] = kv[i+1]
	}
	return config.FromMap(m)
}

// memFS is an in-memory ReadFile.
type memFS map[string]string

func (m memFS) ReadFile(path string) ([]byte, error) {
	if d, ok := m[path]; ok {
		return []byte(d), nil
	}
	return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
}

var clientFiles = memFS{
	"/flink/conf/log4j-console.properties": "rootLogger.level = INFO\n",
	"/jobs/my-job.jar":                     "PK\x03\x04job",
	"/jobs/udf.jar":                        "PK\x03\x04udf",
}

// newClient is a fake clientset that assigns the Deployment a UID on create, as the
// API server does (the bare fake does not).
func newClient(objects ...runtime.Object) *fake.Clientset {
	c := fake.NewClientset(objects...)
	c.PrependReactor("create", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
		a.(k8stesting.CreateAction).GetObject().(*appsv1.Deployment).UID = deploymentUID
		return false, nil, nil
	})
	return c
}

func newDescriptor(t *testing.T, client *fake.Clientset, conf *config.Configuration, mods ...func(*Options)) (*Descriptor, *syncbuf.Buffer) {
	t.Helper()
	log := &syncbuf.Buffer{}
	opts := Options{
		Client:    client,
		Config:    conf,
		ReadFile:  clientFiles.ReadFile,
		LookupEnv: func(string) (string, bool) { return "", false },
		Rand:      rand.New(rand.NewPCG(1, 2)),
		Log:       log,
	}
	for _, m := range mods {
		m(&opts)
	}
	d, err := New(opts)
	require.NoError(t, err)
	return d, log
}

// failOn makes the verb on resource fail with err.
func failOn(c *fake.Clientset, verb, resource string, err error) {
	c.PrependReactor(verb, resource, func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, err
	})
}

// serverError is an error that is not an API status: a lost connection, a timeout.
var serverError = errors.New("connection reset by peer")

func getDeployment(t *testing.T, c *fake.Clientset) (*appsv1.Deployment, bool) {
	t.Helper()
	d, err := c.AppsV1().Deployments(testNamespace).Get(context.Background(), testClusterID, metav1.GetOptions{})
	if err != nil {
		return nil, false
	}
	return d, true
}

// ownedObjects lists every Service, ConfigMap and Secret in the namespace with its
// owner references.
func ownedObjects(t *testing.T, c *fake.Clientset) map[string][]metav1.OwnerReference {
	t.Helper()
	ctx := context.Background()
	out := map[string][]metav1.OwnerReference{}
	svcs, err := c.CoreV1().Services(testNamespace).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	for _, s := range svcs.Items {
		out["Service/"+s.Name] = s.OwnerReferences
	}
	cms, err := c.CoreV1().ConfigMaps(testNamespace).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	for _, cm := range cms.Items {
		out["ConfigMap/"+cm.Name] = cm.OwnerReferences
	}
	secrets, err := c.CoreV1().Secrets(testNamespace).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	for _, s := range secrets.Items {
		out["Secret/"+s.Name] = s.OwnerReferences
	}
	return out
}

// actionsOf renders the recorded actions as "verb resource[/name]".
func actionsOf(c *fake.Clientset) []string {
	var out []string
	for _, a := range c.Actions() {
		s := a.GetVerb() + " " + a.GetResource().Resource
		switch a := a.(type) {
		case k8stesting.CreateAction:
			if o, ok := a.GetObject().(metav1.Object); ok {
				s += "/" + o.GetName()
			}
		case k8stesting.GetAction:
			s += "/" + a.GetName()
		case k8stesting.DeleteAction:
			s += "/" + a.GetName()
		case k8stesting.UpdateAction:
			if o, ok := a.GetObject().(metav1.Object); ok {
				s += "/" + o.GetName()
			}
		}
		out = append(out, s)
	}
	return out
}

func deleteActions(c *fake.Clientset) []k8stesting.DeleteAction {
	var out []k8stesting.DeleteAction
	for _, a := range c.Actions() {
		if d, ok := a.(k8stesting.DeleteAction); ok {
			out = append(out, d)
		}
	}
	return out
}

func node(name string, unschedulable bool, addrs ...string) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.NodeSpec{Unschedulable: unschedulable}}
	for i := 0; i+1 < len(addrs); i += 2 {
		n.Status.Addresses = append(n.Status.Addresses, corev1.NodeAddress{Type: corev1.NodeAddressType(addrs[i]), Address: addrs[i+1]})
	}
	return n
}

// restService is a live <cid>-rest Service.
func restService(typ corev1.ServiceType, clusterIP string, port, nodePort int32, ingress ...corev1.LoadBalancerIngress) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: testClusterID + "-rest", Namespace: testNamespace},
		Spec: corev1.ServiceSpec{
			Type: typ, ClusterIP: clusterIP,
			Ports: []corev1.ServicePort{{Name: "rest", Port: port, NodePort: nodePort}},
		},
		Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: ingress}},
	}
}

// memStore is an in-memory ArtifactStore.
type memStore struct {
	mu    sync.Mutex
	files map[string][]byte
	puts  []string
}

func (s *memStore) Exists(_ context.Context, uri string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.files[uri]
	return ok, nil
}

func (s *memStore) Put(_ context.Context, uri string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.files == nil {
		s.files = map[string][]byte{}
	}
	s.files[uri] = append([]byte(nil), data...)
	s.puts = append(s.puts, uri)
	return nil
}

func shippedConfig(t *testing.T, c *fake.Clientset) string {
	t.Helper()
	cm, err := c.CoreV1().ConfigMaps(testNamespace).Get(context.Background(), "flink-config-"+testClusterID, metav1.GetOptions{})
	require.NoError(t, err)
	return cm.Data["config.yaml"]
}

func containsAll(t *testing.T, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		require.True(t, strings.Contains(s, p), "%q\ndoes not contain %q", s, p)
	}
}
