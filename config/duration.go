package config

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// timeUnit is one of the units Flink's duration syntax knows, with the labels it
// accepts. The first label is the one Flink writes.
type timeUnit struct {
	d      time.Duration
	labels []string
}

// timeUnits lists Flink's units from the largest down; "m" means minutes, not months
// or metres, and a bare number means milliseconds.
var timeUnits = []timeUnit{
	{24 * time.Hour, []string{"d", "day", "days"}},
	{time.Hour, []string{"h", "hour", "hours"}},
	{time.Minute, []string{"min", "m", "minute", "minutes"}},
	{time.Second, []string{"s", "sec", "secs", "second", "seconds"}},
	{time.Millisecond, []string{"ms", "milli", "millis", "millisecond", "milliseconds"}},
	{time.Microsecond, []string{"µs", "micro", "micros", "microsecond", "microseconds"}},
	{time.Nanosecond, []string{"ns", "nano", "nanos", "nanosecond", "nanoseconds"}},
}

const durationExpectation = "expected a duration such as 30 s, 5 min, 50 ms or 1h (a bare number is milliseconds)"

// ParseDuration parses Flink's duration syntax: a non-negative whole number, optional
// whitespace, and an optional case-insensitive unit label (d, h, min/m, s, ms, µs, ns
// and their long forms). "100" is 100 ms.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, invalid(s, "%s; the value is empty", durationExpectation)
	}
	digits := leadingDigits(t)
	if digits == "" {
		return 0, invalid(s, "%s; it must start with a whole number", durationExpectation)
	}
	label := strings.ToLower(strings.TrimSpace(t[len(digits):]))
	unit := time.Millisecond
	if label != "" {
		u, ok := lookupTimeUnit(label)
		if !ok {
			return 0, invalid(s, "%s; unknown unit %q (accepted: %s)", durationExpectation, label, allTimeLabels())
		}
		unit = u
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > int64(math.MaxInt64/unit) {
		return 0, invalid(s, "%s; it is longer than the longest supported duration (about 292 years)", durationExpectation)
	}
	return time.Duration(n) * unit, nil
}

// FormatDuration writes d as Flink does: in the largest unit that divides it exactly,
// e.g. "30 s", "5 min", "50 ms". Like Flink, a duration that every unit up to days
// divides (including zero and whole days) is written in milliseconds ("0 ms",
// "86400000 ms"); it parses back to the same value.
func FormatDuration(d time.Duration) string {
	n := int64(d)
	unit := timeUnits[len(timeUnits)-1] // ns
	found := false
	for i := len(timeUnits) - 1; i >= 0; i-- { // smallest to largest
		if n%int64(timeUnits[i].d) != 0 {
			if i < len(timeUnits)-1 {
				unit = timeUnits[i+1]
			}
			found = true
			break
		}
	}
	if !found {
		unit = timeUnits[4] // ms
	}
	return strconv.FormatInt(n/int64(unit.d), 10) + " " + unit.labels[0]
}

func lookupTimeUnit(label string) (time.Duration, bool) {
	for _, u := range timeUnits {
		for _, l := range u.labels {
			if l == label {
				return u.d, true
			}
		}
	}
	return 0, false
}

func allTimeLabels() string {
	var parts []string
	for _, u := range timeUnits {
		parts = append(parts, strings.Join(u.labels, "|"))
	}
	return strings.Join(parts, ", ")
}

// leadingDigits returns the ASCII digits at the start of s.
func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}
