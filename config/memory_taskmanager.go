package config

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// TaskManagerMemory is a TaskManager's process specification: its memory components
// as Flink derives them, its CPU and slots, and its external resources.
type TaskManagerMemory struct {
	FrameworkHeap    MemorySize
	FrameworkOffHeap MemorySize
	TaskHeap         MemorySize
	TaskOffHeap      MemorySize
	Network          MemorySize
	Managed          MemorySize
	JVMMetaspace     MemorySize
	JVMOverhead      MemorySize
	TotalFlink       MemorySize
	TotalProcess     MemorySize
	CPUCores         float64
	NumSlots         int
	// ExternalResources maps each external resource name to its amount.
	ExternalResources map[string]int64
}

var taskManagerProcess = processOptions{
	what:             "TaskManager",
	processSize:      TaskManagerMemoryProcessSize,
	flinkSize:        TaskManagerMemoryFlinkSize,
	metaspace:        TaskManagerMemoryJVMMetaspaceSize,
	overheadMin:      TaskManagerMemoryJVMOverheadMin,
	overheadMax:      TaskManagerMemoryJVMOverheadMax,
	overheadFraction: TaskManagerMemoryJVMOverheadFraction,
}

// TaskManagerMemorySpec derives the TaskManager process specification from c, as
// Flink does: from task heap and managed memory if both are set, else from
// taskmanager.memory.flink.size, else from taskmanager.memory.process.size; defaults
// fill the rest. CPU is taskmanager.cpu.cores, else kubernetes.taskmanager.cpu.amount
// when positive, else the number of slots.
func TaskManagerMemorySpec(c *Configuration) (TaskManagerMemory, error) {
	var m TaskManagerMemory
	var err error
	switch {
	case IsExplicitlySet(c, TaskManagerMemoryTaskHeapSize) && IsExplicitlySet(c, TaskManagerMemoryManagedSize):
		if err = m.flinkFromFineGrained(c); err != nil {
			return m, err
		}
		m.JVMMetaspace, m.JVMOverhead, err = jvmOverheadFromFlink(c, taskManagerProcess, m.TotalFlink)
	case IsExplicitlySet(c, TaskManagerMemoryFlinkSize):
		var total MemorySize
		if total, err = Get(c, TaskManagerMemoryFlinkSize); err != nil {
			return m, err
		}
		if err = m.flinkFromTotal(c, total); err != nil {
			return m, err
		}
		m.JVMMetaspace, m.JVMOverhead, err = jvmOverheadFromFlink(c, taskManagerProcess, total)
	case IsExplicitlySet(c, TaskManagerMemoryProcessSize):
		var process MemorySize
		if process, err = Get(c, TaskManagerMemoryProcessSize); err != nil {
			return m, err
		}
		if m.JVMMetaspace, m.JVMOverhead, err = jvmOverheadFromProcess(c, taskManagerProcess, process); err != nil {
			return m, err
		}
		err = m.flinkFromTotal(c, process-m.JVMMetaspace-m.JVMOverhead)
	default:
		return m, fmt.Errorf("TaskManager memory is not configured: set %s (e.g. 1728m), or %s, or both %s and %s",
			TaskManagerMemoryProcessSize.Key(), TaskManagerMemoryFlinkSize.Key(), TaskManagerMemoryTaskHeapSize.Key(), TaskManagerMemoryManagedSize.Key())
	}
	if err != nil {
		return m, err
	}
	if m.TotalProcess, err = addSizes(m.TotalFlink, m.JVMMetaspace, m.JVMOverhead); err != nil {
		return m, err
	}
	if m.NumSlots, err = Get(c, TaskManagerNumberOfTaskSlots); err != nil {
		return m, err
	}
	if m.NumSlots < 1 {
		return m, fmt.Errorf("%s: invalid value %d: a TaskManager needs at least one slot", TaskManagerNumberOfTaskSlots.Key(), m.NumSlots)
	}
	if m.CPUCores, err = taskManagerCPU(c, m.NumSlots); err != nil {
		return m, err
	}
	m.ExternalResources, err = ExternalResourceAmounts(c)
	return m, err
}

