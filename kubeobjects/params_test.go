package kubeobjects

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"flinksim/config"
)

// Mirrors AbstractKubernetesParametersTest#testClusterIdMustNotBeBlank and
// #testClusterIdLengthLimitation, plus flinksim's early DNS-1035 check.
func TestClusterIDValidation(t *testing.T) {
	cases := []struct {
		name, id string
		wantErr  []string // substrings; none = valid
	}{
		{name: "TestClusterIdMustNotBeBlank", id: "   ", wantErr: []string{"kubernetes.cluster-id", "must not be blank"}},
		{name: "empty", id: "", wantErr: []string{"kubernetes.cluster-id", "must not be blank"}},
		{name: "TestClusterIdLengthLimitation", id: strings.Repeat("a", 46), wantErr: []string{"kubernetes.cluster-id", strings.Repeat("a", 46), "46 characters", "longer than 45"}},
		{name: "exactly 45", id: strings.Repeat("a", 45)},
		{name: "generated form", id: "flink-cluster-0123456789abcdef0123456789abcde"},
		{name: "upper case", id: "my-test-CLUSTER_ID", wantErr: []string{`kubernetes.cluster-id "my-test-CLUSTER_ID" is not a valid DNS-1035 label`, "lower case alphanumeric"}},
		{name: "leading digit", id: "1cluster", wantErr: []string{"DNS-1035", "start with an alphabetic character"}},
		{name: "trailing dash", id: "cluster-", wantErr: []string{"DNS-1035"}},
		{name: "dot", id: "my.cluster", wantErr: []string{"DNS-1035"}},
		{name: "valid", id: testClusterID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateClusterID(tc.id)
			if len(tc.wantErr) == 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, want := range tc.wantErr {
				require.Contains(t, err.Error(), want)
			}
		})
	}
}

func TestClusterIDRequiredByBuilders(t *testing.T) {
	err := buildJMErr("kubernetes.cluster-id", "<unset>")
	require.ErrorContains(t, err, "kubernetes.cluster-id is not set")
	err = buildJMErr("kubernetes.cluster-id", "Bad_Id")
	require.ErrorContains(t, err, "DNS-1035")
	err = buildTMErr(TaskManagerPodOptions{}, "kubernetes.cluster-id", strings.Repeat("x", 46))
	require.ErrorContains(t, err, "longer than 45")
}

func TestNamespaceMustNotBeBlank(t *testing.T) {
	require.ErrorContains(t, buildJMErr("kubernetes.namespace", " "), "kubernetes.namespace must not be blank")
	ns, err := Namespace(config.New())
	require.NoError(t, err)
	require.Equal(t, "default", ns)
}

// Mirrors AbstractKubernetesParametersTest#getConfigDirectory and
// #getConfigDirectoryFallbackToPodConfDir.
func TestConfigDirectory(t *testing.T) {
	p, err := newPodParams(confWith(), jobManagerOptions, Local{})
	require.NoError(t, err)
	require.Equal(t, "/flink/conf", p.clientConfDir)
	require.Equal(t, "/opt/flink/conf", p.podConfDir)

	p, err = newPodParams(confWith("$internal.deployment.config-dir", "<unset>", "kubernetes.flink.conf.dir", "/pod/conf"), jobManagerOptions, Local{})
	require.NoError(t, err)
	require.Equal(t, "/pod/conf", p.clientConfDir)
}

