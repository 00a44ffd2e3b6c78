package scenarios

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cucumber/godog"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"flinksim/config"
	"flinksim/ha"
	"flinksim/sim/apiserver"
	"flinksim/sim/faults"
)

// haStorageDir is where HA clusters of the scenarios keep their data: the shared file
// system of the object store the steps attach.
const haStorageDir = "file:///flink-ha"

// haSide is the per-scenario state of the HA steps: the leader each cluster had when a
// step last looked, and the API faults a step installed.
type haSide struct {
	*jobSide
	leaders map[string]leaderView
	// former is the leader before the last change seen.
	former  map[string]leaderView
	latency *faults.Fault
	// lostPointers are the installed checkpoint-pointer faults, by job name.
	lostPointers map[string]*lostCheckpointPointer
}

// leaderView is who leads a cluster: the JobManager pod, its lock identity and its
// leader session.
type leaderView struct {
	pod, identity, session string
	restarts               int32
}

func (j *jobSide) registerHASteps(sc *godog.ScenarioContext) {
	h := &haSide{jobSide: j, leaders: map[string]leaderView{}, former: map[string]leaderView{}, lostPointers: map[string]*lostCheckpointPointer{}}
	sc.Step(`^I deploy an HA session cluster "([^"]*)" with (\d+) JobManagers?$`, h.iDeployAnHASessionCluster)
	sc.Step(`^I deploy an HA session cluster "([^"]*)" with (\d+) JobManagers? and the options:$`, h.iDeployAnHASessionClusterWithTheOptions)
	sc.Step(`^I deploy an HA application cluster "([^"]*)" running "([^"]*)" with (\d+) JobManagers?$`, h.iDeployAnHAApplicationCluster)
	sc.Step(`^within (.+) a JobManager of "([^"]*)" leads$`, h.withinAJobManagerLeads)
	sc.Step(`^within (.+) a new JobManager of "([^"]*)" leads$`, h.withinANewJobManagerLeads)
	sc.Step(`^within (.+) a standby JobManager of "([^"]*)" takes over$`, h.withinAStandbyTakesOver)
	sc.Step(`^within (.+) "([^"]*)" has no leader$`, h.withinHasNoLeader)
	sc.Step(`^for (.+) "([^"]*)" stays without a new leader$`, h.forStaysWithoutANewLeader)
	sc.Step(`^the leading JobManager of "([^"]*)" is deleted$`, h.theLeadingJobManagerIsDeleted)
	sc.Step(`^the leading JobManager of "([^"]*)" crashes$`, h.theLeadingJobManagerCrashes)
	sc.Step(`^within (.+) the former leader of "([^"]*)" has restarted$`, h.withinTheFormerLeaderHasRestarted)
	sc.Step(`^within (.+) the log of the leading JobManager of "([^"]*)" contains "([^"]*)"$`, h.withinTheLogOfTheLeadingJobManagerContains)
	sc.Step(`^the leader ConfigMap of "([^"]*)" has leader information for (.+)$`, h.theLeaderConfigMapHasLeaderInformationFor)
	sc.Step(`^someone overwrites the leader information of "([^"]*)" for the (resourcemanager|dispatcher|restserver)$`, h.someoneOverwritesTheLeaderInformation)
	sc.Step(`^within (.+) the leader information of "([^"]*)" for the (resourcemanager|dispatcher|restserver) names the leader again$`, h.withinTheLeaderInformationNamesTheLeaderAgain)
	sc.Step(`^the configmap "([^"]*)" has (?:a|\d+) keys? starting with "([^"]*)"$`, h.theConfigMapHasAKeyStartingWith)
	sc.Step(`^the configmap "([^"]*)" has no key starting with "([^"]*)"$`, h.theConfigMapHasNoKeyStartingWith)
	sc.Step(`^within (.+) the configmap "([^"]*)" (exists|does not exist)$`, h.withinTheConfigMap)
	sc.Step(`^I delete the configmap "([^"]*)"$`, h.iDeleteTheConfigMap)
	sc.Step(`^within (.+) the job "([^"]*)" runs from a restored checkpoint$`, h.withinTheJobRunsFromARestoredCheckpoint)
	sc.Step(`^the job "([^"]*)" has the id "([0-9a-f]{32})"$`, h.theJobHasTheID)
	sc.Step(`^the job ConfigMap of "([^"]*)" (exists|does not exist)$`, h.theJobConfigMap)
	sc.Step(`^the API server ends the ConfigMap watches of "([^"]*)" with 410 Gone$`, h.theAPIServerExpiresTheConfigMapWatches)
	sc.Step(`^ConfigMap updates take (.+) at the API server$`, h.configMapUpdatesTake)
	sc.Step(`^ConfigMap updates are fast again$`, h.configMapUpdatesAreFastAgain)
	sc.Step(`^the API server loses the response to the next update of the configmap "([^"]*)"$`, h.theAPIServerLosesTheNextUpdateResponse)
	sc.Step(`^the API server loses the response to the next checkpoint pointer written to the job ConfigMap of "([^"]*)"$`, h.theAPIServerLosesTheNextCheckpointPointerResponse)
	sc.Step(`^within (.+) the checkpoint of "([^"]*)" whose pointer write lost its response is COMPLETED$`, h.withinTheLostCheckpointIsCompleted)
	sc.Step(`^the job ConfigMap of "([^"]*)" points at the state of that checkpoint$`, h.theJobConfigMapPointsAtTheLostCheckpoint)
	sc.Step(`^within (.+) the job "([^"]*)" runs from a restored checkpoint no older than the one whose pointer write lost its response$`, h.withinTheJobRestoresNoOlderThanTheLostCheckpoint)
	sc.Step(`^I deploy an HA session cluster "([^"]*)" with (\d+) JobManagers? and the configuration:$`, h.iDeployAnHASessionClusterWithTheConfiguration)
	sc.Step(`^I deploy an HA application cluster "([^"]*)" running "([^"]*)" with (\d+) JobManagers? and the options:$`, h.iDeployAnHAApplicationClusterWithTheOptions)
	sc.Step(`^I deploy an HA application cluster "([^"]*)" running "([^"]*)" with (\d+) JobManagers? and the configuration:$`, h.iDeployAnHAApplicationClusterWithTheConfiguration)
	h.registerRequestSteps(sc)
}

