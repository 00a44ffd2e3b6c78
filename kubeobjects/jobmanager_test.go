package kubeobjects

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/config"
)

var tolerationOptions = []string{
	"kubernetes.jobmanager.tolerations", "key:key1,operator:Equal,value:value1,effect:NoSchedule;KEY:key2,operator:Exists,Effect:NoExecute,tolerationSeconds:6000",
}

// Mirrors InitJobManagerDecoratorTest.
func TestInitJobManagerDecorator(t *testing.T) {
	spec := buildJM(t, nil,
		"kubernetes.jobmanager.cpu.amount", "2.0",
		"kubernetes.jobmanager.cpu.limit-factor", "1.5",
		"kubernetes.jobmanager.memory.limit-factor", "2",
		"kubernetes.container.image.ref", "image:test",
		"kubernetes.container.image.pull-policy", "Always",
		"containerized.master.env.k1", "v1",
		"containerized.master.env.k2", "v2",
		"kubernetes.jobmanager.labels", "label1:value1,label2:value2",
		"kubernetes.jobmanager.annotations", "annotation1:value1",
		"kubernetes.service-account", "flink-generic",
		"kubernetes.container.image.pull-secrets", "s1;s2",
		"kubernetes.jobmanager.node-selector", "disk:ssd",
		"kubernetes.flink.log.dir", "/var/log/flink",
		"rest.port", "9081", "jobmanager.rpc.port", "7123", "blob.server.port", "7124",
		tolerationOptions[0], tolerationOptions[1],
	)
	pod := spec.Deployment.Spec.Template
	main := jmMain(t, spec)

	t.Run("testMainContainerName", func(t *testing.T) {
		require.Len(t, pod.Spec.Containers, 1)
	})
	t.Run("testMainContainerImage", func(t *testing.T) {
		require.Equal(t, "image:test", main.Image)
		require.Equal(t, corev1.PullAlways, main.ImagePullPolicy)
	})
	t.Run("testMainContainerResourceRequirements", func(t *testing.T) {
		require.Equal(t, "2", quantity(t, main.Resources.Requests, corev1.ResourceCPU))
		require.Equal(t, "3", quantity(t, main.Resources.Limits, corev1.ResourceCPU))
		require.Equal(t, "768Mi", quantity(t, main.Resources.Requests, corev1.ResourceMemory))
		require.Equal(t, "1536Mi", quantity(t, main.Resources.Limits, corev1.ResourceMemory))
	})
	t.Run("testMainContainerPorts", func(t *testing.T) {
		require.Equal(t, []corev1.ContainerPort{
			{Name: "rest", ContainerPort: 9081},
			{Name: "jobmanager-rpc", ContainerPort: 7123},
			{Name: "blobserver", ContainerPort: 7124},
		}, main.Ports)
	})
	t.Run("testMainContainerEnv", func(t *testing.T) {
		require.Equal(t, []string{"k1", "k2", "_POD_IP_ADDRESS", "FLINK_LOG_DIR"}, envNames(main))
		ip, _ := envNamed(main, "_POD_IP_ADDRESS")
		require.Equal(t, &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "status.podIP"}, ip.ValueFrom.FieldRef)
	})
	t.Run("testFlinkLogDirEnvShouldBeSetIfConfiguredViaOptions", func(t *testing.T) {
		e, _ := envNamed(main, "FLINK_LOG_DIR")
		require.Equal(t, "/var/log/flink", e.Value)
	})
	t.Run("testPodLabels", func(t *testing.T) {
		require.Equal(t, map[string]string{
			"type": "flink-native-kubernetes", "app": testClusterID, "component": "jobmanager",
			"label1": "value1", "label2": "value2",
		}, pod.Labels)
	})
	t.Run("testPodAnnotations", func(t *testing.T) {
		require.Equal(t, map[string]string{"annotation1": "value1"}, pod.Annotations)
	})
	t.Run("testPodServiceAccountName", func(t *testing.T) {
		require.Equal(t, "flink-generic", pod.Spec.ServiceAccountName)
		require.Equal(t, "flink-generic", pod.Spec.DeprecatedServiceAccount)
	})
	t.Run("testImagePullSecrets", func(t *testing.T) {
		require.Equal(t, []corev1.LocalObjectReference{{Name: "s1"}, {Name: "s2"}}, pod.Spec.ImagePullSecrets)
	})
	t.Run("testNodeSelector", func(t *testing.T) {
		require.Equal(t, map[string]string{"disk": "ssd"}, pod.Spec.NodeSelector)
	})
	t.Run("testPodTolerations", func(t *testing.T) {
		six := int64(6000)
		require.Equal(t, []corev1.Toleration{
			{Key: "key1", Operator: "Equal", Value: "value1", Effect: "NoSchedule"},
			{Key: "key2", Operator: "Exists", Effect: "NoExecute", TolerationSeconds: &six},
		}, pod.Spec.Tolerations)
	})
	t.Run("testDNSPolicyDefaultValue", func(t *testing.T) {
		require.Equal(t, corev1.DNSClusterFirst, pod.Spec.DNSPolicy)
		require.False(t, pod.Spec.HostNetwork)
	})
}

// Mirrors InitJobManagerDecoratorAccountTest and InitTaskManagerDecoratorAccountTest.
func TestPodServiceAccountNameComponentWins(t *testing.T) {
	spec := buildJM(t, nil, "kubernetes.service-account", "generic", "kubernetes.jobmanager.service-account", "jm")
	require.Equal(t, "jm", jmPodSpec(spec).ServiceAccountName)
	pod := buildTM(t, TaskManagerPodOptions{}, "kubernetes.service-account", "generic", "kubernetes.taskmanager.service-account", "tm")
	require.Equal(t, "tm", pod.Spec.ServiceAccountName)
	require.Equal(t, "tm", pod.Spec.DeprecatedServiceAccount)
}

