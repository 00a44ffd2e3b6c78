package kubeobjects

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/config"
)

// Mirrors InitTaskManagerDecoratorTest.
func TestInitTaskManagerDecorator(t *testing.T) {
	pod := buildTM(t, TaskManagerPodOptions{PodName: "my-flink-cluster1-taskmanager-1-1", BlockedNodes: []string{"node1", "node2"}},
		"kubernetes.taskmanager.cpu.amount", "2.0",
		"kubernetes.taskmanager.cpu.limit-factor", "1.5",
		"kubernetes.taskmanager.memory.limit-factor", "2",
		"kubernetes.container.image.ref", "image:test",
		"kubernetes.container.image.pull-policy", "Never",
		"containerized.taskmanager.env.k1", "v1",
		"kubernetes.taskmanager.labels", "label1:value1",
		"kubernetes.taskmanager.annotations", "annotation1:value1",
		"kubernetes.service-account", "flink-generic",
		"kubernetes.container.image.pull-secrets", "s1;s2",
		"kubernetes.taskmanager.node-selector", "disk:ssd",
		"kubernetes.taskmanager.tolerations", "key:key1,operator:Equal,value:value1,effect:NoSchedule",
		"kubernetes.flink.log.dir", "/var/log/flink",
		"taskmanager.rpc.port", "7122",
		"external-resources", "test",
		"external-resource.test.amount", "2",
		"external-resource.test.kubernetes.config-key", "test.com/test",
	)
	main := mainContainer(t, pod.Spec)

	t.Run("testApiVersion", func(t *testing.T) {
		require.Equal(t, "v1", pod.APIVersion)
		require.Equal(t, "Pod", pod.Kind)
	})
	t.Run("testMainContainerImage", func(t *testing.T) {
		require.Equal(t, "image:test", main.Image)
	})
	t.Run("testMainContainerImagePullPolicy", func(t *testing.T) {
		require.Equal(t, corev1.PullNever, main.ImagePullPolicy)
	})
	t.Run("testMainContainerResourceRequirements", func(t *testing.T) {
		require.Equal(t, "2", quantity(t, main.Resources.Requests, corev1.ResourceCPU))
		require.Equal(t, "3", quantity(t, main.Resources.Limits, corev1.ResourceCPU))
		require.Equal(t, "1184Mi", quantity(t, main.Resources.Requests, corev1.ResourceMemory))
		require.Equal(t, "2368Mi", quantity(t, main.Resources.Limits, corev1.ResourceMemory))
	})
	t.Run("testExternalResourceInResourceRequirements", func(t *testing.T) {
		require.Equal(t, "2", quantity(t, main.Resources.Requests, "test.com/test"))
		require.Equal(t, "2", quantity(t, main.Resources.Limits, "test.com/test"))
	})
	t.Run("testMainContainerPorts", func(t *testing.T) {
		require.Equal(t, []corev1.ContainerPort{{Name: "taskmanager-rpc", ContainerPort: 7122}}, main.Ports)
	})
	t.Run("testMainContainerEnv", func(t *testing.T) {
		require.Equal(t, []string{"k1", "_POD_NODE_ID", "FLINK_LOG_DIR", "FLINK_TM_JVM_MEM_OPTS"}, envNames(main))
	})
	t.Run("testNodeIdEnv", func(t *testing.T) {
		e, _ := envNamed(main, "_POD_NODE_ID")
		require.Equal(t, &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "spec.nodeName"}, e.ValueFrom.FieldRef)
	})
	t.Run("testPodName", func(t *testing.T) {
		require.Equal(t, "my-flink-cluster1-taskmanager-1-1", pod.Name)
	})
	t.Run("testPodLabels", func(t *testing.T) {
		require.Equal(t, map[string]string{
			"type": "flink-native-kubernetes", "app": testClusterID, "component": "taskmanager", "label1": "value1",
		}, pod.Labels)
	})
	t.Run("testPodAnnotations", func(t *testing.T) {
		require.Equal(t, map[string]string{"annotation1": "value1"}, pod.Annotations)
	})
	t.Run("testPodServiceAccountName", func(t *testing.T) {
		require.Equal(t, "flink-generic", pod.Spec.ServiceAccountName)
	})
	t.Run("testImagePullSecrets", func(t *testing.T) {
		require.Equal(t, []corev1.LocalObjectReference{{Name: "s1"}, {Name: "s2"}}, pod.Spec.ImagePullSecrets)
	})
	t.Run("testNodeSelector", func(t *testing.T) {
		require.Equal(t, map[string]string{"disk": "ssd"}, pod.Spec.NodeSelector)
	})
	t.Run("testPodTolerations", func(t *testing.T) {
		require.Equal(t, []corev1.Toleration{{Key: "key1", Operator: "Equal", Value: "value1", Effect: "NoSchedule"}}, pod.Spec.Tolerations)
	})
	t.Run("testFlinkLogDirEnvShouldBeSetIfConfiguredViaOptions", func(t *testing.T) {
		e, _ := envNamed(main, "FLINK_LOG_DIR")
		require.Equal(t, "/var/log/flink", e.Value)
	})
	t.Run("testRestartPolicy", func(t *testing.T) {
		require.Equal(t, corev1.RestartPolicyNever, pod.Spec.RestartPolicy)
	})
	t.Run("testNodeAffinity", func(t *testing.T) {
		require.Equal(t, &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
				Key: "kubernetes.io/hostname", Operator: corev1.NodeSelectorOpNotIn, Values: []string{"node1", "node2"},
			}}}},
		}}, pod.Spec.Affinity.NodeAffinity)
	})
	t.Run("testDNSPolicyDefaultValue", func(t *testing.T) {
		require.Equal(t, corev1.DNSClusterFirst, pod.Spec.DNSPolicy)
	})
	t.Run("node-name-label", func(t *testing.T) {
		pod := buildTM(t, TaskManagerPodOptions{BlockedNodes: []string{"n"}}, "kubernetes.node-name-label", "example.com/node")
		require.Equal(t, "example.com/node", pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions[0].Key)
	})
	t.Run("no blocked nodes, no affinity", func(t *testing.T) {
		require.Nil(t, buildTM(t, TaskManagerPodOptions{}).Spec.Affinity)
	})
}

