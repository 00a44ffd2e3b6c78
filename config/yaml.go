package config

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// ConfigFileName is the configuration file of Flink 2.0, in standard YAML.
const ConfigFileName = "config.yaml"

// Limits against hostile documents: aliases can make a small file expand enormously.
const (
	maxYAMLDepth   = 64
	maxYAMLEntries = 100_000
)

// ParseYAML reads config.yaml: nested mappings are flattened with "." (so
// "kubernetes: {cluster-id: x}" and "kubernetes.cluster-id: x" mean the same); a
// scalar keeps the text it was written with; a list becomes Flink's ';'-separated
// string and a map inside a list Flink's "k:v,k:v" string. When two entries flatten
// to the same key, the later one in the document wins. A key without a value is an
// error, as it is in Flink.
func ParseYAML(data []byte) (*Configuration, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	c := New()
	if doc.Kind == 0 || len(doc.Content) == 0 { // empty file
		return c, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" { // only comments
		return c, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: the top level must be a mapping of keys to values, not %s", root.Line, kindName(root))
	}
	f := flattener{out: c}
	if err := f.mapping(root, "", 0); err != nil {
		return nil, err
	}
	return c, nil
}

type flattener struct {
	out     *Configuration
	entries int
}

func (f *flattener) mapping(n *yaml.Node, prefix string, depth int) error {
	if depth > maxYAMLDepth {
		return fmt.Errorf("line %d: nested deeper than %d levels", n.Line, maxYAMLDepth)
	}
	// Merge keys ("<<: *base") go first so that the mapping's own keys override them.
	for pass := 0; pass < 2; pass++ {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], resolveAlias(n.Content[i+1])
			isMerge := k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge"
			if isMerge != (pass == 0) {
				continue
			}
			if isMerge {
				if err := f.merge(v, prefix, depth); err != nil {
					return err
				}
				continue
			}
			name, err := keyText(k)
			if err != nil {
				return err
			}
			if err := f.value(v, prefix+name, depth); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *flattener) merge(v *yaml.Node, prefix string, depth int) error {
	switch v.Kind {
	case yaml.MappingNode:
		return f.mapping(v, prefix, depth+1)
	case yaml.SequenceNode:
		for _, item := range v.Content {
			if item = resolveAlias(item); item.Kind != yaml.MappingNode {
				return fmt.Errorf("line %d: a merge key (<<) must refer to mappings", item.Line)
			}
			if err := f.mapping(item, prefix, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("line %d: a merge key (<<) must refer to a mapping", v.Line)
}

func (f *flattener) value(v *yaml.Node, key string, depth int) error {
	switch v.Kind {
	case yaml.MappingNode:
		return f.mapping(v, key+".", depth+1)
	case yaml.SequenceNode:
		s, err := renderSequence(v, key)
		if err != nil {
			return err
		}
		return f.set(key, s, v)
	case yaml.ScalarNode:
		if v.ShortTag() == "!!null" {
			return fmt.Errorf("line %d: key %q has no value; give it one or remove the line", v.Line, key)
		}
		return f.set(key, v.Value, v)
	}
	return fmt.Errorf("line %d: unsupported YAML node for key %q", v.Line, key)
}

func (f *flattener) set(key, value string, n *yaml.Node) error {
	if f.entries++; f.entries > maxYAMLEntries {
		return fmt.Errorf("line %d: more than %d entries (are aliases expanding endlessly?)", n.Line, maxYAMLEntries)
	}
	f.out.SetString(key, value)
	return nil
}

// renderSequence writes a YAML list in Flink's list syntax: elements joined by ';',
// a mapping element as "k:v,k:v", quoting as Flink does.
func renderSequence(n *yaml.Node, key string) (string, error) {
	parts := make([]string, 0, len(n.Content))
	for _, item := range n.Content {
		item = resolveAlias(item)
		switch {
		case item.Kind == yaml.ScalarNode && item.ShortTag() != "!!null":
			parts = append(parts, escapeElement(item.Value, ";"))
		case item.Kind == yaml.MappingNode:
			m, err := renderInlineMapping(item, key)
			if err != nil {
				return "", err
			}
			parts = append(parts, escapeElement(m, ";"))
		default:
			return "", fmt.Errorf("line %d: list %q may hold only values and key/value mappings, not %s", item.Line, key, kindName(item))
		}
	}
	return strings.Join(parts, ";"), nil
}

func renderInlineMapping(n *yaml.Node, key string) (string, error) {
	pairs := make([]string, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolveAlias(n.Content[i+1])
		name, err := keyText(k)
		if err != nil {
			return "", err
		}
		if v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" {
			return "", fmt.Errorf("line %d: in list %q, %q must have a plain value, not %s", v.Line, key, name, kindName(v))
		}
		pairs = append(pairs, formatPair(name, v.Value))
	}
	return strings.Join(pairs, ","), nil
}

func keyText(k *yaml.Node) (string, error) {
	k = resolveAlias(k)
	if k.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("line %d: keys must be plain text, not %s", k.Line, kindName(k))
	}
	if k.ShortTag() == "!!null" {
		return "", fmt.Errorf("line %d: empty key", k.Line)
	}
	return k.Value, nil
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < maxYAMLDepth; i++ {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "an empty value"
		}
		return "a value"
	case yaml.AliasNode:
		return "an alias"
	}
	return "an unknown node"
}