// haOptions are the options of an HA cluster with n JobManagers.
func (h *haSide) haOptions(n int, opts *config.Configuration) (*config.Configuration, error) {
	if _, err := h.objectStore(); err != nil {
		return nil, err
	}
	conf := config.New()
	conf.SetString(config.HighAvailabilityType.Key(), "kubernetes")
	conf.SetString(config.HighAvailabilityStorageDir.Key(), haStorageDir)
	conf.SetString(config.KubernetesJobManagerReplicas.Key(), strconv.Itoa(n))
	if opts != nil {
		conf.AddAll(opts)
	}
	return conf, nil
}

// iDeployAnHASessionCluster deploys a session cluster with Kubernetes HA and n
// JobManagers (one leader, n-1 standbys), HA data under file:///flink-ha.
//
//	I deploy an HA session cluster "my-session" with 2 JobManagers
func (h *haSide) iDeployAnHASessionCluster(id string, n int) error {
	return h.iDeployAnHASessionClusterWithTheOptions(id, n, nil)
}

// iDeployAnHASessionClusterWithTheOptions is the same with more options.
//
//	I deploy an HA session cluster "my-session" with 2 JobManagers and the options:
//	  | high-availability.kubernetes.leader-election.lease-duration | 30 s |
func (h *haSide) iDeployAnHASessionClusterWithTheOptions(id string, n int, table *godog.Table) error {
	return h.deployHASession(id, n, table)
}

// iDeployAnHASessionClusterWithTheConfiguration is the same with options written as a
// config.yaml (nested or flat keys).
//
//	I deploy an HA session cluster "my-session" with 2 JobManagers and the configuration:
//	  """
//	  high-availability.kubernetes.leader-election.lease-duration: 30 s
//	  """
func (h *haSide) iDeployAnHASessionClusterWithTheConfiguration(id string, n int, doc *godog.DocString) error {
	return h.deployHASession(id, n, doc)
}

// deployHASession deploys an HA session cluster with the options of a step's table or
// doc string (nil: none).
func (h *haSide) deployHASession(id string, n int, arg interface{}) error {
	conf, err := h.haConfiguration(n, arg)
	if err != nil {
		return err
	}
	return h.deploySession(id, conf)
}

// haConfiguration is haOptions with the options of a step's table or doc string (nil:
// none).
func (h *haSide) haConfiguration(n int, arg interface{}) (*config.Configuration, error) {
	var extra *config.Configuration
	switch a := arg.(type) {
	case *godog.Table:
		if a == nil {
			break
		}
		var err error
		if extra, err = options(a); err != nil {
			return nil, err
		}
	case *godog.DocString:
		if a == nil {
			break
		}
		var err error
		if extra, err = options(a); err != nil {
			return nil, err
		}
	}
	return h.haOptions(n, extra)
}

// iDeployAnHAApplicationCluster deploys an application cluster with Kubernetes HA.
//
//	I deploy an HA application cluster "my-app" running "local:///opt/flink/examples/streaming/TopSpeedWindowing.jar" with 2 JobManagers
func (h *haSide) iDeployAnHAApplicationCluster(id, jar string, n int) error {
	return h.deployHAApplication(id, jar, n, nil)
}

