package config

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// LegacyConfigFileName is the flat configuration file of Flink 1.x.
const LegacyConfigFileName = "flink-conf.yaml"

// ParseLegacyFlinkConf reads a Flink 1.x flink-conf.yaml: one "key: value" per line,
// split at the first ": ", everything from '#' on a comment (even inside a value, as in
// Flink). Lines Flink would skip with a warning (no ": ", empty key or value) are
// skipped; ParseLegacyFlinkConfWithWarnings reports them.
func ParseLegacyFlinkConf(data []byte) (*Configuration, error) {
	c, _ := ParseLegacyFlinkConfWithWarnings(data)
	return c, nil
}

// ParseLegacyFlinkConfWithWarnings is ParseLegacyFlinkConf that also returns one
// message per skipped line, for a CLI to print.
func ParseLegacyFlinkConfWithWarnings(data []byte) (*Configuration, []string) {
	c := New()
	var warnings []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), len(data)+1)
	for line := 1; sc.Scan(); line++ {
		content, _, _ := strings.Cut(sc.Text(), "#")
		content = strings.TrimSpace(content)
		if content == "" {
			continue
		}
		key, value, ok := strings.Cut(content, ": ")
		if !ok {
			warnings = append(warnings, fmt.Sprintf("line %d: skipped %q: not a \"key: value\" pair (a space must follow the colon)", line, content))
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if key == "" || value == "" {
			warnings = append(warnings, fmt.Sprintf("line %d: skipped %q: the key or the value is empty", line, content))
			continue
		}
		c.SetString(key, value)
	}
	return c, warnings
}
