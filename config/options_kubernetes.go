package config

import (
	"strings"
	"time"
)

// FlinkVersion is the Flink version whose behaviour this package reproduces (the
// reference's baseline snapshot); it decides the default container image.
const FlinkVersion = "2.0-SNAPSHOT"

// DefaultContainerImage is the image Flink defaults to for a version: a snapshot build
// uses apache/flink:latest, a release apache/flink:<version>-scala_<scala>.
func DefaultContainerImage(flinkVersion, scalaVersion string) string {
	if strings.Contains(strings.ToLower(flinkVersion), "snapshot") {
		return "apache/flink:latest"
	}
	return "apache/flink:" + flinkVersion + "-scala_" + scalaVersion
}

// Options of the Kubernetes integration (reference §2.1). Leader-election options are
// in options_ha.go.
var (
	KubernetesClusterID = register(StringOption("kubernetes.cluster-id").
				WithDescription("Identity of the cluster; every object name derives from it. Not blank, at most 45 characters; generated when absent."))
	KubernetesNamespace = register(StringOption("kubernetes.namespace").WithDefault("default").
				WithDescription("Namespace of every object of the cluster; must not be blank."))
	KubernetesContext = register(StringOption("kubernetes.context").
				WithDescription("kubeconfig context to use; the current context when unset."))
	KubernetesConfigFile = register(StringOption("kubernetes.config.file").
				WithDescription("kubeconfig file; client auto-configuration when unset. Client-only: not shipped to the cluster."))
	KubernetesContainerImageRef = register(StringOption("kubernetes.container.image.ref").
					WithDefault(DefaultContainerImage(FlinkVersion, "2.12")).
					WithDeprecatedKeys("kubernetes.container.image").
					WithDescription("Image of the JobManager and TaskManager main containers."))
	KubernetesContainerImagePullPolicy = register(EnumOption("kubernetes.container.image.pull-policy", ImagePullPolicies()...).
						WithDefault(ImagePullIfNotPresent).
						WithDescription("Pull policy of the main containers."))
	KubernetesContainerImagePullSecrets = register(ListOption("kubernetes.container.image.pull-secrets").
						WithDescription("Secret names added to imagePullSecrets of every pod."))
	KubernetesEntryPath = register(StringOption("kubernetes.entry.path").WithDefault("/docker-entrypoint.sh").
				WithDescription("Command of the JobManager and TaskManager main containers."))
	KubernetesFlinkConfDir = register(StringOption("kubernetes.flink.conf.dir").WithDefault("/opt/flink/conf").
				WithDescription("Where the flink-config ConfigMap is mounted in pods; also where the client looks for logging files when no config dir is known."))
	KubernetesFlinkLogDir = register(StringOption("kubernetes.flink.log.dir").
				WithDescription("When set, becomes FLINK_LOG_DIR of the main containers."))
	KubernetesHadoopConfConfigMapName = register(StringOption("kubernetes.hadoop.conf.config-map.name").
						WithDescription("Existing ConfigMap with Hadoop configuration to mount instead of local files."))
	KubernetesServiceAccount = register(StringOption("kubernetes.service-account").WithDefault("default").
					WithDescription("Service account of JobManager and TaskManager pods unless a component-specific one is set."))
	KubernetesJobManagerServiceAccount = register(StringOption("kubernetes.jobmanager.service-account").WithDefault("default").
						WithFallbackKeys("kubernetes.service-account").
						WithDescription("Service account of JobManager pods; it must be allowed to manage pods, ConfigMaps and Services."))
	KubernetesTaskManagerServiceAccount = register(StringOption("kubernetes.taskmanager.service-account").WithDefault("default").
						WithFallbackKeys("kubernetes.service-account").
						WithDescription("Service account of TaskManager pods; with HA it must be allowed to watch ConfigMaps."))
	KubernetesJobManagerOwnerReference = register(ListOfMapsOption("kubernetes.jobmanager.owner.reference").
						WithDescription("Owner references of the JobManager Deployment; keys apiVersion, blockOwnerDeletion, controller, kind, name, uid (case-insensitive)."))
	KubernetesJobManagerCPUAmount = register(DoubleOption("kubernetes.jobmanager.cpu.amount").WithDefault(1.0).
					WithDeprecatedKeys("kubernetes.jobmanager.cpu").
					WithDescription("CPU request of the JobManager main container."))
	KubernetesJobManagerCPULimitFactor = register(DoubleOption("kubernetes.jobmanager.cpu.limit-factor").WithDefault(1.0).
						WithDescription("JobManager CPU limit as a multiple of the request; at least 1."))
	KubernetesJobManagerMemoryLimitFactor = register(DoubleOption("kubernetes.jobmanager.memory.limit-factor").WithDefault(1.0).
						WithDescription("JobManager memory limit as a multiple of the request; at least 1."))
	KubernetesTaskManagerCPUAmount = register(DoubleOption("kubernetes.taskmanager.cpu.amount").WithDefault(-1.0).
					WithDeprecatedKeys("kubernetes.taskmanager.cpu").
					WithDescription("CPU of each TaskManager when taskmanager.cpu.cores is unset and this is positive; otherwise the number of slots."))
	KubernetesTaskManagerCPULimitFactor = register(DoubleOption("kubernetes.taskmanager.cpu.limit-factor").WithDefault(1.0).
						WithDescription("TaskManager CPU limit as a multiple of the request; at least 1."))
	KubernetesTaskManagerMemoryLimitFactor = register(DoubleOption("kubernetes.taskmanager.memory.limit-factor").WithDefault(1.0).
						WithDescription("TaskManager memory limit as a multiple of the request; at least 1."))
	KubernetesJobManagerLabels = register(MapOption("kubernetes.jobmanager.labels").
					WithDescription("Extra labels of the JobManager Deployment and pods; built-in labels win."))
	KubernetesTaskManagerLabels = register(MapOption("kubernetes.taskmanager.labels").
					WithDescription("Extra labels of TaskManager pods; built-in labels win."))
	KubernetesJobManagerAnnotations = register(MapOption("kubernetes.jobmanager.annotations").
					WithDescription("Annotations of the JobManager Deployment and pods."))
	KubernetesTaskManagerAnnotations = register(MapOption("kubernetes.taskmanager.annotations").
						WithDescription("Annotations of TaskManager pods."))
	KubernetesJobManagerNodeSelector = register(MapOption("kubernetes.jobmanager.node-selector").
						WithDescription("Merged into the JobManager pod's nodeSelector."))
	KubernetesTaskManagerNodeSelector = register(MapOption("kubernetes.taskmanager.node-selector").
						WithDescription("Merged into TaskManager pods' nodeSelector."))
	KubernetesJobManagerTolerations = register(ListOfMapsOption("kubernetes.jobmanager.tolerations").
					WithDescription("Tolerations appended to the JobManager pod; keys key, operator, value, effect, tolerationSeconds (case-insensitive)."))
	KubernetesTaskManagerTolerations = register(ListOfMapsOption("kubernetes.taskmanager.tolerations").
						WithDescription("Tolerations appended to TaskManager pods; keys as for the JobManager."))
	KubernetesRestServiceExposedType = register(EnumOption("kubernetes.rest-service.exposed.type", ServiceExposedTypes()...).
						WithDefault(ServiceExposedClusterIP).
						WithDescription("How the REST Service <cluster-id>-rest is exposed."))
	KubernetesRestServiceExposedNodePortAddressType = register(EnumOption("kubernetes.rest-service.exposed.node-port-address-type", NodePortAddressTypes()...).
							WithDefault(NodePortInternalIP).
							WithDescription("Which node address a NodePort (or LoadBalancer fallback) endpoint uses."))
	KubernetesRestServiceAnnotations = register(MapOption("kubernetes.rest-service.annotations").
						WithDescription("Annotations of the REST Service."))
	KubernetesInternalServiceAnnotations = register(MapOption("kubernetes.internal-service.annotations").
						WithDescription("Annotations of the internal Service <cluster-id>."))
	KubernetesSecrets = register(MapOption("kubernetes.secrets").
				WithDescription("Secrets mounted into the main containers, as secretName:mountPath pairs."))
	KubernetesEnvSecretKeyRef = register(ListOfMapsOption("kubernetes.env.secretKeyRef").
					WithDescription("Environment variables from secrets, each as env:<VAR>,secret:<name>,key:<key>."))
	KubernetesJobManagerEntrypointArgs = register(StringOption("kubernetes.jobmanager.entrypoint.args").WithDefault("").
						WithDescription("Appended to the JobManager start command."))
	KubernetesTaskManagerEntrypointArgs = register(StringOption("kubernetes.taskmanager.entrypoint.args").WithDefault("").
						WithDescription("Appended to the TaskManager start command."))
	KubernetesPodTemplateFileDefault = register(StringOption("kubernetes.pod-template-file.default").
						WithDeprecatedKeys("kubernetes.pod-template-file").
						WithDescription("Local pod template file for JobManager and TaskManager pods."))
	// The component templates consult the deprecated key before .default, so an old
	// key beats the new generic one when both are set (reference §1.3, §2.1: as
	// implemented in the baseline; later Flink versions may reverse this).
	KubernetesPodTemplateFileJobManager = register(StringOption("kubernetes.pod-template-file.jobmanager").
						withLookupOrder(deprecated("kubernetes.pod-template-file"), fallback("kubernetes.pod-template-file.default")).
						WithDescription("Local pod template file of the JobManager, read by the deployer."))
	KubernetesPodTemplateFileTaskManager = register(StringOption("kubernetes.pod-template-file.taskmanager").
						withLookupOrder(deprecated("kubernetes.pod-template-file"), fallback("kubernetes.pod-template-file.default")).
						WithDescription("Local pod template file of TaskManagers, shipped to the JobManager in a ConfigMap."))
	KubernetesJobManagerReplicas = register(IntOption("kubernetes.jobmanager.replicas").WithDefault(1).
					WithDescription("Replicas of the JobManager Deployment; at least 1, more than 1 only with HA (standby JobManagers)."))
	KubernetesHostNetworkEnabled = register(BoolOption("kubernetes.hostnetwork.enabled").WithDefault(false).
					WithDescription("Run pods in the host network; ports then become random and the JobManager patches its Services."))
	KubernetesClientIOPoolSize = register(IntOption("kubernetes.client.io-pool.size").WithDefault(4).
					WithDescription("Workers for blocking Kubernetes calls per client."))
	KubernetesClientUserAgent = register(StringOption("kubernetes.client.user-agent").WithDefault("flink").
					WithDescription("User-Agent of Kubernetes API requests."))
	KubernetesTransactionalOperationMaxRetries = register(IntOption("kubernetes.transactional-operation.max-retries").WithDefault(15).
							WithDescription("Retries of ConfigMap check-and-update (immediate) and of the TaskManager pod watch creation."))
	KubernetesTransactionalOperationInitialRetryDelay = register(DurationOption("kubernetes.transactional-operation.initial-retry-delay").WithDefault(50 * time.Millisecond).
								WithDescription("First back-off of the pod watch creation retry."))
	KubernetesTransactionalOperationMaxRetryDelay = register(DurationOption("kubernetes.transactional-operation.max-retry-delay").WithDefault(time.Minute).
							WithDescription("Longest back-off of the pod watch creation retry."))
	KubernetesDecoratorHadoopConfMountEnabled = register(BoolOption("kubernetes.decorator.hadoop-conf-mount.enabled").WithDefault(true).
							WithDescription("Whether Hadoop configuration is shipped and mounted."))
	KubernetesDecoratorKerberosMountEnabled = register(BoolOption("kubernetes.decorator.kerberos-mount.enabled").WithDefault(true).
						WithDescription("Whether the Kerberos keytab and krb5.conf are shipped and mounted."))
	KubernetesArtifactsLocalUploadEnabled = register(BoolOption("kubernetes.artifacts.local-upload-enabled").WithDefault(false).
						WithDescription("Application mode: upload local:// artifacts to the upload target before deploying."))
	KubernetesArtifactsLocalUploadOverwrite = register(BoolOption("kubernetes.artifacts.local-upload-overwrite").WithDefault(false).
						WithDescription("Overwrite artifacts that already exist at the upload target."))
	KubernetesArtifactsLocalUploadTarget = register(StringOption("kubernetes.artifacts.local-upload-target").
						WithDescription("Remote directory local artifacts are uploaded to; required when an upload happens."))
	KubernetesNodeNameLabel = register(StringOption("kubernetes.node-name-label").WithDefault("kubernetes.io/hostname").
				WithDescription("Node label whose value is the node name; used to keep TaskManagers off blocked nodes."))
	KubernetesInternalJobManagerEntrypointClass = register(StringOption("kubernetes.internal.jobmanager.entrypoint.class").
							WithDescription("Internal: the JobManager entrypoint class, set by the deployer."))
)

// ExternalResourceKubernetesConfigKey returns the key naming the Kubernetes extended
// resource (e.g. nvidia.com/gpu) requested for external resource name.
func ExternalResourceKubernetesConfigKey(name string) string {
	return "external-resource." + name + ".kubernetes.config-key"
}
