package process

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

func TestSplitShell(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  bool
	}{
		{in: "kubernetes-jobmanager.sh kubernetes-session ", want: []string{"kubernetes-jobmanager.sh", "kubernetes-session"}},
		{in: `kubernetes-taskmanager.sh -D'taskmanager.resource-id'='c-taskmanager-1-1' -D taskmanager.cpu.cores=1.0`,
			want: []string{"kubernetes-taskmanager.sh", "-Dtaskmanager.resource-id=c-taskmanager-1-1", "-D", "taskmanager.cpu.cores=1.0"}},
		{in: `echo 'it'\''s' "a \"b\" c"`, want: []string{"echo", "it's", `a "b" c`}},
		{in: `a\ b`, want: []string{"a b"}},
		{in: "   ", want: nil},
		{in: "'open", err: true},
		{in: `"open`, err: true},
	} {
		got, err := SplitShell(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("SplitShell(%q) error = %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if !tc.err && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitShell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{Exit(0, nil), 0},
		{Exit(2, errors.New("bad")), 2},
		{context.Canceled, 143},
		{errors.New("boom"), 1},
	} {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
