package config

import (
	"maps"
	"strings"
	"testing"
)

func TestParseLegacyFlinkConf(t *testing.T) {
	doc := `# Flink 1.x configuration
jobmanager.rpc.address: localhost
jobmanager.rpc.port: 6123   # trailing comment
taskmanager.memory.process.size: 1728m
env.java.opts: -Dfoo=bar # a '#' always starts a comment, even in a value
kubernetes.jobmanager.labels: a:1,b:2
  indented.key: kept
no-space-after-colon:value
empty.value:` + " " + `
: no key
url: http://example.com:8080/path
windows.line: x` + "\r\n" + `last.line: without newline`
	c, warnings := ParseLegacyFlinkConfWithWarnings([]byte(doc))
	want := map[string]string{
		"jobmanager.rpc.address":          "localhost",
		"jobmanager.rpc.port":             "6123",
		"taskmanager.memory.process.size": "1728m",
		"env.java.opts":                   "-Dfoo=bar",
		"kubernetes.jobmanager.labels":    "a:1,b:2",
		"indented.key":                    "kept",
		"url":                             "http://example.com:8080/path",
		"windows.line":                    "x",
		"last.line":                       "without newline",
	}
	if got := c.ToMap(); !maps.Equal(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if len(warnings) != 3 {
		t.Fatalf("warnings = %q, want 3 (missing space, empty value, empty key)", warnings)
	}
	if !strings.Contains(warnings[0], "line 8") || !strings.Contains(warnings[0], "space must follow the colon") {
		t.Errorf("warning = %q", warnings[0])
	}
	plain, err := ParseLegacyFlinkConf([]byte(doc))
	if err != nil || !maps.Equal(plain.ToMap(), want) {
		t.Errorf("ParseLegacyFlinkConf = %v, %v", plain.ToMap(), err)
	}
	if v, err := Get(c, EnvJavaOptsAll); err != nil || v != "-Dfoo=bar" {
		t.Errorf("deprecated env.java.opts read through env.java.opts.all: %q %v", v, err)
	}
}