// Mirrors AbstractKubernetesParametersTest#testGetLocalHadoopConfigurationDirectory*.
func TestGetLocalHadoopConfigurationDirectory(t *testing.T) {
	fs := memFS{
		"/hadoop2/etc/hadoop/core-site.xml": "x",
		"/hadoop2/conf/core-site.xml":       "x",
		"/hadoop1/conf/hdfs-site.xml":       "x",
		"/empty-home/readme":                "x",
	}
	cases := []struct {
		name    string
		env     env
		wantDir string
	}{
		{name: "ReturnEmptyWhenHadoopEnvIsNotSet", env: env{}},
		{name: "FromHadoopConfDirEnv", env: env{"HADOOP_CONF_DIR": "/etc/hadoop/conf", "HADOOP_HOME": "/hadoop2"}, wantDir: "/etc/hadoop/conf"},
		{name: "BlankHadoopConfDirIsIgnored", env: env{"HADOOP_CONF_DIR": " ", "HADOOP_HOME": "/hadoop2"}, wantDir: "/hadoop2/etc/hadoop"},
		{name: "FromHadoop2HomeEnv", env: env{"HADOOP_HOME": "/hadoop2"}, wantDir: "/hadoop2/etc/hadoop"},
		{name: "FromHadoop1HomeEnv", env: env{"HADOOP_HOME": "/hadoop1"}, wantDir: "/hadoop1/conf"},
		{name: "HomeWithoutConfDirs", env: env{"HADOOP_HOME": "/empty-home"}},
	}
	for _, tc := range cases {
		t.Run("TestGetLocalHadoopConfigurationDirectory"+tc.name, func(t *testing.T) {
			p := podParams{readFile: fs.ReadFile, lookupEnv: tc.env.LookupEnv}
			dir, ok := p.localHadoopConfDir()
			require.Equal(t, tc.wantDir != "", ok)
			require.Equal(t, tc.wantDir, dir)
		})
	}
}

