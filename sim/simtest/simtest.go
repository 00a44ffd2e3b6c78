// Package simtest runs a simulated cluster inside a test's synctest bubble: the one
// helper every package's tests use to get a cluster, so that starting and stopping
// it is written once.
package simtest

import (
	"context"
	"testing"
	"time"

	"flinksim/sim"
)

// Start builds a cluster from cfg, starts its controllers and stops them when the
// test ends (a Cleanup of t). Call it inside the synctest bubble.
func Start(t testing.TB, cfg sim.Config) *sim.Cluster {
	t.Helper()
	c, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the simulated cluster stopped with: %v", err)
		}
	})
	return c
}

// Eventually polls cond in simulated time until it holds, failing the test with what
// after within.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v (simulated): %s", within, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
