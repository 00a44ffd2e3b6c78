package kubeobjects

import "strconv"

// Label keys and values every Flink-created object carries (reference §0, Appendix A).
const (
	LabelType             = "type"
	LabelTypeNativeValue  = "flink-native-kubernetes"
	LabelApp              = "app"
	LabelComponent        = "component"
	ComponentJobManager   = "jobmanager"
	ComponentTaskManager  = "taskmanager"
	MainContainerName     = "flink-main-container"
	MaxClusterIDLength    = 45
	ClusterIDRandomPrefix = "flink-cluster-"
)

// Container port names.
const (
	PortNameRest           = "rest"
	PortNameJobManagerRPC  = "jobmanager-rpc"
	PortNameBlobServer     = "blobserver"
	PortNameTaskManagerRPC = "taskmanager-rpc"
)

// Fallback ports written over a configured 0 (Services need fixed ports).
const (
	DefaultRestBindPort       = 8081
	DefaultBlobServerPort     = 6124
	DefaultTaskManagerRPCPort = 6122
)

// Volumes, mount paths, files and keys.
const (
	VolumeFlinkConfig    = "flink-config-volume"
	VolumeHadoopConfig   = "hadoop-config-volume"
	VolumeKerberosKeytab = "kerberos-keytab-volume"
	VolumeKerberosKrb5   = "kerberos-krb5conf-volume"
	VolumePodTemplate    = "pod-template-volume"
	VolumeUserArtifacts  = "user-artifacts-volume"
	secretVolumeSuffix   = "-volume"

	HadoopConfMountPath     = "/opt/hadoop/conf"
	KerberosKeytabMountPath = "/opt/kerberos/kerberos-keytab"
	Krb5ConfMountPath       = "/etc/krb5.conf"
	Krb5ConfFileName        = "krb5.conf"
	PodTemplateMountPath    = "/opt/flink/pod-template"

	ConfigFileName             = "config.yaml"
	Log4jConsoleFileName       = "log4j-console.properties"
	LogbackConsoleFileName     = "logback-console.xml"
	TaskManagerPodTemplateFile = "taskmanager-pod-template.yaml"
	CoreSiteFileName           = "core-site.xml"
	HDFSSiteFileName           = "hdfs-site.xml"

	// TaskManagerPodTemplatePath is where the resource manager finds the TaskManager
	// pod template inside the JobManager pod.
	TaskManagerPodTemplatePath = PodTemplateMountPath + "/" + TaskManagerPodTemplateFile
)

// Environment variables Flink sets or reads.
const (
	EnvPodIPAddress    = "_POD_IP_ADDRESS"
	EnvPodNodeID       = "_POD_NODE_ID"
	EnvTMJVMMemOpts    = "FLINK_TM_JVM_MEM_OPTS"
	EnvFlinkLogDir     = "FLINK_LOG_DIR"
	EnvHadoopConfDir   = "HADOOP_CONF_DIR"
	EnvHadoopHome      = "HADOOP_HOME"
	jobManagerScript   = "kubernetes-jobmanager.sh"
	taskManagerScript  = "kubernetes-taskmanager.sh"
	dnsClusterFirst    = "ClusterFirst"
	dnsClusterFirstNet = "ClusterFirstWithHostNet"
)

// DeploymentName is the JobManager Deployment's name.
func DeploymentName(clusterID string) string { return clusterID }

// InternalServiceName is the headless Service TaskManagers reach the JobManager through
// (non-HA only).
func InternalServiceName(clusterID string) string { return clusterID }

// RestServiceName is the Service of the REST endpoint and web UI.
func RestServiceName(clusterID string) string { return clusterID + "-rest" }

// FlinkConfigMapName holds config.yaml and the console logging files.
func FlinkConfigMapName(clusterID string) string { return "flink-config-" + clusterID }

// PodTemplateConfigMapName carries the TaskManager pod template to the JobManager.
func PodTemplateConfigMapName(clusterID string) string { return "pod-template-" + clusterID }

// HadoopConfigMapName holds core-site.xml and hdfs-site.xml from the client.
func HadoopConfigMapName(clusterID string) string { return "hadoop-config-" + clusterID }

// KerberosKeytabSecretName holds the Kerberos keytab.
func KerberosKeytabSecretName(clusterID string) string { return "kerberos-keytab-" + clusterID }

// KerberosKrb5ConfigMapName holds krb5.conf.
func KerberosKrb5ConfigMapName(clusterID string) string { return "kerberos-krb5conf-" + clusterID }

// TaskManagerPodName is `<cid>-taskmanager-<attempt>-<index>`; it is also the
// TaskManager's resource id.
func TaskManagerPodName(clusterID string, attempt, index int64) string {
	return clusterID + "-taskmanager-" + strconv.FormatInt(attempt, 10) + "-" + strconv.FormatInt(index, 10)
}

// CommonLabels are the labels of every object of the cluster.
func CommonLabels(clusterID string) map[string]string {
	return map[string]string{LabelType: LabelTypeNativeValue, LabelApp: clusterID}
}

// JobManagerSelector selects the JobManager pods of the cluster.
func JobManagerSelector(clusterID string) map[string]string {
	l := CommonLabels(clusterID)
	l[LabelComponent] = ComponentJobManager
	return l
}

// TaskManagerSelector selects the TaskManager pods of the cluster.
func TaskManagerSelector(clusterID string) map[string]string {
	l := CommonLabels(clusterID)
	l[LabelComponent] = ComponentTaskManager
	return l
}

func secretVolumeName(secret string) string { return secret + secretVolumeSuffix }
