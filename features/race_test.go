//go:build race

package features_test

// raceEnabled: the race detector is on (see TestSameSeedSameTrace).
const raceEnabled = true