// Mirrors CmdTaskManagerDecoratorTest.
func TestCmdTaskManagerDecorator(t *testing.T) {
	process, err := config.TaskManagerMemorySpec(confWith())
	require.NoError(t, err)
	pod := buildTM(t, TaskManagerPodOptions{
		PodName:           "tm-pod",
		DynamicProperties: map[string]string{"jobmanager.rpc.address": "10.0.0.1", "weird": "a'b c"},
	}, "kubernetes.entry.path", "/entry.sh", "kubernetes.taskmanager.entrypoint.args", "--extra")
	main := mainContainer(t, pod.Spec)
	t.Run("testTaskManagerStartCommandsAndArgs", func(t *testing.T) {
		require.Equal(t, []string{"/entry.sh"}, main.Command)
		require.Equal(t, []string{"bash", "-c", "kubernetes-taskmanager.sh " +
			`-Djobmanager.rpc.address='10.0.0.1' -Dtaskmanager.resource-id='tm-pod' -Dweird='a'\''b c' ` +
			process.ResourceArgs() + " --extra"}, main.Args)
		require.Contains(t, main.Args[2], "-D taskmanager.numberOfTaskSlots=2")
	})
	t.Run("testTaskManagerJvmMemOptsEnv", func(t *testing.T) {
		e, ok := envNamed(main, "FLINK_TM_JVM_MEM_OPTS")
		require.True(t, ok)
		require.Equal(t, process.JVMOptions(), e.Value)
	})
	t.Run("process specification from the resource manager", func(t *testing.T) {
		spec, err := config.TaskManagerMemorySpec(confWith("taskmanager.memory.process.size", "2g", "taskmanager.cpu.cores", "3"))
		require.NoError(t, err)
		pod := buildTM(t, TaskManagerPodOptions{Process: &spec})
		main := mainContainer(t, pod.Spec)
		// 2048Mi, written canonically.
		require.Equal(t, "2Gi", quantity(t, main.Resources.Requests, corev1.ResourceMemory))
		require.Equal(t, "3", quantity(t, main.Resources.Requests, corev1.ResourceCPU))
		require.Contains(t, main.Args[2], spec.ResourceArgs())
	})
}

