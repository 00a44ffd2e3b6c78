package resourcemanager

import "testing"

// Mirrors WorkerCounterTest.
func TestWorkerCounter(t *testing.T) {
	spec1 := WorkerSpec{CPU: 1, NumSlots: 1}
	spec2 := WorkerSpec{CPU: 2, NumSlots: 2}

	t.Run("testWorkerCounterIncreaseAndDecrease", func(t *testing.T) {
		c := newWorkerCounter()
		check := func(n1, n2, total int) {
			t.Helper()
			if c.num(spec1) != n1 || c.num(spec2) != n2 || c.totalNum() != total {
				t.Fatalf("counts %d, %d, total %d; want %d, %d, %d", c.num(spec1), c.num(spec2), c.totalNum(), n1, n2, total)
			}
		}
		check(0, 0, 0)
		if got := c.increase(spec1); got != 1 {
			t.Fatalf("increase = %d, want 1", got)
		}
		c.increase(spec2)
		c.increase(spec2)
		check(1, 2, 3)
		if got, err := c.decrease(spec2); got != 1 || err != nil {
			t.Fatalf("decrease = %d, %v; want 1", got, err)
		}
		check(1, 1, 2)
		if got, err := c.decrease(spec1); got != 0 || err != nil {
			t.Fatalf("decrease = %d, %v; want 0", got, err)
		}
		check(0, 1, 1)
	})

	t.Run("testWorkerCounterDecreaseOnZero", func(t *testing.T) {
		c := newWorkerCounter()
		if _, err := c.decrease(spec1); err == nil {
			t.Fatal("decreasing a zero count succeeded")
		}
		if c.totalNum() != 0 || c.num(spec1) != 0 {
			t.Fatal("a failed decrease changed the counts")
		}
	})
}
