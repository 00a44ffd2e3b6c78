package scenarios

import (
	"bufio"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cucumber/godog"
	corev1 "k8s.io/api/core/v1"
)

// Network faults (sim/network) between pods and between a pod and the API server,
// without a node failure: the pods stay Running and their processes alive, their
// traffic across the cut hangs until its deadlines (Flink's RPCs time out after
// pekko.ask.timeout, Kubernetes requests after their clients' timeouts, and open
// watches deliver nothing until the cut is mended). Pods are named as in targets.go.

// networkCut is a partition a step made between a TaskManager pod and a cluster's
// JobManager pods.
type networkCut struct {
	pod, ip string
	peers   []string // the JobManager pods' IPs
}

func (j *jobSide) registerNetworkSteps(sc *godog.ScenarioContext) {
	sc.Step(`^`+anyPodTarget+` is cut off from the API server$`, j.podIsCutOffFromTheAPIServer)
	sc.Step(`^`+anyPodTarget+` reaches the API server again$`, j.podReachesTheAPIServerAgain)
	sc.Step(`^`+tmTarget+` is cut off from the JobManagers? of "([^"]*)"$`, j.taskManagerIsCutOffFromTheJobManagers)
	sc.Step(`^`+tmTarget+` reaches the JobManagers? of "([^"]*)" again$`, j.taskManagerReachesTheJobManagersAgain)
	sc.Step(`^no two JobManagers of "([^"]*)" led at the same time$`, j.noTwoJobManagersLedAtTheSameTime)
	sc.Step(`^within (.+) that TaskManager pod is gone$`, j.withinThatTaskManagerPodIsGone)
	sc.Step(`^within (.+) that TaskManager pod is registered with "([^"]*)"$`, j.withinThatTaskManagerPodIsRegistered)
	sc.Step(`^for (.+) that TaskManager pod is not registered with "([^"]*)"$`, j.forThatTaskManagerPodIsNotRegistered)
}

// podIsCutOffFromTheAPIServer cuts a pod off from the API server only: its Kubernetes
// requests hang until their deadlines and its watches deliver nothing, while it still
// reaches and is reached by the other pods.
// Example: When the leading JobManager of "my-session" is cut off from the API server
func (j *jobSide) podIsCutOffFromTheAPIServer(target string) error {
	t, err := j.resolvePod(target)
	if err != nil {
		return err
	}
	if j.cluster.Server() == nil {
		return fmt.Errorf("cuts from the API server need the in-process API server: do not tag this scenario for a real one")
	}
	if j.cutOff == nil {
		j.cutOff = map[string]string{}
	}
	j.cutOff[target] = t.name
	j.tracef("%s is cut off from the API server", describeTarget(target, t))
	return j.cluster.PartitionFromAPIServer(context.Background(), j.namespace, t.name)
}

// podReachesTheAPIServerAgain mends a cut from the API server that a step made with
// the same words (or, for a pod named by name, any such cut of it); held watch events
// then arrive.
// Example: When that JobManager reaches the API server again
func (j *jobSide) podReachesTheAPIServerAgain(target string) error {
	name, err := j.faultedPod(j.cutOff, target, "lack the API server")
	if err != nil {
		return err
	}
	delete(j.cutOff, target)
	j.tracef("pod %s (%s) reaches the API server again", name, target)
	return j.cluster.HealAPIServer(context.Background(), j.namespace, name)
}

// taskManagerIsCutOffFromTheJobManagers partitions the network between a TaskManager
// pod and every JobManager pod of a cluster: heartbeats and RPCs either way time out,
// everything else (the API server, the other TaskManagers) stays reachable.
// Example: When any TaskManager pod of the job "CarTopSpeedWindowingExample" is cut off from the JobManager of "my-session"
func (j *jobSide) taskManagerIsCutOffFromTheJobManagers(target, id string) error {
	t, err := j.resolvePod(target)
	if err != nil {
		return err
	}
	ip, err := j.podIP(t.name)
	if err != nil {
		return err
	}
	jms, err := j.jobManagerPods(id)
	if err != nil {
		return err
	}
	cut := networkCut{pod: t.name, ip: ip}
	for _, p := range jms {
		if p.Status.PodIP != "" {
			cut.peers = append(cut.peers, p.Status.PodIP)
		}
	}
	if len(cut.peers) == 0 {
		return fmt.Errorf("%q has no JobManager pod with an IP to cut %s off from (%s)", id, t.name, describePods(jms))
	}
	if j.cutFromJobs == nil {
		j.cutFromJobs = map[string]networkCut{}
	}
	key := target + " | " + id
	if _, ok := j.cutFromJobs[key]; ok {
		return fmt.Errorf("%s is cut off from the JobManagers of %q already", t.name, id)
	}
	j.cutFromJobs[key] = cut
	j.tracef("%s is cut off from the JobManager pods of %q (%s)", describeTarget(target, t), id, strings.Join(podNames(jms), ", "))
	for _, peer := range cut.peers {
		j.cluster.Network().Partition(ip, peer)
	}
	return nil
}