// iDeployAnHAApplicationClusterWithTheOptions is the same with the options of a
// | key | value | table.
func (h *haSide) iDeployAnHAApplicationClusterWithTheOptions(id, jar string, n int, table *godog.Table) error {
	return h.deployHAApplication(id, jar, n, table)
}

// iDeployAnHAApplicationClusterWithTheConfiguration is the same with options written as
// a config.yaml.
//
//	I deploy an HA application cluster "my-app" running "local:///opt/flink/examples/streaming/TopSpeedWindowing.jar" with 2 JobManagers and the configuration:
//	  """
//	  restart-strategy.type: fixed-delay
//	  """
func (h *haSide) iDeployAnHAApplicationClusterWithTheConfiguration(id, jar string, n int, doc *godog.DocString) error {
	return h.deployHAApplication(id, jar, n, doc)
}

func (h *haSide) deployHAApplication(id, jar string, n int, arg interface{}) error {
	conf, err := h.haConfiguration(n, arg)
	if err != nil {
		return err
	}
	return h.deployApplication(id, jar, conf)
}

// leader reads who leads cluster id from its cluster ConfigMap: the lock holder,
// and the JobManager pod whose address the leader information names, once all of
// the resource manager, the dispatcher and the REST endpoint confirmed one session.
func (h *haSide) leader(id string) (leaderView, string, error) {
	cs, err := h.kube()
	if err != nil {
		return leaderView{}, "", err
	}
	ctx := context.Background()
	cm, err := cs.CoreV1().ConfigMaps(h.namespace).Get(ctx, ha.ClusterConfigMapName(id), metav1.GetOptions{})
	if err != nil {
		return leaderView{}, "no cluster ConfigMap: " + err.Error(), nil
	}
	var rec struct {
		HolderIdentity string `json:"holderIdentity"`
	}
	_ = json.Unmarshal([]byte(cm.Annotations[ha.LeaderAnnotationKey]), &rec)
	if rec.HolderIdentity == "" {
		return leaderView{}, "the lock is not held", nil
	}
	infos := ha.LeaderInformationOf(cm.Data)
	rest := infos[ha.RestServerComponent]
	for _, c := range []string{ha.ResourceManagerComponent, ha.DispatcherComponent} {
		if infos[c].IsEmpty() || infos[c].SessionID != rest.SessionID {
			return leaderView{}, fmt.Sprintf("held by %s, but the %s has not confirmed the session yet", rec.HolderIdentity, c), nil
		}
	}
	u, err := url.Parse(rest.Address)
	if err != nil {
		return leaderView{}, "the REST leader address is unreadable: " + rest.Address, nil
	}
	pods, err := cs.CoreV1().Pods(h.namespace).List(ctx, metav1.ListOptions{LabelSelector: jobManagerSelector(id)})
	if err != nil {
		return leaderView{}, "", err
	}
	for _, p := range pods.Items {
		if p.Status.PodIP == u.Hostname() && p.DeletionTimestamp == nil {
			return leaderView{pod: p.Name, identity: rec.HolderIdentity, session: rest.SessionID.String(), restarts: restarts(&p)}, "", nil
		}
	}
	return leaderView{}, "no live JobManager pod has the leader's address " + rest.Address, nil
}

func restarts(p *corev1.Pod) int32 {
	var n int32
	for _, s := range p.Status.ContainerStatuses {
		n += s.RestartCount
	}
	return n
}

// awaitLeader waits until accept takes the cluster's leader, and remembers it.
func (h *haSide) awaitLeader(within, id, what string, accept func(leaderView) (bool, string)) error {
	return waitUntil(within, what, func() (bool, string, error) {
		l, why, err := h.leader(id)
		if err != nil || why != "" {
			return false, why, err
		}
		if ok, why := accept(l); !ok {
			return false, why, nil
		}
		if before, ok := h.leaders[id]; ok && before.identity != l.identity {
			h.former[id] = before
		}
		if h.leaders[id] != l {
			h.tracef("%s is led by %s (identity %s, session %s)", id, l.pod, l.identity, l.session)
		}
		h.leaders[id] = l
		return true, "", nil
	})
}

// withinAJobManagerLeads waits for a leader whose components all confirmed.
//
//	within 1 minute a JobManager of "my-session" leads
func (h *haSide) withinAJobManagerLeads(within, id string) error {
	return h.awaitLeader(within, id, fmt.Sprintf("a JobManager of %q leads", id), func(leaderView) (bool, string) { return true, "" })
}

