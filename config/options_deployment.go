package config

// Deployment, pipeline, artifact and environment options (reference §2.5, §1.2, §1.6).
var (
	ExecutionTarget = register(StringOption("execution.target").
			WithDescription("Where jobs run; kubernetes-session or kubernetes-application for this integration (case-insensitive)."))
	ExecutionAttached = register(BoolOption("execution.attached").WithDefault(false).
				WithDescription("The session CLI stays attached and reads commands from stdin."))
	ExecutionShutdownOnApplicationFinish = register(BoolOption("execution.shutdown-on-application-finish").WithDefault(true).
						WithDescription("An application cluster removes itself (Deployment and HA data) when the application ends."))
	ExecutionSubmitFailedJobOnApplicationError = register(BoolOption("execution.submit-failed-job-on-application-error").WithDefault(false).
							WithDescription("Application mode: record a failed job when main() fails before submitting one."))
	PipelineJars = register(ListOption("pipeline.jars").
			WithDescription("Job jars; application mode needs exactly one (local:// inside the image, a file system URI or http(s)://)."))
	PipelineClasspaths = register(ListOption("pipeline.classpaths").
				WithDescription("Extra class path URLs."))
	UserArtifactsBaseDir = register(StringOption("user.artifacts.base-dir").WithDefault("/opt/flink/artifacts").
				WithDescription("Where the JobManager fetches application artifacts to (<base-dir>/<namespace>/<cluster-id>); an emptyDir is mounted there."))
	UserArtifactsArtifactList = register(ListOption("user.artifacts.artifact-list").
					WithDescription("Additional artifacts fetched in application mode."))
	UserArtifactsRawHTTPEnabled = register(BoolOption("user.artifacts.raw-http-enabled").WithDefault(false).
					WithDescription("Allow plain http:// artifact downloads."))
	UserArtifactsHTTPHeaders = register(MapOption("user.artifacts.http-headers").
					WithDescription("Headers sent with artifact downloads."))
	InternalClusterExecutionMode = register(StringOption("internal.cluster.execution-mode").WithDefault(ExecutionModeNormal).
					WithDescription("Internal: NORMAL or DETACHED; the Kubernetes deployer always ships NORMAL."))
	InternalApplicationProgramArgs = register(ListOption("$internal.application.program-args").
					WithDescription("Internal: program arguments of the application."))
	InternalApplicationMain = register(StringOption("$internal.application.main").
				WithDescription("Internal: main class of the application."))
	InternalPipelineJobID = register(StringOption("$internal.pipeline.job-id").
				WithDescription("Internal: fixed job id; with HA in application mode it is derived from the HA cluster id when unset."))
	InternalDeploymentConfigDir = register(StringOption("$internal.deployment.config-dir").
					WithDescription("Internal: the client's configuration directory, where logging files are read from. Client-only: not shipped."))
	EnvJavaOptsAll = register(StringOption("env.java.opts.all").WithDefault("").
			WithDeprecatedKeys("env.java.opts").
			WithDescription("JVM options of every Flink process, used by the start scripts."))
	EnvJavaOptsJobManager = register(StringOption("env.java.opts.jobmanager").WithDefault("").
				WithDescription("JVM options of the JobManager."))
	EnvJavaOptsTaskManager = register(StringOption("env.java.opts.taskmanager").WithDefault("").
				WithDescription("JVM options of TaskManagers."))
	EnvLogDir = register(StringOption("env.log.dir").
			WithDescription("Log directory of the start scripts; the image default is $FLINK_HOME/log."))
	SecurityKerberosLoginKeytab = register(StringOption("security.kerberos.login.keytab").
					WithDescription("Kerberos keytab file; shipped as a Secret when it exists locally."))
	SecurityKerberosLoginPrincipal = register(StringOption("security.kerberos.login.principal").
					WithDescription("Kerberos principal of the keytab."))
	SecurityKerberosKrb5ConfPath = register(StringOption("security.kerberos.krb5-conf.path").
					WithDescription("krb5.conf file; shipped as a ConfigMap when it exists locally."))
	SecuritySSLRestEnabled = register(BoolOption("security.ssl.rest.enabled").WithDefault(false).
				WithDescription("Serve REST over TLS; endpoints are then https://."))
)

// Prefixes of the options that turn into environment variables of the main containers
// (use PrefixMap): containerized.master.env.FOO=bar sets FOO=bar on the JobManager.
const (
	ContainerizedMasterEnvPrefix      = "containerized.master.env."
	ContainerizedTaskManagerEnvPrefix = "containerized.taskmanager.env."
)

// EnableBuiltInPluginsEnv is the environment variable the official image reads to
// enable bundled plugins (';'-separated jar names); set it through the prefixes above.
const EnableBuiltInPluginsEnv = "ENABLE_BUILT_IN_PLUGINS"

// ClientOnlyKeys are removed from the configuration the deployer ships to the cluster
// (reference §1.2).
func ClientOnlyKeys() []string {
	return []string{
		KubernetesConfigFile.Key(),
		InternalDeploymentConfigDir.Key(),
		RestBindAddress.Key(),
		JobManagerBindHost.Key(),
		TaskManagerBindHost.Key(),
		TaskManagerHost.Key(),
	}
}
