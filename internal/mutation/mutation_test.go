package mutation

import "testing"

func TestOn(t *testing.T) {
	for _, c := range []struct {
		env, name string
		want      bool
	}{
		{"", GC, false},
		{"gc", GC, true},
		{"gc,idle-release", IdleRelease, true},
		{"gc,idle-release", PodReplacement, false},
		{"idle-release-x", IdleRelease, false},
	} {
		t.Setenv(Env, c.env)
		if got := On(c.name); got != c.want {
			t.Errorf("%s=%q: On(%q) = %v, want %v", Env, c.env, c.name, got, c.want)
		}
	}
}