func TestResourceQuantities(t *testing.T) {
	cases := []struct {
		cpu, cpuFactor, memFactor string
		wantCPU, wantCPULimit     string
		wantMemLimit              string
	}{
		{"1.0", "1.0", "1.0", "1", "1", "768Mi"},
		{"0.5", "3", "1.5", "500m", "1500m", "1152Mi"},
		{"0.25", "1.0", "1.001", "250m", "250m", "768Mi"}, // floor(768.768)
		{"1.5", "1.0", "1.3333", "1500m", "1500m", "1023Mi"},
	}
	for _, tc := range cases {
		spec := buildJM(t, nil, "kubernetes.jobmanager.cpu.amount", tc.cpu,
			"kubernetes.jobmanager.cpu.limit-factor", tc.cpuFactor,
			"kubernetes.jobmanager.memory.limit-factor", tc.memFactor)
		main := jmMain(t, spec)
		require.Equal(t, tc.wantCPU, quantity(t, main.Resources.Requests, corev1.ResourceCPU))
		require.Equal(t, tc.wantCPULimit, quantity(t, main.Resources.Limits, corev1.ResourceCPU))
		require.Equal(t, tc.wantMemLimit, quantity(t, main.Resources.Limits, corev1.ResourceMemory))
	}
	require.ErrorContains(t, buildJMErr("kubernetes.jobmanager.cpu.amount", "0"), "cpu")
}

// Mirrors CmdJobManagerDecoratorTest.
func TestCmdJobManagerDecorator(t *testing.T) {
	t.Run("testSessionClusterCommandsAndArgs", func(t *testing.T) {
		main := jmMain(t, buildJM(t, nil, "kubernetes.entry.path", "/entry.sh", "kubernetes.jobmanager.entrypoint.args", "-Dx=y"))
		require.Equal(t, []string{"/entry.sh"}, main.Command)
		require.Equal(t, []string{"bash", "-c", "kubernetes-jobmanager.sh kubernetes-session -Dx=y"}, main.Args)
	})
	t.Run("testApplicationClusterCommandsAndArgs", func(t *testing.T) {
		main := jmMain(t, buildJM(t, nil, "execution.target", "kubernetes-application"))
		require.Equal(t, []string{"/docker-entrypoint.sh"}, main.Command)
		// Flink joins the parts with single spaces, also when the last is empty.
		require.Equal(t, []string{"bash", "-c", "kubernetes-jobmanager.sh kubernetes-application "}, main.Args)
	})
	t.Run("testUnsupportedDeploymentTargetShouldFail", func(t *testing.T) {
		require.ErrorContains(t, buildJMErr("execution.target", "local"), "execution.target")
	})
}

// Mirrors EnvSecretsDecoratorTest and MountSecretsDecoratorTest.
func TestSecretsDecorators(t *testing.T) {
	spec := buildJM(t, nil, "kubernetes.env.secretKeyRef", "env:MY_FOO,secret:foo,key:key_foo", "kubernetes.secrets", "test:/opt/flink/secret")
	main := jmMain(t, spec)
	e, ok := envNamed(main, "MY_FOO")
	require.True(t, ok)
	require.Equal(t, &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "foo"}, Key: "key_foo"}, e.ValueFrom.SecretKeyRef)
	v := volumeNamed(t, jmPodSpec(spec), "test-volume")
	require.Equal(t, "test", v.Secret.SecretName)
	require.Equal(t, "/opt/flink/secret", mountPaths(main)["test-volume"])

	pod := buildTM(t, TaskManagerPodOptions{}, "kubernetes.env.secretKeyRef", "env:MY_FOO,secret:foo,key:key_foo", "kubernetes.secrets", "test:/opt/flink/secret")
	tmMain := mainContainer(t, pod.Spec)
	_, ok = envNamed(tmMain, "MY_FOO")
	require.True(t, ok)
	require.Equal(t, "/opt/flink/secret", mountPaths(tmMain)["test-volume"])
}

// Mirrors InternalServiceDecoratorTest.
func TestInternalServiceDecorator(t *testing.T) {
	t.Run("testBuildAccompanyingKubernetesResources", func(t *testing.T) {
		spec := buildJM(t, nil, "kubernetes.internal-service.annotations", "a:b", "jobmanager.rpc.port", "7123", "blob.server.port", "7124")
		svc, ok := accompanying[*corev1.Service](spec, testClusterID)
		require.True(t, ok)
		require.Equal(t, "v1", svc.APIVersion)
		require.Equal(t, CommonLabels(testClusterID), svc.Labels)
		require.Equal(t, map[string]string{"a": "b"}, svc.Annotations)
		require.Empty(t, svc.Spec.Type)
		require.Equal(t, "None", svc.Spec.ClusterIP)
		require.Equal(t, []corev1.ServicePort{{Name: "jobmanager-rpc", Port: 7123}, {Name: "blobserver", Port: 7124}}, svc.Spec.Ports)
		require.Equal(t, JobManagerSelector(testClusterID), svc.Spec.Selector)
		addr, _ := spec.Configuration.GetString("jobmanager.rpc.address")
		require.Equal(t, testClusterID+"."+testNamespace, addr)
	})
	t.Run("testDisableInternalService", func(t *testing.T) {
		spec := buildJM(t, nil, haOptions...)
		_, ok := accompanying[*corev1.Service](spec, testClusterID)
		require.False(t, ok)
		_, ok = spec.Configuration.GetString("jobmanager.rpc.address")
		require.False(t, ok)
	})
}

