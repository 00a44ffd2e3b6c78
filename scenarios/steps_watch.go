package scenarios

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cucumber/godog"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/sim/apiserver"
	"flinksim/sim/faults"
)

// Watch errors on the resource manager's TaskManager pod watch (reference §4.1, §4.5,
// §4.8): 410 Gone and a dropped connection are watched again; any other error ends the
// JobManager process, which its Deployment restarts; failing watch creations are
// retried with back-off. The resource manager is the only client that watches pods as
// a service account (kubelets and controllers have identities of their own), so that
// is how the steps find its watch.

func (j *jobSide) registerWatchSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the API server ends the TaskManager pod watch of "([^"]*)" with 410 Gone$`, j.theAPIServerExpiresThePodWatch)
	sc.Step(`^the API server drops the TaskManager pod watch of "([^"]*)"$`, j.theAPIServerDropsThePodWatch)
	sc.Step(`^the API server ends the TaskManager pod watch of "([^"]*)" with an internal error$`, j.theAPIServerFailsThePodWatch)
	sc.Step(`^the API server refuses the next (\d+) TaskManager pod watches with (\d+)$`, j.theAPIServerRefusesPodWatches)
	sc.Step(`^(\d+ (?:minutes?|hours?)) pass with the TaskManager pod watch of "([^"]*)" ending with 410 Gone every (\d+ (?:seconds?|minutes?)|a minute)$`, j.timePassesWithExpiringWatches)
	sc.Step(`^the JobManager of "([^"]*)" has restarted (\d+) times?$`, j.theJobManagerHasRestarted)
	sc.Step(`^within (.+) the JobManager of "([^"]*)" has restarted (\d+) times?$`, j.withinTheJobManagerHasRestarted)
	sc.Step(`^for (.+) the JobManager of "([^"]*)" does not restart$`, j.forTheJobManagerDoesNotRestart)
	sc.Step(`^the resource manager of "([^"]*)" watched the TaskManager pods again (once|twice|\d+ times)$`, j.theResourceManagerWatchedAgain)
	sc.Step(`^the resource manager of "([^"]*)" watched the TaskManager pods again at (.+)$`, j.theResourceManagerWatchedAgainAt)
}

// podWatchOf matches the resource manager's pod watches in the current namespace.
func (j *jobSide) podWatchOf() faults.Match {
	return faults.Match{User: "system:serviceaccount:" + j.namespace + ":*", Verb: "watch", Resource: "pods", Namespace: j.namespace}
}

func (j *jobSide) openPodWatch(id string, end func(match func(apiserver.Request) bool) int, what string) error {
	if _, ok := j.clients[j.clientKey(id)]; !ok {
		return fmt.Errorf("no cluster %q was deployed in this scenario", id)
	}
	m := j.podWatchOf()
	j.watchesBefore = j.podWatches()
	var n int
	err := eventually(time.Minute, fmt.Sprintf("the resource manager of %q watches its TaskManager pods", id), func() (bool, string, error) {
		n = end(m.Matches)
		return n > 0, "no open pod watch of a service account", nil
	})
	if err != nil {
		return err
	}
	j.tracef("the API server %s the TaskManager pod watch of %q (%d watch)", what, id, n)
	return nil
}

// theAPIServerExpiresThePodWatch ends the open pod watch with ERROR 410 Expired, as
// when etcd compacted past it ("too old resource version", FLINK-20417).
// Example: When the API server ends the TaskManager pod watch of "my-session" with 410 Gone
func (j *jobSide) theAPIServerExpiresThePodWatch(id string) error {
	if _, err := j.kube(); err != nil {
		return err
	}
	return j.openPodWatch(id, j.cluster.Server().ExpireWatches, "ends with 410 Gone")
}