// withinANewJobManagerLeads waits for a leader with another lock identity than the
// one seen before (a standby, or the same pod's restarted process).
//
//	within 1 minute a new JobManager of "my-session" leads
func (h *haSide) withinANewJobManagerLeads(within, id string) error {
	before, err := h.seen(id)
	if err != nil {
		return err
	}
	return h.awaitLeader(within, id, fmt.Sprintf("a new JobManager of %q leads", id), func(l leaderView) (bool, string) {
		return l.identity != before.identity, "still led by " + l.identity
	})
}

// withinAStandbyTakesOver waits for a leader in another pod than before.
//
//	within 30 seconds a standby JobManager of "my-session" takes over
func (h *haSide) withinAStandbyTakesOver(within, id string) error {
	before, err := h.seen(id)
	if err != nil {
		return err
	}
	return h.awaitLeader(within, id, fmt.Sprintf("a standby JobManager of %q takes over from %s", id, before.pod), func(l leaderView) (bool, string) {
		return l.pod != before.pod, "still led by " + l.pod
	})
}

// withinHasNoLeader waits until nobody holds the lock with confirmed components.
//
//	within 1 minute "my-session" has no leader
func (h *haSide) withinHasNoLeader(within, id string) error {
	return waitUntil(within, fmt.Sprintf("%q has no leader", id), func() (bool, string, error) {
		l, why, err := h.leader(id)
		if err != nil {
			return false, "", err
		}
		return why != "", "led by " + l.pod, nil
	})
}

// forStaysWithoutANewLeader checks, throughout the duration, that no JobManager other
// than the one seen last leads.
//
//	for 10 seconds "my-session" stays without a new leader
func (h *haSide) forStaysWithoutANewLeader(within, id string) error {
	before, err := h.seen(id)
	if err != nil {
		return err
	}
	return holdsFor(within, fmt.Sprintf("%q stays without a new leader", id), func() (bool, string, error) {
		l, why, err := h.leader(id)
		if err != nil {
			return false, "", err
		}
		return why != "" || l.identity == before.identity, "led by " + l.identity, nil
	})
}

// seen is the leader a step saw last.
func (h *haSide) seen(id string) (leaderView, error) {
	l, ok := h.leaders[id]
	if !ok {
		return l, fmt.Errorf("no leader of %q was seen before: check one with \"a JobManager of %q leads\" first", id, id)
	}
	return l, nil
}

func (h *haSide) knownLeader(id string) (leaderView, error) {
	l, why, err := h.leader(id)
	if err != nil {
		return l, err
	}
	if why != "" {
		return l, fmt.Errorf("%q has no leader right now (%s)", id, why)
	}
	h.leaders[id] = l
	return l, nil
}

// theLeadingJobManagerIsDeleted deletes the leader's pod (gracefully: the process
// gets SIGTERM and releases the lock).
//
//	the leading JobManager of "my-session" is deleted
func (h *haSide) theLeadingJobManagerIsDeleted(id string) error {
	l, err := h.knownLeader(id)
	if err != nil {
		return err
	}
	h.tracef("kubectl delete pod/%s (the leader of %s)", l.pod, id)
	return h.cluster.Client().CoreV1().Pods(h.namespace).Delete(context.Background(), l.pod, metav1.DeleteOptions{})
}

// theLeadingJobManagerCrashes kills the leader's process at once (no release); the
// kubelet restarts the container.
//
//	the leading JobManager of "my-session" crashes
func (h *haSide) theLeadingJobManagerCrashes(id string) error {
	l, err := h.knownLeader(id)
	if err != nil {
		return err
	}
	h.tracef("the leader of %s (%s) crashes", id, l.pod)
	return h.cluster.Kubelet().Crash(h.namespace, l.pod, "", 1)
}

// withinTheFormerLeaderHasRestarted waits until the container of the pod that led
// before the last change of leader restarted (a crash or a fatal error).
//
//	within a minute the former leader of "my-session" has restarted
func (h *haSide) withinTheFormerLeaderHasRestarted(within, id string) error {
	l, ok := h.former[id]
	if !ok {
		return fmt.Errorf("no change of leader of %q was seen: check one with \"a new JobManager of %q leads\" first", id, id)
	}
	return waitUntil(within, fmt.Sprintf("the JobManager pod %s restarted", l.pod), func() (bool, string, error) {
		p, err := h.pod(l.pod)
		if err != nil {
			return false, err.Error(), nil
		}
		return restarts(p) > l.restarts, fmt.Sprintf("%d restarts", restarts(p)), nil
	})
}

