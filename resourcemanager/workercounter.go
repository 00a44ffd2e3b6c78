package resourcemanager

import "fmt"

// workerCounter counts workers per worker spec and in total (Flink's WorkerCounter).
type workerCounter struct {
	counts map[WorkerSpec]int
	total  int
}

func newWorkerCounter() *workerCounter { return &workerCounter{counts: map[WorkerSpec]int{}} }

// increase adds one worker of spec and returns the new count of spec.
func (c *workerCounter) increase(spec WorkerSpec) int {
	c.counts[spec]++
	c.total++
	return c.counts[spec]
}

// decrease removes one worker of spec and returns the new count of spec. Decreasing a
// count of zero is an error: it means the bookkeeping lost track of a worker.
func (c *workerCounter) decrease(spec WorkerSpec) (int, error) {
	n := c.counts[spec]
	if n <= 0 {
		return 0, fmt.Errorf("internal error: worker count of spec %s would drop below zero", spec)
	}
	if n == 1 {
		delete(c.counts, spec)
	} else {
		c.counts[spec] = n - 1
	}
	c.total--
	return n - 1, nil
}

func (c *workerCounter) num(spec WorkerSpec) int { return c.counts[spec] }

func (c *workerCounter) totalNum() int { return c.total }