// timePassesWithExpiringWatches lets simulated time pass while the API server ends the
// resource manager's pod watch with 410 Gone at a fixed period (a churning etcd).
// Example: When 5 hours pass with the TaskManager pod watch of "my-session" ending with 410 Gone every 10 minutes
func (j *jobSide) timePassesWithExpiringWatches(total, id, every string) error {
	d, err := parseDuration(total)
	if err != nil {
		return err
	}
	period, err := parseDuration(every)
	if err != nil {
		return err
	}
	if period <= 0 || d/period > 10000 {
		return fmt.Errorf("every %s over %s: choose a period between a second and a ten-thousandth of the time", every, total)
	}
	if _, err := j.kube(); err != nil {
		return err
	}
	m := j.podWatchOf()
	expired := 0
	for end := timeNow().Add(d); timeNow().Add(period).Before(end) || timeNow().Add(period).Equal(end); {
		time.Sleep(period)
		settle()
		expired += j.cluster.Server().ExpireWatches(m.Matches)
	}
	if rest := d - time.Duration(d/period)*period; rest > 0 {
		time.Sleep(rest)
	}
	j.tracef("%s passed; the TaskManager pod watch of %q was ended with 410 Gone %d times", total, id, expired)
	if expired == 0 {
		return fmt.Errorf("the resource manager of %q had no open pod watch to end", id)
	}
	return nil
}

// theAPIServerDropsThePodWatch closes the open pod watch without an error, as when its
// connection breaks.
// Example: When the API server drops the TaskManager pod watch of "my-session"
func (j *jobSide) theAPIServerDropsThePodWatch(id string) error {
	if _, err := j.kube(); err != nil {
		return err
	}
	return j.openPodWatch(id, j.cluster.Server().DropWatches, "drops")
}

// theAPIServerFailsThePodWatch ends the open pod watch with an ERROR event of status
// 500.
// Example: When the API server ends the TaskManager pod watch of "my-session" with an internal error
func (j *jobSide) theAPIServerFailsThePodWatch(id string) error {
	if _, err := j.kube(); err != nil {
		return err
	}
	status := &metav1.Status{Status: metav1.StatusFailure, Code: http.StatusInternalServerError,
		Reason: metav1.StatusReasonInternalError, Message: "etcdserver: request timed out"}
	return j.openPodWatch(id, func(m func(apiserver.Request) bool) int { return j.cluster.Server().FailWatches(m, status) }, "fails (500)")
}

// theAPIServerRefusesPodWatches answers the next n new pod watches of the resource
// manager with an error status.
// Example: And the API server refuses the next 3 TaskManager pod watches with 503
func (j *jobSide) theAPIServerRefusesPodWatches(n, code int) error {
	if _, err := j.kube(); err != nil {
		return err
	}
	if code < 400 || code > 599 {
		return fmt.Errorf("status %d is not an error status: write a code from 400 to 599", code)
	}
	reason := metav1.StatusReasonInternalError
	if code == http.StatusServiceUnavailable {
		reason = metav1.StatusReasonServiceUnavailable
	}
	j.cluster.Server().AddFault(faults.Error(j.podWatchOf(), int32(code), reason, http.StatusText(code), faults.Times(n)))
	j.watchesBefore = j.podWatches()
	j.tracef("the API server refuses the next %d TaskManager pod watches with %d", n, code)
	return nil
}

// jobManagerRestarts sums the container restarts of a cluster's JobManager pods and
// counts JobManager pods that replaced earlier ones.
func (j *jobSide) jobManagerRestarts(id string) (int, string, error) {
	cs, err := j.kube()
	if err != nil {
		return 0, "", err
	}
	list, err := cs.CoreV1().Pods(j.namespace).List(context.Background(), metav1.ListOptions{LabelSelector: jobManagerSelector(id)})
	if err != nil {
		return 0, "", err
	}
	n := 0
	var seen []string
	for _, p := range list.Items {
		for _, c := range p.Status.ContainerStatuses {
			if c.Name == "flink-main-container" {
				n += int(c.RestartCount)
				seen = append(seen, fmt.Sprintf("%s restarted %d times", p.Name, c.RestartCount))
			}
		}
	}
	return n, fmt.Sprint(seen), nil
}

// theJobManagerHasRestarted checks how often the JobManager container of a cluster
// restarted.
// Example: And the JobManager of "my-session" has restarted 0 times
func (j *jobSide) theJobManagerHasRestarted(id string, n int) error {
	settle()
	got, seen, err := j.jobManagerRestarts(id)
	if err != nil {
		return err
	}
	if got != n {
		return fmt.Errorf("the JobManager of %q has restarted %d times, want %d (%s)", id, got, n, seen)
	}
	return nil
}

