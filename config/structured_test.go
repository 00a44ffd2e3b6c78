package config

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestSplitEscaped(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"a;b;c", []string{"a", "b", "c"}},
		{" a ; b ", []string{"a", "b"}},
		{"'a;b';c", []string{"a;b", "c"}},
		{`"a;b";c`, []string{"a;b", "c"}},
		{"'it''s';x", []string{"it's", "x"}},
		{`"say ""hi""";x`, []string{`say "hi"`, "x"}},
		{`'AB"C"D'`, []string{`AB"C"D`}},
		{"a'b;c", []string{"a'b", "c"}},
		{"a;;b", []string{"a", "", "b"}},
		{";a", []string{"a"}},
		{"a;", []string{"a"}},
		{"''", []string{""}},
		{"", nil},
		{"   ", nil},
	} {
		got, err := SplitEscaped(tc.in, ';')
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("SplitEscaped(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"'abc;d", "never closed"},
		{"'a'b;c", "text follows a closing quote"},
	} {
		if _, err := SplitEscaped(tc.in, ';'); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SplitEscaped(%q) error = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestParseList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"secret-a;secret-b", []string{"secret-a", "secret-b"}},
		{" a ; 'b;c' ", []string{"a", "b;c"}},
		{"[local:///opt/flink/usrlib/job.jar, s3://b/x.jar]", []string{"local:///opt/flink/usrlib/job.jar", "s3://b/x.jar"}},
		{"single", []string{"single"}},
		// broken quoting: every ';' separates, nothing is lost
		{"'a;b", []string{"'a", "b"}},
	} {
		if got := ParseList(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("ParseList(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseMap(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want map[string]string
	}{
		{"k1:v1,k2:v2", map[string]string{"k1": "v1", "k2": "v2"}},
		{" version : alphav1 , deploy:test", map[string]string{"version": "alphav1", "deploy": "test"}},
		{"foo:/opt/secrets-foo,bar:/opt/secrets-bar", map[string]string{"foo": "/opt/secrets-foo", "bar": "/opt/secrets-bar"}},
		{"url:'http://x:80',a:b", map[string]string{"url": "http://x:80", "a": "b"}},
		{"'''k:v,with:colon'':x'", map[string]string{"k:v,with:colon": "x"}},
		{"{a: b, c: d}", map[string]string{"a": "b", "c": "d"}},
		{"", map[string]string{}},
	} {
		got, err := ParseMap(tc.in)
		if err != nil || !maps.Equal(got, tc.want) {
			t.Errorf("ParseMap(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"a", `the element "a" is not one key:value pair`},
		{"a:b:c", `the element "a:b:c" is not one key:value pair`},
		{"a:1,a:2", `the key "a" is given twice`},
		{"a:'b", "never closed"},
	} {
		_, err := ParseMap(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "expected key:value pairs") {
			t.Errorf("ParseMap(%q) error = %v, want it to contain %q", tc.in, err, tc.want)
		}
	}
}

func TestParseListOfMaps(t *testing.T) {
	got, err := ParseListOfMaps("key:key1,operator:Equal,value:value1,effect:NoSchedule;key:key2,operator:Exists,effect:NoExecute,tolerationSeconds:6000")
	want := []map[string]string{
		{"key": "key1", "operator": "Equal", "value": "value1", "effect": "NoSchedule"},
		{"key": "key2", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": "6000"},
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseListOfMaps = %v, %v", got, err)
	}
	got, err = ParseListOfMaps("[{env: MY_FOO, secret: foo, key: key_foo}]")
	if err != nil || !reflect.DeepEqual(got, []map[string]string{{"env": "MY_FOO", "secret": "foo", "key": "key_foo"}}) {
		t.Fatalf("ParseListOfMaps(flow) = %v, %v", got, err)
	}
	if got, err := ParseListOfMaps(""); err != nil || len(got) != 0 {
		t.Fatalf("ParseListOfMaps(\"\") = %v, %v", got, err)
	}
	_, err = ParseListOfMaps("env:A,secret:s;broken")
	if err == nil || !strings.Contains(err.Error(), `in the element "broken"`) {
		t.Fatalf("ParseListOfMaps error = %v", err)
	}
}

func TestFormatStructuredRoundTrips(t *testing.T) {
	lists := [][]string{
		{"a", "b"},
		{"a;b", "it's", `q"uote`, "", " padded "},
		{},
	}
	for _, l := range lists {
		s := FormatList(l)
		got, err := parseList(s)
		if err != nil || !slices.Equal(got, l) && !(len(got) == 0 && len(l) == 0) {
			t.Errorf("parseList(FormatList(%q)) via %q = %q, %v", l, s, got, err)
		}
	}
	m := map[string]string{"url": "http://x:80/a,b", "it's": "v", "plain": "x", "empty": ""}
	s := FormatMap(m)
	got, err := ParseMap(s)
	if err != nil || !maps.Equal(got, m) {
		t.Errorf("ParseMap(FormatMap) via %q = %v, %v", s, got, err)
	}
	if got := FormatMap(map[string]string{"b": "2", "a": "1"}); got != "a:1,b:2" {
		t.Errorf("FormatMap must sort keys: %q", got)
	}
	lm := []map[string]string{{"env": "A", "secret": "s:1"}, {"k": "v;w"}}
	s = FormatListOfMaps(lm)
	gotLM, err := ParseListOfMaps(s)
	if err != nil || !reflect.DeepEqual(gotLM, lm) {
		t.Errorf("ParseListOfMaps(FormatListOfMaps) via %q = %v, %v", s, gotLM, err)
	}
}