// taskManagerReachesTheJobManagersAgain mends the cut a step made with the same words
// (or, for a pod named by name, any cut of it from the cluster's JobManagers).
// Example: When that TaskManager pod reaches the JobManager of "my-session" again
func (j *jobSide) taskManagerReachesTheJobManagersAgain(target, id string) error {
	key := target + " | " + id
	cut, ok := j.cutFromJobs[key]
	if !ok {
		t, err := j.resolvePod(target)
		if err != nil {
			return err
		}
		for k, c := range j.cutFromJobs {
			if c.pod == t.name && strings.HasSuffix(k, " | "+id) {
				key, cut, ok = k, c, true
				break
			}
		}
		if !ok {
			return fmt.Errorf("%s (%s) was not cut off from the JobManagers of %q in this scenario", t.name, target, id)
		}
	}
	delete(j.cutFromJobs, key)
	j.tracef("TaskManager pod %s reaches the JobManager pods of %q again", cut.pod, id)
	for _, peer := range cut.peers {
		j.cluster.Network().Unpartition(cut.ip, peer)
	}
	return nil
}

func (j *jobSide) podIP(name string) (string, error) {
	p, err := j.pod(name)
	if err != nil {
		return "", err
	}
	if p.Status.PodIP == "" {
		return "", fmt.Errorf("the pod %s has no IP yet (%s)", name, podState(p))
	}
	return p.Status.PodIP, nil
}

// withinThatTaskManagerPodIsGone waits until the TaskManager pod a step picked last no
// longer exists (deleted, not merely being deleted).
// Example: Then within 2 minutes that TaskManager pod is gone
func (j *jobSide) withinThatTaskManagerPodIsGone(within string) error {
	t, err := j.resolvePod(tmThat)
	if err != nil {
		return err
	}
	return waitUntil(within, fmt.Sprintf("the TaskManager pod %s is gone", t.name), func() (bool, string, error) {
		p, err := j.pod(t.name)
		if err != nil {
			j.tracef("TaskManager pod %s is gone", t.name)
			return true, "", nil
		}
		return false, podState(p), nil
	})
}

// registeredTaskManagers are the ids of the TaskManagers registered with a cluster's
// resource manager, as its REST API lists them.
func (j *jobSide) registeredTaskManagers(id string) ([]string, error) {
	var out struct {
		TaskManagers []struct {
			ID string `json:"id"`
		} `json:"taskmanagers"`
	}
	if err := j.rest(id, "/taskmanagers", &out); err != nil {
		return nil, err
	}
	var ids []string
	for _, tm := range out.TaskManagers {
		ids = append(ids, tm.ID)
	}
	slices.Sort(ids)
	return ids, nil
}

// withinThatTaskManagerPodIsRegistered waits until the TaskManager in the pod a step
// picked last is registered with the cluster's resource manager.
// Example: Then within a minute that TaskManager pod is registered with "my-session"
func (j *jobSide) withinThatTaskManagerPodIsRegistered(within, id string) error {
	t, err := j.resolvePod(tmThat)
	if err != nil {
		return err
	}
	return waitUntil(within, fmt.Sprintf("the TaskManager %s is registered with %q", t.name, id), func() (bool, string, error) {
		ids, err := j.registeredTaskManagers(id)
		if err != nil {
			return false, err.Error(), nil
		}
		if slices.Contains(ids, t.name) {
			j.tracef("TaskManager %s is registered with %q", t.name, id)
			return true, "", nil
		}
		return false, "registered: " + strings.Join(ids, ", "), nil
	})
}

