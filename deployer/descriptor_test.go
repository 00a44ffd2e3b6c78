package deployer

import (
	"context"
	"errors"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"

	"flinksim/config"
	"flinksim/kubeobjects"
)

var ctx = context.Background()

// withIngress plays the cloud controller: the REST Service gets a load-balancer
// ingress IP as it is created.
func withIngress(c interface {
	PrependReactor(verb, resource string, fn k8stesting.ReactionFunc)
}, ip string) {
	c.PrependReactor("create", "services", func(a k8stesting.Action) (bool, runtime.Object, error) {
		svc := a.(k8stesting.CreateAction).GetObject().(*corev1.Service)
		if svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
			svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: ip}}
		}
		return false, nil, nil
	})
}

// Mirrors KubernetesClusterDescriptorTest#testDeploySessionCluster.
func TestDeploySessionCluster(t *testing.T) {
	c := newClient()
	withIngress(c, "192.168.0.10")
	d, _ := newDescriptor(t, c, testConfig("kubernetes.rest-service.exposed.type", "LoadBalancer"))
	client, err := d.DeploySessionCluster(ctx)
	require.NoError(t, err)
	require.Equal(t, testClusterID, client.ClusterID)
	require.Equal(t, testNamespace, client.Namespace)
	require.Equal(t, "http://192.168.0.10:8081", client.WebURL)

	get := func(k string) string { v, _ := client.Configuration.GetString(k); return v }
	require.Equal(t, "6124", get("blob.server.port"))
	require.Equal(t, "6122", get("taskmanager.rpc.port"))
	require.Equal(t, testClusterID+"."+testNamespace, get("jobmanager.rpc.address"))
	require.Equal(t, "192.168.0.10", get("rest.address"))
	require.Equal(t, "8081", get("rest.port"))

	dep, ok := getDeployment(t, c)
	require.True(t, ok)
	main := dep.Spec.Template.Spec.Containers[0]
	require.Equal(t, "768Mi", main.Resources.Requests.Memory().String())
	require.Equal(t, "768Mi", main.Resources.Limits.Memory().String())
}

// Mirrors KubernetesClusterDescriptorTest#testDeployHighAvailabilitySessionCluster.
func TestDeployHighAvailabilitySessionCluster(t *testing.T) {
	c := newClient()
	withIngress(c, "192.168.0.10")
	d, _ := newDescriptor(t, c, testConfig("kubernetes.rest-service.exposed.type", "LoadBalancer",
		"high-availability.type", "kubernetes", "high-availability.storageDir", "s3://ha"))
	client, err := d.DeploySessionCluster(ctx)
	require.NoError(t, err)
	require.Equal(t, "http://192.168.0.10:8081", client.WebURL)
	dep, _ := getDeployment(t, c)
	var names []string
	for _, e := range dep.Spec.Template.Spec.Containers[0].Env {
		names = append(names, e.Name)
	}
	require.Contains(t, names, "_POD_IP_ADDRESS")
	require.NotContains(t, ownedObjects(t, c), "Service/"+testClusterID, "no internal Service with HA")
	v, _ := client.Configuration.GetString("high-availability.cluster-id")
	require.Equal(t, testClusterID, v)
}

// Mirrors Fabric8FlinkKubeClientTest#testCreateFlinkMasterComponent: the Deployment
// first, then every other object owned by it through its server-assigned UID.
func TestDeployStampsDeploymentUIDOnEveryObject(t *testing.T) {
	c := newClient()
	d, _ := newDescriptor(t, c, testConfig("kubernetes.pod-template-file.taskmanager", "/tm.yaml"), func(o *Options) {
		o.ReadFile = memFS{"/tm.yaml": "apiVersion: v1\nkind: Pod\n"}.ReadFile
	})
	_, err := d.DeploySessionCluster(ctx)
	require.NoError(t, err)

	actions := actionsOf(c)
	require.Equal(t, "create deployments/"+testClusterID, actions[0], "the Deployment is created first")
	objects := ownedObjects(t, c)
	require.Len(t, objects, 4)
	for name, refs := range objects {
		require.Len(t, refs, 1, name)
		ref := refs[0]
		require.Equal(t, "apps/v1", ref.APIVersion, name)
		require.Equal(t, "Deployment", ref.Kind, name)
		require.Equal(t, testClusterID, ref.Name, name)
		require.Equal(t, deploymentUID, ref.UID, name)
		require.True(t, *ref.Controller, name)
		require.True(t, *ref.BlockOwnerDeletion, name)
	}
	require.Contains(t, objects, "Service/"+testClusterID)
	require.Contains(t, objects, "Service/"+testClusterID+"-rest")
	require.Contains(t, objects, "ConfigMap/flink-config-"+testClusterID)
	require.Contains(t, objects, "ConfigMap/pod-template-"+testClusterID)
}

