package config

import (
	"errors"
	"slices"
	"time"
)

// Option is a typed configuration option: a key, an optional default, the other keys
// that are consulted when the key is absent (fallback and deprecated keys, in lookup
// order), a description, and how values are parsed and written.
//
// Options are values; the With methods return modified copies, so package-level
// options can be derived from one another without aliasing.
type Option[T any] struct {
	key         string
	typeName    string
	def         T
	hasDefault  bool
	alternates  []alternateKey
	description string
	parse       func(string) (T, error)
	format      func(T) string
	// fromPrefix is set for map options: like Flink, they may also be given as one
	// entry per map key, "<key>.<name>: value", which is what nested YAML flattens to.
	fromPrefix func(map[string]string) T
}

// alternateKey is a key consulted when the main key is absent.
type alternateKey struct {
	key        string
	deprecated bool
}

// Key returns the option's main key.
func (o Option[T]) Key() string { return o.key }

// Description says what the option is for.
func (o Option[T]) Description() string { return o.description }

// Default returns the default value and whether there is one.
func (o Option[T]) Default() (T, bool) { return o.def, o.hasDefault }

// FallbackKeys returns the fallback keys, in lookup order.
func (o Option[T]) FallbackKeys() []string { return o.alternateKeys(false) }

// DeprecatedKeys returns the deprecated keys, in lookup order.
func (o Option[T]) DeprecatedKeys() []string { return o.alternateKeys(true) }

// AlternateKeys returns every fallback and deprecated key in the order they are
// consulted when the main key is absent.
func (o Option[T]) AlternateKeys() []string {
	keys := make([]string, len(o.alternates))
	for i, a := range o.alternates {
		keys[i] = a.key
	}
	return keys
}

func (o Option[T]) alternateKeys(deprecated bool) []string {
	var keys []string
	for _, a := range o.alternates {
		if a.deprecated == deprecated {
			keys = append(keys, a.key)
		}
	}
	return keys
}

// WithDefault returns a copy of o with default v.
func (o Option[T]) WithDefault(v T) Option[T] {
	o.def, o.hasDefault = v, true
	return o
}

// WithDescription returns a copy of o with the given description.
func (o Option[T]) WithDescription(d string) Option[T] {
	o.description = d
	return o
}

// WithFallbackKeys returns a copy of o that consults keys when its main key is absent.
// As in Flink, fallback keys are consulted before any deprecated keys declared earlier.
func (o Option[T]) WithFallbackKeys(keys ...string) Option[T] {
	added := make([]alternateKey, len(keys))
	for i, k := range keys {
		added[i] = alternateKey{key: k}
	}
	o.alternates = append(added, o.alternates...)
	return o
}

// WithDeprecatedKeys returns a copy of o that still accepts the older keys. As in
// Flink, deprecated keys are consulted after every key declared before them.
func (o Option[T]) WithDeprecatedKeys(keys ...string) Option[T] {
	o.alternates = slices.Clone(o.alternates)
	for _, k := range keys {
		o.alternates = append(o.alternates, alternateKey{key: k, deprecated: true})
	}
	return o
}

// withLookupOrder replaces the alternate keys by exactly alts, for the few options whose
// lookup order Flink does not derive from the declaration order.
func (o Option[T]) withLookupOrder(alts ...alternateKey) Option[T] {
	o.alternates = slices.Clone(alts)
	return o
}

func fallback(key string) alternateKey   { return alternateKey{key: key} }
func deprecated(key string) alternateKey { return alternateKey{key: key, deprecated: true} }

// Parse parses a raw value as this option would, naming the option's key in the error.
func (o Option[T]) Parse(raw string) (T, error) {
	v, err := o.parse(raw)
	return v, withKey(err, o.key, raw)
}

// Format writes v as Flink would write it into a configuration file.
func (o Option[T]) Format(v T) string { return o.format(v) }

// lookup finds the raw value: the main key, then the alternate keys in order; for map
// options each key may also be present as prefixed entries. It returns the key the
// value came from.
func (o Option[T]) lookup(c *Configuration) (key, raw string, prefixed map[string]string, found bool) {
	for _, k := range o.lookupKeys() {
		if v, ok := c.GetString(k); ok {
			return k, v, nil, true
		}
		if o.fromPrefix != nil {
			if m := PrefixMap(c, k+"."); len(m) > 0 {
				return k, "", m, true
			}
		}
	}
	return "", "", nil, false
}

func (o Option[T]) lookupKeys() []string {
	return append([]string{o.key}, o.AlternateKeys()...)
}

// Get returns the option's value: from the main key if present, else from the first
// alternate key present (see AlternateKeys for the order), else the default (the zero
// value when there is none). A value that does not parse is an error naming the key it
// was read from, the value and what is accepted.
func Get[T any](c *Configuration, o Option[T]) (T, error) {
	v, ok, err := GetOptional(c, o)
	if err != nil || ok {
		return v, err
	}
	return o.def, nil
}