// flinkFromFineGrained sizes Flink memory from explicit task heap and managed memory;
// network memory is what remains of an explicit total, or its fraction otherwise.
func (m *TaskManagerMemory) flinkFromFineGrained(c *Configuration) error {
	if err := m.fixedComponents(c); err != nil {
		return err
	}
	var err error
	if m.TaskHeap, err = Get(c, TaskManagerMemoryTaskHeapSize); err != nil {
		return err
	}
	if m.Managed, err = Get(c, TaskManagerMemoryManagedSize); err != nil {
		return err
	}
	withoutNetwork, err := addSizes(m.FrameworkHeap, m.FrameworkOffHeap, m.TaskHeap, m.TaskOffHeap, m.Managed)
	if err != nil {
		return err
	}
	network, err := getRangeFraction(c, TaskManagerMemoryNetworkMin, TaskManagerMemoryNetworkMax, TaskManagerMemoryNetworkFraction)
	if err != nil {
		return err
	}
	if IsExplicitlySet(c, TaskManagerMemoryFlinkSize) {
		total, err := Get(c, TaskManagerMemoryFlinkSize)
		if err != nil {
			return err
		}
		if withoutNetwork > total {
			return m.exceedsTotal(total, true)
		}
		m.Network = total - withoutNetwork
		if err := checkNetworkRange(m.Network, network); err != nil {
			return err
		}
		m.TotalFlink = total
		return nil
	}
	if m.Network, err = network.ofRest(withoutNetwork, "network memory"); err != nil {
		return err
	}
	m.TotalFlink, err = addSizes(withoutNetwork, m.Network)
	return err
}

// flinkFromTotal splits a known total Flink memory: managed and network memory from
// their fractions (or explicit sizes), task heap the rest; or, with an explicit task
// heap, network memory the rest.
func (m *TaskManagerMemory) flinkFromTotal(c *Configuration, total MemorySize) error {
	if err := m.fixedComponents(c); err != nil {
		return err
	}
	m.TotalFlink = total
	var err error
	if IsExplicitlySet(c, TaskManagerMemoryManagedSize) {
		if m.Managed, err = Get(c, TaskManagerMemoryManagedSize); err != nil {
			return err
		}
	} else {
		fraction, err := getFraction(c, TaskManagerMemoryManagedFraction)
		if err != nil {
			return err
		}
		managed := rangeFraction{min: 0, max: MaxMemorySize, fraction: fraction}
		if m.Managed, err = managed.ofBase(total, "managed memory"); err != nil {
			return err
		}
	}
	network, err := getRangeFraction(c, TaskManagerMemoryNetworkMin, TaskManagerMemoryNetworkMax, TaskManagerMemoryNetworkFraction)
	if err != nil {
		return err
	}
	if IsExplicitlySet(c, TaskManagerMemoryTaskHeapSize) {
		if m.TaskHeap, err = Get(c, TaskManagerMemoryTaskHeapSize); err != nil {
			return err
		}
		withoutNetwork, err := addSizes(m.FrameworkHeap, m.FrameworkOffHeap, m.TaskHeap, m.TaskOffHeap, m.Managed)
		if err != nil {
			return err
		}
		if withoutNetwork > total {
			return m.exceedsTotal(total, true)
		}
		m.Network = total - withoutNetwork
		return checkNetworkRange(m.Network, network)
	}
	if m.Network, err = network.ofBase(total, "network memory"); err != nil {
		return err
	}
	withoutTaskHeap, err := addSizes(m.FrameworkHeap, m.FrameworkOffHeap, m.TaskOffHeap, m.Managed, m.Network)
	if err != nil {
		return err
	}
	if withoutTaskHeap > total {
		return m.exceedsTotal(total, false)
	}
	m.TaskHeap = total - withoutTaskHeap
	return nil
}

func (m *TaskManagerMemory) fixedComponents(c *Configuration) error {
	var err error
	if m.FrameworkHeap, err = Get(c, TaskManagerMemoryFrameworkHeapSize); err != nil {
		return err
	}
	if m.FrameworkOffHeap, err = Get(c, TaskManagerMemoryFrameworkOffHeapSize); err != nil {
		return err
	}
	m.TaskOffHeap, err = Get(c, TaskManagerMemoryTaskOffHeapSize)
	return err
}

func (m *TaskManagerMemory) exceedsTotal(total MemorySize, taskHeapGiven bool) error {
	parts := fmt.Sprintf("framework heap %s, framework off-heap %s, task off-heap %s, managed %s", m.FrameworkHeap, m.FrameworkOffHeap, m.TaskOffHeap, m.Managed)
	if taskHeapGiven {
		parts += fmt.Sprintf(", task heap %s", m.TaskHeap)
	} else {
		parts += fmt.Sprintf(", network %s", m.Network)
	}
	return fmt.Errorf("TaskManager memory too small: the configured components (%s) exceed the total Flink memory %s; increase %s or %s, or shrink the components",
		parts, total, TaskManagerMemoryProcessSize.Key(), TaskManagerMemoryFlinkSize.Key())
}

func checkNetworkRange(network MemorySize, rf rangeFraction) error {
	if network < rf.min || network > rf.max {
		return fmt.Errorf("TaskManager memory is inconsistent: with the total Flink memory and task heap (or managed memory) given, network memory is the rest, %s, which is outside [%s, %s] (%s, %s); adjust the sizes or the network range",
			network, rf.min, rf.max, TaskManagerMemoryNetworkMin.Key(), TaskManagerMemoryNetworkMax.Key())
	}
	return nil
}

