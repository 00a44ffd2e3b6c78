package config

import "time"

// High-availability options (reference §2.2 and the leader-election rows of §2.1).
var (
	HighAvailabilityType = register(StringOption("high-availability.type").WithDefault("NONE").
				WithDeprecatedKeys("recovery.mode", "high-availability").
				WithDescription("NONE, ZOOKEEPER, KUBERNETES (case-insensitive; standalone means NONE) or the class name of an HA services factory. Anything but NONE turns HA on."))
	HighAvailabilityStorageDir = register(StringOption("high-availability.storageDir").
					WithDescription("File system path for HA metadata; required when HA is on."))
	HighAvailabilityClusterID = register(StringOption("high-availability.cluster-id").WithDefault("/default").
					WithDescription("Name space of the cluster's HA data; the deployer sets it to kubernetes.cluster-id."))
	HighAvailabilityJobManagerPort = register(StringOption("high-availability.jobmanager.port").WithDefault("0").
					WithDescription("JobManager RPC port (or range) with HA; the deployer pins 0 to jobmanager.rpc.port."))
	HighAvailabilityKubernetesLeaderElectionLeaseDuration = register(DurationOption("high-availability.kubernetes.leader-election.lease-duration").WithDefault(15 * time.Second).
								WithDescription("How long a leader record is valid without renewal before others may take over."))
	HighAvailabilityKubernetesLeaderElectionRenewDeadline = register(DurationOption("high-availability.kubernetes.leader-election.renew-deadline").WithDefault(15 * time.Second).
								WithDescription("A leader that has not renewed for this long gives up leadership."))
	HighAvailabilityKubernetesLeaderElectionRetryPeriod = register(DurationOption("high-availability.kubernetes.leader-election.retry-period").WithDefault(5 * time.Second).
								WithDescription("Interval between acquire attempts (with jitter) and between renewals."))
	JobResultStoreStoragePath = register(StringOption("job-result-store.storage-path").
					WithDescription("Where job result files live; <storageDir>/job-result-store/<ha-cluster-id> when unset."))
	JobResultStoreDeleteOnCommit = register(BoolOption("job-result-store.delete-on-commit").WithDefault(true).
					WithDescription("Delete a job's result file once its cleanup finished."))
)