// Mirrors ExternalServiceDecoratorTest.
func TestExternalServiceDecorator(t *testing.T) {
	restService := func(t *testing.T, kv ...string) *corev1.Service {
		svc, ok := accompanying[*corev1.Service](buildJM(t, nil, kv...), testClusterID+"-rest")
		require.True(t, ok)
		return svc
	}
	t.Run("testBuildAccompanyingKubernetesResources", func(t *testing.T) {
		svc := restService(t, "rest.port", "9081", "rest.bind-port", "9082", "kubernetes.rest-service.annotations", "a:b")
		require.Equal(t, CommonLabels(testClusterID), svc.Labels)
		require.Equal(t, map[string]string{"a": "b"}, svc.Annotations)
		require.Equal(t, corev1.ServiceTypeClusterIP, svc.Spec.Type)
		require.Len(t, svc.Spec.Ports, 1)
		require.Equal(t, "rest", svc.Spec.Ports[0].Name)
		require.EqualValues(t, 9081, svc.Spec.Ports[0].Port)
		require.EqualValues(t, 9082, svc.Spec.Ports[0].TargetPort.IntVal)
		require.Equal(t, JobManagerSelector(testClusterID), svc.Spec.Selector)
	})
	t.Run("testSetServiceExposedType", func(t *testing.T) {
		require.Equal(t, corev1.ServiceTypeNodePort, restService(t, "kubernetes.rest-service.exposed.type", "NodePort").Spec.Type)
		require.Equal(t, corev1.ServiceTypeLoadBalancer, restService(t, "kubernetes.rest-service.exposed.type", "LoadBalancer").Spec.Type)
		require.Equal(t, corev1.ServiceTypeClusterIP, restService(t, "kubernetes.rest-service.exposed.type", "ClusterIP").Spec.Type)
	})
	t.Run("testSetServiceExposedTypeWithHeadless", func(t *testing.T) {
		svc := restService(t, "kubernetes.rest-service.exposed.type", "Headless_ClusterIP")
		require.Equal(t, corev1.ServiceTypeClusterIP, svc.Spec.Type)
		require.Equal(t, "None", svc.Spec.ClusterIP)
	})
}

// Mirrors ServiceTypeTest#testServiceClassify.
func TestServiceClassify(t *testing.T) {
	svc := func(typ corev1.ServiceType, clusterIP string) *corev1.Service {
		return &corev1.Service{Spec: corev1.ServiceSpec{Type: typ, ClusterIP: clusterIP}}
	}
	require.Equal(t, config.ServiceExposedClusterIP, ClassifyService(svc(corev1.ServiceTypeClusterIP, "10.0.0.1")))
	require.Equal(t, config.ServiceExposedClusterIP, ClassifyService(svc("", "")))
	require.Equal(t, config.ServiceExposedHeadlessClusterIP, ClassifyService(svc(corev1.ServiceTypeClusterIP, "None")))
	require.Equal(t, config.ServiceExposedNodePort, ClassifyService(svc(corev1.ServiceTypeNodePort, "10.0.0.1")))
	require.Equal(t, config.ServiceExposedLoadBalancer, ClassifyService(svc(corev1.ServiceTypeLoadBalancer, "10.0.0.1")))
}

// Mirrors FlinkConfMountDecoratorTest.
func TestFlinkConfMountDecorator(t *testing.T) {
	items := func(spec *JobManagerSpec) []string {
		var out []string
		for _, i := range volumeNamed(t, jmPodSpec(spec), "flink-config-volume").ConfigMap.Items {
			require.Equal(t, i.Key, i.Path)
			out = append(out, i.Key)
		}
		return out
	}
	withFiles := func(t *testing.T, files memFS) *JobManagerSpec {
		spec, err := BuildJobManager(confWith(), Local{ReadFile: files.ReadFile, LookupEnv: env{}.LookupEnv})
		require.NoError(t, err)
		return spec
	}
	t.Run("testConfigMap", func(t *testing.T) {
		spec := buildJM(t, nil)
		cm, ok := accompanying[*corev1.ConfigMap](spec, "flink-config-"+testClusterID)
		require.True(t, ok)
		require.Equal(t, "v1", cm.APIVersion)
		require.Equal(t, CommonLabels(testClusterID), cm.Labels)
		require.Equal(t, "rootLogger.level = INFO\n", cm.Data["log4j-console.properties"])
		require.Equal(t, "<configuration/>\n", cm.Data["logback-console.xml"])
		shipped := cm.Data["config.yaml"]
		require.Contains(t, shipped, "/opt/flink/conf", "the in-pod configuration directory is shipped")
		require.NotContains(t, shipped, "/home/alice/.kube/config", "kubernetes.config.file is client-only")
		require.NotContains(t, shipped, ": /flink/conf\n", "the client's configuration directory is client-only")
		require.NotContains(t, shipped, "0.0.0.0", "rest.bind-address is client-only")
		require.Contains(t, shipped, "passes")
	})
	t.Run("every client-only key is removed", func(t *testing.T) {
		// Reference §1.2: kubernetes.config.file, $internal.deployment.config-dir,
		// rest.bind-address, jobmanager.bind-host, taskmanager.bind-host, taskmanager.host.
		spec := buildJM(t, nil, "jobmanager.bind-host", "0.0.0.1", "taskmanager.bind-host", "0.0.0.2",
			"taskmanager.host", "client-host", "rest.address", "kept-rest-address")
		cm, _ := accompanying[*corev1.ConfigMap](spec, "flink-config-"+testClusterID)
		shipped, err := config.ParseYAML([]byte(cm.Data["config.yaml"]))
		require.NoError(t, err)
		for _, key := range []string{"kubernetes.config.file", "$internal.deployment.config-dir", "rest.bind-address",
			"jobmanager.bind-host", "taskmanager.bind-host", "taskmanager.host"} {
			_, ok := shipped.GetString(key)
			require.False(t, ok, "%s is shipped", key)
		}
		v, _ := shipped.GetString("rest.address")
		require.Equal(t, "kept-rest-address", v, "only the client-only keys go")
		v, _ = shipped.GetString("kubernetes.cluster-id")
		require.Equal(t, testClusterID, v)
	})
	t.Run("testDecoratedFlinkPodWithoutLog4jAndLogback", func(t *testing.T) {
		require.Equal(t, []string{"config.yaml"}, items(withFiles(t, memFS{})))
	})
	t.Run("testDecoratedFlinkPodWithLog4j", func(t *testing.T) {
		require.Equal(t, []string{"log4j-console.properties", "config.yaml"}, items(withFiles(t, memFS{"/flink/conf/log4j-console.properties": "x"})))
	})
	t.Run("testDecoratedFlinkPodWithLogback", func(t *testing.T) {
		require.Equal(t, []string{"logback-console.xml", "config.yaml"}, items(withFiles(t, memFS{"/flink/conf/logback-console.xml": "x"})))
	})
	t.Run("testDecoratedFlinkPodWithLog4jAndLogback", func(t *testing.T) {
		require.Equal(t, []string{"logback-console.xml", "log4j-console.properties", "config.yaml"}, items(buildJM(t, nil)))
	})
	t.Run("testDecoratedFlinkContainer", func(t *testing.T) {
		spec := buildJM(t, nil, "kubernetes.flink.conf.dir", "/pod/conf")
		mounts := jmMain(t, spec).VolumeMounts
		var confMounts []corev1.VolumeMount
		for _, m := range mounts {
			if m.Name == "flink-config-volume" {
				confMounts = append(confMounts, m)
			}
		}
		require.Equal(t, []corev1.VolumeMount{{Name: "flink-config-volume", MountPath: "/pod/conf"}}, confMounts)
	})
}

