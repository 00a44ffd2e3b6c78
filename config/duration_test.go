package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"30 s", 30 * time.Second},
		{"30s", 30 * time.Second},
		{"5 min", 5 * time.Minute},
		{"5m", 5 * time.Minute},
		{"5 minutes", 5 * time.Minute},
		{"50 ms", 50 * time.Millisecond},
		{"1h", time.Hour},
		{"2 hours", 2 * time.Hour},
		{"1 d", 24 * time.Hour},
		{"3 days", 72 * time.Hour},
		{"100", 100 * time.Millisecond},
		{" 7 SEC ", 7 * time.Second},
		{"10 seconds", 10 * time.Second},
		{"4 millis", 4 * time.Millisecond},
		{"3 µs", 3 * time.Microsecond},
		{"3 micros", 3 * time.Microsecond},
		{"9 ns", 9},
		{"9 nanoseconds", 9},
		{"0", 0},
		{"0 s", 0},
	} {
		got, err := ParseDuration(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseDurationErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "the value is empty"},
		{"   ", "the value is empty"},
		{"s", "must start with a whole number"},
		{"-5 s", "must start with a whole number"},
		{"1.5 s", `unknown unit ".5 s"`},
		{"5 x", `unknown unit "x"`},
		{"5 months", `unknown unit "months"`},
		{"999999999999 d", "longer than the longest supported duration"},
		{"99999999999999999999", "longer than the longest supported duration"},
	} {
		_, err := ParseDuration(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseDuration(%q) error = %v, want it to contain %q", tc.in, err, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), "expected a duration such as 30 s") {
			t.Errorf("ParseDuration(%q) error %q does not say what is accepted", tc.in, err)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{30 * time.Second, "30 s"},
		{5 * time.Minute, "5 min"},
		{50 * time.Millisecond, "50 ms"},
		{90 * time.Second, "90 s"},
		{time.Hour, "1 h"},
		{time.Hour + time.Second, "3601 s"},
		{1500 * time.Microsecond, "1500 µs"},
		{7, "7 ns"},
		// Flink writes durations that every unit up to days divides in milliseconds.
		{0, "0 ms"},
		{24 * time.Hour, "86400000 ms"},
	} {
		got := FormatDuration(tc.in)
		if got != tc.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tc.in, got, tc.want)
		}
		back, err := ParseDuration(got)
		if err != nil || back != tc.in {
			t.Errorf("ParseDuration(FormatDuration(%v)) = %v, %v", tc.in, back, err)
		}
	}
}
