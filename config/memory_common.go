package config

import (
	"fmt"
)

// The memory model follows Flink's process memory arithmetic: a process is its total
// Flink memory plus JVM metaspace plus JVM overhead, and sizes derived from a fraction
// are floor(base × fraction) capped to [min, max]. The JobManager and the TaskManager
// share the metaspace/overhead part (processOptions); their Flink memory differs.

// processOptions names the options of one process kind.
type processOptions struct {
	what             string // "TaskManager" or "JobManager", for messages
	processSize      Option[MemorySize]
	flinkSize        Option[MemorySize]
	metaspace        Option[MemorySize]
	overheadMin      Option[MemorySize]
	overheadMax      Option[MemorySize]
	overheadFraction Option[float32]
}

// rangeFraction is a size given as a fraction of a base, kept within [min, max].
type rangeFraction struct {
	min, max MemorySize
	fraction float64
}

func getRangeFraction(c *Configuration, minO, maxO Option[MemorySize], fracO Option[float32]) (rangeFraction, error) {
	var rf rangeFraction
	var err error
	if rf.min, err = Get(c, minO); err != nil {
		return rf, err
	}
	if rf.max, err = Get(c, maxO); err != nil {
		return rf, err
	}
	if rf.fraction, err = getFraction(c, fracO); err != nil {
		return rf, err
	}
	if rf.min > rf.max {
		return rf, fmt.Errorf("%s (%s) is larger than %s (%s): make the minimum at most the maximum", minO.Key(), rf.min, maxO.Key(), rf.max)
	}
	return rf, nil
}

// getFraction reads a Float fraction option and checks it lies in [0, 1). The value is
// widened to float64 exactly as Flink widens its Float, keeping the binary value that
// shapes Flink's figures (0.1f is 0.10000000149011612).
func getFraction(c *Configuration, o Option[float32]) (float64, error) {
	f, err := Get(c, o)
	if err != nil {
		return 0, err
	}
	if !(f >= 0 && f < 1) {
		key, raw, _, _ := o.lookup(c)
		return 0, &ValueError{Key: key, Value: raw, Reason: "expected a fraction of at least 0 and less than 1"}
	}
	return float64(f), nil
}

func (rf rangeFraction) capped(size MemorySize) MemorySize {
	return max(rf.min, min(rf.max, size))
}

// ofBase derives the size as a fraction of base: base is the whole the size is part of.
func (rf rangeFraction) ofBase(base MemorySize, what string) (MemorySize, error) {
	v, ok := base.multiplyFloor(rf.fraction)
	if !ok {
		return 0, fmt.Errorf("%s: %s × %v does not fit in 64 bits", what, base, rf.fraction)
	}
	return rf.capped(v), nil
}

// ofRest derives the size from the rest of the whole: with fraction f of the whole
// and rest = whole - size, size = rest × f / (1 - f).
func (rf rangeFraction) ofRest(rest MemorySize, what string) (MemorySize, error) {
	v, ok := rest.multiplyFloor(rf.fraction / (1 - rf.fraction))
	if !ok {
		return 0, fmt.Errorf("%s: derived from %s, does not fit in 64 bits", what, rest)
	}
	return rf.capped(v), nil
}

// jvmOverheadFromFlink derives metaspace and overhead for a known total Flink memory:
// when the process size is set too, the overhead is what remains and must lie within
// [min, max]; otherwise it is the overhead fraction of the process, derived from the
// rest (Flink memory + metaspace).
func jvmOverheadFromFlink(c *Configuration, p processOptions, totalFlink MemorySize) (metaspace, overhead MemorySize, err error) {
	if metaspace, err = Get(c, p.metaspace); err != nil {
		return 0, 0, err
	}
	rf, err := getRangeFraction(c, p.overheadMin, p.overheadMax, p.overheadFraction)
	if err != nil {
		return 0, 0, err
	}
	flinkAndMetaspace, err := addSizes(totalFlink, metaspace)
	if err != nil {
		return 0, 0, err
	}
	if IsExplicitlySet(c, p.processSize) {
		process, err := Get(c, p.processSize)
		if err != nil {
			return 0, 0, err
		}
		overhead = process - flinkAndMetaspace
		if overhead < rf.min || overhead > rf.max {
			return 0, 0, fmt.Errorf("%s memory is inconsistent: %s (%s) minus Flink memory (%s) and JVM metaspace (%s) leaves %s of JVM overhead, outside [%s, %s] (%s, %s); set only one of %s and %s, or adjust the others",
				p.what, p.processSize.Key(), process, totalFlink, metaspace, overhead, rf.min, rf.max, p.overheadMin.Key(), p.overheadMax.Key(), p.processSize.Key(), p.flinkSize.Key())
		}
		return metaspace, overhead, nil
	}
	overhead, err = rf.ofRest(flinkAndMetaspace, "JVM overhead")
	return metaspace, overhead, err
}

// jvmOverheadFromProcess derives metaspace and overhead from the total process size.
func jvmOverheadFromProcess(c *Configuration, p processOptions, process MemorySize) (metaspace, overhead MemorySize, err error) {
	if metaspace, err = Get(c, p.metaspace); err != nil {
		return 0, 0, err
	}
	rf, err := getRangeFraction(c, p.overheadMin, p.overheadMax, p.overheadFraction)
	if err != nil {
		return 0, 0, err
	}
	if overhead, err = rf.ofBase(process, "JVM overhead"); err != nil {
		return 0, 0, err
	}
	if metaspace > process || overhead > process-metaspace {
		return 0, 0, fmt.Errorf("%s memory too small: JVM metaspace (%s) and JVM overhead (%s) need more than %s (%s); increase it, or lower %s or %s",
			p.what, metaspace, overhead, p.processSize.Key(), process, p.metaspace.Key(), p.overheadMin.Key())
	}
	return metaspace, overhead, nil
}

func addSizes(sizes ...MemorySize) (MemorySize, error) {
	var total MemorySize
	for _, s := range sizes {
		if s > MaxMemorySize-total {
			return 0, fmt.Errorf("memory sizes add up to more than %d bytes", int64(MaxMemorySize))
		}
		total += s
	}
	return total, nil
}

// jvmOptions renders JVM memory flags the way Flink's start scripts expect them.
func jvmOptions(heap, direct, metaspace MemorySize, limitDirect bool) string {
	s := fmt.Sprintf("-Xmx%d -Xms%d ", heap, heap)
	if limitDirect {
		s += fmt.Sprintf("-XX:MaxDirectMemorySize=%d ", direct)
	}
	return s + fmt.Sprintf("-XX:MaxMetaspaceSize=%d", metaspace)
}
