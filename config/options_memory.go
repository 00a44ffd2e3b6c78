package config

// Memory options of the TaskManager and JobManager processes, with Flink 2.0 defaults.
// Fractions are Float options because Flink's are: see FloatOption.
var (
	TaskManagerMemoryProcessSize = register(MemoryOption("taskmanager.memory.process.size").
					WithDescription("Total TaskManager process memory: the pod memory request."))
	TaskManagerMemoryFlinkSize = register(MemoryOption("taskmanager.memory.flink.size").
					WithDescription("TaskManager memory without JVM metaspace and overhead."))
	TaskManagerMemoryFrameworkHeapSize = register(MemoryOption("taskmanager.memory.framework.heap.size").WithDefault(128 * Mebibyte).
						WithDescription("JVM heap reserved for the TaskManager framework."))
	TaskManagerMemoryFrameworkOffHeapSize = register(MemoryOption("taskmanager.memory.framework.off-heap.size").WithDefault(128 * Mebibyte).
						WithDescription("Off-heap memory reserved for the TaskManager framework."))
	TaskManagerMemoryTaskHeapSize = register(MemoryOption("taskmanager.memory.task.heap.size").
					WithDescription("JVM heap for tasks; derived from the total when unset."))
	TaskManagerMemoryTaskOffHeapSize = register(MemoryOption("taskmanager.memory.task.off-heap.size").WithDefault(0).
						WithDescription("Off-heap memory for tasks."))
	TaskManagerMemoryManagedSize = register(MemoryOption("taskmanager.memory.managed.size").
					WithDeprecatedKeys("taskmanager.memory.size").
					WithDescription("Managed memory; derived with the managed fraction when unset."))
	TaskManagerMemoryManagedFraction = register(FloatOption("taskmanager.memory.managed.fraction").WithDefault(0.4).
						WithDescription("Share of the total Flink memory that is managed memory."))
	TaskManagerMemoryNetworkMin = register(MemoryOption("taskmanager.memory.network.min").WithDefault(64 * Mebibyte).
					WithDeprecatedKeys("taskmanager.network.memory.min").
					WithDescription("Least network memory."))
	// Flink 2.0 leaves network memory unbounded above by default (1.x: 1g).
	TaskManagerMemoryNetworkMax = register(MemoryOption("taskmanager.memory.network.max").WithDefault(MaxMemorySize).
					WithDeprecatedKeys("taskmanager.network.memory.max").
					WithDescription("Most network memory; unbounded by default."))
	TaskManagerMemoryNetworkFraction = register(FloatOption("taskmanager.memory.network.fraction").WithDefault(0.1).
						WithDeprecatedKeys("taskmanager.network.memory.fraction").
						WithDescription("Share of the total Flink memory that is network memory, within min and max."))
	TaskManagerMemoryJVMMetaspaceSize = register(MemoryOption("taskmanager.memory.jvm-metaspace.size").WithDefault(256 * Mebibyte).
						WithDescription("JVM metaspace of the TaskManager."))
	TaskManagerMemoryJVMOverheadMin = register(MemoryOption("taskmanager.memory.jvm-overhead.min").WithDefault(192 * Mebibyte).
					WithDescription("Least JVM overhead of the TaskManager."))
	TaskManagerMemoryJVMOverheadMax = register(MemoryOption("taskmanager.memory.jvm-overhead.max").WithDefault(Gibibyte).
					WithDescription("Most JVM overhead of the TaskManager."))
	TaskManagerMemoryJVMOverheadFraction = register(FloatOption("taskmanager.memory.jvm-overhead.fraction").WithDefault(0.1).
						WithDescription("Share of the process memory that is JVM overhead, within min and max."))

	JobManagerMemoryProcessSize = register(MemoryOption("jobmanager.memory.process.size").
					WithDescription("Total JobManager process memory: the pod memory request."))
	JobManagerMemoryFlinkSize = register(MemoryOption("jobmanager.memory.flink.size").
					WithDescription("JobManager memory without JVM metaspace and overhead."))
	JobManagerMemoryHeapSize = register(MemoryOption("jobmanager.memory.heap.size").
					WithDescription("JVM heap of the JobManager."))
	JobManagerMemoryOffHeapSize = register(MemoryOption("jobmanager.memory.off-heap.size").WithDefault(128 * Mebibyte).
					WithDescription("Off-heap memory of the JobManager."))
	JobManagerMemoryEnableJVMDirectMemoryLimit = register(BoolOption("jobmanager.memory.enable-jvm-direct-memory-limit").WithDefault(false).
							WithDescription("Whether the JobManager JVM gets -XX:MaxDirectMemorySize."))
	JobManagerMemoryJVMMetaspaceSize = register(MemoryOption("jobmanager.memory.jvm-metaspace.size").WithDefault(256 * Mebibyte).
						WithDescription("JVM metaspace of the JobManager."))
	JobManagerMemoryJVMOverheadMin = register(MemoryOption("jobmanager.memory.jvm-overhead.min").WithDefault(192 * Mebibyte).
					WithDescription("Least JVM overhead of the JobManager."))
	JobManagerMemoryJVMOverheadMax = register(MemoryOption("jobmanager.memory.jvm-overhead.max").WithDefault(Gibibyte).
					WithDescription("Most JVM overhead of the JobManager."))
	JobManagerMemoryJVMOverheadFraction = register(FloatOption("jobmanager.memory.jvm-overhead.fraction").WithDefault(0.1).
						WithDescription("Share of the process memory that is JVM overhead, within min and max."))
)
