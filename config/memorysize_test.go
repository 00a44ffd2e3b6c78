package config

import (
	"strings"
	"testing"
)

func TestParseMemorySize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want MemorySize
	}{
		{"1728m", 1728 * Mebibyte},
		{"1g", Gibibyte},
		{"1024 mb", Gibibyte},
		{"100b", 100},
		{"100 bytes", 100},
		{"100", 100},
		{"64K", 64 * Kibibyte},
		{"2 kibibytes", 2 * Kibibyte},
		{"3 mebibytes", 3 * Mebibyte},
		{"1 GB", Gibibyte},
		{"2 gibibytes", 2 * Gibibyte},
		{"1t", Tebibyte},
		{"1 tebibytes", Tebibyte},
		{" 0 ", 0},
		{"9223372036854775807", MaxMemorySize},
	} {
		got, err := ParseMemorySize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseMemorySize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseMemorySizeErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "the value is empty"},
		{"m", "must start with a whole number"},
		{"-1m", "must start with a whole number"},
		{"1.5g", `unknown unit ".5g"`},
		{"10 MiB", `unknown unit "mib"`},
		{"9999999999t", "does not fit in 64 bits"},
		{"99999999999999999999", "does not fit in 64 bits"},
	} {
		_, err := ParseMemorySize(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "expected a memory size") {
			t.Errorf("ParseMemorySize(%q) error = %v, want it to contain %q and say what is accepted", tc.in, err, tc.want)
		}
	}
}

func TestMemorySizeStringAndMiB(t *testing.T) {
	for _, tc := range []struct {
		in   MemorySize
		want string
	}{
		{1728 * Mebibyte, "1728 mb"},
		{Gibibyte, "1 gb"},
		{100, "100 bytes"},
		{64 * Kibibyte, "64 kb"},
		{1536 * Kibibyte, "1536 kb"},
		{3 * Tebibyte / 2, "1536 gb"},
		// Flink writes sizes that every unit divides in bytes.
		{0, "0 bytes"},
		{Tebibyte, "1099511627776 bytes"},
		{MaxMemorySize, "9223372036854775807 bytes"},
	} {
		got := tc.in.String()
		if got != tc.want {
			t.Errorf("MemorySize(%d).String() = %q, want %q", int64(tc.in), got, tc.want)
		}
		back, err := ParseMemorySize(got)
		if err != nil || back != tc.in {
			t.Errorf("ParseMemorySize(%q) = %d, %v; want %d", got, back, err, tc.in)
		}
	}
	if got := (1728*Mebibyte + 1023).MiB(); got != 1728 {
		t.Errorf("MiB() = %d, want 1728 (rounded down)", got)
	}
	if got := (1728 * Mebibyte).Bytes(); got != 1811939328 {
		t.Errorf("Bytes() = %d", got)
	}
}

func TestMultiplyFloorUsesShortestDecimal(t *testing.T) {
	// 0.1f widened to double is 0.10000000149011612: Flink's network memory for a
	// 1280m Flink memory is 2 bytes above 128m because of it.
	got, ok := (1280 * Mebibyte).multiplyFloor(float64(float32(0.1)))
	if !ok || got != 134217730 {
		t.Fatalf("multiplyFloor = %d, %v; want 134217730", got, ok)
	}
	if got, _ := (1811939328 * Byte).multiplyFloor(0.1); got != 181193932 {
		t.Fatalf("multiplyFloor(0.1) = %d, want 181193932", got)
	}
	if _, ok := MaxMemorySize.multiplyFloor(2); ok {
		t.Fatal("overflow must be reported")
	}
}
