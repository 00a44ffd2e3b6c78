package config

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestParseDynamicProperties(t *testing.T) {
	c, err := ParseDynamicProperties([]string{
		"-Dkubernetes.cluster-id=my-test-CLUSTER_ID",
		"-D", "taskmanager.numberOfTaskSlots=3",
		"-Denv.java.opts=-Dfoo=bar -Dbaz=qux",
		"-Dempty.value=",
		"-Drepeated=first", "-Drepeated=second",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"kubernetes.cluster-id":         "my-test-CLUSTER_ID", // no validation or case change
		"taskmanager.numberOfTaskSlots": "3",
		"env.java.opts":                 "-Dfoo=bar -Dbaz=qux",
		"empty.value":                   "",
		"repeated":                      "second",
	}
	if got := c.ToMap(); !maps.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestParseDynamicPropertiesErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-Dkey"}, "-Dkey: missing '=': write -Dkey=<value>"},
		{[]string{"-D", "key"}, "missing '='"},
		{[]string{"-D"}, "-D is the last argument"},
		{[]string{"-D=value"}, "the key is empty"},
		{[]string{"--target", "x"}, `unexpected argument "--target"`},
	} {
		_, err := ParseDynamicProperties(tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseDynamicProperties(%q) error = %v, want %q", tc.args, err, tc.want)
		}
	}
}

func TestExtractDynamicProperties(t *testing.T) {
	c, rest, err := ExtractDynamicProperties([]string{"run", "-t", "kubernetes-application", "-Da=1", "-D", "b=2", "local:///job.jar", "--arg"})
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(c.ToMap(), map[string]string{"a": "1", "b": "2"}) {
		t.Errorf("properties = %v", c.ToMap())
	}
	if want := []string{"run", "-t", "kubernetes-application", "local:///job.jar", "--arg"}; !slices.Equal(rest, want) {
		t.Errorf("rest = %q, want %q", rest, want)
	}
}
