package kubeobjects

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"flinksim/config"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ from the current output")

// goldenDeploymentUID stands in for the UID the API server assigns the Deployment.
const goldenDeploymentUID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

// checkGolden compares the YAML documents of objs with testdata/<name>.yaml.
func checkGolden(t *testing.T, name string, objs ...runtime.Object) {
	t.Helper()
	var buf bytes.Buffer
	for i, o := range objs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		data, err := yaml.Marshal(o)
		require.NoError(t, err)
		buf.Write(data)
	}
	path := filepath.Join("testdata", name+".yaml")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "golden file missing; run go test ./kubeobjects/ -update")
	require.Equal(t, string(want), buf.String(), "output differs from %s; if the change is intended, run go test ./kubeobjects/ -update", path)
}

// stamped is what the deployer makes of a JobManagerSpec: the Deployment as the API
// server returned it (with a UID) and every other object owned by it.
func stamped(spec *JobManagerSpec) []runtime.Object {
	dep := spec.Deployment.DeepCopy()
	dep.UID = goldenDeploymentUID
	out := []runtime.Object{spec.Deployment}
	for _, o := range spec.Accompanying {
		SetOwner(OwnerReference(dep), o)
		out = append(out, o)
	}
	return out
}

// clientFiles are the files of a client machine: logging configurations in the
// configuration directory, pod templates, Kerberos files, Hadoop configuration.
var clientFiles = memFS{
	"/flink/conf/log4j-console.properties": "rootLogger.level = INFO\n",
	"/flink/conf/logback-console.xml":      "<configuration/>\n",
	"/templates/pod-template.yaml":         templateFile("pod-template.yaml"),
	"/templates/tm-pod-template.yaml":      templateFile("tm-pod-template.yaml"),
	"/security/alice.keytab":               "\x05\x02keytab-bytes",
	"/security/mykrb5.conf":                "[libdefaults]\n  default_realm = EXAMPLE.COM\n",
	"/hadoop/conf/core-site.xml":           "<configuration><property><name>fs.defaultFS</name><value>hdfs://nn:8020</value></property></configuration>\n",
	"/hadoop/conf/hdfs-site.xml":           "<configuration/>\n",
}

// baseOptions is the configuration every case starts from (the constants of Flink's
// tests: cluster my-flink-cluster1 in namespace test).
func baseOptions() map[string]string {
	return map[string]string{
		"kubernetes.cluster-id":                  "my-flink-cluster1",
		"kubernetes.namespace":                   "test",
		"execution.target":                       "kubernetes-session",
		"jobmanager.memory.process.size":         "768m",
		"taskmanager.memory.process.size":        "1184m",
		"kubernetes.container.image.ref":         "flink:2.0",
		"$internal.deployment.config-dir":        "/flink/conf",
		"kubernetes.config.file":                 "/home/alice/.kube/config",
		"rest.bind-address":                      "0.0.0.0",
		"taskmanager.numberOfTaskSlots":          "2",
		"parallelism.default":                    "2",
		"unknown.option.passes.through":          "yes",
		"kubernetes.flink.conf.dir":              "/opt/flink/conf",
		"kubernetes.container.image.pull-policy": "IfNotPresent",
	}
}

func confWith(kv ...string) *config.Configuration {
	m := baseOptions()
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "<unset>" {
			delete(m, kv[i])
			continue
		}
		m[kv[i]] = kv[i+1]
	}
	return config.FromMap(m)
}

var haOptions = []string{
	"high-availability.type", "kubernetes",
	"high-availability.storageDir", "s3://flink/ha",
}

