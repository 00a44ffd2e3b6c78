package resourcemanager

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"flinksim/config"
)

// WorkerSpec is what a TaskManager offers, the unit in which workers are counted and
// requested (Flink's WorkerResourceSpec): CPU, the memory components that are
// available to tasks, slots and external resources. Two TaskManagers with equal specs
// are interchangeable. WorkerSpec is comparable.
type WorkerSpec struct {
	CPU         float64
	TaskHeap    config.MemorySize
	TaskOffHeap config.MemorySize
	Network     config.MemorySize
	Managed     config.MemorySize
	NumSlots    int
	// ExternalResources is "name=amount" pairs joined by ";" in name order, empty when
	// there are none (a string, so that WorkerSpec stays comparable).
	ExternalResources string
}

// WorkerSpecOf is the spec of a TaskManager with process specification m.
func WorkerSpecOf(m config.TaskManagerMemory) WorkerSpec {
	var ext []string
	for _, name := range slices.Sorted(maps.Keys(m.ExternalResources)) {
		ext = append(ext, name+"="+strconv.FormatInt(m.ExternalResources[name], 10))
	}
	return WorkerSpec{
		CPU:               m.CPUCores,
		TaskHeap:          m.TaskHeap,
		TaskOffHeap:       m.TaskOffHeap,
		Network:           m.Network,
		Managed:           m.Managed,
		NumSlots:          m.NumSlots,
		ExternalResources: strings.Join(ext, ";"),
	}
}

// TotalMemory is the memory the spec offers to tasks: task heap and off-heap, network
// and managed memory (what slot-manager memory limits are measured in).
func (s WorkerSpec) TotalMemory() config.MemorySize {
	return s.TaskHeap + s.TaskOffHeap + s.Network + s.Managed
}

func (s WorkerSpec) String() string {
	out := fmt.Sprintf("WorkerSpec{cpu=%s, taskHeap=%s, taskOffHeap=%s, network=%s, managed=%s, slots=%d",
		config.FormatDouble(s.CPU), s.TaskHeap, s.TaskOffHeap, s.Network, s.Managed, s.NumSlots)
	if s.ExternalResources != "" {
		out += ", external=" + s.ExternalResources
	}
	return out + "}"
}

// EffectiveConfiguration is the configuration the resource manager works with: conf
// without the total TaskManager memory options (taskmanager.memory.process.size,
// taskmanager.memory.flink.size). The default worker spec is computed before they are
// removed; afterwards each pod's process specification is derived from its worker
// spec, and the totals would contradict specs that differ from the default
// (reference §4.6, Flink's ActiveResourceManagerFactory). conf is not modified.
func EffectiveConfiguration(conf *config.Configuration) *config.Configuration {
	c := conf.Clone()
	config.Unset(c, config.TaskManagerMemoryProcessSize)
	config.Unset(c, config.TaskManagerMemoryFlinkSize)
	return c
}

// processSpecOf derives the process specification of a TaskManager with the given
// worker spec: the spec fixes CPU, slots, task heap and off-heap, network and managed
// memory; the framework memory, JVM metaspace and overhead come from effective (which
// must not hold the total memory options), exactly as the memory model derives them
// when task heap and managed memory are set explicitly. Flink does the same
// (TaskExecutorProcessUtils.processSpecFromWorkerResourceSpec).
func processSpecOf(effective *config.Configuration, spec WorkerSpec) (config.TaskManagerMemory, error) {
	c := effective.Clone()
	config.Set(c, config.TaskManagerCPUCores, spec.CPU)
	config.Set(c, config.TaskManagerNumberOfTaskSlots, spec.NumSlots)
	config.Set(c, config.TaskManagerMemoryTaskHeapSize, spec.TaskHeap)
	config.Set(c, config.TaskManagerMemoryTaskOffHeapSize, spec.TaskOffHeap)
	config.Set(c, config.TaskManagerMemoryManagedSize, spec.Managed)
	config.Set(c, config.TaskManagerMemoryNetworkMin, spec.Network)
	config.Set(c, config.TaskManagerMemoryNetworkMax, spec.Network)
	m, err := config.TaskManagerMemorySpec(c)
	if err != nil {
		return m, fmt.Errorf("cannot derive a TaskManager process specification for %s: %w", spec, err)
	}
	return m, nil
}
