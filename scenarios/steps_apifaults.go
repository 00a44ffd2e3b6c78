package scenarios

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"flinksim/sim/faults"
)

// API-server faults (sim/faults) as the Flink processes meet them: an API server that
// refuses connections for a while, answers with an error status or 429 Too Many
// Requests, answers slowly, or commits a write and loses the response.
//
// Requests are written as in an RBAC rule, "<verb> <resource>" ("create pods", "update
// configmaps", "watch pods"), and scoped in one of two ways:
//
//   - with a cluster id ("create pods of "my-session""), the fault strikes the requests
//     about that cluster's objects, whoever makes them: objects labelled
//     app=<cluster-id> (the labels a create or an update sends, those of the stored
//     object a get, patch, delete or watch by name is about), and lists and watches
//     whose label selector asks for app=<cluster-id> (faults.Match.Labels);
//   - without one, it strikes the requests of the processes in the scenario's pods
//     (the service accounts of its namespace): the Flink processes of every cluster,
//     not Kubernetes' own controllers (kube-system's service accounts) and kubelets,
//     nor the scenario's kubectl and observer.
//
// "the API server is unavailable" is of the second kind: the API server as pods reach
// it, through the kubernetes Service.

// apiVerbs are the verbs a fault step may name.
var apiVerbs = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}

// apiResources are the namespaced resources a fault step may name.
var apiResources = []string{"pods", "pods/status", "pods/log", "configmaps", "secrets", "services", "endpoints",
	"deployments", "replicasets", "events", "leases", "serviceaccounts"}

// podClients matches the requests of the processes in the scenario's pods: the
// service accounts of its namespace (the controllers' are kube-system's).
func (j *jobSide) podClients() string { return "system:serviceaccount:" + j.namespace + ":*" }

func (j *jobSide) registerAPIFaultSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the API server is unavailable for (.+)$`, j.theAPIServerIsUnavailableFor)
	sc.Step(`^the API server answers (\S+) (\S+)(?: of "([^"]*)")? with (\d+)(?: "([^"]*)")? (for .+|the next \d+ times|the next time)$`, j.theAPIServerAnswers)
	sc.Step(`^(get|list|watch|create|update|patch|delete|deletecollection) ([a-z/]+)(?: of "([^"]*)")? take (.+?) at the API server(?: for (.+))?$`, j.requestsTakeAtTheAPIServer)
	sc.Step(`^the API server commits (\S+) (\S+)(?: of "([^"]*)")? but loses the responses? (for .+|the next \d+ times|the next time)$`, j.theAPIServerLosesTheResponses)
	sc.Step(`^the API server answers normally again$`, j.theAPIServerAnswersNormallyAgain)
}

// requestMatch selects "<verb> <resource>", of a cluster or of the pods' clients (see
// above).
func (j *jobSide) requestMatch(verb, resource, id string) (faults.Match, string, error) {
	if !slices.Contains(apiVerbs, verb) {
		return faults.Match{}, "", fmt.Errorf("%q is not an API verb: write one of %s", verb, strings.Join(apiVerbs, ", "))
	}
	if !slices.Contains(apiResources, resource) {
		return faults.Match{}, "", fmt.Errorf("%q is not a resource the fault steps know: write one of %s", resource, strings.Join(apiResources, ", "))
	}
	m := faults.Match{Verb: verb, Resource: resource, Namespace: j.namespace}
	if id == "" {
		m.User = j.podClients()
		return m, verb + " " + resource, nil
	}
	if _, ok := j.clients[j.clientKey(id)]; !ok {
		return m, "", fmt.Errorf("no cluster %q was deployed in this scenario", id)
	}
	m.Labels = "app=" + id
	return m, fmt.Sprintf("%s %s of %q", verb, resource, id), nil
}

// strikes reads when a fault strikes: "for 2 minutes", "the next 3 times", "the next
// time".
func strikes(when string) ([]faults.Option, string, error) {
	if when == "the next time" {
		return []faults.Option{faults.Times(1)}, "once", nil
	}
	if rest, ok := strings.CutPrefix(when, "the next "); ok {
		n, err := strconv.Atoi(strings.TrimSuffix(rest, " times"))
		if err != nil || n < 1 {
			return nil, "", fmt.Errorf("%q: write \"the next <n> times\" with n of at least 1", when)
		}
		return []faults.Option{faults.Times(n)}, fmt.Sprintf("the next %d times", n), nil
	}
	d, err := parseDuration(strings.TrimPrefix(when, "for "))
	if err != nil {
		return nil, "", fmt.Errorf("%q: write \"for <duration>\", \"the next <n> times\" or \"the next time\": %w", when, err)
	}
	return []faults.Option{faults.For(d)}, "for " + d.String(), nil
}