func TestJobManagerGolden(t *testing.T) {
	cases := []struct {
		name  string
		opts  []string
		files memFS
		env   env
	}{
		{name: "session"},
		{name: "session-no-log-configs", files: memFS{}},
		{name: "application", opts: []string{
			"execution.target", "kubernetes-application",
			"pipeline.jars", "local:///opt/flink/usrlib/my-job.jar",
			"$internal.application.program-args", "--input;s3://in;--output;s3://out",
			"$internal.application.main", "org.example.WordCount",
		}},
		{name: "session-ha", opts: append([]string{"kubernetes.jobmanager.replicas", "2"}, haOptions...)},
		{name: "application-ha", opts: append([]string{
			"execution.target", "kubernetes-application",
			"pipeline.jars", "local:///opt/flink/usrlib/my-job.jar",
		}, haOptions...)},
		{name: "exposed-nodeport", opts: []string{"kubernetes.rest-service.exposed.type", "NodePort"}},
		{name: "exposed-loadbalancer", opts: []string{"kubernetes.rest-service.exposed.type", "LoadBalancer"}},
		{name: "exposed-headless-clusterip", opts: []string{"kubernetes.rest-service.exposed.type", "Headless_ClusterIP"}},
		{name: "pod-templates", opts: []string{
			"kubernetes.pod-template-file.default", "/templates/pod-template.yaml",
			"kubernetes.pod-template-file.taskmanager", "/templates/tm-pod-template.yaml",
			"kubernetes.container.image.ref", "<unset>",
			"kubernetes.container.image.pull-policy", "<unset>",
			"kubernetes.jobmanager.annotations", "a1:from-config",
			"kubernetes.jobmanager.node-selector", "env:from-config",
		}},
		{name: "secrets", opts: []string{
			"kubernetes.secrets", "s3-credentials:/opt/flink/secrets/s3,tls:/opt/flink/secrets/tls",
			"kubernetes.env.secretKeyRef", "env:S3_ACCESS_KEY,secret:s3-credentials,key:access-key;env:S3_SECRET_KEY,secret:s3-credentials,key:secret-key",
		}},
		{name: "host-network", opts: []string{"kubernetes.hostnetwork.enabled", "true"}},
		{name: "kerberos-hadoop", opts: []string{
			"security.kerberos.login.keytab", "/security/alice.keytab",
			"security.kerberos.login.principal", "alice@EXAMPLE.COM",
			"security.kerberos.krb5-conf.path", "/security/mykrb5.conf",
		}, env: env{"HADOOP_CONF_DIR": "/hadoop/conf"}},
		{name: "hadoop-existing-configmap", opts: []string{
			"kubernetes.hadoop.conf.config-map.name", "my-hadoop-conf",
		}, env: env{"HADOOP_CONF_DIR": "/hadoop/conf"}},
		{name: "decorators-off", opts: []string{
			"kubernetes.decorator.hadoop-conf-mount.enabled", "false",
			"kubernetes.decorator.kerberos-mount.enabled", "false",
			"security.kerberos.login.keytab", "/security/alice.keytab",
			"security.kerberos.login.principal", "alice@EXAMPLE.COM",
			"security.kerberos.krb5-conf.path", "/security/mykrb5.conf",
		}, env: env{"HADOOP_CONF_DIR": "/hadoop/conf"}},
		{name: "all-options", opts: []string{
			"kubernetes.jobmanager.labels", "team:data,type:overridden-by-flink",
			"kubernetes.jobmanager.annotations", "prometheus.io/scrape:true",
			"kubernetes.jobmanager.node-selector", "disktype:ssd",
			"kubernetes.jobmanager.tolerations", "key:dedicated,operator:Equal,value:flink,effect:NoSchedule;KEY:spot,Operator:Exists,Effect:NoExecute,tolerationSeconds:6000",
			"kubernetes.container.image.pull-secrets", "regcred; ;other-cred",
			"kubernetes.container.image.pull-policy", "Always",
			"kubernetes.jobmanager.owner.reference", "apiVersion:flink.apache.org/v1beta1,kind:FlinkDeployment,name:my-deployment,uid:e2f3a4b5-0000-1111-2222-333344445555,controller:false,blockOwnerDeletion:true",
			"kubernetes.jobmanager.cpu.amount", "2.0",
			"kubernetes.jobmanager.cpu.limit-factor", "1.5",
			"kubernetes.jobmanager.memory.limit-factor", "2",
			"kubernetes.jobmanager.entrypoint.args", "-Dfoo=bar",
			"kubernetes.jobmanager.service-account", "flink-jobmanager",
			"kubernetes.service-account", "flink",
			"containerized.master.env.ENABLE_BUILT_IN_PLUGINS", "flink-s3-fs-hadoop-2.0.jar",
			"containerized.master.env.KUBERNETES_MAX_CONCURRENT_REQUESTS", "200",
			"kubernetes.flink.log.dir", "/var/log/flink",
			"kubernetes.rest-service.annotations", "service.beta.kubernetes.io/aws-load-balancer-type:nlb",
			"kubernetes.internal-service.annotations", "internal:yes",
			"kubernetes.entry.path", "/custom-entrypoint.sh",
			"user.artifacts.base-dir", "/opt/artifacts",
			"rest.port", "8082",
			"rest.bind-port", "0",
			"blob.server.port", "0",
			"taskmanager.rpc.port", "0",
			"jobmanager.rpc.port", "6125",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := clientFiles
			if tc.files != nil {
				files = tc.files
			}
			spec, err := BuildJobManager(confWith(tc.opts...), Local{ReadFile: files.ReadFile, LookupEnv: tc.env.LookupEnv})
			require.NoError(t, err)
			checkGolden(t, "jobmanager/"+tc.name, stamped(spec)...)
		})
	}
}

