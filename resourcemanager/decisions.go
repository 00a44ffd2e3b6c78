package resourcemanager

import "time"

// Decisions of the active resource manager as pure functions of what it observed and
// the time: table-tested in decisions_test.go.

// startFailureWindow is the window of the start-failure rate (reference §4.6).
const startFailureWindow = time.Minute

// failureRater counts start failures over the last minute (Flink's ThresholdMeter): an
// event counts while no more than the window has passed since it.
type failureRater struct {
	max    float64 // resourcemanager.start-worker.max-failure-rate
	events []time.Time
}

func (r *failureRater) mark(now time.Time) { r.events = append(r.events, now) }

// count is the number of events within the window ending now.
func (r *failureRater) count(now time.Time) int {
	i := 0
	for i < len(r.events) && now.Sub(r.events[i]) > startFailureWindow {
		i++
	}
	r.events = r.events[i:]
	return len(r.events)
}

// exceeded: the failures of the last minute reached the maximum rate.
func (r *failureRater) exceeded(now time.Time) bool { return float64(r.count(now)) >= r.max }

// ratePerSecond is the metric Flink exposes: failures of the last minute per second.
func (r *failureRater) ratePerSecond(now time.Time) float64 {
	return float64(r.count(now)) / startFailureWindow.Seconds()
}

// releaseCandidates are the workers of one spec that may be released, by kind, each
// kind in the order it should be released.
type releaseCandidates struct {
	// unwanted are the workers the slot manager declared unwanted (registered ones).
	unwanted []ResourceID
	// unallocated are the requests still waiting for their worker.
	unallocated []uint64
	// allocatedUnregistered are workers of this attempt that were allocated (pod
	// scheduled) but have not registered.
	allocatedUnregistered []ResourceID
	// registered are the registered workers.
	registered []ResourceID
}

// releasePlan says which requests to cancel and which workers to stop.
type releasePlan struct {
	cancel  []uint64
	release []ResourceID
	// remaining is what could not be released (zero unless the counts are corrupt).
	remaining int
}

// planRelease picks n workers to give up, in the order of reference §4.6: the declared
// unwanted ones, then requests not yet allocated, then allocated but unregistered
// workers, then registered ones. A worker is picked at most once.
func planRelease(n int, c releaseCandidates) releasePlan {
	var p releasePlan
	picked := map[ResourceID]bool{}
	take := func(ids []ResourceID) {
		for _, id := range ids {
			if n == 0 {
				return
			}
			if picked[id] {
				continue
			}
			picked[id] = true
			p.release = append(p.release, id)
			n--
		}
	}
	take(c.unwanted)
	for _, r := range c.unallocated {
		if n == 0 {
			break
		}
		p.cancel = append(p.cancel, r)
		n--
	}
	take(c.allocatedUnregistered)
	take(c.registered)
	p.remaining = n
	return p
}

// declarationDelta is what a declaration asks of the active resource manager for one
// spec: positive = release that many, negative = request that many.
func declarationDelta(total, needed int) int { return total - needed }
