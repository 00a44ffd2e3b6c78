package scenarios

import (
	"testing"
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
