package cli

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		name       string
		in         []string
		stop       bool
		values     map[string][]string
		dynamic    map[string]string
		positional []string
		wantErr    string
	}{
		{name: "dynamic both forms", in: []string{"-Dkubernetes.cluster-id=a", "-D", "execution.attached=true", "-Dx=a=b"},
			dynamic: map[string]string{"kubernetes.cluster-id": "a", "execution.attached": "true", "x": "a=b"}},
		{name: "later -D wins", in: []string{"-Dk=1", "-Dk=2"}, dynamic: map[string]string{"k": "2"}},
		{name: "short and long with values", in: []string{"-c", "A", "--parallelism=3", "-t", "kubernetes-session", "--class", "B", "-p4"},
			values: map[string][]string{"class": {"A", "B"}, "parallelism": {"3", "4"}, "target": {"kubernetes-session"}}},
		{name: "multi-letter short options", in: []string{"-sae", "-py", "job.py", "-pym", "mod"},
			values: map[string][]string{"shutdownOnAttachedExit": {""}, "python": {"job.py"}, "pyModule": {"mod"}}},
		{name: "stop at the jar", stop: true, in: []string{"-d", "job.jar", "--input", "-c", "x"},
			values: map[string][]string{"detached": {""}}, positional: []string{"job.jar", "--input", "-c", "x"}},
		{name: "double dash", stop: true, in: []string{"-d", "--", "-weird.jar"},
			values: map[string][]string{"detached": {""}}, positional: []string{"-weird.jar"}},
		{name: "unknown", in: []string{"--bogus"}, wantErr: "Unrecognized option: --bogus"},
		{name: "unknown short", in: []string{"-x"}, wantErr: "Unrecognized option: -x"},
		{name: "missing value", in: []string{"-c"}, wantErr: "Missing argument for option: -c,--class <classname>"},
		{name: "flag with value", in: []string{"--detached=yes"}, wantErr: "The option --detached takes no value"},
		{name: "-D without =", in: []string{"-Dkubernetes.cluster-id"}, wantErr: "missing '='"},
		{name: "-D last", in: []string{"-D"}, wantErr: "Missing argument for option: -D"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := parseArgs(tc.in, runOptions, tc.stop)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if _, ok := err.(*usageError); !ok {
					t.Fatalf("%T is not a usage error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.values == nil {
				tc.values = map[string][]string{}
			}
			if !reflect.DeepEqual(a.values, tc.values) {
				t.Errorf("values %v, want %v", a.values, tc.values)
			}
			if tc.dynamic == nil {
				tc.dynamic = map[string]string{}
			}
			if got := a.dynamic.ToMap(); !reflect.DeepEqual(got, tc.dynamic) {
				t.Errorf("dynamic %v, want %v", got, tc.dynamic)
			}
			if !reflect.DeepEqual(a.positional, tc.positional) {
				t.Errorf("positional %q, want %q", a.positional, tc.positional)
			}
		})
	}
}
