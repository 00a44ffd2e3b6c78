package config

import (
	"cmp"
	"slices"
	"strconv"
)

// Descriptor describes a declared option without its Go type, for documentation,
// validation and tests.
type Descriptor struct {
	Key            string
	Type           string
	Default        string // written as Flink writes it; empty when HasDefault is false
	HasDefault     bool
	FallbackKeys   []string
	DeprecatedKeys []string
	// LookupOrder lists every alternate key in the order it is consulted.
	LookupOrder []string
	Description string
}

// Describe returns o's Descriptor.
func (o Option[T]) Describe() Descriptor {
	d := Descriptor{
		Key:            o.key,
		Type:           o.typeName,
		HasDefault:     o.hasDefault,
		FallbackKeys:   o.FallbackKeys(),
		DeprecatedKeys: o.DeprecatedKeys(),
		LookupOrder:    o.AlternateKeys(),
		Description:    o.description,
	}
	if o.hasDefault {
		d.Default = o.format(o.def)
	}
	return d
}

// registry holds the options this package declares. It is written only while the
// package-level option variables are initialised and read-only afterwards.
var registry []Descriptor

// register records a package-level option in the registry and returns it unchanged.
func register[T any](o Option[T]) Option[T] {
	registry = append(registry, o.Describe())
	return o
}

// Options returns the descriptors of every option this package declares, sorted by key.
func Options() []Descriptor {
	out := slices.Clone(registry)
	slices.SortFunc(out, func(a, b Descriptor) int { return cmp.Compare(a.Key, b.Key) })
	return out
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