// Mirrors KubernetesJobManagerParametersTest.
func TestJobManagerParameters(t *testing.T) {
	params := func(t *testing.T, kv ...string) *jobManagerParams {
		t.Helper()
		conf := confWith(kv...)
		require.NoError(t, prepareConfiguration(conf))
		p, err := newJobManagerParams(conf, Local{}.orDefault())
		require.NoError(t, err)
		return p
	}
	paramsErr := func(kv ...string) error {
		conf := confWith(kv...)
		if err := prepareConfiguration(conf); err != nil {
			return err
		}
		_, err := newJobManagerParams(conf, Local{}.orDefault())
		return err
	}

	t.Run("testGetEnvironments", func(t *testing.T) {
		p := params(t, "containerized.master.env.k1", "v1", "containerized.master.env.k2", "v2", "containerized.taskmanager.env.k3", "v3")
		require.Equal(t, map[string]string{"k1": "v1", "k2": "v2"}, p.env)
	})
	t.Run("testGetEmptyAnnotations", func(t *testing.T) {
		p := params(t)
		require.Empty(t, p.annotations)
		require.Empty(t, p.restServiceAnnotations)
		require.Empty(t, p.internalServiceAnnotations)
	})
	t.Run("testGetJobManagerAnnotations", func(t *testing.T) {
		p := params(t, "kubernetes.jobmanager.annotations", "a1:v1,a2:v2")
		require.Equal(t, map[string]string{"a1": "v1", "a2": "v2"}, p.annotations)
	})
	t.Run("testGetRestServiceAnnotations", func(t *testing.T) {
		p := params(t, "kubernetes.rest-service.annotations", "a1:v1")
		require.Equal(t, map[string]string{"a1": "v1"}, p.restServiceAnnotations)
	})
	t.Run("testGetInternalServiceAnnotations", func(t *testing.T) {
		p := params(t, "kubernetes.internal-service.annotations", "a1:v1")
		require.Equal(t, map[string]string{"a1": "v1"}, p.internalServiceAnnotations)
	})
	t.Run("testGetJobManagerMemoryMB", func(t *testing.T) {
		require.EqualValues(t, 768, params(t).memoryMiB)
		require.EqualValues(t, 1024, params(t, "jobmanager.memory.process.size", "1g").memoryMiB)
	})
	t.Run("testGetJobManagerCPU", func(t *testing.T) {
		require.Equal(t, 1.0, params(t).cpu)
		require.Equal(t, 1.5, params(t, "kubernetes.jobmanager.cpu.amount", "1.5").cpu)
		require.Equal(t, 2.5, params(t, "kubernetes.jobmanager.cpu", "2.5").cpu, "deprecated key")
	})
	t.Run("testGetJobManagerCPULimitFactor", func(t *testing.T) {
		require.Equal(t, 2.5, params(t, "kubernetes.jobmanager.cpu.limit-factor", "2.5").cpuLimitFactor)
	})
	t.Run("testGetJobManagerMemoryLimitFactor", func(t *testing.T) {
		require.Equal(t, 2.5, params(t, "kubernetes.jobmanager.memory.limit-factor", "2.5").memoryLimitFactor)
	})
	t.Run("limit factors below 1 are rejected", func(t *testing.T) {
		for _, key := range []string{
			"kubernetes.jobmanager.cpu.limit-factor", "kubernetes.jobmanager.memory.limit-factor",
		} {
			require.ErrorContains(t, paramsErr(key, "0.5"), key+" must be greater than or equal to 1, got 0.5")
		}
		for _, key := range []string{
			"kubernetes.taskmanager.cpu.limit-factor", "kubernetes.taskmanager.memory.limit-factor",
		} {
			require.ErrorContains(t, buildTMErr(TaskManagerPodOptions{}, key, "0.99"), key+" must be greater than or equal to 1")
		}
	})
	t.Run("testGetRestPort", func(t *testing.T) {
		require.EqualValues(t, 12345, params(t, "rest.port", "12345").restPort)
	})
	t.Run("testGetRpcPort", func(t *testing.T) {
		require.EqualValues(t, 1234, params(t, "jobmanager.rpc.port", "1234").rpcPort)
	})
	t.Run("testGetBlobServerPort", func(t *testing.T) {
		require.EqualValues(t, 2345, params(t, "blob.server.port", "2345").blobPort)
	})
	t.Run("testGetBlobServerPortException1", func(t *testing.T) {
		err := paramsErr("blob.server.port", "1000-2000")
		require.ErrorContains(t, err, "blob.server.port")
		require.ErrorContains(t, err, "port ranges are not supported")
	})
	t.Run("testGetBlobServerPortException2", func(t *testing.T) {
		conf := confWith("blob.server.port", "0")
		_, err := newJobManagerParams(conf, Local{}.orDefault())
		require.ErrorContains(t, err, "blob.server.port must not be 0")
	})
	t.Run("testGetServiceAccount", func(t *testing.T) {
		p := params(t, "kubernetes.jobmanager.service-account", "jm-sa", "kubernetes.service-account", "generic")
		require.Equal(t, userDefined[string]{"jm-sa", true}, p.serviceAccount)
	})
	t.Run("testGetServiceAccountFallback", func(t *testing.T) {
		p := params(t, "kubernetes.service-account", "generic")
		require.Equal(t, userDefined[string]{"generic", true}, p.serviceAccount)
	})
	t.Run("testGetServiceAccountShouldReturnDefaultIfNotExplicitlySet", func(t *testing.T) {
		require.Equal(t, userDefined[string]{"default", false}, params(t).serviceAccount)
	})
	t.Run("testGetEntrypointMainClass", func(t *testing.T) {
		conf := confWith("execution.target", "KUBERNETES-APPLICATION")
		require.NoError(t, prepareConfiguration(conf))
		v, _ := conf.GetString("kubernetes.internal.jobmanager.entrypoint.class")
		require.Equal(t, config.ApplicationClusterEntrypointClass, v)
	})
	t.Run("testGetRestServiceExposedType", func(t *testing.T) {
		require.Equal(t, config.ServiceExposedNodePort, params(t, "kubernetes.rest-service.exposed.type", "nodeport").exposedType)
		require.Equal(t, config.ServiceExposedClusterIP, params(t).exposedType)
		require.ErrorContains(t, paramsErr("kubernetes.rest-service.exposed.type", "Ingress"), "kubernetes.rest-service.exposed.type")
	})
	t.Run("testPrioritizeBuiltInLabels", func(t *testing.T) {
		p := params(t, "kubernetes.jobmanager.labels", "type:x,app:y,component:z,extra:w")
		require.Equal(t, map[string]string{
			"type": "flink-native-kubernetes", "app": testClusterID, "component": "jobmanager", "extra": "w",
		}, p.podLabels())
	})
	t.Run("testGetReplicasWithTwoShouldFailWhenHAIsNotEnabled", func(t *testing.T) {
		err := paramsErr("kubernetes.jobmanager.replicas", "2")
		require.ErrorContains(t, err, "kubernetes.jobmanager.replicas is 2")
		require.ErrorContains(t, err, "needs high availability")
	})
	t.Run("testGetReplicasWithInvalidValue", func(t *testing.T) {
		require.ErrorContains(t, paramsErr("kubernetes.jobmanager.replicas", "0"), "kubernetes.jobmanager.replicas must be at least 1")
	})
	t.Run("testGetReplicas", func(t *testing.T) {
		require.EqualValues(t, 2, params(t, append([]string{"kubernetes.jobmanager.replicas", "2"}, haOptions...)...).replicas)
	})
	t.Run("testGetUserArtifactsBaseDir", func(t *testing.T) {
		require.Equal(t, "/opt/flink/artifacts", params(t).artifactsDir)
		require.Equal(t, "/x", params(t, "user.artifacts.base-dir", "/x").artifactsDir)
	})
	t.Run("bad tolerationSeconds", func(t *testing.T) {
		err := paramsErr("kubernetes.jobmanager.tolerations", "key:a,tolerationSeconds:soon")
		require.ErrorContains(t, err, "kubernetes.jobmanager.tolerations")
		require.ErrorContains(t, err, `"soon"`)
	})
	t.Run("incomplete secretKeyRef", func(t *testing.T) {
		err := paramsErr("kubernetes.env.secretKeyRef", "env:A,secret:s")
		require.ErrorContains(t, err, "kubernetes.env.secretKeyRef: entry 1")
		require.ErrorContains(t, err, "needs env, secret and key")
	})
	t.Run("owner reference with unknown key warns", func(t *testing.T) {
		_, log := buildJMWithLog(t, "kubernetes.jobmanager.owner.reference", "apiVersion:v1,kind:Pod,name:p,uid:u,colour:blue")
		require.Contains(t, log, `ignoring unknown key "colour"`)
	})
	t.Run("owner reference with a bad boolean", func(t *testing.T) {
		err := paramsErr("kubernetes.jobmanager.owner.reference", "apiVersion:v1,kind:Pod,name:p,uid:u,controller:maybe")
		require.ErrorContains(t, err, "kubernetes.jobmanager.owner.reference")
	})
}