// Mirrors KubernetesTaskManagerFactoryTest.
func TestTaskManagerFactory(t *testing.T) {
	files := tmPodFiles.with(
		"/opt/flink/conf/log4j-console.properties", "x",
		"/opt/hadoop/conf/core-site.xml", "x",
		"/opt/hadoop/conf/hdfs-site.xml", "x",
	)
	kerberos := []string{
		"security.kerberos.login.keytab", "/opt/kerberos/kerberos-keytab/alice.keytab",
		"security.kerberos.login.principal", "alice",
		"security.kerberos.krb5-conf.path", "/etc/mykrb5.conf",
		"kubernetes.taskmanager.labels", "l1:v1,l2:v2",
		"containerized.taskmanager.env.k1", "v1",
	}
	build := func(t *testing.T, kv ...string) *corev1.Pod {
		return buildTM(t, TaskManagerPodOptions{Local: Local{ReadFile: files.ReadFile, LookupEnv: env{"HADOOP_CONF_DIR": "/opt/hadoop/conf"}.LookupEnv}}, kv...)
	}
	pod := build(t, kerberos...)
	t.Run("testPod", func(t *testing.T) {
		require.Equal(t, "my-flink-cluster1-taskmanager-1-1", pod.Name)
		require.Len(t, pod.Labels, 5)
		require.Equal(t, []string{"hadoop-config-volume", "kerberos-keytab-volume", "kerberos-krb5conf-volume", "flink-config-volume"}, volumeNames(pod.Spec))
		hadoop := volumeNamed(t, pod.Spec, "hadoop-config-volume")
		require.Equal(t, "hadoop-config-"+testClusterID, hadoop.ConfigMap.Name)
		require.Len(t, hadoop.ConfigMap.Items, 2)
		items := volumeNamed(t, pod.Spec, "flink-config-volume").ConfigMap.Items
		require.Equal(t, []corev1.KeyToPath{{Key: "log4j-console.properties", Path: "log4j-console.properties"}, {Key: "config.yaml", Path: "config.yaml"}}, items)
	})
	t.Run("testContainer", func(t *testing.T) {
		require.Len(t, pod.Spec.Containers, 1)
		main := pod.Spec.Containers[0]
		require.Equal(t, MainContainerName, main.Name)
		require.Equal(t, "flink:2.0", main.Image)
		require.Equal(t, corev1.PullIfNotPresent, main.ImagePullPolicy)
		require.Equal(t, []string{"k1", "_POD_NODE_ID", "FLINK_TM_JVM_MEM_OPTS", "HADOOP_CONF_DIR"}, envNames(main))
		require.Len(t, main.Ports, 1)
		require.Len(t, main.Command, 1)
		require.Len(t, main.Args, 3)
		require.Len(t, main.VolumeMounts, 4)
	})
	t.Run("testHadoopDecoratorsCanBeTurnedOff", func(t *testing.T) {
		pod := build(t, append([]string{
			"kubernetes.decorator.hadoop-conf-mount.enabled", "false",
			"kubernetes.decorator.kerberos-mount.enabled", "false",
		}, kerberos...)...)
		require.Equal(t, []string{"flink-config-volume"}, volumeNames(pod.Spec))
	})
	t.Run("owner reference", func(t *testing.T) {
		// Mirrors Fabric8FlinkKubeClientTest#testCreateFlinkTaskManagerPod's owner check.
		ref := OwnerReference(&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: testClusterID, UID: "dep-uid"}})
		tmpl, err := ParsePodTemplate([]byte("kind: Pod\nmetadata:\n  ownerReferences:\n  - apiVersion: v1\n    kind: Pod\n    name: x\n    uid: y\n"))
		require.NoError(t, err)
		pod := buildTM(t, TaskManagerPodOptions{Owner: &ref, Template: tmpl})
		require.Len(t, pod.OwnerReferences, 1, "replaces whatever the template had")
		require.EqualValues(t, "dep-uid", pod.OwnerReferences[0].UID)
		require.True(t, *pod.OwnerReferences[0].Controller)
	})
}