// Mirrors KubernetesClusterDescriptorTest#testKillCluster.
func TestKillCluster(t *testing.T) {
	c := newClient()
	d, _ := newDescriptor(t, c, testConfig())
	_, err := d.DeploySessionCluster(ctx)
	require.NoError(t, err)

	require.NoError(t, d.KillCluster(ctx, testClusterID))
	_, ok := getDeployment(t, c)
	require.False(t, ok)
	deletes := deleteActions(c)
	require.Len(t, deletes, 1)
	require.Equal(t, "deployments", deletes[0].GetResource().Resource)
	require.Equal(t, metav1.DeletePropagationBackground, *deletes[0].GetDeleteOptions().PropagationPolicy)

	require.NoError(t, d.KillCluster(ctx, testClusterID), "killing a cluster that is gone is not an error")
	require.ErrorContains(t, d.KillCluster(ctx, "Not_Valid"), "DNS-1035")
}

func TestKillClusterForbidden(t *testing.T) {
	c := newClient()
	failOn(c, "delete", "deployments", apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "deployments"}, testClusterID, errors.New("no RBAC")))
	d, _ := newDescriptor(t, c, testConfig())
	err := d.KillCluster(ctx, testClusterID)
	require.True(t, apierrors.IsForbidden(err))
	containsAll(t, err.Error(), "RBAC", `delete Deployment "my-flink-cluster1" in namespace "test"`, "edit")
}

// Mirrors KubernetesClusterDescriptorTest#testDeployApplicationCluster.
func TestDeployApplicationCluster(t *testing.T) {
	c := newClient()
	d, _ := newDescriptor(t, c, testConfig(
		"execution.target", "kubernetes-application",
		"pipeline.jars", "local:///opt/flink/usrlib/my-job.jar"))
	client, err := d.DeployApplicationCluster(ctx, ApplicationConfiguration{
		ProgramArguments:     []string{"--input", "s3://in"},
		ApplicationClassName: "org.example.Job",
	})
	require.NoError(t, err)
	require.Equal(t, "http://my-flink-cluster1-rest.test:8081", client.WebURL)
	shipped := shippedConfig(t, c)
	containsAll(t, shipped, config.ApplicationClusterEntrypointClass, "org.example.Job", "s3://in", "--input", "local:///opt/flink/usrlib/my-job.jar")
	dep, _ := getDeployment(t, c)
	require.Equal(t, "kubernetes-jobmanager.sh kubernetes-application ", dep.Spec.Template.Spec.Containers[0].Args[2])

	retrieved, err := d.Retrieve(ctx, testClusterID)
	require.NoError(t, err)
	require.Equal(t, client.WebURL, retrieved.WebURL)
}

// Mirrors KubernetesClusterDescriptorTest#testDeployApplicationClusterWithClusterAlreadyExists.
func TestDeployApplicationClusterWithClusterAlreadyExists(t *testing.T) {
	c := newClient(restService(corev1.ServiceTypeClusterIP, "10.0.0.1", 8081, 0))
	d, _ := newDescriptor(t, c, testConfig(
		"execution.target", "kubernetes-application",
		"pipeline.jars", "local:///opt/flink/usrlib/my-job.jar"))
	_, err := d.DeployApplicationCluster(ctx, ApplicationConfiguration{})
	require.ErrorContains(t, err, `the Flink cluster "my-flink-cluster1" already exists`)
	for _, a := range c.Actions() {
		require.Equal(t, "get", a.GetVerb(), "nothing is created or deleted")
	}
}