// Mirrors KubernetesTaskManagerParametersTest.
func TestTaskManagerParameters(t *testing.T) {
	params := func(t *testing.T, opts TaskManagerPodOptions, kv ...string) *taskManagerParams {
		t.Helper()
		if opts.PodName == "" {
			opts.PodName = "my-pod"
		}
		opts.Local = opts.Local.orDefault()
		p, err := newTaskManagerParams(confWith(kv...), opts)
		require.NoError(t, err)
		return p
	}
	t.Run("testGetEnvironments", func(t *testing.T) {
		p := params(t, TaskManagerPodOptions{}, "containerized.taskmanager.env.k1", "v1", "containerized.master.env.k2", "v2")
		require.Equal(t, map[string]string{"k1": "v1"}, p.env)
	})
	t.Run("testGetEmptyAnnotations", func(t *testing.T) {
		require.Empty(t, params(t, TaskManagerPodOptions{}).annotations)
	})
	t.Run("testGetAnnotations", func(t *testing.T) {
		p := params(t, TaskManagerPodOptions{}, "kubernetes.taskmanager.annotations", "a1:v1")
		require.Equal(t, map[string]string{"a1": "v1"}, p.annotations)
	})
	t.Run("testGetPodName", func(t *testing.T) {
		require.Equal(t, "my-pod", params(t, TaskManagerPodOptions{}).podName)
	})
	t.Run("testGetDynamicProperties", func(t *testing.T) {
		p := params(t, TaskManagerPodOptions{DynamicProperties: map[string]string{"a.b": "1", "taskmanager.resource-id": "ignored"}})
		require.Equal(t, "-Da.b='1' -Dtaskmanager.resource-id='my-pod'", p.dynamicProperties)
	})
	t.Run("testGetJvmMemOptsEnv", func(t *testing.T) {
		p := params(t, TaskManagerPodOptions{})
		require.Contains(t, p.jvmMemOpts, "-Xmx")
		require.Contains(t, p.jvmMemOpts, "-XX:MaxDirectMemorySize=")
	})
	t.Run("testGetRpcPort", func(t *testing.T) {
		require.EqualValues(t, 6122, params(t, TaskManagerPodOptions{}, "taskmanager.rpc.port", "6122").rpcPort)
	})
	t.Run("testGetTaskManagerMemoryMB", func(t *testing.T) {
		require.EqualValues(t, 1184, params(t, TaskManagerPodOptions{}).memoryMiB)
		require.EqualValues(t, 1024, params(t, TaskManagerPodOptions{}, "taskmanager.memory.process.size", "1024m").memoryMiB)
	})
	t.Run("testGetTaskManagerCPU", func(t *testing.T) {
		require.Equal(t, 1.5, params(t, TaskManagerPodOptions{}, "kubernetes.taskmanager.cpu.amount", "1.5").cpu)
	})
	t.Run("testGetTaskManagerCPULimitFactor", func(t *testing.T) {
		require.Equal(t, 3.0, params(t, TaskManagerPodOptions{}, "kubernetes.taskmanager.cpu.limit-factor", "3").cpuLimitFactor)
	})
	t.Run("testGetTaskManagerMemoryLimitFactor", func(t *testing.T) {
		require.Equal(t, 3.0, params(t, TaskManagerPodOptions{}, "kubernetes.taskmanager.memory.limit-factor", "3").memoryLimitFactor)
	})
	t.Run("testPrioritizeBuiltInLabels", func(t *testing.T) {
		p := params(t, TaskManagerPodOptions{}, "kubernetes.taskmanager.labels", "type:x,app:y,component:z,extra:w")
		require.Equal(t, map[string]string{
			"type": "flink-native-kubernetes", "app": testClusterID, "component": "taskmanager", "extra": "w",
		}, p.podLabels())
	})
	t.Run("testGetServiceAccount", func(t *testing.T) {
		p := params(t, TaskManagerPodOptions{}, "kubernetes.taskmanager.service-account", "tm-sa", "kubernetes.service-account", "generic")
		require.Equal(t, userDefined[string]{"tm-sa", true}, p.serviceAccount)
	})
	t.Run("testGetServiceAccountFallback", func(t *testing.T) {
		p := params(t, TaskManagerPodOptions{}, "kubernetes.service-account", "generic")
		require.Equal(t, userDefined[string]{"generic", true}, p.serviceAccount)
	})
	t.Run("testGetServiceAccountShouldReturnDefaultIfNotExplicitlySet", func(t *testing.T) {
		require.Equal(t, userDefined[string]{"default", false}, params(t, TaskManagerPodOptions{}).serviceAccount)
	})
	t.Run("port range", func(t *testing.T) {
		err := buildTMErr(TaskManagerPodOptions{}, "taskmanager.rpc.port", "50100-50200")
		require.ErrorContains(t, err, "taskmanager.rpc.port")
		require.ErrorContains(t, err, "port ranges are not supported")
	})
	t.Run("missing pod name", func(t *testing.T) {
		_, err := BuildTaskManagerPod(confWith(), TaskManagerPodOptions{})
		require.ErrorContains(t, err, "needs a name")
	})
}

