package config

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	yaml "go.yaml.in/yaml/v3"
)

// Flink's structured values (lists, maps, lists of maps) are strings split on a
// delimiter, where an element may be wrapped in single or double quotes to carry the
// delimiter; inside quotes the quote character is doubled to stand for itself.
// Unquoted elements are trimmed. Flink 2.0 also accepts YAML flow syntax ("[a, b]",
// "{k: v}") for the same values, so both are read here.

type tokenKind int

const (
	tokenUnquoted tokenKind = iota
	tokenQuoted
	tokenDelimiter
)

type splitToken struct {
	kind tokenKind
	text string
	pos  int
}

// SplitEscaped splits s on delimiter with Flink's quoting rules: 'a;b' and "a;b" keep
// the delimiter, a doubled quote inside quotes is one quote, unquoted parts are trimmed. An
// empty string yields no elements; an empty element between two delimiters is kept,
// but a leading or trailing empty element is dropped, as in Flink.
func SplitEscaped(s string, delimiter rune) ([]string, error) {
	tokens, err := tokenize(s, delimiter)
	if err != nil {
		return nil, err
	}
	var parts []string
	for i, t := range tokens {
		switch t.kind {
		case tokenQuoted:
			if i+1 < len(tokens) && tokens[i+1].kind != tokenDelimiter {
				return nil, invalid(s, "text follows a closing quote at position %d; quote the whole element or put %q after the quote", tokens[i+1].pos, delimiter)
			}
			parts = append(parts, t.text)
		case tokenUnquoted:
			parts = append(parts, t.text)
		case tokenDelimiter:
			if i+1 < len(tokens) && tokens[i+1].kind == tokenDelimiter {
				parts = append(parts, "")
			}
		}
	}
	return parts, nil
}

func tokenize(s string, delimiter rune) ([]splitToken, error) {
	rs := []rune(s)
	var tokens []splitToken
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case r == '\'' || r == '"':
			text, next, ok := consumeQuoted(rs, i)
			if !ok {
				return nil, invalid(s, "the quote at position %d is never closed", i)
			}
			tokens = append(tokens, splitToken{tokenQuoted, text, i})
			i = next
		case r == delimiter:
			tokens = append(tokens, splitToken{tokenDelimiter, string(r), i})
			i++
		case unicode.IsSpace(r):
			i++
		default:
			j := i
			for j < len(rs) && rs[j] != delimiter {
				j++
			}
			tokens = append(tokens, splitToken{tokenUnquoted, strings.TrimSpace(string(rs[i:j])), i})
			i = j
		}
	}
	return tokens, nil
}

// consumeQuoted reads the quoted element starting at rs[start] and returns its text and
// the index after the closing quote.
func consumeQuoted(rs []rune, start int) (string, int, bool) {
	quote := rs[start]
	var b strings.Builder
	for i := start + 1; i < len(rs); i++ {
		if rs[i] != quote {
			b.WriteRune(rs[i])
			continue
		}
		if i+1 < len(rs) && rs[i+1] == quote {
			b.WriteRune(quote)
			i++
			continue
		}
		return b.String(), i + 1, true
	}
	return "", 0, false
}