// Mirrors KubernetesClusterDescriptorTest#testDeployApplicationClusterWithDeploymentTargetNotCorrectlySet.
func TestDeployApplicationClusterWithDeploymentTargetNotCorrectlySet(t *testing.T) {
	for _, target := range []string{"kubernetes-session", "<unset>"} {
		c := newClient()
		d, _ := newDescriptor(t, c, testConfig("execution.target", target, "pipeline.jars", "local:///a.jar"))
		_, err := d.DeployApplicationCluster(ctx, ApplicationConfiguration{})
		require.ErrorContains(t, err, "expected execution.target=kubernetes-application")
		_, ok := getDeployment(t, c)
		require.False(t, ok)
	}
}

// Mirrors KubernetesClusterDescriptorTest#testDeployApplicationClusterWithMultipleJarsSet.
func TestDeployApplicationClusterWithMultipleJarsSet(t *testing.T) {
	for _, jars := range []string{"local:///a.jar;local:///b.jar", "<unset>"} {
		c := newClient()
		d, _ := newDescriptor(t, c, testConfig("execution.target", "kubernetes-application", "pipeline.jars", jars))
		_, err := d.DeployApplicationCluster(ctx, ApplicationConfiguration{})
		require.ErrorContains(t, err, "exactly one jar in pipeline.jars")
		_, ok := getDeployment(t, c)
		require.False(t, ok)
	}
}

func TestDeployPythonApplicationNeedsNoJar(t *testing.T) {
	for _, app := range []ApplicationConfiguration{
		{ApplicationClassName: "org.apache.flink.client.python.PythonDriver"},
		{ProgramArguments: []string{"-py", "/opt/job.py"}},
		{ProgramArguments: []string{"--pyModule", "job"}},
	} {
		c := newClient()
		d, _ := newDescriptor(t, c, testConfig("execution.target", "kubernetes-application"))
		_, err := d.DeployApplicationCluster(ctx, app)
		require.NoError(t, err)
	}
}

// Mirrors KubernetesClusterDescriptorTest#testDeployApplicationClusterWithClusterIP.
func TestDeployApplicationClusterWithClusterIP(t *testing.T) {
	c := newClient()
	d, log := newDescriptor(t, c, testConfig(
		"execution.target", "kubernetes-application",
		"pipeline.jars", "local:///opt/flink/usrlib/my-job.jar",
		"kubernetes.rest-service.exposed.type", "ClusterIP"))
	client, err := d.DeployApplicationCluster(ctx, ApplicationConfiguration{})
	require.NoError(t, err)
	require.Equal(t, "http://my-flink-cluster1-rest.test:8081", client.WebURL)
	containsAll(t, log.String(), "WARN", "only reachable from inside the Kubernetes cluster", "kubectl port-forward service/my-flink-cluster1-rest 8081")
}

func TestDeploySessionClusterTargetMismatch(t *testing.T) {
	c := newClient()
	d, _ := newDescriptor(t, c, testConfig("execution.target", "kubernetes-application"))
	_, err := d.DeploySessionCluster(ctx)
	require.ErrorContains(t, err, `execution.target is "kubernetes-application", expected "kubernetes-session"`)
	require.Empty(t, c.Actions())

	c = newClient()
	d, _ = newDescriptor(t, c, testConfig("execution.target", "<unset>"))
	client, err := d.DeploySessionCluster(ctx)
	require.NoError(t, err, "an unset target means session")
	v, _ := client.Configuration.GetString("execution.target")
	require.Equal(t, "kubernetes-session", v)
}

// --- failure handling (reference §1.7) -------------------------------------------