// Mirrors KubernetesWorkerResourceSpecFactoryTest, through the pod's cpu request.
func TestTaskManagerCPU(t *testing.T) {
	cases := []struct {
		name string
		kv   []string
		want float64
	}{
		{"testGetCpuCoresCommonOption", []string{"taskmanager.cpu.cores", "1.0", "kubernetes.taskmanager.cpu.amount", "2.0", "taskmanager.numberOfTaskSlots", "3"}, 1.0},
		{"testGetCpuCoresKubernetesOption", []string{"kubernetes.taskmanager.cpu.amount", "2.0", "taskmanager.numberOfTaskSlots", "3"}, 2.0},
		{"testGetCpuCoresNumSlots", []string{"taskmanager.numberOfTaskSlots", "3"}, 3.0},
		{"nonPositiveKubernetesOptionFallsBackToSlots", []string{"kubernetes.taskmanager.cpu.amount", "0", "taskmanager.numberOfTaskSlots", "4"}, 4.0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pod := buildTM(t, TaskManagerPodOptions{}, tc.kv...)
			want, err := cpuQuantity(tc.want)
			require.NoError(t, err)
			require.Equal(t, want.String(), quantity(t, mainContainer(t, pod.Spec).Resources.Requests, corev1.ResourceCPU))
		})
	}
}

