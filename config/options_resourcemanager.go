package config

import (
	"math"
	"time"
)

// Resource manager and slot manager options (reference §2.3).
var (
	ResourceManagerTaskManagerTimeout = register(DurationOption("resourcemanager.taskmanager-timeout").WithDefault(30 * time.Second).
						WithDeprecatedKeys("slotmanager.taskmanager-timeout").
						WithDescription("Idle time after which a TaskManager may be released; also the period of the idle check."))
	ResourceManagerStartWorkerMaxFailureRate = register(DoubleOption("resourcemanager.start-worker.max-failure-rate").WithDefault(10.0).
							WithDescription("Worker start failures per minute that pause new starts; must be positive."))
	ResourceManagerStartWorkerRetryInterval = register(DurationOption("resourcemanager.start-worker.retry-interval").WithDefault(3 * time.Second).
						WithDescription("Length of the pause once the start failure rate is reached."))
	ResourceManagerTaskManagerRegistrationTimeout = register(DurationOption("resourcemanager.taskmanager-registration.timeout").WithDefault(5 * time.Minute).
							WithFallbackKeys("taskmanager.registration.timeout").
							WithDescription("Time from scheduling (or recovery) of a TaskManager pod until it must have registered."))
	ResourceManagerPreviousWorkerRecoveryTimeout = register(DurationOption("resourcemanager.previous-worker.recovery.timeout").WithDefault(0).
							WithDescription("After a failover, how long to wait for recovered TaskManagers before serving resource requests; 0 does not wait."))
	ResourceManagerJobTimeout = register(DurationOption("resourcemanager.job.timeout").WithDefault(5 * time.Minute).
					WithDescription("How long a job may be without a JobMaster leader before its resources are freed."))
	SlotManagerNumberOfSlotsMin = register(IntOption("slotmanager.number-of-slots.min").WithDefault(0).
					WithDescription("Slots to keep allocated at least (best effort)."))
	SlotManagerNumberOfSlotsMax = register(IntOption("slotmanager.number-of-slots.max").WithDefault(math.MaxInt32).
					WithDescription("Most slots the cluster may hold."))
	SlotManagerMinTotalResourceCPU = register(DoubleOption("slotmanager.min-total-resource.cpu").
					WithDescription("Least total CPU to keep; derived from the minimum slots when unset."))
	SlotManagerMinTotalResourceMemory = register(MemoryOption("slotmanager.min-total-resource.memory").
						WithDescription("Least total memory to keep; derived from the minimum slots when unset."))
	SlotManagerMaxTotalResourceCPU = register(DoubleOption("slotmanager.max-total-resource.cpu").
					WithDescription("Most total CPU; derived from the maximum slots when unset."))
	SlotManagerMaxTotalResourceMemory = register(MemoryOption("slotmanager.max-total-resource.memory").
						WithDescription("Most total memory; derived from the maximum slots when unset."))
	SlotManagerRedundantTaskManagerNum = register(IntOption("slotmanager.redundant-taskmanager-num").WithDefault(0).
						WithDescription("Idle TaskManagers kept in reserve for faster failover."))
	SlotManagerRequirementCheckDelay = register(DurationOption("slotmanager.requirement-check.delay").WithDefault(50 * time.Millisecond).
						WithDescription("Batching delay before requirement changes are processed."))
	SlotManagerDeclareNeededResourceDelay = register(DurationOption("slotmanager.declare-needed-resource.delay").WithDefault(50 * time.Millisecond).
						WithDescription("Batching delay before needed workers are declared."))
	TaskManagerLoadBalanceMode = register(EnumOption("taskmanager.load-balance.mode", LoadBalanceNone, LoadBalanceSlots).WithDefault(LoadBalanceNone).
					WithDescription("How slots are spread over TaskManagers."))
	SlotRequestTimeout = register(DurationOption("slot.request.timeout").WithDefault(5 * time.Minute).
				WithDescription("How long a job waits for slots."))
)
