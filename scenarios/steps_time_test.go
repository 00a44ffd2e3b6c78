package scenarios

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"30 seconds": 30 * time.Second, "1 second": time.Second, "2 minutes": 2 * time.Minute,
		"a minute": time.Minute, "a simulated minute": time.Minute, "an hour": time.Hour, "250 milliseconds": 250 * time.Millisecond,
	} {
		got, err := parseDuration(in)
		if err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "soon", "5", "5 fortnights", "-1 seconds"} {
		if _, err := parseDuration(bad); err == nil {
			t.Errorf("parseDuration(%q) accepted", bad)
		}
	}
}

func TestHoldsForLooksUntilTheEndAndNamesWhenItBroke(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		looks := 0
		if err := holdsFor("10 seconds", "it holds", func() (bool, string, error) { looks++; return true, "", nil }); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 10*time.Second || looks != 101 {
			t.Fatalf("returned after %v with %d looks, want 10s and 101 (every 100 ms, both ends)", d, looks)
		}
		start = time.Now()
		err := holdsFor("10 minutes", "the pods stay", func() (bool, string, error) {
			return time.Since(start) < 2*time.Minute, "gone", nil
		})
		if err == nil || !strings.Contains(err.Error(), "the pods stay — after 2m0s: gone") {
			t.Fatalf("got %v, want the failure named with when it broke", err)
		}
	})
}

func TestCheckPeriod(t *testing.T) {
	for d, want := range map[time.Duration]time.Duration{
		10 * time.Second: pollInterval, time.Minute: pollInterval, 10 * time.Minute: time.Second, 2 * time.Hour: 12 * time.Second,
	} {
		if got := checkPeriod(d); got != want {
			t.Errorf("checkPeriod(%v) = %v, want %v", d, got, want)
		}
	}
}
