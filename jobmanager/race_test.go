//go:build race

package jobmanager_test

// raceEnabled: the race detector is on. ThreadSanitizer's per-thread history overflows
// on hundreds of simulated clusters in one process, so TestRandomizedFailover then runs
// fewer schedules (make test also runs all 200 without it).
const raceEnabled = true