// Mirrors HadoopConfMountDecoratorTest.
func TestHadoopConfMountDecorator(t *testing.T) {
	hadoopEnv := env{"HADOOP_CONF_DIR": "/hadoop/conf"}
	t.Run("testExistingHadoopConfigMap", func(t *testing.T) {
		spec := buildJM(t, nil, "kubernetes.hadoop.conf.config-map.name", "existing")
		_, ok := accompanying[*corev1.ConfigMap](spec, "hadoop-config-"+testClusterID)
		require.False(t, ok)
		v := volumeNamed(t, jmPodSpec(spec), "hadoop-config-volume")
		require.Equal(t, "existing", v.ConfigMap.Name)
		require.Empty(t, v.ConfigMap.Items)
	})
	t.Run("testExistingConfigMapPrecedeOverHadoopConfEnv", func(t *testing.T) {
		spec := buildJM(t, hadoopEnv, "kubernetes.hadoop.conf.config-map.name", "existing")
		_, ok := accompanying[*corev1.ConfigMap](spec, "hadoop-config-"+testClusterID)
		require.False(t, ok)
		require.Equal(t, "existing", volumeNamed(t, jmPodSpec(spec), "hadoop-config-volume").ConfigMap.Name)
	})
	t.Run("testHadoopConfDirectoryUnset", func(t *testing.T) {
		spec := buildJM(t, nil)
		require.NotContains(t, volumeNames(jmPodSpec(spec)), "hadoop-config-volume")
		_, ok := envNamed(jmMain(t, spec), "HADOOP_CONF_DIR")
		require.False(t, ok)
	})
	t.Run("testEmptyHadoopConfDirectory", func(t *testing.T) {
		spec := buildJM(t, env{"HADOOP_CONF_DIR": "/flink/conf"})
		require.NotContains(t, volumeNames(jmPodSpec(spec)), "hadoop-config-volume")
		_, ok := accompanying[*corev1.ConfigMap](spec, "hadoop-config-"+testClusterID)
		require.False(t, ok)
	})
	t.Run("testHadoopConfConfigMap", func(t *testing.T) {
		cm, ok := accompanying[*corev1.ConfigMap](buildJM(t, hadoopEnv), "hadoop-config-"+testClusterID)
		require.True(t, ok)
		require.Equal(t, CommonLabels(testClusterID), cm.Labels)
		require.Len(t, cm.Data, 2)
		require.Contains(t, cm.Data["core-site.xml"], "fs.defaultFS")
		require.Equal(t, "<configuration/>\n", cm.Data["hdfs-site.xml"])
	})
	t.Run("testPodWithHadoopConfVolume", func(t *testing.T) {
		v := volumeNamed(t, jmPodSpec(buildJM(t, hadoopEnv)), "hadoop-config-volume")
		require.Equal(t, "hadoop-config-"+testClusterID, v.ConfigMap.Name)
		require.Equal(t, []corev1.KeyToPath{{Key: "core-site.xml", Path: "core-site.xml"}, {Key: "hdfs-site.xml", Path: "hdfs-site.xml"}}, v.ConfigMap.Items)
	})
	t.Run("testMainContainerWithHadoopConfVolumeMount", func(t *testing.T) {
		main := jmMain(t, buildJM(t, hadoopEnv))
		require.Equal(t, "/opt/hadoop/conf", mountPaths(main)["hadoop-config-volume"])
		e, _ := envNamed(main, "HADOOP_CONF_DIR")
		require.Equal(t, "/opt/hadoop/conf", e.Value)
	})
	t.Run("unreadable Hadoop file", func(t *testing.T) {
		files := memFS{}
		_, err := BuildJobManager(confWith(), Local{
			ReadFile: func(p string) ([]byte, error) {
				if strings.HasSuffix(p, "core-site.xml") {
					return nil, errIsDir
				}
				return files.ReadFile(p)
			},
			LookupEnv: hadoopEnv.LookupEnv,
		})
		require.ErrorContains(t, err, "Hadoop configuration")
	})
}