// GetOptional is Get without the default: ok reports whether the value was present
// under the main key or an alternate key.
func GetOptional[T any](c *Configuration, o Option[T]) (value T, ok bool, err error) {
	key, raw, prefixed, found := o.lookup(c)
	if !found {
		return value, false, nil
	}
	if prefixed != nil {
		return o.fromPrefix(prefixed), true, nil
	}
	value, err = o.parse(raw)
	if err != nil {
		return value, false, withKey(err, key, raw)
	}
	return value, true, nil
}

// Set stores v under the option's main key, written as Flink writes it. For map
// options, entries given per map key ("<key>.<name>") are removed first so that they
// cannot shadow or mix with the new value.
func Set[T any](c *Configuration, o Option[T], v T) {
	if o.fromPrefix != nil {
		c.removePrefixed(o.key + ".")
	}
	c.SetString(o.key, o.format(v))
}

// IsExplicitlySet reports whether the option is present under its main key or any
// fallback or deprecated key (reference §2, §3.2: explicit configuration beats a pod
// template value, which beats the default).
func IsExplicitlySet[T any](c *Configuration, o Option[T]) bool {
	_, _, _, found := o.lookup(c)
	return found
}

// Unset removes the option under its main key and every alternate key (and, for map
// options, per-map-key entries), so that Get returns the default again. It reports
// whether anything was removed.
func Unset[T any](c *Configuration, o Option[T]) bool {
	removed := false
	for _, k := range o.lookupKeys() {
		if c.Remove(k) {
			removed = true
		}
		if o.fromPrefix != nil && c.removePrefixed(k+".") {
			removed = true
		}
	}
	return removed
}

// withKey names key in a parser's ValueError.
func withKey(err error, key, raw string) error {
	if err == nil {
		return nil
	}
	var ve *ValueError
	if errors.As(err, &ve) {
		return &ValueError{Key: key, Value: raw, Reason: ve.Reason}
	}
	return &ValueError{Key: key, Value: raw, Reason: err.Error()}
}

// --- constructors -----------------------------------------------------------------

func newOption[T any](key, typeName string, parse func(string) (T, error), format func(T) string) Option[T] {
	return Option[T]{key: key, typeName: typeName, parse: parse, format: format}
}

// StringOption declares a string option; any value is valid.
func StringOption(key string) Option[string] {
	return newOption(key, "String", func(s string) (string, error) { return s, nil }, func(s string) string { return s })
}

// IntOption declares a 32-bit integer option (Flink's Integer).
func IntOption(key string) Option[int] {
	return newOption(key, "Integer", parseInt, func(v int) string { return itoa(int64(v)) })
}

// LongOption declares a 64-bit integer option (Flink's Long).
func LongOption(key string) Option[int64] {
	return newOption(key, "Long", parseLong, itoa)
}

// DoubleOption declares a floating-point option (Flink's Double).
func DoubleOption(key string) Option[float64] {
	return newOption(key, "Double", parseDouble, FormatDouble)
}

// FloatOption declares a single-precision option (Flink's Float). The precision
// matters: Flink's memory fractions are Floats, and their exact binary value shapes
// the derived memory sizes.
func FloatOption(key string) Option[float32] {
	return newOption(key, "Float", parseFloat, func(v float32) string { return formatJavaFloat(float64(v), 32) })
}

// BoolOption declares a boolean option (true/false, case-insensitive).
func BoolOption(key string) Option[bool] {
	return newOption(key, "Boolean", parseBool, func(v bool) string {
		if v {
			return "true"
		}
		return "false"
	})
}

// DurationOption declares a duration option in Flink's syntax ("30 s", "5 min").
func DurationOption(key string) Option[time.Duration] {
	return newOption(key, "Duration", ParseDuration, FormatDuration)
}

// MemoryOption declares a memory size option in Flink's syntax ("1728m").
func MemoryOption(key string) Option[MemorySize] {
	return newOption(key, "MemorySize", ParseMemorySize, MemorySize.String)
}

// MapOption declares a map option ("k1:v1,k2:v2", or one "<key>.<name>" entry per map
// key).
func MapOption(key string) Option[map[string]string] {
	o := newOption(key, "Map", ParseMap, FormatMap)
	o.fromPrefix = func(m map[string]string) map[string]string { return m }
	return o
}

// ListOption declares a list-of-strings option (";"-separated).
func ListOption(key string) Option[[]string] {
	return newOption(key, "List<String>", parseList, FormatList)
}

// ListOfMapsOption declares a list-of-maps option (maps separated by ";").
func ListOfMapsOption(key string) Option[[]map[string]string] {
	return newOption(key, "List<Map>", ParseListOfMaps, FormatListOfMaps)
}

// EnumOption declares an option whose value is one of values, matched
// case-insensitively and written in the spelling given here.
func EnumOption[T ~string](key string, values ...T) Option[T] {
	return newOption(key, "Enum", func(s string) (T, error) { return parseEnum(s, values) }, func(v T) string { return string(v) })
}
