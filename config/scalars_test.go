package config

import (
	"math"
	"strings"
	"testing"
)

func TestParseScalars(t *testing.T) {
	ints := []struct {
		in      string
		want    int
		wantErr string
	}{
		{"42", 42, ""},
		{" -7 ", -7, ""},
		{"+3", 3, ""},
		{"2147483647", math.MaxInt32, ""},
		{"2147483648", 0, "between -2147483648 and 2147483647"},
		{"abc", 0, "expected an integer"},
		{"1.5", 0, "expected an integer"},
		{"", 0, "expected an integer"},
		{"1_000", 0, "expected an integer"},
	}
	for _, tc := range ints {
		got, err := parseInt(tc.in)
		checkParse(t, "parseInt", tc.in, got, tc.want, err, tc.wantErr)
	}

	doubles := []struct {
		in      string
		want    float64
		wantErr string
	}{
		{"1", 1, ""},
		{"1.5", 1.5, ""},
		{" 2.5 ", 2.5, ""},
		{"-1.0", -1, ""},
		{"1e3", 1000, ""},
		{"1.5d", 1.5, ""},
		{"2f", 2, ""},
		{"one", 0, "expected a number"},
		{"", 0, "expected a number"},
	}
	for _, tc := range doubles {
		got, err := parseDouble(tc.in)
		checkParse(t, "parseDouble", tc.in, got, tc.want, err, tc.wantErr)
	}

	bools := []struct {
		in      string
		want    bool
		wantErr string
	}{
		{"true", true, ""},
		{"TRUE", true, ""},
		{" False ", false, ""},
		{"yes", false, "expected true or false"},
		{"1", false, "expected true or false"},
	}
	for _, tc := range bools {
		got, err := parseBool(tc.in)
		checkParse(t, "parseBool", tc.in, got, tc.want, err, tc.wantErr)
	}

	longs := []struct {
		in      string
		want    int64
		wantErr string
	}{
		{"9223372036854775807", math.MaxInt64, ""},
		{"9223372036854775808", 0, "between"},
		{"x", 0, "expected an integer"},
	}
	for _, tc := range longs {
		got, err := parseLong(tc.in)
		checkParse(t, "parseLong", tc.in, got, tc.want, err, tc.wantErr)
	}

	f, err := parseFloat("0.1")
	if err != nil || f != float32(0.1) {
		t.Errorf("parseFloat(0.1) = %v, %v", f, err)
	}
	if _, err := parseFloat("a tenth"); err == nil || !strings.Contains(err.Error(), "expected a number") {
		t.Errorf("parseFloat(a tenth) error = %v", err)
	}
}

func checkParse[T comparable](t *testing.T, fn, in string, got, want T, err error, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%s(%q) error = %v, want it to contain %q", fn, in, err, wantErr)
		}
		return
	}
	if err != nil || got != want {
		t.Errorf("%s(%q) = %v, %v; want %v", fn, in, got, err, want)
	}
}

func TestFormatDoubleLikeJava(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{1, "1.0"},
		{1.5, "1.5"},
		{0.5, "0.5"},
		{-1, "-1.0"},
		{0, "0.0"},
		{100, "100.0"},
		{0.001, "0.001"},
		{0.0001, "1.0E-4"},
		{1e7, "1.0E7"},
		{1.25e7, "1.25E7"},
		{9999999, "9999999.0"},
		{math.Inf(1), "Infinity"},
		{math.NaN(), "NaN"},
	} {
		if got := FormatDouble(tc.in); got != tc.want {
			t.Errorf("FormatDouble(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := formatJavaFloat(float64(float32(0.4)), 32); got != "0.4" {
		t.Errorf("Float 0.4 formats as %q, want 0.4 (Java Float.toString)", got)
	}
}