func TestTaskManagerGolden(t *testing.T) {
	owner := metav1.OwnerReference{}
	{
		dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "my-flink-cluster1", UID: goldenDeploymentUID}}
		owner = OwnerReference(dep)
	}
	// Inside the JobManager pod: the shipped configuration directory and, when mounted,
	// the Hadoop configuration.
	podFiles := memFS{
		"/opt/flink/conf/log4j-console.properties": "rootLogger.level = INFO\n",
		"/opt/flink/conf/config.yaml":              "",
		"/opt/hadoop/conf/core-site.xml":           "<configuration/>\n",
	}
	tmTemplate, err := ParsePodTemplate([]byte(templateFile("tm-pod-template.yaml")))
	require.NoError(t, err)
	fullTemplate, err := ParsePodTemplate([]byte(templateFile("pod-template.yaml")))
	require.NoError(t, err)

	cases := []struct {
		name     string
		opts     []string
		template *FlinkPod
		blocked  []string
		dynamic  map[string]string
		env      env
	}{
		{name: "default"},
		{name: "template-and-blocklist", template: tmTemplate, blocked: []string{"node-3", "node-7"}},
		{name: "full-template", template: fullTemplate, opts: []string{
			"kubernetes.container.image.ref", "<unset>",
			"kubernetes.container.image.pull-policy", "<unset>",
		}},
		{name: "all-options", opts: []string{
			"kubernetes.taskmanager.labels", "team:data,component:overridden-by-flink",
			"kubernetes.taskmanager.annotations", "prometheus.io/scrape:true",
			"kubernetes.taskmanager.node-selector", "disktype:ssd",
			"kubernetes.taskmanager.tolerations", "key:dedicated,operator:Equal,value:flink,effect:NoSchedule",
			"kubernetes.container.image.pull-secrets", "regcred",
			"kubernetes.taskmanager.cpu.amount", "2.0",
			"kubernetes.taskmanager.cpu.limit-factor", "1.5",
			"kubernetes.taskmanager.memory.limit-factor", "2",
			"kubernetes.taskmanager.entrypoint.args", "--extra",
			"kubernetes.taskmanager.service-account", "flink-taskmanager",
			"containerized.taskmanager.env.ENABLE_BUILT_IN_PLUGINS", "flink-s3-fs-hadoop-2.0.jar",
			"kubernetes.flink.log.dir", "/var/log/flink",
			"kubernetes.secrets", "s3-credentials:/opt/flink/secrets/s3",
			"kubernetes.env.secretKeyRef", "env:S3_ACCESS_KEY,secret:s3-credentials,key:access-key",
			"security.kerberos.login.keytab", "/opt/kerberos/kerberos-keytab/alice.keytab",
			"security.kerberos.login.principal", "alice@EXAMPLE.COM",
			"security.kerberos.krb5-conf.path", "/security/mykrb5.conf",
			"external-resources", "gpu",
			"external-resource.gpu.amount", "2",
			"external-resource.gpu.kubernetes.config-key", "nvidia.com/gpu",
			"taskmanager.rpc.port", "6122",
		}, env: env{"HADOOP_CONF_DIR": "/opt/hadoop/conf"}, dynamic: map[string]string{
			"jobmanager.rpc.address": "10.0.0.5",
			"quoted.value":           "it's quoted",
		}},
		{name: "host-network", opts: []string{"kubernetes.hostnetwork.enabled", "true"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pod, err := BuildTaskManagerPod(tmConf(tc.opts...), TaskManagerPodOptions{
				Local:             Local{ReadFile: podFiles.ReadFile, LookupEnv: tc.env.LookupEnv},
				PodName:           TaskManagerPodName("my-flink-cluster1", 1, 1),
				Template:          tc.template,
				DynamicProperties: tc.dynamic,
				Owner:             &owner,
				BlockedNodes:      tc.blocked,
			})
			require.NoError(t, err)
			checkGolden(t, "taskmanager/"+tc.name, pod)
		})
	}
}