func taskManagerCPU(c *Configuration, slots int) (float64, error) {
	cpu, set, err := GetOptional(c, TaskManagerCPUCores)
	if err != nil {
		return 0, err
	}
	if !set {
		k8s, err := Get(c, KubernetesTaskManagerCPUAmount)
		if err != nil {
			return 0, err
		}
		cpu = float64(slots)
		if k8s > 0 {
			cpu = k8s
		}
	}
	if !(cpu > 0) {
		return 0, fmt.Errorf("%s: invalid value %s: a TaskManager needs a positive number of CPU cores", TaskManagerCPUCores.Key(), FormatDouble(cpu))
	}
	return cpu, nil
}

// JVMHeap is the TaskManager's JVM heap: framework plus task heap.
func (m TaskManagerMemory) JVMHeap() MemorySize { return m.FrameworkHeap + m.TaskHeap }

// JVMDirect is the TaskManager's JVM direct memory limit: framework and task
// off-heap plus network memory.
func (m TaskManagerMemory) JVMDirect() MemorySize {
	return m.FrameworkOffHeap + m.TaskOffHeap + m.Network
}

// JVMOptions returns the JVM memory flags of the TaskManager, the value of
// FLINK_TM_JVM_MEM_OPTS: "-Xmx<b> -Xms<b> -XX:MaxDirectMemorySize=<b>
// -XX:MaxMetaspaceSize=<b>", sizes in bytes.
func (m TaskManagerMemory) JVMOptions() string {
	return jvmOptions(m.JVMHeap(), m.JVMDirect(), m.JVMMetaspace, true)
}

// ResourceConfigs returns the configuration a TaskManager is started with so that it
// sizes itself exactly as the resource manager planned (reference §4.3 resourceArgs):
// CPU, every memory component in bytes ("<n>b", network and overhead as min = max),
// slots and external resources ("none" when there are none).
func (m TaskManagerMemory) ResourceConfigs() map[string]string {
	b := func(s MemorySize) string { return strconv.FormatInt(int64(s), 10) + "b" }
	cfg := map[string]string{
		TaskManagerCPUCores.Key():                   FormatDouble(m.CPUCores),
		TaskManagerMemoryFrameworkHeapSize.Key():    b(m.FrameworkHeap),
		TaskManagerMemoryFrameworkOffHeapSize.Key(): b(m.FrameworkOffHeap),
		TaskManagerMemoryTaskHeapSize.Key():         b(m.TaskHeap),
		TaskManagerMemoryTaskOffHeapSize.Key():      b(m.TaskOffHeap),
		TaskManagerMemoryNetworkMin.Key():           b(m.Network),
		TaskManagerMemoryNetworkMax.Key():           b(m.Network),
		TaskManagerMemoryManagedSize.Key():          b(m.Managed),
		TaskManagerMemoryJVMMetaspaceSize.Key():     b(m.JVMMetaspace),
		TaskManagerMemoryJVMOverheadMin.Key():       b(m.JVMOverhead),
		TaskManagerMemoryJVMOverheadMax.Key():       b(m.JVMOverhead),
		TaskManagerNumberOfTaskSlots.Key():          strconv.Itoa(m.NumSlots),
		ExternalResources.Key():                     externalResourcesNone,
	}
	if len(m.ExternalResources) > 0 {
		names := slices.Sorted(maps.Keys(m.ExternalResources))
		cfg[ExternalResources.Key()] = strings.Join(names, ";")
		for _, n := range names {
			cfg[ExternalResourceAmountKey(n)] = strconv.FormatInt(m.ExternalResources[n], 10)
		}
	}
	return cfg
}

// ResourceArgs renders ResourceConfigs as "-D key=value" pairs (a space after -D, as
// Flink writes them) in sorted key order, so that pod specs are deterministic where
// Flink's order is a hash-map accident. A value with characters a shell would
// interpret (the ';' between several external resource names) is single-quoted, since
// the arguments end up in a bash -c command line.
func (m TaskManagerMemory) ResourceArgs() string {
	cfg := m.ResourceConfigs()
	parts := make([]string, 0, len(cfg))
	for _, k := range slices.Sorted(maps.Keys(cfg)) {
		parts = append(parts, "-D "+k+"="+shellQuoteIfNeeded(cfg[k]))
	}
	return strings.Join(parts, " ")
}

func shellQuoteIfNeeded(s string) string {
	safe := func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.,:/=+@%", r)
	}
	if s != "" && strings.IndexFunc(s, func(r rune) bool { return !safe(r) }) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
