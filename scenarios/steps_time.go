package scenarios

import (
	"fmt"
	"regexp"
	"strconv"
	"testing/synctest"
	"time"

	"github.com/cucumber/godog"
)

func (w *World) registerTimeSteps(sc *godog.ScenarioContext) {
	sc.Step(`^(\d+ (?:milliseconds?|seconds?|minutes?|hours?)|an? (?:second|minute|simulated minute|hour)) pass(?:es)?$`, w.timePasses)
}

var durationRE = regexp.MustCompile(`^(?:(\d+)|an?)\s+(?:simulated\s+)?(millisecond|second|minute|hour)s?$`)

// parseDuration reads durations as scenarios write them: "30 seconds", "2 minutes",
// "a minute", "a simulated minute".
func parseDuration(s string) (time.Duration, error) {
	m := durationRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q is not a duration: write e.g. \"30 seconds\", \"2 minutes\" or \"a minute\"", s)
	}
	n := 1
	if m[1] != "" {
		n, _ = strconv.Atoi(m[1])
	}
	unit := map[string]time.Duration{"millisecond": time.Millisecond, "second": time.Second, "minute": time.Minute, "hour": time.Hour}[m[2]]
	return time.Duration(n) * unit, nil
}

func (w *World) timePasses(d string) error {
	dur, err := parseDuration(d)
	if err != nil {
		return err
	}
	if w.shared != nil && dur > realTimeLimit {
		return fmt.Errorf("%s would pass in real time on the shared cluster (a real API server), where a scenario may wait at most %s: do not tag this scenario for it", dur, realTimeLimit)
	}
	time.Sleep(dur)
	return nil
}

// pollInterval is how often "within" steps look again, in simulated time.
const pollInterval = 100 * time.Millisecond

func waitABit() { time.Sleep(pollInterval) }

// settle lets every goroutine of the scenario's bubble run until it blocks, so that a
// check sees the same state whatever the goroutine scheduling was: traces stay the
// same from run to run. Outside a bubble (a scenario on a real API server, in real
// time) there is no such instant, and settle returns at once.
func settle() {
	defer func() {
		if v := recover(); v != nil && v != notInABubble {
			panic(v)
		}
	}()
	synctest.Wait()
}

// notInABubble is what synctest.Wait panics with outside a bubble (runtime/synctest.go).
const notInABubble = "goroutine is not in a bubble"

// eventually checks cond until it holds or the simulated duration passes; the last
// reason cond gave is part of the failure.
func eventually(within time.Duration, what string, cond func() (bool, string, error)) error {
	deadline := time.Now().Add(within)
	for {
		settle()
		ok, why, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if !time.Now().Before(deadline) {
			return fmt.Errorf("not within %v: %s (last seen: %s)", within, what, why)
		}
		time.Sleep(pollInterval)
	}
}

// waitUntil is eventually with the duration as a step wrote it ("2 minutes").
func waitUntil(duration, what string, cond func() (bool, string, error)) error {
	d, err := parseDuration(duration)
	if err != nil {
		return err
	}
	return eventually(d, what, cond)
}

// holdsFor checks cond every checkPeriod of the duration a step wrote ("10 minutes")
// until it passed, at its start and its end too; the first time cond does not hold
// fails with its reason and when that was.
func holdsFor(duration, what string, cond func() (bool, string, error)) error {
	d, err := parseDuration(duration)
	if err != nil {
		return err
	}
	start := time.Now()
	deadline := start.Add(d)
	for {
		settle()
		ok, why, err := cond()
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("not for %v: %s — after %v: %s", d, what, time.Since(start).Round(time.Second), why)
		}
		if !time.Now().Before(deadline) {
			return nil
		}
		time.Sleep(checkPeriod(d))
	}
}

func timeNow() time.Time { return time.Now() }

// checkPeriod is how often a "for <duration> …" step looks, in simulated time: 600
// times over the duration but at most every poll (every 100 ms up to a minute, every
// second over ten minutes, every 12 s over two hours), so that hours of checks stay
// cheap in wall time.
func checkPeriod(d time.Duration) time.Duration {
	return max(pollInterval, d/600)
}
