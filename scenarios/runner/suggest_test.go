package runner

import (
	"slices"
	"testing"
)

func TestClosestSteps(t *testing.T) {
	patterns := []string{
		`^a Kubernetes cluster with (\d+) nodes?$`,
		`^I deploy a session cluster "([^"]*)"$`,
		`^I deploy a session cluster "([^"]*)" with the options:$`,
		`^within (.+) the job "([^"]*)" is (CREATED|RUNNING|FAILED)$`,
	}
	for _, tc := range []struct {
		text string
		want []string
	}{
		{`I deploy a sesion cluster "demo"`, []string{patterns[1]}},
		{`a Kubernetes cluster with 12 node`, []string{patterns[0]}},
		{`the moon is made of cheese`, nil},
	} {
		if got := closestSteps(tc.text, patterns, 3); !slices.Equal(got, tc.want) {
			t.Errorf("closestSteps(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}
