package config

import "time"

// Process, port and address options (reference §2.4). Ports that may hold a range
// ("50100-50200") are String options; the deployer pins them (see FixedPort).
var (
	TaskManagerNumberOfTaskSlots = register(IntOption("taskmanager.numberOfTaskSlots").WithDefault(1).
					WithDescription("Slots per TaskManager; also its CPU when nothing else says."))
	TaskManagerCPUCores = register(DoubleOption("taskmanager.cpu.cores").
				WithDescription("CPU of each TaskManager; wins over kubernetes.taskmanager.cpu.amount."))
	JobManagerRPCAddress = register(StringOption("jobmanager.rpc.address").
				WithDescription("Where TaskManagers reach the JobManager: <cluster-id>.<namespace> without HA, the pod IP with HA."))
	JobManagerRPCPort = register(IntOption("jobmanager.rpc.port").WithDefault(6123).
				WithDescription("JobManager RPC port; port jobmanager-rpc of the internal Service."))
	JobManagerBindHost = register(StringOption("jobmanager.bind-host").
				WithDescription("Address the JobManager binds to. Client-only: not shipped."))
	RestPort = register(IntOption("rest.port").WithDefault(8081).
			WithDescription("Port of the REST Service and of the JobManager container port rest."))
	RestBindPort = register(StringOption("rest.bind-port").WithDefault("8081").
			WithFallbackKeys("rest.port").
			WithDescription("Port (or range) the REST server binds to; targetPort of the REST Service; 0 is pinned to 8081."))
	RestAddress = register(StringOption("rest.address").
			WithFallbackKeys("jobmanager.rpc.address").
			WithDescription("Address clients use for the REST server."))
	RestRetryMaxAttempts = register(IntOption("rest.retry.max-attempts").WithDefault(20).
				WithDescription("How often the client retries a REST request whose connection failed or that was answered 503 Service Unavailable."))
	RestRetryDelay = register(DurationOption("rest.retry.delay").WithDefault(3 * time.Second).
			WithDescription("How long the client waits between those retries."))
	RestBindAddress = register(StringOption("rest.bind-address").
			WithDescription("Address the REST server binds to. Client-only: not shipped."))
	BlobServerPort = register(StringOption("blob.server.port").WithDefault("0").
			WithDescription("Blob server port (or range); 0 is pinned to 6124; port blobserver of the internal Service."))
	TaskManagerRPCPort = register(StringOption("taskmanager.rpc.port").WithDefault("0").
				WithDescription("TaskManager RPC port (or range); 0 is pinned to 6122; container port taskmanager-rpc."))
	TaskManagerBindHost = register(StringOption("taskmanager.bind-host").
				WithDescription("Address TaskManagers bind to. Client-only: not shipped."))
	TaskManagerHost = register(StringOption("taskmanager.host").
			WithDescription("Address TaskManagers announce. Client-only: not shipped."))
	TaskManagerResourceID = register(StringOption("taskmanager.resource-id").
				WithDescription("Identity of one TaskManager; its pod name on Kubernetes."))
	TaskManagerRegistrationTimeout = register(DurationOption("taskmanager.registration.timeout").WithDefault(5 * time.Minute).
					WithDescription("How long a TaskManager tries to register; fallback of the resource manager's registration timeout."))
	ExternalResources = register(ListOption("external-resources").
				WithDescription("Names of external resources (e.g. gpu) to request for TaskManagers; none means no resources."))
)

// Ports the deployer pins when a port option is 0 (reference §1.2).
const (
	DefaultRestPort           = 8081
	DefaultBlobServerPort     = 6124
	DefaultTaskManagerRPCPort = 6122
)

// ExternalResourceAmountKey returns the key of the amount of external resource name.
func ExternalResourceAmountKey(name string) string {
	return "external-resource." + name + ".amount"
}
