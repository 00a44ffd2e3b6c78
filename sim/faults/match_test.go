package faults

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"flinksim/sim/apiserver"
)

func TestMatch(t *testing.T) {
	pods := corev1.SchemeGroupVersion.WithResource("pods")
	cms := corev1.SchemeGroupVersion.WithResource("configmaps")
	jm := "system:serviceaccount:flink:jobmanager"
	updateLeader := apiserver.Request{User: jm, Verb: "update", Resource: cms, Namespace: "flink", Name: "session-cluster-leader"}
	podStatus := apiserver.Request{User: "system:node:kubelet", Verb: "patch", Resource: pods, Subresource: "status", Namespace: "flink", Name: "tm-1"}
	createPod := apiserver.Request{User: jm, Verb: "create", Resource: pods, Namespace: "flink", Name: "tm-2"}
	cases := []struct {
		name  string
		match Match
		req   apiserver.Request
		want  bool
	}{
		{"all matches anything", All, podStatus, true},
		{"exact verb and resource", Match{Verb: "update", Resource: "configmaps"}, updateLeader, true},
		{"other verb", Match{Verb: "get", Resource: "configmaps"}, updateLeader, false},
		{"name pattern", Match{Name: "*-leader"}, updateLeader, true},
		{"name pattern misses", Match{Name: "*-leader"}, createPod, false},
		{"verb list", Match{Verb: "create, update,patch"}, createPod, true},
		{"user pattern", Match{User: "system:serviceaccount:flink:*"}, createPod, true},
		{"user pattern misses", Match{User: "system:serviceaccount:flink:*"}, podStatus, false},
		{"a resource is not its subresource", Match{Resource: "pods"}, podStatus, false},
		{"a subresource by name", Match{Resource: "pods/status"}, podStatus, true},
		{"any subresource", Match{Resource: "pods/*"}, podStatus, true},
		{"any subresource is not the resource", Match{Resource: "pods/*"}, createPod, false},
		{"namespace", Match{Namespace: "other"}, createPod, false},
		{"a malformed pattern matches nothing", Match{Name: "[tm"}, createPod, false},
		{"a watch of no more than the labels", Match{Labels: "app=a"}, watchOf("type=flink,app=a,component=taskmanager"), true},
		{"a watch of the label's set", Match{Labels: "app in (a,b)"}, watchOf("app=b"), true},
		{"a watch of other labels", Match{Labels: "app=a"}, watchOf("app=b,component=taskmanager"), false},
		{"a watch of more than the labels", Match{Labels: "app=a"}, watchOf("app in (a,b)"), false},
		{"a watch without the label", Match{Labels: "app=a"}, watchOf("component=taskmanager"), false},
		{"a watch of everything", Match{Labels: "app=a"}, watchOf(""), false},
		{"exists", Match{Labels: "app"}, watchOf("app=b"), true},
		{"not equal", Match{Labels: "app!=a"}, watchOf("app=b"), true},
		{"not equal misses", Match{Labels: "app!=a"}, watchOf("app in (a,b)"), false},
		{"notin within notin", Match{Labels: "app notin (a)"}, watchOf("app notin (a,b)"), true},
		{"does not exist", Match{Labels: "!app"}, watchOf("!app"), true},
		{"a request about no object", Match{Labels: "app=a"}, createPod, false},
		{"a malformed selector matches nothing", Match{Labels: "app in (a"}, watchOf("app=a"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, c.match.Matches(c.req))
		})
	}
}

func watchOf(selector string) apiserver.Request {
	return apiserver.Request{Verb: "watch", Resource: corev1.SchemeGroupVersion.WithResource("pods"), Namespace: "flink", LabelSelector: selector}
}

func TestMatchValidateNamesTheBadPattern(t *testing.T) {
	require.NoError(t, Match{Verb: "create,update", Name: "tm-[0-9]*"}.Validate())
	err := Match{Verb: "get", Name: "ok,[tm"}.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `Match.Name pattern "[tm" is malformed`)
	err = Match{Labels: "app in (a"}.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `Match.Labels "app in (a" is not a label selector`)
}

func TestMatchString(t *testing.T) {
	assert.Equal(t, "* * */*", All.String())
	assert.Equal(t, "update configmaps flink/*-leader by jm", Match{Verb: "update", Resource: "configmaps", Namespace: "flink", Name: "*-leader", User: "jm"}.String())
	assert.Equal(t, "create pods */* [app=a]", Match{Verb: "create", Resource: "pods", Labels: "app=a"}.String())
}

func TestGate(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	strikes := func(g *gate, at ...time.Duration) []bool {
		var out []bool
		for _, d := range at {
			out = append(out, g.strike(t0.Add(d)))
		}
		return out
	}
	every := []time.Duration{0, 0, 0, 0, 0}
	cases := []struct {
		name string
		opts []Option
		at   []time.Duration
		want []bool
	}{
		{"no option: always", nil, every, []bool{true, true, true, true, true}},
		{"times", []Option{Times(2)}, every, []bool{true, true, false, false, false}},
		{"after", []Option{After(3)}, every, []bool{false, false, false, true, true}},
		{"after then times", []Option{After(1), Times(1)}, every, []bool{false, true, false, false, false}},
		{"for a while", []Option{For(10 * time.Second)}, []time.Duration{0, 5 * time.Second, 9 * time.Second, 10 * time.Second, time.Hour}, []bool{true, true, true, false, false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := &gate{}
			for _, o := range c.opts {
				o.apply(g)
			}
			assert.Equal(t, c.want, strikes(g, c.at...))
		})
	}
}

func TestProbabilityIsSeeded(t *testing.T) {
	draw := func(seed int64) ([]bool, int) {
		g := &gate{}
		Probability(0.3, seed).apply(g)
		var out []bool
		for range 1000 {
			out = append(out, g.strike(time.Time{}))
		}
		return out, g.hits
	}
	a, hits := draw(7)
	b, _ := draw(7)
	c, _ := draw(8)
	assert.Equal(t, a, b, "the same seed strikes the same requests")
	assert.NotEqual(t, a, c)
	assert.InDelta(t, 300, hits, 60)
}
