package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cucumber/godog"
)

// API requests as the simulated API server's request log has them, by the Flink
// process that made them:
//
//	the JobManager of "my-session" sent 2 create pods requests
//	the TaskManagers of "my-session" sent no create pods requests
//	the standby JobManagers of "my-session" sent at most 0 update configmaps requests
//
// A request is attributed to the pod whose processes made it: the kubelet gives each
// pod's processes a client of their own, and the server logs the pod's name with each of
// its requests (apiserver.Request.Pod, as a pod-bound service-account token carries
// it), not the service account, which a cluster's JobManagers and TaskManagers share.
// The pods of a cluster are those the scenario's observer saw with its labels (app=<id>,
// component=jobmanager or taskmanager), deleted ones too, so the count covers the
// whole scenario. "the leading JobManager" is the pod that leads when the step runs and
// "the standby JobManagers" the other JobManager pods; each counts everything its pod
// ever sent, also while it had another role. The request log exists only with the
// simulated API server, not on a real one (@envtest).
//
// Requests are written as in an RBAC rule, "<verb> <resource>" ("create pods", "update
// configmaps", "get pods/log"); a request counts once however it was answered, errors
// and faults included, and an open watch counts when it is opened.

func (h *haSide) registerRequestSteps(sc *godog.ScenarioContext) {
	sc.Step(`^(the JobManager|the leading JobManager|the standby JobManagers|the TaskManagers) of "([^"]*)" sent (.+?) (\S+) (\S+) requests?$`, h.sentRequests)
	sc.Step(`^I note the leading JobManager of "([^"]*)"$`, h.iNoteTheLeadingJobManager)
	sc.Step(`^the leading JobManager of "([^"]*)" is still the same$`, h.theLeadingJobManagerIsStillTheSame)
	sc.Step(`^the leading JobManager of "([^"]*)" is (the pod "[^"]*"|that JobManager)$`, h.theLeadingJobManagerIs)
}

// requestBound reads how many requests a step expects: "no", "3", "at most 3",
// "at least 3".
func requestBound(s string) (n int, cmp string, err error) {
	cmp = "exactly"
	rest := s
	switch {
	case s == "no":
		return 0, cmp, nil
	case strings.HasPrefix(s, "at most "):
		cmp, rest = "at most", strings.TrimPrefix(s, "at most ")
	case strings.HasPrefix(s, "at least "):
		cmp, rest = "at least", strings.TrimPrefix(s, "at least ")
	}
	n, err = strconv.Atoi(rest)
	if err != nil || n < 0 {
		return 0, "", fmt.Errorf("%q is not a number of requests: write no, N, at most N or at least N (e.g. \"sent at most 2 create pods requests\")", s)
	}
	return n, cmp, nil
}

// sentRequests checks how many requests of one kind the pods of a role sent.
//
//	the JobManager of "my-session" sent 2 create pods requests
//	the TaskManagers of "my-session" sent no create pods requests
func (h *haSide) sentRequests(who, id, bound, verb, resource string) error {
	n, cmp, err := requestBound(bound)
	if err != nil {
		return err
	}
	if !slices.Contains(apiVerbs, verb) {
		return fmt.Errorf("%q is not an API verb: write one of %s", verb, strings.Join(apiVerbs, ", "))
	}
	if !slices.Contains(apiResources, resource) {
		return fmt.Errorf("%q is not a resource the request steps know: write one of %s", resource, strings.Join(apiResources, ", "))
	}
	if _, ok := h.clients[h.clientKey(id)]; !ok {
		return fmt.Errorf("no cluster %q was deployed in this scenario", id)
	}
	server := h.cluster.Server()
	if server == nil || h.observer == nil {
		return fmt.Errorf("%s of %q: the request log is the simulated API server's; a real one (@envtest) has none: do not tag the scenario @envtest", who, id)
	}
	settle()
	pods, err := h.podsOfRole(who, id)
	if err != nil {
		return err
	}
	got := 0
	var per []string
	for _, p := range pods {
		c := server.RequestLog().CountFrom(p, verb, resource)
		got += c
		per = append(per, fmt.Sprintf("%s: %d", p, c))
	}
	ok := got == n
	switch cmp {
	case "at most":
		ok = got <= n
	case "at least":
		ok = got >= n
	}
	if !ok {
		return fmt.Errorf("%s of %q sent %d %s %s requests, want %s %d (by pod: %s)", who, id, got, verb, resource, cmp, n, orNone(per))
	}
	return nil
}

// podsOfRole are the pods a role names, sorted (see the top of the file).
func (h *haSide) podsOfRole(who, id string) ([]string, error) {
	switch who {
	case "the TaskManagers":
		return h.observedPodsOf(id, "taskmanager"), nil
	case "the JobManager":
		return h.observedPodsOf(id, "jobmanager"), nil
	}
	l, err := h.knownLeader(id)
	if err != nil {
		return nil, err
	}
	if who == "the leading JobManager" {
		return []string{l.pod}, nil
	}
	return slices.DeleteFunc(h.observedPodsOf(id, "jobmanager"), func(p string) bool { return p == l.pod }), nil
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}

// iNoteTheLeadingJobManager remembers who leads now, for "… is still the same".
//
//	I note the leading JobManager of "my-session"
func (h *haSide) iNoteTheLeadingJobManager(id string) error {
	l, err := h.knownLeader(id)
	if err != nil {
		return err
	}
	h.tracef("%s is led by %s (identity %s, session %s)", id, l.pod, l.identity, l.session)
	return nil
}

// theLeadingJobManagerIsStillTheSame checks that no failover happened since a step
// last saw the leader ("a JobManager of … leads", "I note the leading JobManager of
// …"): the same pod leads, with the same lock identity (not a restarted process) and
// the same leader session.
//
//	the leading JobManager of "my-session" is still the same
func (h *haSide) theLeadingJobManagerIsStillTheSame(id string) error {
	before, err := h.seen(id)
	if err != nil {
		return fmt.Errorf("%w, or note it with \"I note the leading JobManager of %q\"", err, id)
	}
	settle()
	now, why, err := h.leader(id)
	if err != nil {
		return err
	}
	switch {
	case why != "":
		return fmt.Errorf("%q was led by %s, and has no leader now (%s)", id, before.pod, why)
	case now.pod != before.pod:
		return fmt.Errorf("%q was led by %s, and is led by %s now", id, before.pod, now.pod)
	case now.identity != before.identity:
		return fmt.Errorf("%q is led by %s as before, but by another process: lock identity %s, was %s", id, now.pod, now.identity, before.identity)
	case now.session != before.session:
		return fmt.Errorf("%q is led by %s as before, but in a new leader session %s, was %s", id, now.pod, now.session, before.session)
	}
	return nil
}

// theLeadingJobManagerIs checks which pod leads: one by name, or the JobManager pod an
// earlier step named (see targets.go).
//
//	the leading JobManager of "my-session" is the pod "my-session-5d4f7c9b8-x2k4q"
//	the leading JobManager of "my-session" is that JobManager
func (h *haSide) theLeadingJobManagerIs(id, which string) error {
	want := strings.TrimSuffix(strings.TrimPrefix(which, `the pod "`), `"`)
	if which == jmThat {
		t, err := h.resolvePod(jmThat)
		if err != nil {
			return err
		}
		want = t.name
	}
	settle()
	l, err := h.knownLeader(id)
	if err != nil {
		return err
	}
	if l.pod != want {
		return fmt.Errorf("%q is led by %s, want %s", id, l.pod, want)
	}
	return nil
}