// forThatTaskManagerPodIsNotRegistered checks throughout a duration that the
// TaskManager in the pod a step picked last is not registered with the cluster's
// resource manager, whose REST API must answer all along.
// Example: And for 2 minutes that TaskManager pod is not registered with "my-session"
func (j *jobSide) forThatTaskManagerPodIsNotRegistered(within, id string) error {
	t, err := j.resolvePod(tmThat)
	if err != nil {
		return err
	}
	return holdsFor(within, fmt.Sprintf("the TaskManager %s is not registered with %q", t.name, id), func() (bool, string, error) {
		ids, err := j.registeredTaskManagers(id)
		if err != nil {
			return false, "the REST API does not answer: " + err.Error(), nil
		}
		return !slices.Contains(ids, t.name), "registered: " + strings.Join(ids, ", "), nil
	})
}

// leadership is one term of a JobManager process as its log tells it: from "Leadership
// granted" to "Leadership of session … ends" (or to the process's end, or now).
type leadership struct {
	pod, session string
	from, to     time.Time
}

// noTwoJobManagersLedAtTheSameTime reads the leadership terms from the logs of the
// cluster's JobManager pods (the running and the previous container of each) and
// checks that no two of them overlap — Flink's guarantee that a leader whose renewal
// fails revokes its leadership before another may take the lock (reference §5.3, §5.8).
// Example: Then no two JobManagers of "my-session" led at the same time
func (j *jobSide) noTwoJobManagersLedAtTheSameTime(id string) error {
	settle()
	pods, err := j.jobManagerPods(id)
	if err != nil {
		return err
	}
	var terms []leadership
	for _, p := range pods {
		for _, previous := range []bool{true, false} {
			ts, err := j.leadershipTerms(&p, previous)
			if err != nil {
				return err
			}
			terms = append(terms, ts...)
		}
	}
	if len(terms) == 0 {
		return fmt.Errorf("no JobManager of %q logged a leadership", id)
	}
	slices.SortFunc(terms, func(a, b leadership) int { return a.from.Compare(b.from) })
	for i := 1; i < len(terms); i++ {
		a, b := terms[i-1], terms[i]
		if b.from.Before(a.to) {
			return fmt.Errorf("two JobManagers of %q led at once: %s (session %s) from %s to %s, and %s (session %s) from %s",
				id, a.pod, a.session, a.from.Format(flinkLogTime), a.to.Format(flinkLogTime), b.pod, b.session, b.from.Format(flinkLogTime))
		}
	}
	var seen []string
	for _, t := range terms {
		seen = append(seen, fmt.Sprintf("%s %s–%s", t.pod, t.from.Format("15:04:05.000"), t.to.Format("15:04:05.000")))
	}
	j.tracef("leadership terms of %q: %s", id, strings.Join(seen, ", "))
	return nil
}

const flinkLogTime = "2006-01-02 15:04:05,000"

// containerLog is the log of a pod's main container: the running one, or the one
// before its last restart.
func (j *jobSide) containerLog(pod string, previous bool) (string, error) {
	b, err := j.cluster.Client().CoreV1().Pods(j.namespace).GetLogs(pod, &corev1.PodLogOptions{Container: "flink-main-container", Previous: previous}).DoRaw(context.Background())
	return string(b), err
}

// leadershipTerms reads the terms of one container of a JobManager pod from its log;
// a term the log does not end ended with the container, or lasts.
func (j *jobSide) leadershipTerms(p *corev1.Pod, previous bool) ([]leadership, error) {
	var end time.Time
	for _, s := range p.Status.ContainerStatuses {
		if s.Name != "flink-main-container" {
			continue
		}
		st := s.State
		if previous {
			st = s.LastTerminationState
		}
		switch {
		case st.Terminated != nil:
			end = st.Terminated.FinishedAt.Time
		case previous:
			return nil, nil // no previous container
		default:
			end = timeNow()
		}
	}
	log, err := j.containerLog(p.Name, previous)
	if err != nil {
		return nil, fmt.Errorf("the log of %s: %w", p.Name, err)
	}
	var out []leadership
	open := -1
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if len(line) < len(flinkLogTime) {
			continue
		}
		at, err := time.Parse(flinkLogTime, line[:len(flinkLogTime)])
		if err != nil {
			continue
		}
		if _, session, ok := strings.Cut(line, "Leadership granted with session "); ok {
			out = append(out, leadership{pod: p.Name, session: strings.TrimSuffix(session, "."), from: at, to: end})
			open = len(out) - 1
			continue
		}
		if _, rest, ok := strings.Cut(line, "Leadership of session "); ok && open >= 0 && strings.HasPrefix(rest, out[open].session+" ends") {
			out[open].to = at
			open = -1
		}
	}
	return out, sc.Err()
}