// withinTheJobManagerHasRestarted waits until the JobManager container of a cluster
// restarted n times.
// Example: Then within 2 minutes the JobManager of "my-session" has restarted 1 time
func (j *jobSide) withinTheJobManagerHasRestarted(within, id string, n int) error {
	return waitUntil(within, fmt.Sprintf("the JobManager of %q has restarted %d times", id, n), func() (bool, string, error) {
		got, seen, err := j.jobManagerRestarts(id)
		return got == n, seen, err
	})
}

// podWatches counts the pod watches the resource managers of the current namespace
// opened, failed ones included (the API request log).
func (j *jobSide) podWatches() int { return len(j.podWatchRequests()) }

// podWatchRequests are the pod watch requests of the resource managers of the current
// namespace, failed ones included, in order.
func (j *jobSide) podWatchRequests() []apiserver.Entry {
	m := j.podWatchOf()
	// The server logs the end of an open watch too ("... the open watch ..."); those are
	// not new watches.
	return j.cluster.Server().RequestLog().Entries(func(e apiserver.Entry) bool {
		return m.Matches(e.Request) && !strings.Contains(e.Fault, "the open watch")
	})
}

// forTheJobManagerDoesNotRestart checks, throughout the duration
// (holdsFor), that the JobManager container of a cluster does not restart.
// Example: And for 10 minutes the JobManager of "my-session" does not restart
func (j *jobSide) forTheJobManagerDoesNotRestart(within, id string) error {
	before, _, err := j.jobManagerRestarts(id)
	if err != nil {
		return err
	}
	return holdsFor(within, fmt.Sprintf("the JobManager of %q does not restart", id), func() (bool, string, error) {
		n, seen, err := j.jobManagerRestarts(id)
		if err != nil {
			return false, "", err
		}
		return n == before, "restarted: " + seen, nil
	})
}

// theResourceManagerWatchedAgain counts the pod watches the resource manager opened
// (or tried to) since the last watch fault a step injected.
// Example: Then the resource manager of "my-session" watched the TaskManager pods again once
func (j *jobSide) theResourceManagerWatchedAgain(id, times string) error {
	if _, err := j.kube(); err != nil {
		return err
	}
	want, err := countWord(times)
	if err != nil {
		return err
	}
	settle()
	if got := j.podWatches() - j.watchesBefore; got != want {
		return fmt.Errorf("since the watch fault the resource manager of %q watched the TaskManager pods %d times, want %d", id, got, want)
	}
	return nil
}

func countWord(s string) (int, error) {
	switch s {
	case "once":
		return 1, nil
	case "twice":
		return 2, nil
	}
	var n int
	if _, err := fmt.Sscanf(s, "%d times", &n); err != nil {
		return 0, fmt.Errorf("%q: write once, twice or <n> times", s)
	}
	return n, nil
}

// theResourceManagerWatchedAgainAt compares the times of the pod watches the resource
// manager opened (or tried to) since the last watch fault a step injected, relative to
// the first of them, with a list like "+0s, +50ms, +150ms and +350ms": the back-off
// between failed watch creations (kubernetes.transactional-operation.initial-retry-delay,
// doubled up to ...max-retry-delay).
// Example: Then the resource manager of "my-session" watched the TaskManager pods again at +0s, +50ms, +150ms and +350ms
func (j *jobSide) theResourceManagerWatchedAgainAt(id, list string) error {
	if _, err := j.kube(); err != nil {
		return err
	}
	settle()
	entries := j.podWatchRequests()
	if j.watchesBefore > len(entries) {
		return fmt.Errorf("the API request log holds %d pod watches, fewer than the %d before the watch fault", len(entries), j.watchesBefore)
	}
	entries = entries[j.watchesBefore:]
	var got []string
	for _, e := range entries {
		got = append(got, "+"+e.Time.Sub(entries[0].Time).String())
	}
	var want []string
	for _, w := range strings.Split(strings.ReplaceAll(list, " and ", ", "), ",") {
		want = append(want, strings.TrimSpace(w))
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("since the watch fault the resource manager of %q watched the TaskManager pods at %s, want %s", id, strings.Join(got, ", "), strings.Join(want, ", "))
	}
	return nil
}