// installAPIFault adds a fault to the in-process API server and traces it.
func (j *jobSide) installAPIFault(f *faults.Fault, what string) error {
	if _, err := j.kube(); err != nil {
		return err
	}
	if j.cluster.Server() == nil {
		return fmt.Errorf("API-server faults need the in-process API server: do not tag this scenario for a real one")
	}
	if err := f.Match().Validate(); err != nil {
		return err
	}
	j.cluster.Server().AddFault(f)
	j.apiFaults = append(j.apiFaults, f)
	j.tracef("%s (%s)", what, f)
	return nil
}

// theAPIServerIsUnavailableFor refuses the connections of the processes in pods for a
// while and drops their open watches, as a stopped kube-apiserver behind the
// kubernetes Service does: requests fail at once ("connection refused"), watches are
// watched again when it is back.
// Example: When the API server is unavailable for 2 minutes
func (j *jobSide) theAPIServerIsUnavailableFor(within string) error {
	d, err := parseDuration(within)
	if err != nil {
		return err
	}
	if _, err := j.kube(); err != nil {
		return err
	}
	if j.cluster.Server() != nil {
		j.watchesBefore = j.podWatches()
	}
	return j.installAPIFault(faults.Unavailable(faults.Match{User: j.podClients()}, faults.For(d)),
		fmt.Sprintf("the API server is unavailable to the pods for %v", d))
}

// theAPIServerAnswers answers requests with an error status instead of serving them:
// 429 is API priority and fairness's throttling (Retry-After 1 s, which clients retry
// ten times before they give up), 403 an admission plugin's or the authorizer's
// refusal (the quoted message is its reason), any other 4xx or 5xx status an error
// with that code and the quoted message.
// Example: When the API server answers create pods of "my-session" with 429 for 1 minute
// Example: When the API server answers update configmaps of "my-session" with 500 "etcdserver: request timed out" the next 2 times
func (j *jobSide) theAPIServerAnswers(verb, resource, id string, code int, message, when string) error {
	m, what, err := j.requestMatch(verb, resource, id)
	if err != nil {
		return err
	}
	opts, how, err := strikes(when)
	if err != nil {
		return err
	}
	var f *faults.Fault
	switch {
	case code < 400 || code > 599:
		return fmt.Errorf("status %d is not an error status: write a code from 400 to 599", code)
	case code == http.StatusTooManyRequests:
		if message != "" {
			return fmt.Errorf("a 429 answer says %q as API priority and fairness does: leave out the message %q", "Too many requests, please try again later.", message)
		}
		f = faults.Throttle(m, time.Second, opts...)
	case code == http.StatusForbidden:
		if message == "" {
			message = "the request is not allowed"
		}
		f = faults.Forbidden(m, message, opts...)
	default:
		if message == "" {
			message = http.StatusText(code)
		}
		f = faults.Error(m, int32(code), faults.ReasonFor(code), message, opts...)
	}
	return j.installAPIFault(f, fmt.Sprintf("the API server answers %s with %d %s", what, code, how))
}

// requestsTakeAtTheAPIServer delays requests before the API server serves them (an
// overloaded server, a slow etcd), until further notice or for a while; a caller
// whose request times out first gets its timeout, and the request is not served.
// Example: When create pods of "my-session" take 15 seconds at the API server for 2 minutes
func (j *jobSide) requestsTakeAtTheAPIServer(verb, resource, id, delay, within string) error {
	m, what, err := j.requestMatch(verb, resource, id)
	if err != nil {
		return err
	}
	d, err := parseDuration(delay)
	if err != nil {
		return err
	}
	var opts []faults.Option
	how := "until further notice"
	if within != "" {
		w, err := parseDuration(within)
		if err != nil {
			return err
		}
		opts, how = append(opts, faults.For(w)), "for "+w.String()
	}
	return j.installAPIFault(faults.Latency(m, d, opts...), fmt.Sprintf("%s take %v at the API server %s", what, d, how))
}

// theAPIServerLosesTheResponses serves writes and then loses their responses: the
// change is stored, the caller gets 504 Timeout and does not know it was.
// Example: When the API server commits create pods of "my-session" but loses the response the next time
func (j *jobSide) theAPIServerLosesTheResponses(verb, resource, id, when string) error {
	if !slices.Contains([]string{"create", "update", "patch", "delete"}, verb) {
		return fmt.Errorf("%q is not a write: the API server commits create, update, patch or delete", verb)
	}
	m, what, err := j.requestMatch(verb, resource, id)
	if err != nil {
		return err
	}
	opts, how, err := strikes(when)
	if err != nil {
		return err
	}
	return j.installAPIFault(faults.LoseResponse(m, opts...), fmt.Sprintf("the API server commits %s but loses the responses %s", what, how))
}

// theAPIServerAnswersNormallyAgain removes every API-server fault the scenario's steps
// installed.
// Example: When the API server answers normally again
func (j *jobSide) theAPIServerAnswersNormallyAgain() error {
	if len(j.apiFaults) == 0 {
		return fmt.Errorf("no step of this scenario made the API server misbehave")
	}
	for _, f := range j.apiFaults {
		j.cluster.Server().RemoveFault(f)
	}
	j.apiFaults = nil
	j.tracef("the API server answers normally again")
	return nil
}