// Mirrors KerberosMountDecoratorTest.
func TestKerberosMountDecorator(t *testing.T) {
	kerberos := []string{
		"security.kerberos.login.keytab", "/security/alice.keytab",
		"security.kerberos.login.principal", "alice@EXAMPLE.COM",
		"security.kerberos.krb5-conf.path", "/security/mykrb5.conf",
	}
	spec := buildJM(t, nil, kerberos...)
	t.Run("testConfEditWhenBuildAccompanyingKubernetesResources", func(t *testing.T) {
		v, _ := spec.Configuration.GetString("security.kerberos.login.keytab")
		require.Equal(t, "/opt/kerberos/kerberos-keytab/alice.keytab", v)
		cm, _ := accompanying[*corev1.ConfigMap](spec, "flink-config-"+testClusterID)
		require.Contains(t, cm.Data["config.yaml"], "/opt/kerberos/kerberos-keytab/alice.keytab")
	})
	t.Run("testDecoratedFlinkContainer", func(t *testing.T) {
		var kerberosMounts []corev1.VolumeMount
		for _, m := range jmMain(t, spec).VolumeMounts {
			if strings.HasPrefix(m.Name, "kerberos") {
				kerberosMounts = append(kerberosMounts, m)
			}
		}
		require.Equal(t, []corev1.VolumeMount{
			{Name: "kerberos-keytab-volume", MountPath: "/opt/kerberos/kerberos-keytab"},
			{Name: "kerberos-krb5conf-volume", MountPath: "/etc/krb5.conf", SubPath: "krb5.conf"},
		}, kerberosMounts)
	})
	t.Run("testDecoratedFlinkPodVolumes", func(t *testing.T) {
		require.Equal(t, "kerberos-keytab-"+testClusterID, volumeNamed(t, jmPodSpec(spec), "kerberos-keytab-volume").Secret.SecretName)
		krb5 := volumeNamed(t, jmPodSpec(spec), "kerberos-krb5conf-volume").ConfigMap
		require.Equal(t, "kerberos-krb5conf-"+testClusterID, krb5.Name)
		require.Equal(t, []corev1.KeyToPath{{Key: "mykrb5.conf", Path: "krb5.conf"}}, krb5.Items)
	})
	t.Run("volumes without local files (as implemented in Flink)", func(t *testing.T) {
		spec := buildJM(t, nil,
			"security.kerberos.login.keytab", "/missing/bob.keytab",
			"security.kerberos.login.principal", "bob",
			"security.kerberos.krb5-conf.path", "/missing/krb5.conf")
		require.Contains(t, volumeNames(jmPodSpec(spec)), "kerberos-keytab-volume")
		require.Contains(t, volumeNames(jmPodSpec(spec)), "kerberos-krb5conf-volume")
		_, ok := accompanying[*corev1.Secret](spec, "kerberos-keytab-"+testClusterID)
		require.False(t, ok)
		v, _ := spec.Configuration.GetString("security.kerberos.login.keytab")
		require.Equal(t, "/missing/bob.keytab", v, "not shipped, so not rewritten")
	})
	t.Run("keytab without principal", func(t *testing.T) {
		spec := buildJM(t, nil, "security.kerberos.login.keytab", "/security/alice.keytab")
		require.NotContains(t, volumeNames(jmPodSpec(spec)), "kerberos-keytab-volume")
	})
}

// Mirrors PodTemplateMountDecoratorTest.
func TestPodTemplateMountDecorator(t *testing.T) {
	t.Run("testBuildAccompanyingKubernetesResourcesAddsPodTemplateAsConfigMap", func(t *testing.T) {
		spec := buildJM(t, nil, "kubernetes.pod-template-file.taskmanager", "/templates/tm-pod-template.yaml")
		cm, ok := accompanying[*corev1.ConfigMap](spec, "pod-template-"+testClusterID)
		require.True(t, ok)
		require.Equal(t, CommonLabels(testClusterID), cm.Labels)
		require.Equal(t, templateFile("tm-pod-template.yaml"), cm.Data["taskmanager-pod-template.yaml"])
	})
	t.Run("testDecoratorShouldFailWhenPodTemplateFileNotExist", func(t *testing.T) {
		err := buildJMErr("kubernetes.pod-template-file.taskmanager", "/templates/nope.yaml")
		require.ErrorContains(t, err, `"/templates/nope.yaml" does not exist`)
	})
	t.Run("testDecoratedFlinkPodWithTaskManagerPodTemplate", func(t *testing.T) {
		spec := buildJM(t, nil, "kubernetes.pod-template-file.taskmanager", "/templates/tm-pod-template.yaml")
		v := volumeNamed(t, jmPodSpec(spec), "pod-template-volume")
		require.Equal(t, "pod-template-"+testClusterID, v.ConfigMap.Name)
		require.Equal(t, []corev1.KeyToPath{{Key: "taskmanager-pod-template.yaml", Path: "taskmanager-pod-template.yaml"}}, v.ConfigMap.Items)
		require.Equal(t, "/opt/flink/pod-template", mountPaths(jmMain(t, spec))["pod-template-volume"])
	})
	t.Run("malformed TaskManager template is refused at deploy time", func(t *testing.T) {
		_, err := BuildJobManager(confWith("kubernetes.pod-template-file.taskmanager", "/t.yaml"),
			Local{ReadFile: memFS{"/t.yaml": "kind: Pod\nspec: [\n"}.ReadFile, LookupEnv: env{}.LookupEnv})
		require.ErrorContains(t, err, `TaskManager pod template file "/t.yaml"`)
	})
	t.Run("template file lookup order", func(t *testing.T) {
		// The deprecated kubernetes.pod-template-file beats .default (as implemented).
		spec := buildJM(t, nil,
			"kubernetes.pod-template-file", "/templates/tm-pod-template.yaml",
			"kubernetes.pod-template-file.default", "/templates/pod-template.yaml")
		cm, _ := accompanying[*corev1.ConfigMap](spec, "pod-template-"+testClusterID)
		require.Equal(t, templateFile("tm-pod-template.yaml"), cm.Data["taskmanager-pod-template.yaml"])
		require.Equal(t, "taskmanager-template", spec.Deployment.Spec.Template.Name, "the JobManager uses it too")
	})
	t.Run("missing JobManager template", func(t *testing.T) {
		err := buildJMErr("kubernetes.pod-template-file.jobmanager", "/templates/nope.yaml")
		require.ErrorContains(t, err, `pod template file "/templates/nope.yaml" does not exist`)
	})
}