// templateCase runs the checks of Flink's DecoratorWithPodTemplateTestBase and
// KubernetesFactoryWithPodTemplateTestBase for one component.
type templateCase struct {
	name string
	pod  func(t *testing.T, kv ...string) (*corev1.Pod, corev1.PodTemplateSpec)
}

func TestDecoratorWithPodTemplate(t *testing.T) {
	templateOptions := []string{
		"kubernetes.container.image.ref", "<unset>",
		"kubernetes.container.image.pull-policy", "<unset>",
		"kubernetes.jobmanager.labels", "label1:value1",
		"kubernetes.taskmanager.labels", "label1:value1",
		"kubernetes.jobmanager.annotations", "a1:from-config,a2:v2",
		"kubernetes.taskmanager.annotations", "a1:from-config,a2:v2",
		"kubernetes.container.image.pull-secrets", "config-secret",
		"kubernetes.jobmanager.node-selector", "env:from-config",
		"kubernetes.taskmanager.node-selector", "env:from-config",
		"kubernetes.jobmanager.tolerations", "key:config-key,operator:Exists",
		"kubernetes.taskmanager.tolerations", "key:config-key,operator:Exists",
		"containerized.master.env.ENV_FROM_TEMPLATE", "from-config",
		"containerized.taskmanager.env.ENV_FROM_TEMPLATE", "from-config",
		"kubernetes.jobmanager.cpu.amount", "1.5",
		"kubernetes.taskmanager.cpu.amount", "1.5",
		"jobmanager.memory.process.size", "1456m",
		"taskmanager.memory.process.size", "1456m",
	}
	template, err := ParsePodTemplate([]byte(templateFile("pod-template.yaml")))
	require.NoError(t, err)
	cases := []templateCase{
		{name: "JobManager", pod: func(t *testing.T, kv ...string) (*corev1.Pod, corev1.PodTemplateSpec) {
			kv = append(append([]string{"kubernetes.pod-template-file.jobmanager", "/templates/pod-template.yaml"}, templateOptions...), kv...)
			spec := buildJM(t, nil, kv...)
			tmpl := spec.Deployment.Spec.Template
			return &corev1.Pod{ObjectMeta: tmpl.ObjectMeta, Spec: tmpl.Spec}, tmpl
		}},
		{name: "TaskManager", pod: func(t *testing.T, kv ...string) (*corev1.Pod, corev1.PodTemplateSpec) {
			pod := buildTM(t, TaskManagerPodOptions{Template: template}, append(append([]string{}, templateOptions...), kv...)...)
			return pod, corev1.PodTemplateSpec{ObjectMeta: pod.ObjectMeta, Spec: pod.Spec}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pod, _ := tc.pod(t)
			main := mainContainer(t, pod.Spec)
			component := strings.ToLower(tc.name)

			t.Run("testPodLabelsMerging", func(t *testing.T) {
				require.Equal(t, map[string]string{
					"type": "flink-native-kubernetes", "app": testClusterID, "component": component,
					"label1": "value1", "label-from-template": "template-value",
				}, pod.Labels)
			})
			t.Run("testPodAnnotationsMerging", func(t *testing.T) {
				require.Equal(t, map[string]string{"a1": "from-config", "a2": "v2", "annotation-from-template": "template-value"}, pod.Annotations)
			})
			t.Run("testImagePullSecretsMerging", func(t *testing.T) {
				require.Equal(t, []corev1.LocalObjectReference{{Name: "template-pull-secret"}, {Name: "config-secret"}}, pod.Spec.ImagePullSecrets)
			})
			t.Run("testNodeSelectorMerging", func(t *testing.T) {
				require.Equal(t, map[string]string{"env": "from-config", "disk": "ssd"}, pod.Spec.NodeSelector)
			})
			t.Run("testPodTolerationsMerging", func(t *testing.T) {
				require.Equal(t, []corev1.Toleration{
					{Key: "template-key", Operator: "Equal", Value: "template-value", Effect: "NoSchedule"},
					{Key: "config-key", Operator: "Exists"},
				}, pod.Spec.Tolerations)
			})
			t.Run("testMainContainerEnvMerging", func(t *testing.T) {
				last := map[string]string{}
				for _, e := range main.Env {
					last[e.Name] = e.Value
				}
				require.Equal(t, "from-config", last["ENV_FROM_TEMPLATE"], "the config entry comes later and wins")
				require.Equal(t, "ENV_FROM_TEMPLATE", main.Env[0].Name, "the template entry stays first")
			})
			t.Run("testMainContainerResourceRequirementsMerging", func(t *testing.T) {
				require.Equal(t, "1500m", quantity(t, main.Resources.Requests, corev1.ResourceCPU))
				require.Equal(t, "1456Mi", quantity(t, main.Resources.Requests, corev1.ResourceMemory))
				require.Equal(t, "256Mi", quantity(t, main.Resources.Requests, corev1.ResourceEphemeralStorage))
				require.Equal(t, "256Mi", quantity(t, main.Resources.Limits, corev1.ResourceEphemeralStorage))
			})
			t.Run("testServiceAccountFromTemplate", func(t *testing.T) {
				require.Equal(t, "template-account", pod.Spec.ServiceAccountName)
				require.Equal(t, "template-account", pod.Spec.DeprecatedServiceAccount)
			})
			t.Run("testServiceAccountOverwritten", func(t *testing.T) {
				pod, _ := tc.pod(t, "kubernetes.service-account", "config-account")
				require.Equal(t, "config-account", pod.Spec.ServiceAccountName)
				require.Equal(t, "config-account", pod.Spec.DeprecatedServiceAccount)
			})
			t.Run("testMainContainerImageFromTemplate", func(t *testing.T) {
				require.Equal(t, "template/flink:1", main.Image)
				require.Equal(t, corev1.PullAlways, main.ImagePullPolicy)
			})
			t.Run("testMainContainerImageOverwritten", func(t *testing.T) {
				pod, _ := tc.pod(t, "kubernetes.container.image.ref", "config/flink:2")
				require.Equal(t, "config/flink:2", mainContainer(t, pod.Spec).Image)
			})
			t.Run("testMainContainerImagePullPolicyOverwritten", func(t *testing.T) {
				pod, _ := tc.pod(t, "kubernetes.container.image.pull-policy", "Never")
				require.Equal(t, corev1.PullNever, mainContainer(t, pod.Spec).ImagePullPolicy)
			})
			t.Run("testDNSPolicyWithPodTemplate", func(t *testing.T) {
				require.Equal(t, corev1.DNSNone, pod.Spec.DNSPolicy)
			})
			t.Run("testDNSPolicyOverwritten", func(t *testing.T) {
				pod, _ := tc.pod(t, "kubernetes.hostnetwork.enabled", "true")
				require.Equal(t, corev1.DNSClusterFirstWithHostNet, pod.Spec.DNSPolicy)
			})
			t.Run("MainContainerPortsMerging", func(t *testing.T) {
				want := []string{"testing-port", "rest", "jobmanager-rpc", "blobserver"}
				if tc.name == "TaskManager" {
					want = []string{"testing-port", "taskmanager-rpc"}
				}
				require.Equal(t, want, portNames(main))
			})
			// KubernetesFactoryWithPodTemplateTestBase: template elements survive.
			t.Run("testInitContainerFromPodTemplate", func(t *testing.T) {
				require.Len(t, pod.Spec.InitContainers, 1)
				require.Equal(t, "artifacts-fetcher", pod.Spec.InitContainers[0].Name)
			})
			t.Run("testSideCarContainerFromPodTemplate", func(t *testing.T) {
				require.Len(t, pod.Spec.Containers, 2)
				require.Equal(t, "sidecar-log-collector", pod.Spec.Containers[0].Name)
			})
			t.Run("testVolumesFromPodTemplate", func(t *testing.T) {
				require.Equal(t, []string{"flink-logs", "flink-artifact"}, volumeNames(pod.Spec)[:2])
			})
			t.Run("testMainContainerVolumeMountsFromPodTemplate", func(t *testing.T) {
				require.Equal(t, "/opt/flink/log", mountPaths(main)["flink-logs"])
				require.Equal(t, "/opt/flink/usrlib", mountPaths(main)["flink-artifact"])
			})
			t.Run("otherFieldsPreserved", func(t *testing.T) {
				require.Equal(t, "high", pod.Spec.PriorityClassName)
				require.EqualValues(t, 42, *pod.Spec.TerminationGracePeriodSeconds)
				require.EqualValues(t, 9999, *pod.Spec.SecurityContext.RunAsUser)
				require.NotNil(t, pod.Spec.Affinity.PodAntiAffinity)
				require.NotNil(t, main.LivenessProbe)
				require.NotNil(t, pod.Spec.DNSConfig)
			})
		})
	}
	t.Run("testTaskManagerPodRestartPolicyOverwritten", func(t *testing.T) {
		require.Equal(t, corev1.RestartPolicyNever, buildTM(t, TaskManagerPodOptions{Template: template}).Spec.RestartPolicy)
	})
	t.Run("testTaskManagerPodNameOverwritten", func(t *testing.T) {
		require.Equal(t, "my-flink-cluster1-taskmanager-1-1", buildTM(t, TaskManagerPodOptions{Template: template}).Name)
	})
	t.Run("template is not modified", func(t *testing.T) {
		before := template.DeepCopy()
		buildTM(t, TaskManagerPodOptions{Template: template, BlockedNodes: []string{"x"}})
		require.Equal(t, before, template)
	})
	t.Run("blocklist replaces the template's node affinity, keeps pod affinity", func(t *testing.T) {
		tm, err := ParsePodTemplate([]byte(templateFile("tm-pod-template.yaml")))
		require.NoError(t, err)
		pod := buildTM(t, TaskManagerPodOptions{Template: tm, BlockedNodes: []string{"bad"}})
		expr := pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
		require.Len(t, expr, 1)
		require.Equal(t, []string{"bad"}, expr[0].MatchExpressions[0].Values)
		require.NotNil(t, pod.Spec.Affinity.PodAffinity)
		pod = buildTM(t, TaskManagerPodOptions{Template: tm})
		require.Equal(t, "zone", pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions[0].Key)
	})
}