// escapeElement quotes s with single quotes when it holds one of the delimiters or a
// quote character, as Flink does when it writes a structured value. Empty strings and
// strings with surrounding whitespace are quoted too, so that they survive the split.
func escapeElement(s string, delimiters string) string {
	if strings.ContainsAny(s, delimiters+`'"`) || s == "" || strings.TrimSpace(s) != s {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return s
}

const (
	listExpectation       = "expected a list separated by ';', e.g. a;b;c"
	mapExpectation        = "expected key:value pairs separated by ',', e.g. k1:v1,k2:v2 (quote a key or value that contains ':' or ',')"
	listOfMapsExpectation = "expected maps separated by ';', each as key:value pairs separated by ',', e.g. k1:v1,k2:v2;k1:v3"
)

// ParseList splits a ';'-separated list with Flink's quoting rules, trimming unquoted
// elements. It never fails: a value with broken quoting is split on every ';' instead,
// so that callers that cannot report an error still see each element. Typed list
// options report broken quoting as an error instead.
func ParseList(s string) []string {
	l, err := parseList(s)
	if err != nil {
		for _, p := range strings.Split(s, ";") {
			if p = strings.TrimSpace(p); p != "" {
				l = append(l, p)
			}
		}
	}
	return l
}

func parseList(s string) ([]string, error) {
	if l, ok := parseFlowList(s); ok {
		return l, nil
	}
	l, err := SplitEscaped(s, ';')
	if err != nil {
		return nil, withReason(err, listExpectation)
	}
	return l, nil
}

// ParseMap parses Flink's map syntax "k1:v1,k2:v2". Every element must be exactly one
// key and one value; a key given twice is an error.
func ParseMap(s string) (map[string]string, error) {
	if m, ok := parseFlowMap(s); ok {
		return m, nil
	}
	items, err := SplitEscaped(s, ',')
	if err != nil {
		return nil, withReason(err, mapExpectation)
	}
	m := make(map[string]string, len(items))
	for _, item := range items {
		kv, err := SplitEscaped(item, ':')
		if err != nil {
			return nil, withReason(err, mapExpectation)
		}
		if len(kv) != 2 {
			return nil, invalid(s, "%s; the element %q is not one key:value pair", mapExpectation, item)
		}
		if _, dup := m[kv[0]]; dup {
			return nil, invalid(s, "%s; the key %q is given twice", mapExpectation, kv[0])
		}
		m[kv[0]] = kv[1]
	}
	return m, nil
}

// ParseListOfMaps parses maps separated by ';', e.g. the tolerations syntax
// "key:k1,operator:Equal;key:k2,operator:Exists".
func ParseListOfMaps(s string) ([]map[string]string, error) {
	if l, ok := parseFlowListOfMaps(s); ok {
		return l, nil
	}
	items, err := SplitEscaped(s, ';')
	if err != nil {
		return nil, withReason(err, listOfMapsExpectation)
	}
	out := make([]map[string]string, 0, len(items))
	for _, item := range items {
		m, err := ParseMap(item)
		if err != nil {
			var ve *ValueError
			if errors.As(err, &ve) {
				return nil, invalid(s, "%s; in the element %q: %s", listOfMapsExpectation, item, ve.Reason)
			}
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// FormatList writes a list in Flink's syntax, quoting elements that need it.
func FormatList(l []string) string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = escapeElement(e, ";")
	}
	return strings.Join(parts, ";")
}

// FormatMap writes a map in Flink's syntax with keys sorted, so that output is
// deterministic, quoting keys and values that need it.
func FormatMap(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, formatPair(k, m[k]))
	}
	return strings.Join(parts, ",")
}

func formatPair(k, v string) string {
	return escapeElement(escapeElement(k, ":")+":"+escapeElement(v, ":"), ",")
}

// FormatListOfMaps writes maps separated by ';', each as FormatMap does.
func FormatListOfMaps(l []map[string]string) string {
	parts := make([]string, len(l))
	for i, m := range l {
		parts[i] = escapeElement(FormatMap(m), ";")
	}
	return strings.Join(parts, ";")
}

// withReason rewrites a splitter error so that it says what the whole value should be.
func withReason(err error, expectation string) error {
	var ve *ValueError
	if errors.As(err, &ve) {
		return &ValueError{Value: ve.Value, Reason: fmt.Sprintf("%s; %s", expectation, ve.Reason)}
	}
	return err
}

// The YAML flow forms are tried only when the text is bracketed, and only accepted when
// they hold plain scalars; anything else falls back to Flink's legacy syntax, as Flink
// 2.0 does.

func parseFlowList(s string) ([]string, bool) {
	n, ok := parseFlow(s, "[", "]", yaml.SequenceNode)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	for _, item := range n.Content {
		v, ok := flowScalar(item)
		if !ok {
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

func parseFlowMap(s string) (map[string]string, bool) {
	n, ok := parseFlow(s, "{", "}", yaml.MappingNode)
	if !ok {
		return nil, false
	}
	return flowMapping(n)
}

func parseFlowListOfMaps(s string) ([]map[string]string, bool) {
	n, ok := parseFlow(s, "[", "]", yaml.SequenceNode)
	if !ok {
		return nil, false
	}
	out := make([]map[string]string, 0, len(n.Content))
	for _, item := range n.Content {
		if item.Kind != yaml.MappingNode {
			return nil, false
		}
		m, ok := flowMapping(item)
		if !ok {
			return nil, false
		}
		out = append(out, m)
	}
	return out, true
}

func parseFlow(s, open, close string, kind yaml.Kind) (*yaml.Node, bool) {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, open) || !strings.HasSuffix(t, close) {
		return nil, false
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(t), &doc); err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, false
	}
	if n := doc.Content[0]; n.Kind == kind {
		return n, true
	}
	return nil, false
}

func flowMapping(n *yaml.Node) (map[string]string, bool) {
	m := make(map[string]string, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, ok1 := flowScalar(n.Content[i])
		v, ok2 := flowScalar(n.Content[i+1])
		if !ok1 || !ok2 {
			return nil, false
		}
		m[k] = v
	}
	return m, true
}

func flowScalar(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return "", false
	}
	return n.Value, true
}