// withinTheLogOfTheLeadingJobManagerContains waits for a line in the log of the pod
// that led last — of its running container or, once that restarted, of the previous
// one.
//
//	within a minute the log of the leading JobManager of "my-session" contains "Leadership of session"
func (h *haSide) withinTheLogOfTheLeadingJobManagerContains(within, id, fragment string) error {
	l, err := h.seen(id)
	if err != nil {
		return err
	}
	cs, err := h.kube()
	if err != nil {
		return err
	}
	return waitUntil(within, fmt.Sprintf("the log of %s contains %q", l.pod, fragment), func() (bool, string, error) {
		var last string
		for _, previous := range []bool{false, true} {
			b, err := cs.CoreV1().Pods(h.namespace).GetLogs(l.pod, &corev1.PodLogOptions{Container: "flink-main-container", Previous: previous}).DoRaw(context.Background())
			if err != nil {
				continue
			}
			if strings.Contains(string(b), fragment) {
				return true, "", nil
			}
			if !previous {
				last = lastLines(string(b), 3)
			}
		}
		return false, last, nil
	})
}

func (h *haSide) clusterConfigMap(name string) (*corev1.ConfigMap, error) {
	cs, err := h.kube()
	if err != nil {
		return nil, err
	}
	return cs.CoreV1().ConfigMaps(h.namespace).Get(context.Background(), name, metav1.GetOptions{})
}

