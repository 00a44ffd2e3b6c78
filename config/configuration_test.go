package config

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
)

func TestConfigurationRawAccess(t *testing.T) {
	c := New()
	c.SetString("b", "2")
	c.SetString("a", "1")
	c.SetString("unknown.key.of.someone.else", "kept")

	if v, ok := c.GetString("a"); !ok || v != "1" {
		t.Fatalf("GetString(a) = %q, %v", v, ok)
	}
	if _, ok := c.GetString("missing"); ok {
		t.Fatal("GetString(missing) reported present")
	}
	if got, want := c.Keys(), []string{"a", "b", "unknown.key.of.someone.else"}; !slices.Equal(got, want) {
		t.Fatalf("Keys() = %v, want %v", got, want)
	}
	if c.Len() != 3 {
		t.Fatalf("Len() = %d", c.Len())
	}
	if !c.Remove("a") || c.Remove("a") {
		t.Fatal("Remove must report presence exactly once")
	}
	m := c.ToMap()
	m["b"] = "changed"
	if v, _ := c.GetString("b"); v != "2" {
		t.Fatal("ToMap must return a copy")
	}
}

func TestFromMapAndCloneAreIndependent(t *testing.T) {
	src := map[string]string{"k": "v"}
	c := FromMap(src)
	src["k"] = "changed"
	if v, _ := c.GetString("k"); v != "v" {
		t.Fatal("FromMap must copy its input")
	}
	d := c.Clone()
	d.SetString("k", "clone")
	if v, _ := c.GetString("k"); v != "v" {
		t.Fatal("Clone must be independent")
	}
}

func TestAddAllOtherWins(t *testing.T) {
	c := FromMap(map[string]string{"a": "file", "b": "file"})
	c.AddAll(FromMap(map[string]string{"b": "dynamic", "c": "dynamic"}))
	want := map[string]string{"a": "file", "b": "dynamic", "c": "dynamic"}
	if got := c.ToMap(); !maps.Equal(got, want) {
		t.Fatalf("AddAll = %v, want %v", got, want)
	}
	c.AddAll(c) // must not deadlock
	c.AddAll(nil)
	if got := c.ToMap(); !maps.Equal(got, want) {
		t.Fatalf("AddAll(self/nil) changed c: %v", got)
	}
}

func TestZeroAndNilConfiguration(t *testing.T) {
	var zero Configuration
	zero.SetString("k", "v")
	if v, ok := zero.GetString("k"); !ok || v != "v" {
		t.Fatal("zero Configuration must be usable")
	}
	var nilConf *Configuration
	if _, ok := nilConf.GetString("k"); ok || nilConf.Len() != 0 || len(nilConf.Keys()) != 0 || len(nilConf.ToMap()) != 0 {
		t.Fatal("reads of a nil Configuration must see an empty one")
	}
	if v, err := Get(nilConf, KubernetesNamespace); err != nil || v != "default" {
		t.Fatalf("Get on nil = %q, %v; want the default", v, err)
	}
}

func TestPrefixMap(t *testing.T) {
	c := FromMap(map[string]string{
		"containerized.master.env.FOO":                     "bar",
		"containerized.master.env.ENABLE_BUILT_IN_PLUGINS": "a.jar;b.jar",
		"containerized.master.env.":                        "nameless",
		"containerized.taskmanager.env.FOO":                "tm",
	})
	got := PrefixMap(c, ContainerizedMasterEnvPrefix)
	want := map[string]string{"FOO": "bar", "ENABLE_BUILT_IN_PLUGINS": "a.jar;b.jar"}
	if !maps.Equal(got, want) {
		t.Fatalf("PrefixMap = %v, want %v", got, want)
	}
	if got := PrefixMap(nil, "x."); len(got) != 0 {
		t.Fatalf("PrefixMap(nil) = %v", got)
	}
}

func TestConfigurationConcurrentUse(t *testing.T) {
	c := New()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 100 {
				key := fmt.Sprintf("k%d.%d", i, j)
				c.SetString(key, "v")
				c.GetString(key)
				_ = c.Keys()
				_, _ = Get(c, KubernetesJobManagerReplicas)
				c.AddAll(FromMap(map[string]string{"shared": key}))
				_ = c.Clone()
			}
		}()
	}
	wg.Wait()
	if c.Len() != 8*100+1 {
		t.Fatalf("Len() = %d", c.Len())
	}
}
