package config

import (
	"math"
	"strconv"
	"strings"
)

// Scalar syntax follows Java's parsers (Integer.parseInt, Double.parseDouble,
// case-insensitive true/false), because that is what Flink accepts; surrounding
// whitespace is tolerated since -D values and YAML scalars often carry some.

func parseInt(s string) (int, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
	if err != nil {
		if isRangeError(err) {
			return 0, invalid(s, "expected an integer between %d and %d", math.MinInt32, math.MaxInt32)
		}
		return 0, invalid(s, "expected an integer")
	}
	return int(n), nil
}

func parseLong(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		if isRangeError(err) {
			return 0, invalid(s, "expected an integer between %d and %d", int64(math.MinInt64), int64(math.MaxInt64))
		}
		return 0, invalid(s, "expected an integer")
	}
	return n, nil
}

func parseDouble(s string) (float64, error) {
	f, err := strconv.ParseFloat(trimJavaFloatSuffix(s), 64)
	if err != nil && !isRangeError(err) {
		return 0, invalid(s, "expected a number such as 1, 0.5 or 2.5")
	}
	return f, nil
}

func parseFloat(s string) (float32, error) {
	f, err := strconv.ParseFloat(trimJavaFloatSuffix(s), 32)
	if err != nil && !isRangeError(err) {
		return 0, invalid(s, "expected a number such as 0.1 or 0.4")
	}
	return float32(f), nil
}

// trimJavaFloatSuffix drops the d/f type suffix Java's parser allows ("1.5d").
func trimJavaFloatSuffix(s string) string {
	t := strings.TrimSpace(s)
	if n := len(t); n > 1 && strings.ContainsRune("dDfF", rune(t[n-1])) {
		if _, err := strconv.ParseFloat(t[:n-1], 64); err == nil {
			return t[:n-1]
		}
	}
	return t
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, invalid(s, "expected true or false")
}

func isRangeError(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// FormatDouble renders f the way Java's Double.toString does ("1.0", "0.5", "1.0E7"),
// which is how Flink writes Double options and Kubernetes CPU quantities ("1.0").
func FormatDouble(f float64) string { return formatJavaFloat(f, 64) }

// formatJavaFloat mirrors Java's Double/Float.toString: plain decimal with at least one
// fractional digit for magnitudes in [1e-3, 1e7), computerized scientific otherwise.
func formatJavaFloat(f float64, bitSize int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, bitSize)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, bitSize) // e.g. "1.5e+07"
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}