// MarshalYAML writes c as standard nested YAML, as Flink 2.0 writes config.yaml: keys
// split at "." into nested mappings, sorted, every value a string. Output is
// deterministic and parses back (ParseYAML) to exactly c. Where a key is both a value
// and the prefix of other keys ("a: x" and "a.b: y"), the longer keys stay flat at
// that level ("a.b: y"), and keys with empty segments ("a..b") stay flat at the top.
func (c *Configuration) MarshalYAML() ([]byte, error) {
	root := &trieNode{}
	var flat [][2]string
	for k, v := range c.ToMap() {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, fmt.Errorf("key %q: keys and values must be valid UTF-8 to be written as YAML", k)
		}
		segments := strings.Split(k, ".")
		if slices.Contains(segments, "") {
			flat = append(flat, [2]string{k, v})
			continue
		}
		root.insert(segments, v)
	}
	m := &yaml.Node{Kind: yaml.MappingNode}
	root.emit(m, "")
	for _, kv := range flat {
		m.Content = append(m.Content, strNode(kv[0]), strNode(kv[1]))
	}
	sortPairs(m)

	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("writing YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("writing YAML: %w", err)
	}
	return buf.Bytes(), nil
}

type trieNode struct {
	value    *string
	children map[string]*trieNode
}

func (t *trieNode) insert(segments []string, v string) {
	for _, s := range segments {
		if t.children == nil {
			t.children = map[string]*trieNode{}
		}
		child, ok := t.children[s]
		if !ok {
			child = &trieNode{}
			t.children[s] = child
		}
		t = child
	}
	t.value = &v
}

// emit appends t's children to the mapping m, their keys prefixed by keyPrefix.
func (t *trieNode) emit(m *yaml.Node, keyPrefix string) {
	for name, child := range t.children {
		key := keyPrefix + name
		if child.value != nil {
			m.Content = append(m.Content, strNode(key), strNode(*child.value))
		}
		if len(child.children) == 0 {
			continue
		}
		if child.value != nil {
			child.emit(m, key+".") // the key already holds a value: stay flat
			continue
		}
		sub := &yaml.Node{Kind: yaml.MappingNode}
		child.emit(sub, "")
		sortPairs(sub)
		m.Content = append(m.Content, strNode(key), sub)
	}
}

func strNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// sortPairs orders a mapping's key/value pairs by key.
func sortPairs(m *yaml.Node) {
	pairs := make([][2]*yaml.Node, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		pairs = append(pairs, [2]*yaml.Node{m.Content[i], m.Content[i+1]})
	}
	slices.SortFunc(pairs, func(a, b [2]*yaml.Node) int { return cmp.Compare(a[0].Value, b[0].Value) })
	m.Content = m.Content[:0]
	for _, p := range pairs {
		m.Content = append(m.Content, p[0], p[1])
	}
}