// theLeaderConfigMapHasLeaderInformationFor checks the leader keys of components.
//
//	the leader ConfigMap of "my-session" has leader information for resourcemanager, dispatcher and restserver
func (h *haSide) theLeaderConfigMapHasLeaderInformationFor(id, list string) error {
	cm, err := h.clusterConfigMap(ha.ClusterConfigMapName(id))
	if err != nil {
		return err
	}
	infos := ha.LeaderInformationOf(cm.Data)
	for _, c := range strings.FieldsFunc(strings.ReplaceAll(list, " and ", ","), func(r rune) bool { return r == ',' || r == ' ' }) {
		if infos[c].IsEmpty() {
			return fmt.Errorf("no leader information for %q in %s (keys: %v)", c, cm.Name, keys(cm.Data))
		}
	}
	return nil
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// someoneOverwritesTheLeaderInformation edits a leader key as a person with kubectl
// might, to a session nobody holds.
//
//	someone overwrites the leader information of "my-session" for the resourcemanager
func (h *haSide) someoneOverwritesTheLeaderInformation(id, component string) error {
	cs, err := h.kube()
	if err != nil {
		return err
	}
	cm, err := h.clusterConfigMap(ha.ClusterConfigMapName(id))
	if err != nil {
		return err
	}
	cm.Data[ha.LeaderKey(component)] = "00000000-0000-0000-0000-000000000001,pekko.tcp://flink@10.255.255.1:6123/user/rpc/bogus"
	h.tracef("kubectl edit configmap/%s: %s overwritten", cm.Name, ha.LeaderKey(component))
	_, err = cs.CoreV1().ConfigMaps(h.namespace).Update(context.Background(), cm, metav1.UpdateOptions{})
	return err
}

// withinTheLeaderInformationNamesTheLeaderAgain waits for the leader to repair its key.
//
//	within 10 seconds the leader information of "my-session" for the resourcemanager names the leader again
func (h *haSide) withinTheLeaderInformationNamesTheLeaderAgain(within, id, component string) error {
	l, err := h.seen(id)
	if err != nil {
		return err
	}
	return waitUntil(within, "the leader information is repaired", func() (bool, string, error) {
		cm, err := h.clusterConfigMap(ha.ClusterConfigMapName(id))
		if err != nil {
			return false, err.Error(), nil
		}
		v := cm.Data[ha.LeaderKey(component)]
		return strings.HasPrefix(v, l.session+","), v, nil
	})
}

// theConfigMapHasAKeyStartingWith checks for a data key with a prefix.
//
//	the configmap "my-session-cluster-config-map" has a key starting with "executionPlan-"
func (h *haSide) theConfigMapHasAKeyStartingWith(name, prefix string) error {
	settle()
	cm, err := h.clusterConfigMap(name)
	if err != nil {
		return err
	}
	for k := range cm.Data {
		if strings.HasPrefix(k, prefix) {
			return nil
		}
	}
	return fmt.Errorf("configmap %s has no key starting with %q (keys: %v)", name, prefix, keys(cm.Data))
}

// theConfigMapHasNoKeyStartingWith checks that no data key has the prefix.
//
//	the configmap "my-session-cluster-config-map" has no key starting with "executionPlan-"
func (h *haSide) theConfigMapHasNoKeyStartingWith(name, prefix string) error {
	settle()
	cm, err := h.clusterConfigMap(name)
	if err != nil {
		return err
	}
	for k := range cm.Data {
		if strings.HasPrefix(k, prefix) {
			return fmt.Errorf("configmap %s has the key %q", name, k)
		}
	}
	return nil
}

// withinTheConfigMap waits until a ConfigMap exists or is gone.
//
//	within 1 minute the configmap "my-app-cluster-config-map" does not exist
func (h *haSide) withinTheConfigMap(within, name, state string) error {
	d, err := parseDuration(within)
	if err != nil {
		return err
	}
	want := state == "exists"
	return eventually(d, fmt.Sprintf("configmap %s %s", name, state), func() (bool, string, error) {
		_, err := h.clusterConfigMap(name)
		return (err == nil) == want, fmt.Sprintf("exists: %v", err == nil), nil
	})
}

// iDeleteTheConfigMap deletes a ConfigMap as kubectl delete does.
//
//	I delete the configmap "my-session-cluster-config-map"
func (h *haSide) iDeleteTheConfigMap(name string) error {
	cs, err := h.kube()
	if err != nil {
		return err
	}
	h.tracef("kubectl delete configmap/%s", name)
	return cs.CoreV1().ConfigMaps(h.namespace).Delete(context.Background(), name, metav1.DeleteOptions{})
}

// withinTheJobRunsFromARestoredCheckpoint waits until the job is RUNNING and its
// checkpoint statistics name a restored checkpoint.
//
//	within 2 minutes the job "TopSpeedWindowing" runs from a restored checkpoint
func (h *haSide) withinTheJobRunsFromARestoredCheckpoint(within, name string) error {
	return h.awaitRestored(within, name, 0)
}

// awaitRestored waits until the job is RUNNING from a restored checkpoint whose id is
// at least minID.
func (h *haSide) awaitRestored(within, name string, minID int64) error {
	sj, err := h.job(name)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("the job %q runs from a restored checkpoint", name)
	if minID > 0 {
		what += fmt.Sprintf(" with an id of at least %d", minID)
	}
	return waitUntil(within, what, func() (bool, string, error) {
		var out struct {
			Latest struct {
				Restored *struct {
					ID int64 `json:"id"`
				} `json:"restored"`
			} `json:"latest"`
		}
		if err := h.rest(sj.cluster, "/jobs/"+sj.id+"/checkpoints", &out); err != nil {
			return false, err.Error(), nil
		}
		info, err := h.jobInfo(name)
		if err != nil {
			return false, err.Error(), nil
		}
		if out.Latest.Restored == nil || info.State != "RUNNING" {
			return false, "state " + info.State + ", nothing restored", nil
		}
		if out.Latest.Restored.ID < minID {
			return false, fmt.Sprintf("state %s, restored checkpoint %d", info.State, out.Latest.Restored.ID), nil
		}
		h.tracef("job %q restored checkpoint %d", name, out.Latest.Restored.ID)
		return true, "", nil
	})
}

// theJobHasTheID checks the id a job runs under.
//
//	the job "WordCount Example" has the id "ffffffffc0bf46800000000000000000"
func (h *haSide) theJobHasTheID(name, id string) error {
	sj, err := h.job(name)
	if err != nil {
		return err
	}
	if sj.id != id {
		return fmt.Errorf("the job %q runs under the id %s, not %s", name, sj.id, id)
	}
	return nil
}

// theJobConfigMap checks the job's HA ConfigMap <cluster-id>-<job-id>-config-map.
//
//	the job ConfigMap of "TopSpeedWindowing" does not exist
func (h *haSide) theJobConfigMap(name, state string) error {
	settle()
	cmName, err := h.jobConfigMapName(name)
	if err != nil {
		return err
	}
	_, err = h.clusterConfigMap(cmName)
	if exists := err == nil; exists != (state == "exists") {
		return fmt.Errorf("configmap %s: exists is %v", cmName, exists)
	}
	return nil
}

// jobConfigMapName is the HA ConfigMap <cluster-id>-<job-id>-config-map of a job.
func (h *haSide) jobConfigMapName(name string) (string, error) {
	sj, err := h.job(name)
	if err != nil {
		return "", err
	}
	id, err := ha.ParseJobID(sj.id)
	if err != nil {
		return "", err
	}
	return ha.JobConfigMapName(sj.cluster, id), nil
}

// theAPIServerExpiresTheConfigMapWatches ends every open watch on ConfigMaps of the
// cluster's pods (leader election and retrieval, volumes) with ERROR 410 Expired, as
// after an etcd compaction (FLINK-20417).
//
//	the API server ends the ConfigMap watches of "my-session" with 410 Gone
func (h *haSide) theAPIServerExpiresTheConfigMapWatches(id string) error {
	if _, err := h.kube(); err != nil {
		return err
	}
	n := h.cluster.Server().ExpireWatches(func(r apiserver.Request) bool {
		return r.Resource.Resource == "configmaps" && strings.HasPrefix(r.User, "system:serviceaccount:")
	})
	if n == 0 {
		return fmt.Errorf("no process of %q watches a ConfigMap", id)
	}
	h.tracef("the API server ends %d ConfigMap watches with 410 Gone", n)
	return nil
}

// configMapUpdatesTake slows every ConfigMap update down (an overloaded API server).
//
//	ConfigMap updates take 20 seconds at the API server
func (h *haSide) configMapUpdatesTake(within string) error {
	d, err := parseDuration(within)
	if err != nil {
		return err
	}
	if _, err := h.kube(); err != nil {
		return err
	}
	_ = h.configMapUpdatesAreFastAgain()
	h.latency = faults.Latency(faults.Match{Verb: "update", Resource: "configmaps"}, d)
	h.cluster.Server().AddFault(h.latency)
	h.tracef("ConfigMap updates take %s", d)
	return nil
}

// configMapUpdatesAreFastAgain removes the latency.
//
//	ConfigMap updates are fast again
func (h *haSide) configMapUpdatesAreFastAgain() error {
	if h.latency != nil {
		h.cluster.Server().RemoveFault(h.latency)
		h.latency = nil
		h.tracef("ConfigMap updates are fast again")
	}
	return nil
}

// theAPIServerLosesTheNextUpdateResponse commits the next update of a ConfigMap but
// loses the response, so the client does not know whether it happened.
//
//	the API server loses the response to the next update of the configmap "my-session-cluster-config-map"
func (h *haSide) theAPIServerLosesTheNextUpdateResponse(name string) error {
	if _, err := h.kube(); err != nil {
		return err
	}
	h.cluster.Server().AddFault(faults.LoseResponse(faults.Match{Verb: "update", Resource: "configmaps", Name: name}, faults.Times(1)))
	h.tracef("the API server loses the response to the next update of configmap %s", name)
	return nil
}

// lostCheckpointPointer is the fault of the FLINK-28265 steps. It serves every update
// of one job ConfigMap and, through faults.LoseResponse, loses the response to the
// first one that adds a checkpoint pointer (a checkpointID-* key the ConfigMap did not
// hold before): the pointer is stored, the JobManager gets a 504. Updates of the
// checkpoint counter and removals of subsumed checkpoints pass, whichever come first.
type lostCheckpointPointer struct {
	lose *faults.Fault

	mu   sync.Mutex
	keys map[string]bool // the checkpoint keys after the last update served
	id   int64           // the checkpoint whose pointer write lost its response; 0 before
}

func checkpointKeys(data map[string]string) map[string]bool {
	keys := map[string]bool{}
	for k := range data {
		if _, err := ha.CheckpointIDFromKey(k); err == nil {
			keys[k] = true
		}
	}
	return keys
}

// Intercept implements apiserver.Fault.
func (f *lostCheckpointPointer) Intercept(req apiserver.Request, serve func() (runtime.Object, error)) (runtime.Object, error) {
	if !f.lose.Match().Matches(req) {
		return serve()
	}
	obj, err := serve()
	cm, ok := obj.(*corev1.ConfigMap)
	if err != nil || !ok {
		return obj, err
	}
	f.mu.Lock()
	keys := checkpointKeys(cm.Data)
	var added int64
	if f.id == 0 {
		for k := range keys {
			if id, _ := ha.CheckpointIDFromKey(k); !f.keys[k] {
				added = max(added, id)
			}
		}
		f.id = added
	}
	f.keys = keys
	f.mu.Unlock()
	if added == 0 {
		return obj, nil
	}
	return f.lose.Intercept(req, func() (runtime.Object, error) { return obj, nil })
}

// lost is the id of the checkpoint whose pointer write lost its response, 0 while
// none did.
func (f *lostCheckpointPointer) lost() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.id
}

