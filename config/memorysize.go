package config

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// MemorySize is a number of bytes, written and parsed in Flink's memory syntax.
type MemorySize int64

// Common sizes.
const (
	Byte     MemorySize = 1
	Kibibyte            = 1024 * Byte
	Mebibyte            = 1024 * Kibibyte
	Gibibyte            = 1024 * Mebibyte
	Tebibyte            = 1024 * Gibibyte
)

// MaxMemorySize is the largest size; Flink uses it as "unbounded".
const MaxMemorySize MemorySize = math.MaxInt64

// memoryUnit is one of Flink's memory units; labels[1] is the one Flink writes.
type memoryUnit struct {
	size   MemorySize
	labels []string
}

// memoryUnits is ordered from the smallest unit up, as formatting needs it.
var memoryUnits = []memoryUnit{
	{Byte, []string{"b", "bytes"}},
	{Kibibyte, []string{"k", "kb", "kibibytes"}},
	{Mebibyte, []string{"m", "mb", "mebibytes"}},
	{Gibibyte, []string{"g", "gb", "gibibytes"}},
	{Tebibyte, []string{"t", "tb", "tebibytes"}},
}

const memoryExpectation = "expected a memory size such as 1728m, 1g or 1024 mb (a bare number is bytes)"

// ParseMemorySize parses Flink's memory syntax: a non-negative whole number, optional
// whitespace, and an optional case-insensitive unit (b, k/kb, m/mb, g/gb, t/tb or the
// long forms). Units are binary: 1k = 1024 bytes. A bare number is bytes.
func ParseMemorySize(s string) (MemorySize, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, invalid(s, "%s; the value is empty", memoryExpectation)
	}
	digits := leadingDigits(t)
	if digits == "" {
		return 0, invalid(s, "%s; it must start with a whole number", memoryExpectation)
	}
	label := strings.ToLower(strings.TrimSpace(t[len(digits):]))
	unit := Byte
	if label != "" {
		u, ok := lookupMemoryUnit(label)
		if !ok {
			return 0, invalid(s, "%s; unknown unit %q (accepted: b|bytes, k|kb|kibibytes, m|mb|mebibytes, g|gb|gibibytes, t|tb|tebibytes)", memoryExpectation, label)
		}
		unit = u
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > int64(MaxMemorySize/unit) {
		return 0, invalid(s, "%s; it does not fit in 64 bits of bytes", memoryExpectation)
	}
	return MemorySize(n) * unit, nil
}

func lookupMemoryUnit(label string) (MemorySize, bool) {
	for _, u := range memoryUnits {
		for _, l := range u.labels {
			if l == label {
				return u.size, true
			}
		}
	}
	return 0, false
}

// Bytes returns the size in bytes.
func (m MemorySize) Bytes() int64 { return int64(m) }

// MiB returns the size in whole mebibytes, rounded down, as Flink computes pod memory.
func (m MemorySize) MiB() int64 { return int64(m) >> 20 }

// String writes the size as Flink does: in the largest unit that divides it exactly,
// e.g. "1728 mb", "1 gb", "100 bytes". Like Flink, a size that every unit up to
// tebibytes divides (zero, whole tebibytes) is written in bytes; it parses back to
// the same value.
func (m MemorySize) String() string {
	unit := memoryUnits[0]
	for i, u := range memoryUnits {
		if int64(m)%int64(u.size) != 0 {
			break
		}
		if i == len(memoryUnits)-1 {
			unit = memoryUnits[0]
			break
		}
		unit = u
	}
	return strconv.FormatInt(int64(m)/int64(unit.size), 10) + " " + unit.labels[1]
}

// multiplyFloor returns floor(m × factor) the way Flink's MemorySize.multiply does it:
// the factor enters as its shortest decimal form (Java's BigDecimal.valueOf), so
// fractions given as Float (0.1f = 0.10000000149011612) yield Flink's exact figures.
func (m MemorySize) multiplyFloor(factor float64) (MemorySize, bool) {
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(factor, 'g', -1, 64))
	if !ok || r.Sign() < 0 {
		return 0, false
	}
	r.Mul(r, new(big.Rat).SetInt64(int64(m)))
	q := new(big.Int).Quo(r.Num(), r.Denom())
	if !q.IsInt64() {
		return 0, false
	}
	return MemorySize(q.Int64()), true
}
