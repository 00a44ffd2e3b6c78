//go:build !race

package jobmanager_test

const raceEnabled = false
