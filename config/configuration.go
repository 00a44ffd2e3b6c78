package config

import (
	"maps"
	"slices"
	"strings"
	"sync"
)

// Configuration is a flat map from option keys to raw string values, the shape of
// Flink's own Configuration. Typed access goes through Option values (Get, Set); the
// raw methods here never interpret a value, so unknown keys pass through untouched.
//
// A Configuration is safe for concurrent use: the JobManager, the resource manager
// and the simulated TaskManagers of one scenario may share one.
type Configuration struct {
	mu   sync.RWMutex
	data map[string]string
}

// New returns an empty Configuration.
func New() *Configuration {
	return &Configuration{data: map[string]string{}}
}

// FromMap returns a Configuration holding a copy of m.
func FromMap(m map[string]string) *Configuration {
	c := &Configuration{data: make(map[string]string, len(m))}
	maps.Copy(c.data, m)
	return c
}

// Clone returns an independent copy of c.
func (c *Configuration) Clone() *Configuration {
	return FromMap(c.ToMap())
}

// SetString stores value under key as given.
func (c *Configuration) SetString(key, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.data == nil {
		c.data = map[string]string{}
	}
	c.data[key] = value
}

// GetString returns the raw value stored under exactly key. It consults no fallback,
// deprecated key or default; use Get with an Option for that.
func (c *Configuration) GetString(key string) (string, bool) {
	if c == nil {
		return "", false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.data[key]
	return v, ok
}

// Remove deletes key and reports whether it was present.
func (c *Configuration) Remove(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.data[key]
	delete(c.data, key)
	return ok
}

// Keys returns every key, sorted.
func (c *Configuration) Keys() []string {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return slices.Sorted(maps.Keys(c.data))
}

// Len returns the number of keys.
func (c *Configuration) Len() int {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.data)
}

// ToMap returns a copy of the key/value pairs.
func (c *Configuration) ToMap() map[string]string {
	if c == nil {
		return map[string]string{}
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return maps.Clone(c.data)
}

// AddAll copies every entry of other into c; on equal keys other's value wins, which is
// how -D overrides are laid over the file configuration.
func (c *Configuration) AddAll(other *Configuration) {
	// Snapshot first: other may be c itself, and holding both locks could deadlock.
	entries := other.ToMap()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.data == nil {
		c.data = make(map[string]string, len(entries))
	}
	maps.Copy(c.data, entries)
}

// PrefixMap returns the entries whose key starts with prefix, keyed by the rest of the
// key. This is how Flink reads prefix options such as containerized.master.env.<NAME>.
// An entry whose key is exactly prefix has no name and is left out.
func PrefixMap(c *Configuration, prefix string) map[string]string {
	out := map[string]string{}
	if c == nil {
		return out
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	for k, v := range c.data {
		if name, ok := strings.CutPrefix(k, prefix); ok && name != "" {
			out[name] = v
		}
	}
	return out
}

// removePrefixed deletes every key that starts with prefix and reports whether any did.
func (c *Configuration) removePrefixed(prefix string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	removed := false
	for k := range c.data {
		if strings.HasPrefix(k, prefix) {
			delete(c.data, k)
			removed = true
		}
	}
	return removed
}
