// Package config is Flink's configuration as the Kubernetes integration sees it:
// typed options (key, type, default, fallback and deprecated keys), config.yaml in
// nested and flat form and the legacy flink-conf.yaml, -Dkey=value overrides, Flink's
// value syntax (durations, memory sizes, maps, lists) and the memory model. Errors name
// the key, the value and what is accepted.
//
// A Configuration is a flat key → string map; unknown keys pass through untouched.
// Options (options_*.go, one file per area) read it with Get, write it with Set (in the
// syntax Flink writes), and tell with IsExplicitlySet whether the user said anything,
// which decides pod-template precedence.
//
// Where this package knowingly differs from Flink, and why:
//
//   - "-Dkey" without '=' is an error; Flink's CLI silently sets key=true.
//   - A port option must be a single port in 0..65535 (FixedPort); Flink only rejects
//     what does not parse as an integer.
//   - A blank high-availability.type is an error; Flink would try to load a factory
//     class with an empty name.
//   - ResourceArgs are in sorted key order and a value holding shell syntax (several
//     external resources joined by ';') is single-quoted; Flink's order is a hash-map
//     accident and its value is unquoted inside a bash -c command line.
//   - ParseYAML keeps a scalar's text as written ("0123" stays "0123"), renders lists as
//     Flink's ';' syntax rather than YAML flow text, and reports a key without a value
//     as an error; the typed parsers accept both list syntaxes, so Flink reads the
//     result the same way.
//   - MarshalYAML writes every value as a YAML string; where a key is both a value and a
//     prefix of other keys it keeps the longer keys flat, so the file always parses back
//     to the same configuration.
//
// Not modelled: Flink's pre-1.x legacy memory keys (taskmanager.heap.size and the
// network buffer count), which Flink 2.0 no longer reads either.
package config