func TestDeployFailureCleansUp(t *testing.T) {
	cases := []struct {
		name, verb, resource string
		err                  error
		wantErr              []string
	}{
		{name: "ConfigMap create forbidden", verb: "create", resource: "configmaps",
			err:     apierrors.NewForbidden(schema.GroupResource{Resource: "configmaps"}, "flink-config-"+testClusterID, errors.New("RBAC")),
			wantErr: []string{`could not deploy Flink cluster "my-flink-cluster1"`, "deleted again", "RBAC", `create ConfigMap "flink-config-my-flink-cluster1"`}},
		{name: "Service create fails", verb: "create", resource: "services", err: serverError,
			wantErr: []string{`could not deploy Flink cluster "my-flink-cluster1"`, "connection reset by peer"}},
		{name: "Service create invalid", verb: "create", resource: "services",
			err:     apierrors.NewInvalid(schema.GroupKind{Kind: "Service"}, testClusterID, nil),
			wantErr: []string{"rejected", "invalid"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient()
			failOn(c, tc.verb, tc.resource, tc.err)
			d, log := newDescriptor(t, c, testConfig())
			_, err := d.DeploySessionCluster(ctx)
			require.Error(t, err)
			require.True(t, errors.Is(err, tc.err), "the cause is wrapped")
			containsAll(t, err.Error(), tc.wantErr...)
			_, ok := getDeployment(t, c)
			require.False(t, ok, "the Deployment is deleted again")
			deletes := deleteActions(c)
			require.Len(t, deletes, 1)
			require.Equal(t, testClusterID, deletes[0].GetName())
			require.Equal(t, metav1.DeletePropagationBackground, *deletes[0].GetDeleteOptions().PropagationPolicy)
			// What was created before the failure is owned by the deleted Deployment,
			// so the garbage collector removes it.
			for name, refs := range ownedObjects(t, c) {
				require.Len(t, refs, 1, name)
				require.Equal(t, deploymentUID, refs[0].UID, name)
			}
			require.Contains(t, log.String(), "deleting what was created")
		})
	}
}

func TestDeployFailureCleanupFailsToo(t *testing.T) {
	c := newClient()
	failOn(c, "create", "configmaps", serverError)
	failOn(c, "delete", "deployments", errors.New("api server gone"))
	d, _ := newDescriptor(t, c, testConfig())
	_, err := d.DeploySessionCluster(ctx)
	require.True(t, errors.Is(err, serverError))
	containsAll(t, err.Error(), "removing the half-created cluster failed too", "api server gone",
		"kubectl delete deployment/my-flink-cluster1 -n test")
}

func TestDeployDeploymentCreateFailures(t *testing.T) {
	t.Run("forbidden: nothing was created, nothing is deleted", func(t *testing.T) {
		c := newClient()
		failOn(c, "create", "deployments", apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "deployments"}, testClusterID, errors.New(`User "alice" cannot create resource "deployments"`)))
		d, _ := newDescriptor(t, c, testConfig())
		_, err := d.DeploySessionCluster(ctx)
		require.True(t, apierrors.IsForbidden(err))
		containsAll(t, err.Error(), `could not deploy Flink cluster "my-flink-cluster1"`, "RBAC",
			`create Deployment "my-flink-cluster1" in namespace "test"`, `bind the built-in "edit" ClusterRole`)
		require.Empty(t, deleteActions(c))
		require.Empty(t, ownedObjects(t, c))
	})
	t.Run("namespace missing", func(t *testing.T) {
		c := newClient()
		failOn(c, "create", "deployments", apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, testNamespace))
		d, _ := newDescriptor(t, c, testConfig())
		_, err := d.DeploySessionCluster(ctx)
		containsAll(t, err.Error(), `namespace "test" does not exist`, "kubectl create namespace test", "kubernetes.namespace")
	})
	t.Run("committed but the response was lost", func(t *testing.T) {
		c := newClient()
		c.PrependReactor("create", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
			obj := a.(k8stesting.CreateAction).GetObject()
			require.NoError(t, c.Tracker().Create(a.GetResource(), obj, testNamespace))
			return true, nil, serverError
		})
		d, _ := newDescriptor(t, c, testConfig())
		_, err := d.DeploySessionCluster(ctx)
		require.True(t, errors.Is(err, serverError))
		_, ok := getDeployment(t, c)
		require.False(t, ok, "the Deployment that may exist is deleted")
	})
	t.Run("a Deployment of that name exists", func(t *testing.T) {
		existing := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: testClusterID, Namespace: testNamespace, UID: "someone-elses"}}
		c := newClient(existing)
		d, _ := newDescriptor(t, c, testConfig())
		_, err := d.DeploySessionCluster(ctx)
		require.True(t, apierrors.IsAlreadyExists(err))
		containsAll(t, err.Error(), "already exists", "choose another kubernetes.cluster-id")
		// Deliberate difference from Flink, which deletes the existing Deployment here.
		dep, ok := getDeployment(t, c)
		require.True(t, ok)
		require.EqualValues(t, "someone-elses", dep.UID)
		require.Empty(t, deleteActions(c))
	})
}

