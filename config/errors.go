package config

import "fmt"

// ValueError reports a value that does not parse as what its option expects. It names
// the key the value was read from (which may be a fallback or deprecated key), the
// value, and what would have been accepted.
type ValueError struct {
	// Key is the configuration key the value came from; empty when a value was parsed
	// on its own (ParseDuration, ParseMemorySize, ...).
	Key string
	// Value is the raw text that was rejected.
	Value string
	// Reason says what is accepted, and why the value is not.
	Reason string
}

func (e *ValueError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("invalid value %q: %s", e.Value, e.Reason)
	}
	return fmt.Sprintf("%s: invalid value %q: %s", e.Key, e.Value, e.Reason)
}

// invalid builds the key-less ValueError the parsers return; Get fills in the key.
func invalid(value, format string, args ...any) *ValueError {
	return &ValueError{Value: value, Reason: fmt.Sprintf(format, args...)}
}