// theAPIServerLosesTheNextCheckpointPointerResponse makes the API server commit the
// next checkpoint pointer (checkpointID-<id>) written into the job's ConfigMap
// <cluster-id>-<job-id>-config-map but lose the response, so that the JobManager does
// not know whether the checkpoint was stored (FLINK-28265).
//
//	the API server loses the response to the next checkpoint pointer written to the job ConfigMap of "CarTopSpeedWindowingExample"
func (h *haSide) theAPIServerLosesTheNextCheckpointPointerResponse(name string) error {
	if _, err := h.kube(); err != nil {
		return err
	}
	cmName, err := h.jobConfigMapName(name)
	if err != nil {
		return err
	}
	settle()
	cm, err := h.clusterConfigMap(cmName)
	if err != nil {
		return fmt.Errorf("the job ConfigMap of %q: %w", name, err)
	}
	f := &lostCheckpointPointer{
		lose: faults.LoseResponse(faults.Match{Verb: "update", Resource: "configmaps", Namespace: h.namespace, Name: cmName}, faults.Times(1)),
		keys: checkpointKeys(cm.Data),
	}
	h.cluster.Server().AddFault(f)
	h.lostPointers[name] = f
	h.tracef("the API server loses the response to the next checkpoint pointer written to configmap %s", cmName)
	return nil
}

