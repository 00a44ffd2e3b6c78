package scenarios

import (
	"strings"
	"testing"

	"flinksim/deployer"
	"flinksim/sim/faults"
)

// TestFaultStepsSayWhatIsWrong: the words of the API-fault steps are read strictly, and
// what a step cannot use is named with what to write instead.
func TestFaultStepsSayWhatIsWrong(t *testing.T) {
	j := &jobSide{World: NewWorld(1)}
	j.clients[j.clientKey("my-session")] = &deployer.ClusterClient{}

	m, what, err := j.requestMatch("create", "pods", "my-session")
	if err != nil || what != `create pods of "my-session"` {
		t.Fatalf("requestMatch(create pods of my-session) = %q, %v", what, err)
	}
	if want := (faults.Match{Verb: "create", Resource: "pods", Namespace: "default", Labels: "app=my-session"}); m != want {
		t.Errorf("a cluster's requests: %+v, want %+v", m, want)
	}
	m, _, err = j.requestMatch("watch", "configmaps", "")
	if err != nil || m.User != "system:serviceaccount:default:*" || m.Labels != "" {
		t.Errorf("the pods' requests: %+v, %v", m, err)
	}

	for _, c := range []struct{ verb, resource, id, want string }{
		{"creates", "pods", "", `"creates" is not an API verb: write one of get, list`},
		{"create", "pod", "", `"pod" is not a resource the fault steps know: write one of pods,`},
		{"create", "pods", "other", `no cluster "other" was deployed in this scenario`},
	} {
		if _, _, err := j.requestMatch(c.verb, c.resource, c.id); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("requestMatch(%q, %q, %q) = %v, want an error with %q", c.verb, c.resource, c.id, err, c.want)
		}
	}

	for in, want := range map[string]string{"for 2 minutes": "for 2m0s", "the next 3 times": "the next 3 times", "the next time": "once"} {
		if _, how, err := strikes(in); err != nil || how != want {
			t.Errorf("strikes(%q) = %q, %v; want %q", in, how, err, want)
		}
	}
	for in, want := range map[string]string{
		"the next 0 times":   `write "the next <n> times" with n of at least 1`,
		"the next few times": `write "the next <n> times" with n of at least 1`,
		"for a while":        `write "for <duration>", "the next <n> times" or "the next time"`,
	} {
		if _, _, err := strikes(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("strikes(%q) = %v, want an error with %q", in, err, want)
		}
	}
}

func TestTargetWordsSayWhatIsWrong(t *testing.T) {
	j := &jobSide{World: NewWorld(1)}
	for in, want := range map[string]string{
		"that TaskManager pod":              `no earlier step of this scenario named a TaskManager pod`,
		"that JobManager":                   `no earlier step of this scenario named a JobManager pod`,
		"the TaskManager of \"my-session\"": `names no pod: write e.g. the TaskManager pod "<name>"`,
	} {
		if _, err := j.resolvePod(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("resolvePod(%q) = %v, want an error with %q", in, err, want)
		}
	}
}