// Mirrors KubernetesUtilsTest#testParsePortRange, #testParsePortNull,
// #testCheckWithDynamicPort and #testCheckWithFixedPort, through the deployer's
// mutations.
func TestPortPinning(t *testing.T) {
	cases := []struct {
		name    string
		kv      []string
		wantErr string
		want    map[string]string
	}{
		{name: "testCheckWithDynamicPort", kv: []string{"blob.server.port", "0", "taskmanager.rpc.port", "0", "rest.bind-port", "0"},
			want: map[string]string{"blob.server.port": "6124", "taskmanager.rpc.port": "6122", "rest.bind-port": "8081"}},
		{name: "defaults are dynamic", want: map[string]string{"blob.server.port": "6124", "taskmanager.rpc.port": "6122"}},
		{name: "testCheckWithFixedPort", kv: []string{"blob.server.port", "7777", "taskmanager.rpc.port", "7778", "rest.bind-port", "7779"},
			want: map[string]string{"blob.server.port": "7777", "taskmanager.rpc.port": "7778", "rest.bind-port": "7779"}},
		{name: "rest.bind-port falls back to rest.port", kv: []string{"rest.port", "9091"}},
		{name: "testParsePortRange", kv: []string{"blob.server.port", "50100-50200"}, wantErr: "blob.server.port"},
		{name: "rest.bind-port range", kv: []string{"rest.bind-port", "8081-8089"}, wantErr: "rest.bind-port"},
		{name: "taskmanager.rpc.port list", kv: []string{"taskmanager.rpc.port", "6122,6123"}, wantErr: "taskmanager.rpc.port"},
		{name: "HA port pinned to the RPC port", kv: append([]string{"jobmanager.rpc.port", "6130"}, haOptions...),
			want: map[string]string{"high-availability.jobmanager.port": "6130", "high-availability.cluster-id": testClusterID}},
		{name: "HA port kept", kv: append([]string{"high-availability.jobmanager.port", "6200"}, haOptions...),
			want: map[string]string{"high-availability.jobmanager.port": "6200"}},
		{name: "HA port range", kv: append([]string{"high-availability.jobmanager.port", "6200-6300"}, haOptions...), wantErr: "high-availability.jobmanager.port"},
		{name: "HA port untouched without HA", kv: []string{"high-availability.jobmanager.port", "6200-6300"},
			want: map[string]string{"high-availability.jobmanager.port": "6200-6300"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conf := confWith(tc.kv...)
			err := prepareConfiguration(conf)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				require.ErrorContains(t, err, "port ranges are not supported")
				return
			}
			require.NoError(t, err)
			for k, v := range tc.want {
				got, _ := conf.GetString(k)
				require.Equal(t, v, got, k)
			}
		})
	}
	t.Run("rest.bind-port falls back to rest.port", func(t *testing.T) {
		spec := buildJM(t, nil, "rest.port", "9091")
		require.EqualValues(t, 9091, spec.Accompanying[1].(*corev1.Service).Spec.Ports[0].TargetPort.IntVal)
	})
}

// Mirrors KubernetesUtilsTest#testResolveUserDefinedValue*.
func TestResolveUserDefinedValue(t *testing.T) {
	cases := []struct {
		name     string
		option   userDefined[string]
		template string
		want     string
	}{
		{"WithNotDefinedInPodTemplate", userDefined[string]{"from-config", false}, "", "from-config"},
		{"WithDefinedInPodTemplateAndConfigOptionExplicitlySet", userDefined[string]{"from-config", true}, "from-template", "from-config"},
		{"WithDefinedInPodTemplateAndConfigOptionNotSet", userDefined[string]{"default", false}, "from-template", "from-template"},
	}
	for _, tc := range cases {
		t.Run("testResolveUserDefinedValue"+tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.option.resolve(tc.template))
		})
	}
}

func TestExecutionTarget(t *testing.T) {
	for _, target := range []string{"kubernetes-session", "KUBERNETES-SESSION", "Kubernetes-Application"} {
		buildJM(t, nil, "execution.target", target)
	}
	require.ErrorContains(t, buildJMErr("execution.target", "<unset>"), "execution.target")
	err := buildJMErr("execution.target", "yarn-session")
	require.ErrorContains(t, err, "execution.target")
	require.ErrorContains(t, err, "yarn-session")
}