// Mirrors KubernetesJobManagerFactoryTest.
func TestJobManagerFactory(t *testing.T) {
	factoryOptions := []string{
		"security.kerberos.login.keytab", "/security/alice.keytab",
		"security.kerberos.login.principal", "alice@EXAMPLE.COM",
		"security.kerberos.krb5-conf.path", "/security/mykrb5.conf",
		"kubernetes.jobmanager.labels", "label1:value1",
		"kubernetes.jobmanager.annotations", "annotation1:value1",
		"containerized.master.env.k1", "v1",
		"containerized.master.env.k2", "v2",
		"kubernetes.jobmanager.owner.reference", "apiVersion:cloudflow.io/v1beta1,blockOwnerDeletion:true,controller:true,kind:FlinkApplication,name:testapp,uid:e3c9aa3f-cc42-4178-814a-64aa15c82373",
		"kubernetes.jobmanager.cpu.amount", "2.0",
	}
	spec := buildJM(t, nil, factoryOptions...)
	dep := spec.Deployment

	t.Run("testDeploymentMetadata", func(t *testing.T) {
		require.Equal(t, "apps/v1", dep.APIVersion)
		require.Equal(t, "Deployment", dep.Kind)
		require.Equal(t, testClusterID, dep.Name)
		require.Empty(t, dep.Namespace, "the client is namespaced; Flink puts no namespace into the object")
		require.Equal(t, map[string]string{"type": "flink-native-kubernetes", "app": testClusterID, "component": "jobmanager", "label1": "value1"}, dep.Labels)
		require.Equal(t, map[string]string{"annotation1": "value1"}, dep.Annotations)
		yes := true
		require.Equal(t, []metav1.OwnerReference{{
			APIVersion: "cloudflow.io/v1beta1", Kind: "FlinkApplication", Name: "testapp",
			UID: "e3c9aa3f-cc42-4178-814a-64aa15c82373", Controller: &yes, BlockOwnerDeletion: &yes,
		}}, dep.OwnerReferences)
	})
	t.Run("testDeploymentSpec", func(t *testing.T) {
		require.EqualValues(t, 1, *dep.Spec.Replicas)
		require.Equal(t, JobManagerSelector(testClusterID), dep.Spec.Selector.MatchLabels)
		require.Equal(t, "value1", dep.Spec.Template.Labels["label1"])
		require.Equal(t, map[string]string{"annotation1": "value1"}, dep.Spec.Template.Annotations)
	})
	t.Run("testPodSpec", func(t *testing.T) {
		pod := dep.Spec.Template.Spec
		require.Len(t, pod.Containers, 1)
		require.Equal(t, "default", pod.ServiceAccountName)
		require.Equal(t, []string{"user-artifacts-volume", "kerberos-keytab-volume", "kerberos-krb5conf-volume", "flink-config-volume"}, volumeNames(pod))
		main := pod.Containers[0]
		require.Equal(t, []string{"k1", "k2", "_POD_IP_ADDRESS"}, envNames(main))
		require.Len(t, main.Ports, 3)
		require.Len(t, main.Command, 1)
		require.Len(t, main.Args, 3)
		require.Len(t, main.VolumeMounts, 4)
		require.Equal(t, "2", quantity(t, main.Resources.Requests, corev1.ResourceCPU))
		require.Equal(t, "768Mi", quantity(t, main.Resources.Requests, corev1.ResourceMemory))
	})
	t.Run("testAdditionalResourcesSize", func(t *testing.T) {
		require.Equal(t, []string{
			"Service/my-flink-cluster1", "Service/my-flink-cluster1-rest",
			"Secret/kerberos-keytab-my-flink-cluster1", "ConfigMap/kerberos-krb5conf-my-flink-cluster1",
			"ConfigMap/flink-config-my-flink-cluster1",
		}, objectNames(spec))
	})
	t.Run("testKerberosConfConfigMap", func(t *testing.T) {
		cm, ok := accompanying[*corev1.ConfigMap](spec, "kerberos-krb5conf-"+testClusterID)
		require.True(t, ok)
		require.Equal(t, "v1", cm.APIVersion)
		require.Len(t, cm.Data, 1)
		require.Contains(t, cm.Data["mykrb5.conf"], "EXAMPLE.COM")
	})
	t.Run("testKerberosKeytabSecret", func(t *testing.T) {
		s, ok := accompanying[*corev1.Secret](spec, "kerberos-keytab-"+testClusterID)
		require.True(t, ok)
		require.Equal(t, []byte("\x05\x02keytab-bytes"), s.Data["alice.keytab"])
		// On the wire Secret data is base64, as Flink writes it.
		require.Equal(t, "BQJrZXl0YWItYnl0ZXM=", base64.StdEncoding.EncodeToString(s.Data["alice.keytab"]))
	})
	t.Run("testFlinkConfConfigMap", func(t *testing.T) {
		cm, _ := accompanying[*corev1.ConfigMap](spec, "flink-config-"+testClusterID)
		require.Len(t, cm.Labels, 2)
		require.Len(t, cm.Data, 3)
		require.Contains(t, cm.Data["config.yaml"], config.SessionClusterEntrypointClass)
	})
	t.Run("testExistingHadoopConfigMap", func(t *testing.T) {
		spec := buildJM(t, env{"HADOOP_CONF_DIR": "/hadoop/conf"}, "kubernetes.hadoop.conf.config-map.name", "hadoop-conf")
		_, ok := accompanying[*corev1.ConfigMap](spec, "hadoop-config-"+testClusterID)
		require.False(t, ok)
		require.Equal(t, "hadoop-conf", volumeNamed(t, jmPodSpec(spec), "hadoop-config-volume").ConfigMap.Name)
	})
	t.Run("testHadoopConfConfigMap", func(t *testing.T) {
		cm, ok := accompanying[*corev1.ConfigMap](buildJM(t, env{"HADOOP_CONF_DIR": "/hadoop/conf"}), "hadoop-config-"+testClusterID)
		require.True(t, ok)
		require.Len(t, cm.Labels, 2)
		require.Len(t, cm.Data, 2)
	})
	t.Run("testEmptyHadoopConfDirectory", func(t *testing.T) {
		_, ok := accompanying[*corev1.ConfigMap](buildJM(t, env{"HADOOP_CONF_DIR": "/empty"}), "hadoop-config-"+testClusterID)
		require.False(t, ok)
	})
	t.Run("testSetJobManagerDeploymentReplicas", func(t *testing.T) {
		spec := buildJM(t, nil, append([]string{"kubernetes.jobmanager.replicas", "2"}, haOptions...)...)
		require.EqualValues(t, 2, *spec.Deployment.Spec.Replicas)
	})
	t.Run("testHadoopDecoratorsCanBeTurnedOff", func(t *testing.T) {
		spec := buildJM(t, env{"HADOOP_CONF_DIR": "/hadoop/conf"}, append([]string{
			"kubernetes.decorator.hadoop-conf-mount.enabled", "false",
			"kubernetes.decorator.kerberos-mount.enabled", "false",
		}, factoryOptions...)...)
		require.Equal(t, []string{"Service/my-flink-cluster1", "Service/my-flink-cluster1-rest", "ConfigMap/flink-config-my-flink-cluster1"}, objectNames(spec))
		require.Equal(t, []string{"user-artifacts-volume", "flink-config-volume"}, volumeNames(jmPodSpec(spec)))
	})
	t.Run("testArtifactsEmptyDirVolume", func(t *testing.T) {
		v := volumeNamed(t, jmPodSpec(spec), "user-artifacts-volume")
		require.NotNil(t, v.EmptyDir)
		require.Equal(t, "/opt/flink/artifacts", mountPaths(jmMain(t, spec))["user-artifacts-volume"])
	})
	t.Run("input configuration is not changed", func(t *testing.T) {
		conf := confWith()
		before := conf.ToMap()
		_, err := BuildJobManager(conf, Local{ReadFile: clientFiles.ReadFile, LookupEnv: env{}.LookupEnv})
		require.NoError(t, err)
		require.Equal(t, before, conf.ToMap())
	})
}