// lostCheckpoint is the id of the checkpoint of a job whose pointer write lost its
// response.
func (h *haSide) lostCheckpoint(name string) (int64, error) {
	f, err := h.lostPointer(name)
	if err != nil {
		return 0, err
	}
	if id := f.lost(); id > 0 {
		return id, nil
	}
	return 0, fmt.Errorf("no checkpoint pointer of %q was written since the fault was installed", name)
}

// lostPointer is the checkpoint-pointer fault installed for a job.
func (h *haSide) lostPointer(name string) (*lostCheckpointPointer, error) {
	f, ok := h.lostPointers[name]
	if !ok {
		return nil, fmt.Errorf("no response to a checkpoint pointer of %q is lost: use \"the API server loses the response to the next checkpoint pointer written to the job ConfigMap of %q\" first", name, name)
	}
	return f, nil
}

// withinTheLostCheckpointIsCompleted waits until the checkpoint whose pointer write
// lost its response shows COMPLETED in the job's checkpoint history; FAILED fails at
// once.
//
//	within a minute the checkpoint of "CarTopSpeedWindowingExample" whose pointer write lost its response is COMPLETED
func (h *haSide) withinTheLostCheckpointIsCompleted(within, name string) error {
	sj, err := h.job(name)
	if err != nil {
		return err
	}
	f, err := h.lostPointer(name)
	if err != nil {
		return err
	}
	return waitUntil(within, fmt.Sprintf("the checkpoint of %q whose pointer write lost its response is COMPLETED", name), func() (bool, string, error) {
		id := f.lost()
		if id == 0 {
			return false, "no checkpoint pointer was written yet", nil
		}
		var out struct {
			History []struct {
				ID      int64  `json:"id"`
				Status  string `json:"status"`
				Failure string `json:"failure_message"`
			} `json:"history"`
		}
		if err := h.rest(sj.cluster, "/jobs/"+sj.id+"/checkpoints", &out); err != nil {
			return false, err.Error(), nil
		}
		for _, c := range out.History {
			switch {
			case c.ID != id:
			case c.Status == "COMPLETED":
				h.tracef("checkpoint %d of %q completed although the response to its pointer write was lost", id, name)
				return true, "", nil
			case c.Status == "FAILED":
				return false, "", fmt.Errorf("checkpoint %d of %q, whose pointer write lost its response, FAILED: %s", id, name, c.Failure)
			}
		}
		return false, fmt.Sprintf("checkpoint %d is not in the history yet", id), nil
	})
}

// theJobConfigMapPointsAtTheLostCheckpoint checks that the job ConfigMap holds the
// pointer of the checkpoint whose write lost its response, not marked for deletion,
// and that the state file it names is there: the handle is not broken.
//
//	the job ConfigMap of "CarTopSpeedWindowingExample" points at the state of that checkpoint
func (h *haSide) theJobConfigMapPointsAtTheLostCheckpoint(name string) error {
	id, err := h.lostCheckpoint(name)
	if err != nil {
		return err
	}
	cmName, err := h.jobConfigMapName(name)
	if err != nil {
		return err
	}
	store, err := h.objectStore()
	if err != nil {
		return err
	}
	settle()
	cm, err := h.clusterConfigMap(cmName)
	if err != nil {
		return err
	}
	key := ha.CheckpointKey(id)
	v, ok := cm.Data[key]
	if !ok {
		return fmt.Errorf("configmap %s has no key %s (keys: %v)", cmName, key, keys(cm.Data))
	}
	handle, marked, err := ha.DecodeEntry(v)
	switch {
	case err != nil:
		return fmt.Errorf("configmap %s: %s is unreadable: %w", cmName, key, err)
	case marked:
		return fmt.Errorf("configmap %s: %s is marked for deletion", cmName, key)
	}
	if _, err := store.Read(context.Background(), handle.Path); err != nil {
		return fmt.Errorf("configmap %s: %s points at %s, which cannot be read (a broken state handle): %w", cmName, key, handle.Path, err)
	}
	return nil
}

// withinTheJobRestoresNoOlderThanTheLostCheckpoint waits until the job runs from a
// restored checkpoint at least as new as the one whose pointer write lost its response.
//
//	within 2 minutes the job "CarTopSpeedWindowingExample" runs from a restored checkpoint no older than the one whose pointer write lost its response
func (h *haSide) withinTheJobRestoresNoOlderThanTheLostCheckpoint(within, name string) error {
	id, err := h.lostCheckpoint(name)
	if err != nil {
		return err
	}
	return h.awaitRestored(within, name, id)
}
