// Package config is Flink's configuration as the Kubernetes integration sees it:
// typed options (key, type, default, fallback and deprecated keys), config.yaml in
// nested and flat form and the legacy flink-conf.yaml, -Dkey=value overrides, Flink's
// value syntax (durations, memory sizes, maps, lists) and the memory model. Errors name
// the key, the value and what is accepted.
package config