// Mirrors the configuration assertions of KubernetesClusterDescriptorTest: what the
// deployer's mutations leave in the effective configuration.
func TestConfigurationMutations(t *testing.T) {
	get := func(c *config.Configuration, k string) string { v, _ := c.GetString(k); return v }
	t.Run("non-HA session", func(t *testing.T) {
		c := buildJM(t, nil).Configuration
		require.Equal(t, "NORMAL", get(c, "internal.cluster.execution-mode"))
		require.Equal(t, config.SessionClusterEntrypointClass, get(c, "kubernetes.internal.jobmanager.entrypoint.class"))
		require.Equal(t, "6124", get(c, "blob.server.port"))
		require.Equal(t, "6122", get(c, "taskmanager.rpc.port"))
		require.Equal(t, "my-flink-cluster1.test", get(c, "jobmanager.rpc.address"))
		_, ok := c.GetString("high-availability.cluster-id")
		require.False(t, ok)
	})
	t.Run("HA application", func(t *testing.T) {
		c := buildJM(t, nil, append([]string{"execution.target", "kubernetes-application"}, haOptions...)...).Configuration
		require.Equal(t, config.ApplicationClusterEntrypointClass, get(c, "kubernetes.internal.jobmanager.entrypoint.class"))
		require.Equal(t, testClusterID, get(c, "high-availability.cluster-id"))
		require.Equal(t, "6123", get(c, "high-availability.jobmanager.port"))
		_, ok := c.GetString("jobmanager.rpc.address")
		require.False(t, ok)
	})
	t.Run("HA with _POD_IP_ADDRESS", func(t *testing.T) {
		// Mirrors KubernetesClusterDescriptorTest#testDeployHighAvailabilitySessionCluster.
		_, ok := envNamed(jmMain(t, buildJM(t, nil, haOptions...)), "_POD_IP_ADDRESS")
		require.True(t, ok)
	})
}

