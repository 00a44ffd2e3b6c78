package config

import "fmt"

// JobManagerMemory is the JobManager's process memory as Flink derives it.
type JobManagerMemory struct {
	JVMHeap      MemorySize
	OffHeap      MemorySize
	JVMMetaspace MemorySize
	JVMOverhead  MemorySize
	TotalFlink   MemorySize
	TotalProcess MemorySize
	// DirectMemoryLimit is whether the JVM gets -XX:MaxDirectMemorySize (the off-heap
	// size), per jobmanager.memory.enable-jvm-direct-memory-limit.
	DirectMemoryLimit bool
}

var jobManagerProcess = processOptions{
	what:             "JobManager",
	processSize:      JobManagerMemoryProcessSize,
	flinkSize:        JobManagerMemoryFlinkSize,
	metaspace:        JobManagerMemoryJVMMetaspaceSize,
	overheadMin:      JobManagerMemoryJVMOverheadMin,
	overheadMax:      JobManagerMemoryJVMOverheadMax,
	overheadFraction: JobManagerMemoryJVMOverheadFraction,
}

// JobManagerMemorySpec derives the JobManager process memory from c, as Flink does:
// from jobmanager.memory.heap.size if set, else jobmanager.memory.flink.size, else
// jobmanager.memory.process.size; one of them must be set.
func JobManagerMemorySpec(c *Configuration) (JobManagerMemory, error) {
	var m JobManagerMemory
	var err error
	if m.DirectMemoryLimit, err = Get(c, JobManagerMemoryEnableJVMDirectMemoryLimit); err != nil {
		return m, err
	}
	switch {
	case IsExplicitlySet(c, JobManagerMemoryHeapSize):
		if err = m.flinkFromHeap(c); err != nil {
			return m, err
		}
		m.JVMMetaspace, m.JVMOverhead, err = jvmOverheadFromFlink(c, jobManagerProcess, m.TotalFlink)
	case IsExplicitlySet(c, JobManagerMemoryFlinkSize):
		var total MemorySize
		if total, err = Get(c, JobManagerMemoryFlinkSize); err != nil {
			return m, err
		}
		if err = m.flinkFromTotal(c, total); err != nil {
			return m, err
		}
		m.JVMMetaspace, m.JVMOverhead, err = jvmOverheadFromFlink(c, jobManagerProcess, total)
	case IsExplicitlySet(c, JobManagerMemoryProcessSize):
		var process MemorySize
		if process, err = Get(c, JobManagerMemoryProcessSize); err != nil {
			return m, err
		}
		if m.JVMMetaspace, m.JVMOverhead, err = jvmOverheadFromProcess(c, jobManagerProcess, process); err != nil {
			return m, err
		}
		err = m.flinkFromTotal(c, process-m.JVMMetaspace-m.JVMOverhead)
	default:
		return m, fmt.Errorf("JobManager memory is not configured: set %s (e.g. 1600m), or %s, or %s",
			JobManagerMemoryProcessSize.Key(), JobManagerMemoryFlinkSize.Key(), JobManagerMemoryHeapSize.Key())
	}
	if err != nil {
		return m, err
	}
	m.TotalProcess, err = addSizes(m.TotalFlink, m.JVMMetaspace, m.JVMOverhead)
	return m, err
}

// flinkFromHeap sizes Flink memory from an explicit heap; with an explicit total too,
// off-heap memory is the rest unless it is set explicitly, in which case the sizes
// must add up.
func (m *JobManagerMemory) flinkFromHeap(c *Configuration) error {
	var err error
	if m.JVMHeap, err = Get(c, JobManagerMemoryHeapSize); err != nil {
		return err
	}
	if m.OffHeap, err = Get(c, JobManagerMemoryOffHeapSize); err != nil {
		return err
	}
	if !IsExplicitlySet(c, JobManagerMemoryFlinkSize) {
		m.TotalFlink, err = addSizes(m.JVMHeap, m.OffHeap)
		return err
	}
	total, err := Get(c, JobManagerMemoryFlinkSize)
	if err != nil {
		return err
	}
	m.TotalFlink = total
	if IsExplicitlySet(c, JobManagerMemoryOffHeapSize) {
		if sum, err := addSizes(m.JVMHeap, m.OffHeap); err != nil || sum != total {
			return fmt.Errorf("JobManager memory is inconsistent: %s (%s) plus %s (%s) is not %s (%s); set only two of the three",
				JobManagerMemoryHeapSize.Key(), m.JVMHeap, JobManagerMemoryOffHeapSize.Key(), m.OffHeap, JobManagerMemoryFlinkSize.Key(), total)
		}
		return nil
	}
	if m.JVMHeap > total {
		return fmt.Errorf("JobManager memory is inconsistent: %s (%s) is larger than %s (%s)",
			JobManagerMemoryHeapSize.Key(), m.JVMHeap, JobManagerMemoryFlinkSize.Key(), total)
	}
	m.OffHeap = total - m.JVMHeap
	return nil
}

// flinkFromTotal splits a known total Flink memory into off-heap and heap (the rest).
func (m *JobManagerMemory) flinkFromTotal(c *Configuration, total MemorySize) error {
	var err error
	if m.OffHeap, err = Get(c, JobManagerMemoryOffHeapSize); err != nil {
		return err
	}
	if total <= m.OffHeap {
		return fmt.Errorf("JobManager memory too small: total Flink memory %s leaves no heap after %s (%s); increase %s or %s",
			total, JobManagerMemoryOffHeapSize.Key(), m.OffHeap, JobManagerMemoryProcessSize.Key(), JobManagerMemoryFlinkSize.Key())
	}
	m.TotalFlink = total
	m.JVMHeap = total - m.OffHeap
	return nil
}

// JVMOptions returns the JVM memory flags of the JobManager: "-Xmx<b> -Xms<b>
// [-XX:MaxDirectMemorySize=<b>] -XX:MaxMetaspaceSize=<b>", sizes in bytes.
func (m JobManagerMemory) JVMOptions() string {
	return jvmOptions(m.JVMHeap, m.OffHeap, m.JVMMetaspace, m.DirectMemoryLimit)
}