// Bad cpu, limit factors and ports get an error naming the option, instead of a
// quantity that wraps around (a factor of 1e30 made the memory limit negative) or an
// object the API server refuses.
func TestResourceAndPortOptionsOutOfRange(t *testing.T) {
	cases := []struct {
		name    string
		kv      []string
		tm      bool // build a TaskManager pod instead
		wantErr []string
	}{
		{name: "JobManager cpu 0", kv: []string{"kubernetes.jobmanager.cpu.amount", "0"},
			wantErr: []string{"kubernetes.jobmanager.cpu.amount must be a positive number of CPU cores", "got 0.0"}},
		{name: "JobManager cpu negative (deprecated key)", kv: []string{"kubernetes.jobmanager.cpu", "-1"},
			wantErr: []string{"kubernetes.jobmanager.cpu.amount must be a positive number of CPU cores", "got -1.0"}},
		{name: "JobManager cpu NaN", kv: []string{"kubernetes.jobmanager.cpu.amount", "NaN"},
			wantErr: []string{"kubernetes.jobmanager.cpu.amount", "got NaN"}},
		{name: "JobManager cpu Infinity", kv: []string{"kubernetes.jobmanager.cpu.amount", "Infinity"},
			wantErr: []string{"kubernetes.jobmanager.cpu.amount", "got Infinity"}},
		{name: "infinite memory limit factor", kv: []string{"kubernetes.jobmanager.memory.limit-factor", "Infinity"},
			wantErr: []string{"kubernetes.jobmanager.memory.limit-factor must be a finite number", "got Infinity"}},
		{name: "infinite cpu limit factor", kv: []string{"kubernetes.jobmanager.cpu.limit-factor", "Infinity"},
			wantErr: []string{"kubernetes.jobmanager.cpu.limit-factor must be a finite number"}},
		{name: "memory limit beyond a quantity", kv: []string{"kubernetes.jobmanager.memory.limit-factor", "1e30"},
			wantErr: []string{"kubernetes.jobmanager.memory.limit-factor 1.0E30", "768 MiB", "lower it"}},
		{name: "cpu limit beyond a quantity", kv: []string{"kubernetes.jobmanager.cpu.limit-factor", "1e300"},
			wantErr: []string{"kubernetes.jobmanager.cpu.limit-factor 1.0E300", "lower it"}},
		{name: "TaskManager memory limit beyond a quantity", tm: true, kv: []string{"kubernetes.taskmanager.memory.limit-factor", "1e30"},
			wantErr: []string{"kubernetes.taskmanager.memory.limit-factor 1.0E30", "1184 MiB"}},
		{name: "TaskManager infinite cpu limit factor", tm: true, kv: []string{"kubernetes.taskmanager.cpu.limit-factor", "Infinity"},
			wantErr: []string{"kubernetes.taskmanager.cpu.limit-factor must be a finite number"}},
		{name: "rest.port 0", kv: []string{"rest.port", "0", "rest.bind-port", "8081"},
			wantErr: []string{"rest.port must be a fixed port between 1 and 65535, got 0"}},
		{name: "rest.port negative", kv: []string{"rest.port", "-8081", "rest.bind-port", "8081"},
			wantErr: []string{"rest.port must be a fixed port between 1 and 65535, got -8081"}},
		{name: "jobmanager.rpc.port 0", kv: []string{"jobmanager.rpc.port", "0"},
			wantErr: []string{"jobmanager.rpc.port must be a fixed port between 1 and 65535, got 0"}},
		{name: "jobmanager.rpc.port too large with HA", kv: append([]string{"jobmanager.rpc.port", "70000", "high-availability.jobmanager.port", "6123"}, haOptions...),
			wantErr: []string{"jobmanager.rpc.port must be a fixed port between 1 and 65535, got 70000"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.tm {
				err = buildTMErr(TaskManagerPodOptions{}, tc.kv...)
			} else {
				err = buildJMErr(tc.kv...)
			}
			require.Error(t, err)
			for _, want := range tc.wantErr {
				require.ErrorContains(t, err, want)
			}
		})
	}
	t.Run("large but representable limits are fine", func(t *testing.T) {
		main := jmMain(t, buildJM(t, nil, "kubernetes.jobmanager.memory.limit-factor", "1000", "kubernetes.jobmanager.cpu.limit-factor", "1000"))
		require.Equal(t, "750Gi", quantity(t, main.Resources.Limits, corev1.ResourceMemory))
		require.Equal(t, "1k", quantity(t, main.Resources.Limits, corev1.ResourceCPU))
	})
	t.Run("with host network and HA the RPC port is in no object", func(t *testing.T) {
		buildJM(t, nil, append([]string{"jobmanager.rpc.port", "0", "kubernetes.hostnetwork.enabled", "true"}, haOptions...)...)
	})
}