func TestHostNetwork(t *testing.T) {
	spec := buildJM(t, nil, "kubernetes.hostnetwork.enabled", "true", "kubernetes.pod-template-file.jobmanager", "/templates/pod-template.yaml")
	pod := jmPodSpec(spec)
	require.True(t, pod.HostNetwork)
	require.Equal(t, corev1.DNSClusterFirstWithHostNet, pod.DNSPolicy)
	require.Equal(t, []string{"testing-port"}, portNames(jmMain(t, spec)), "no Flink ports with host network, template ports stay")
	tm := buildTM(t, TaskManagerPodOptions{}, "kubernetes.hostnetwork.enabled", "true")
	require.True(t, tm.Spec.HostNetwork)
	require.Empty(t, mainContainer(t, tm.Spec).Ports)
}

func TestJobManagerTemplateRestartPolicyIsOnlyLogged(t *testing.T) {
	files := clientFiles.with("/t.yaml", "kind: Pod\nspec:\n  restartPolicy: Never\n")
	var log strings.Builder
	spec, err := BuildJobManager(confWith("kubernetes.pod-template-file.jobmanager", "/t.yaml"),
		Local{ReadFile: files.ReadFile, LookupEnv: env{}.LookupEnv, Log: &log})
	require.NoError(t, err)
	require.Equal(t, corev1.RestartPolicyNever, jmPodSpec(spec).RestartPolicy)
	require.Contains(t, log.String(), "restartPolicy Never")
}

// Mirrors Fabric8FlinkKubeClientTest#testCreateFlinkMasterComponent's owner check.
func TestOwnerReferenceStamping(t *testing.T) {
	spec := buildJM(t, nil)
	dep := spec.Deployment.DeepCopy()
	dep.UID = "uid-1"
	ref := OwnerReference(dep)
	for _, o := range spec.Accompanying {
		o.SetOwnerReferences([]metav1.OwnerReference{{Name: "stale"}})
		SetOwner(ref, o)
		refs := o.GetOwnerReferences()
		require.Len(t, refs, 1)
		require.Equal(t, "apps/v1", refs[0].APIVersion)
		require.Equal(t, "Deployment", refs[0].Kind)
		require.Equal(t, testClusterID, refs[0].Name)
		require.EqualValues(t, "uid-1", refs[0].UID)
		require.True(t, *refs[0].Controller)
		require.True(t, *refs[0].BlockOwnerDeletion)
	}
	// Each object has its own copy.
	*spec.Accompanying[0].GetOwnerReferences()[0].Controller = false
	require.True(t, *spec.Accompanying[1].GetOwnerReferences()[0].Controller)
}

// TestDecoratorOrderWithEverythingOn checks the order of reference §1.4 (JobManager)
// and §4.3 (TaskManager) with every step contributing at once, after the template's
// own entries: env, volumes and mounts are appended step by step in Flink's order.
func TestDecoratorOrderWithEverythingOn(t *testing.T) {
	everything := []string{
		"kubernetes.pod-template-file.default", "/templates/tm-pod-template.yaml",
		"containerized.master.env.M", "m", "containerized.taskmanager.env.T", "t",
		"kubernetes.flink.log.dir", "/log",
		"kubernetes.env.secretKeyRef", "env:FROM_SECRET,secret:s,key:k",
		"kubernetes.secrets", "s:/opt/s",
		"security.kerberos.login.keytab", "/security/alice.keytab",
		"security.kerberos.login.principal", "alice",
		"security.kerberos.krb5-conf.path", "/security/mykrb5.conf",
	}
	mountNames := func(c corev1.Container) []string {
		var out []string
		for _, m := range c.VolumeMounts {
			out = append(out, m.Name)
		}
		return out
	}
	t.Run("JobManager", func(t *testing.T) {
		spec := buildJM(t, env{"HADOOP_CONF_DIR": "/hadoop/conf"}, everything...)
		main := jmMain(t, spec)
		require.Equal(t, []string{"M", "_POD_IP_ADDRESS", "FLINK_LOG_DIR", "FROM_SECRET", "HADOOP_CONF_DIR"}, envNames(main))
		require.Equal(t, []string{"tm-scratch", "user-artifacts-volume", "s-volume", "hadoop-config-volume", "kerberos-keytab-volume",
			"kerberos-krb5conf-volume", "flink-config-volume", "pod-template-volume"}, volumeNames(jmPodSpec(spec)))
		require.Equal(t, []string{"tm-scratch", "user-artifacts-volume", "s-volume", "hadoop-config-volume", "kerberos-keytab-volume",
			"kerberos-krb5conf-volume", "flink-config-volume", "pod-template-volume"}, mountNames(main))
		require.Equal(t, []string{"tm-sidecar", "flink-main-container"}, []string{jmPodSpec(spec).Containers[0].Name, main.Name})
	})
	t.Run("TaskManager", func(t *testing.T) {
		tmpl, err := ParsePodTemplate([]byte(templateFile("tm-pod-template.yaml")))
		require.NoError(t, err)
		files := tmPodFiles.with("/opt/hadoop/conf/core-site.xml", "x")
		pod := buildTM(t, TaskManagerPodOptions{Template: tmpl, Local: Local{ReadFile: files.ReadFile,
			LookupEnv: env{"HADOOP_CONF_DIR": "/opt/hadoop/conf"}.LookupEnv}}, everything...)
		main := mainContainer(t, pod.Spec)
		require.Equal(t, []string{"T", "_POD_NODE_ID", "FLINK_LOG_DIR", "FROM_SECRET", "FLINK_TM_JVM_MEM_OPTS", "HADOOP_CONF_DIR"}, envNames(main))
		require.Equal(t, []string{"tm-scratch", "s-volume", "hadoop-config-volume", "kerberos-keytab-volume",
			"kerberos-krb5conf-volume", "flink-config-volume"}, volumeNames(pod.Spec))
		require.Equal(t, []string{"tm-scratch", "s-volume", "hadoop-config-volume", "kerberos-keytab-volume",
			"kerberos-krb5conf-volume", "flink-config-volume"}, mountNames(main))
	})
}