func TestBadInputLeavesNothingBehind(t *testing.T) {
	cases := []struct {
		name string
		kv   []string
		want []string
	}{
		{"missing JobManager template", []string{"kubernetes.pod-template-file.jobmanager", "/nope.yaml"}, []string{`"/nope.yaml" does not exist`}},
		{"missing TaskManager template", []string{"kubernetes.pod-template-file.taskmanager", "/nope.yaml"}, []string{`"/nope.yaml" does not exist`}},
		{"malformed template", []string{"kubernetes.pod-template-file.default", "/bad.yaml"}, []string{`"/bad.yaml"`, "not a valid"}},
		{"port range", []string{"blob.server.port", "6124-6130"}, []string{"blob.server.port", "6124-6130"}},
		{"replicas without HA", []string{"kubernetes.jobmanager.replicas", "3"}, []string{"kubernetes.jobmanager.replicas", "high availability"}},
		{"limit factor", []string{"kubernetes.jobmanager.memory.limit-factor", "0.5"}, []string{"kubernetes.jobmanager.memory.limit-factor", "greater than or equal to 1"}},
		{"no memory", []string{"jobmanager.memory.process.size", "<unset>"}, []string{"jobmanager.memory"}},
		// Flink's client derives the TaskManager process specification before deploying.
		{"no TaskManager memory", []string{"taskmanager.memory.process.size", "<unset>"},
			[]string{"TaskManager pods of this cluster could not be built", "taskmanager.memory.process.size"}},
		{"TaskManager memory of lots", []string{"taskmanager.memory.process.size", "lots"}, []string{"taskmanager.memory.process.size", "lots"}},
		{"TaskManager memory too small", []string{"taskmanager.memory.process.size", "100m"}, []string{"TaskManager pods of this cluster could not be built"}},
		// Earlier than Flink, whose resource manager would fail on every TaskManager pod.
		{"TaskManager limit factor", []string{"kubernetes.taskmanager.memory.limit-factor", "0.5"},
			[]string{"kubernetes.taskmanager.memory.limit-factor", "greater than or equal to 1"}},
		{"TaskManager toleration", []string{"kubernetes.taskmanager.tolerations", "key:a,tolerationSeconds:soon"},
			[]string{"kubernetes.taskmanager.tolerations", `"soon"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient()
			d, _ := newDescriptor(t, c, testConfig(tc.kv...), func(o *Options) {
				o.ReadFile = memFS{"/bad.yaml": "kind: Pod\nspec: {containers: [}\n"}.ReadFile
			})
			_, err := d.DeploySessionCluster(ctx)
			require.Error(t, err)
			containsAll(t, err.Error(), append([]string{`could not deploy Flink cluster "my-flink-cluster1"`}, tc.want...)...)
			require.Empty(t, c.Actions(), "nothing was sent to the API server")
		})
	}
}

func TestClusterIDs(t *testing.T) {
	t.Run("random id when none is set", func(t *testing.T) {
		c := newClient()
		conf := testConfig("kubernetes.cluster-id", "<unset>")
		d1, _ := newDescriptor(t, c, conf, func(o *Options) { o.Rand = rand.New(rand.NewPCG(7, 7)) })
		d2, _ := newDescriptor(t, c, conf, func(o *Options) { o.Rand = rand.New(rand.NewPCG(7, 7)) })
		require.Regexp(t, regexp.MustCompile(`^flink-cluster-[0-9a-f]{31}$`), d1.ClusterID())
		require.Len(t, d1.ClusterID(), 45)
		require.Equal(t, d1.ClusterID(), d2.ClusterID(), "the same seed gives the same id")
		v, _ := d1.Config().GetString("kubernetes.cluster-id")
		require.Equal(t, d1.ClusterID(), v, "written back into the configuration")
		_, set := conf.GetString("kubernetes.cluster-id")
		require.False(t, set, "the caller's configuration is not changed")

		d3, _ := newDescriptor(t, c, conf, func(o *Options) { o.Rand = nil })
		require.NotEqual(t, d1.ClusterID(), d3.ClusterID())
		require.NoError(t, kubeobjects.ValidateClusterID(d3.ClusterID()))
	})
	t.Run("invalid ids are refused by New", func(t *testing.T) {
		for id, want := range map[string]string{
			"":                      "must not be blank",
			strings.Repeat("a", 46): "longer than 45",
			"My_Cluster":            `kubernetes.cluster-id "My_Cluster" is not a valid DNS-1035 label`,
		} {
			_, err := New(Options{Client: newClient(), Config: testConfig("kubernetes.cluster-id", id)})
			require.ErrorContains(t, err, want)
		}
	})
	t.Run("options are required", func(t *testing.T) {
		_, err := New(Options{Config: testConfig()})
		require.ErrorContains(t, err, "Client")
		_, err = New(Options{Client: newClient()})
		require.ErrorContains(t, err, "Config")
	})
}

func TestClusterExists(t *testing.T) {
	c := newClient()
	d, _ := newDescriptor(t, c, testConfig())
	exists, err := d.ClusterExists(ctx, testClusterID)
	require.NoError(t, err)
	require.False(t, exists)
	_, err = d.DeploySessionCluster(ctx)
	require.NoError(t, err)
	exists, err = d.ClusterExists(ctx, testClusterID)
	require.NoError(t, err)
	require.True(t, exists)

	failOn(c, "get", "services", apierrors.NewForbidden(schema.GroupResource{Resource: "services"}, "x", errors.New("no")))
	_, err = d.ClusterExists(ctx, testClusterID)
	require.True(t, apierrors.IsForbidden(err))
}

func TestCreateOrReplaceExistingObjects(t *testing.T) {
	oldOwner := []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: testClusterID, UID: "old-uid"}}
	c := newClient(
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "flink-config-" + testClusterID, Namespace: testNamespace, ResourceVersion: "7", OwnerReferences: oldOwner},
			Data: map[string]string{"config.yaml": "stale"}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: testClusterID + "-rest", Namespace: testNamespace, ResourceVersion: "3", OwnerReferences: oldOwner},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, ClusterIP: "10.96.0.12", ClusterIPs: []string{"10.96.0.12"},
				Ports: []corev1.ServicePort{{Name: "rest", Port: 8081, NodePort: 31234}}}},
		node("node-1", false, "InternalIP", "10.0.0.1"),
	)
	d, _ := newDescriptor(t, c, testConfig("kubernetes.rest-service.exposed.type", "NodePort"))
	client, err := d.DeploySessionCluster(ctx)
	require.NoError(t, err)
	require.Equal(t, "http://10.0.0.1:31234", client.WebURL)

	cm, err := c.CoreV1().ConfigMaps(testNamespace).Get(ctx, "flink-config-"+testClusterID, metav1.GetOptions{})
	require.NoError(t, err)
	require.NotEqual(t, "stale", cm.Data["config.yaml"])
	require.Equal(t, deploymentUID, cm.OwnerReferences[0].UID)
	svc, err := c.CoreV1().Services(testNamespace).Get(ctx, testClusterID+"-rest", metav1.GetOptions{})
	require.NoError(t, err)
	require.Equal(t, "10.96.0.12", svc.Spec.ClusterIP, "allocated values are kept")
	require.EqualValues(t, 31234, svc.Spec.Ports[0].NodePort)
	require.Equal(t, deploymentUID, svc.OwnerReferences[0].UID)
	require.Contains(t, actionsOf(c), "update configmaps/flink-config-"+testClusterID)
}

func TestEndpointFailureKeepsTheCluster(t *testing.T) {
	c := newClient() // NodePort without nodes: no endpoint
	d, _ := newDescriptor(t, c, testConfig("kubernetes.rest-service.exposed.type", "NodePort"))
	_, err := d.DeploySessionCluster(ctx)
	require.True(t, errors.Is(err, ErrNoRESTEndpoint))
	containsAll(t, err.Error(), `Flink cluster "my-flink-cluster1" was created`, "keeps running")
	_, ok := getDeployment(t, c)
	require.True(t, ok, "as in Flink, the cluster stays")
	require.Empty(t, deleteActions(c))
}

func TestRetrieveMissingCluster(t *testing.T) {
	d, _ := newDescriptor(t, newClient(), testConfig())
	_, err := d.Retrieve(ctx, "other-cluster")
	require.True(t, errors.Is(err, ErrNoRESTEndpoint))
	containsAll(t, err.Error(), `"other-cluster"`, `Service "other-cluster-rest" does not exist in namespace "test"`)
	_, err = d.Retrieve(ctx, "Other")
	require.ErrorContains(t, err, "DNS-1035")
}