func TestChangedProperties(t *testing.T) {
	base := config.FromMap(map[string]string{"a": "1", "b": "2", "c": "3"})
	effective := config.FromMap(map[string]string{"a": "1", "b": "two", "d": "4"})
	require.Equal(t, map[string]string{"b": "two", "d": "4"}, ChangedProperties(base, effective))
}

func TestTaskManagerPodName(t *testing.T) {
	require.Equal(t, "my-flink-cluster1-taskmanager-3-12", TaskManagerPodName(testClusterID, 3, 12))
}

// TestPodTemplateFieldTable checks the rows of reference §3.3 that Flink's own
// template tests leave out, for both pod kinds: metadata.namespace (kubernetes.namespace
// is authoritative), serviceAccount read before serviceAccountName, an option set
// through its deprecated key beating the template, config labels beating template
// labels, and the fields Flink always defines (command, args, hostNetwork).
func TestPodTemplateFieldTable(t *testing.T) {
	const inline = `apiVersion: v1
kind: Pod
metadata:
  name: inline
  namespace: other-namespace
  labels:
    label1: from-template
    kept: from-template
spec:
  serviceAccount: deprecated-field-account
  serviceAccountName: name-field-account
  hostNetwork: true
  containers:
  - name: flink-main-container
    image: template/flink:1
    command: ["/bin/sleep"]
    args: ["infinity"]
`
	type built struct {
		meta metav1.ObjectMeta
		spec corev1.PodSpec
		log  string
	}
	kinds := []struct {
		name  string
		build func(t *testing.T, kv ...string) built
	}{
		{"JobManager", func(t *testing.T, kv ...string) built {
			var log strings.Builder
			spec, err := BuildJobManager(confWith(append([]string{"kubernetes.pod-template-file.jobmanager", "/inline.yaml"}, kv...)...),
				Local{ReadFile: clientFiles.with("/inline.yaml", inline).ReadFile, LookupEnv: env{}.LookupEnv, Log: &log})
			require.NoError(t, err)
			tmpl := spec.Deployment.Spec.Template
			return built{tmpl.ObjectMeta, tmpl.Spec, log.String()}
		}},
		{"TaskManager", func(t *testing.T, kv ...string) built {
			tmpl, err := ParsePodTemplate([]byte(inline))
			require.NoError(t, err)
			var log strings.Builder
			pod := buildTM(t, TaskManagerPodOptions{Template: tmpl, Local: Local{Log: &log}}, kv...)
			return built{pod.ObjectMeta, pod.Spec, log.String()}
		}},
	}
	for _, kind := range kinds {
		t.Run(kind.name, func(t *testing.T) {
			component := strings.ToLower(kind.name)
			t.Run("metadata.namespace is kubernetes.namespace", func(t *testing.T) {
				b := kind.build(t)
				require.Empty(t, b.meta.Namespace, "the template's namespace is dropped; the client's namespace applies")
				require.Contains(t, b.log, "sets metadata.namespace other-namespace; ignoring it, pods are created in test")
			})
			t.Run("serviceAccount is read before serviceAccountName", func(t *testing.T) {
				b := kind.build(t)
				require.Equal(t, "deprecated-field-account", b.spec.DeprecatedServiceAccount)
				require.Equal(t, "deprecated-field-account", b.spec.ServiceAccountName)
			})
			t.Run("deprecated image key counts as explicitly set", func(t *testing.T) {
				b := kind.build(t, "kubernetes.container.image.ref", "<unset>", "kubernetes.container.image", "config/flink:old")
				require.Equal(t, "config/flink:old", mainContainer(t, b.spec).Image)
				b = kind.build(t, "kubernetes.container.image.ref", "<unset>")
				require.Equal(t, "template/flink:1", mainContainer(t, b.spec).Image, "the default does not beat the template")
			})
			t.Run("config labels beat template labels, built-ins beat both", func(t *testing.T) {
				b := kind.build(t, "kubernetes."+component+".labels", "label1:from-config,component:from-config")
				require.Equal(t, "from-config", b.meta.Labels["label1"])
				require.Equal(t, "from-template", b.meta.Labels["kept"])
				require.Equal(t, component, b.meta.Labels["component"])
			})
			t.Run("command, args and hostNetwork are Flink's", func(t *testing.T) {
				b := kind.build(t)
				main := mainContainer(t, b.spec)
				require.Equal(t, []string{"/docker-entrypoint.sh"}, main.Command)
				require.Equal(t, []string{"bash", "-c"}, main.Args[:2])
				require.Contains(t, main.Args[2], "kubernetes-"+component+".sh")
				require.False(t, b.spec.HostNetwork, "kubernetes.hostnetwork.enabled is false")
				require.Equal(t, corev1.DNSClusterFirst, b.spec.DNSPolicy)
			})
		})
	}
	t.Run("a template in kubernetes.namespace is left alone", func(t *testing.T) {
		tmpl, err := ParsePodTemplate([]byte(strings.Replace(inline, "other-namespace", testNamespace, 1)))
		require.NoError(t, err)
		var log strings.Builder
		pod := buildTM(t, TaskManagerPodOptions{Template: tmpl, Local: Local{Log: &log}})
		require.Equal(t, testNamespace, pod.Namespace)
		require.NotContains(t, log.String(), "namespace")
	})
}
