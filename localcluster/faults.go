package localcluster

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/ha"
	"flinksim/sim"
	"flinksim/sim/faults"
)

// Fault is one fault to inject into a running cluster, as flinksim fault sends it to
// the control endpoint.
type Fault struct {
	// Kind is one of FaultKinds.
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	// Pod, PeerPod: the pods of pod faults and of partition/heal.
	Pod     string `json:"pod,omitempty"`
	PeerPod string `json:"peerPod,omitempty"`
	// Container of crash, oom, hang and resume ("" = every container).
	Container string `json:"container,omitempty"`
	// ExitCode of crash and kill-leader --crash. Default 1.
	ExitCode int32 `json:"exitCode,omitempty"`
	// Node of the node faults.
	Node string `json:"node,omitempty"`
	// Cluster is the Flink cluster id of kill-leader.
	Cluster string `json:"cluster,omitempty"`
	// Crash makes kill-leader kill the leader's process at once (it keeps the lock
	// until its lease expires) instead of deleting its pod gracefully.
	Crash bool `json:"crash,omitempty"`
	// API faults (package sim/faults): which requests (patterns; empty = any, and the
	// namespace narrows them only when given) and what happens to them: an error with
	// Code (default 500; 429 throttles with Retry-After), Latency, Unavailable (refused
	// connections), LoseResponse (served, then a 504: committed but the client does not
	// know), DropWatches or ExpireWatches (new watches end at once, or with 410).
	Verb          string        `json:"verb,omitempty"`
	Resource      string        `json:"resource,omitempty"`
	Name          string        `json:"name,omitempty"`
	User          string        `json:"user,omitempty"`
	Code          int           `json:"code,omitempty"`
	Latency       time.Duration `json:"latency,omitempty"`
	Unavailable   bool          `json:"unavailable,omitempty"`
	LoseResponse  bool          `json:"loseResponse,omitempty"`
	DropWatches   bool          `json:"dropWatches,omitempty"`
	ExpireWatches bool          `json:"expireWatches,omitempty"`
	// Count is how many matching requests are struck (0: all until cleared), For how
	// long the fault lasts (0: until cleared), Probability the chance of each
	// matching request (0: every one).
	Count       int           `json:"count,omitempty"`
	For         time.Duration `json:"for,omitempty"`
	Probability float64       `json:"probability,omitempty"`
	// Message is the eviction message.
	Message string `json:"message,omitempty"`
}

// FaultKind is one kind of fault flinksim fault knows. Usage is the single statement
// of its command line: the positional arguments (<pod>, <podA> <podB>, <node>,
// <cluster-id>; [<pod>] when optional) and the flags that apply to it besides -n;
// ParseFault and the control endpoint both read them from it.
type FaultKind struct{ Kind, Usage, Help string }

// FaultKinds are the faults flinksim fault knows, with what they do.
var FaultKinds = []FaultKind{
	{"kill-pod", "kill-pod <pod>", "delete the pod at once (grace period 0), as a lost machine or kubectl delete --force would; its owner replaces it"},
	{"crash", "crash <pod> [--container c] [--exit-code N]", "make the container process exit with code N (default 1); the kubelet restarts it by the pod's restart policy"},
	{"oom", "oom <pod> [--container c]", "kill the container as the kernel's OOM killer does (exit 137, reason OOMKilled)"},
	{"evict", "evict <pod> [--message m]", "fail the pod as the kubelet's eviction manager does (phase Failed, reason Evicted)"},
	{"hang", "hang <pod> [--container c]", "freeze the container's process (a stop-the-world pause, a stuck disk): the pod stays Running but answers nothing, its connections and API requests hang, and it ignores SIGTERM until the grace period is up; undo with resume"},
	{"resume", "resume <pod> [--container c]", "end a hang: the held connections and requests go on"},
	{"kill-leader", "kill-leader <cluster-id> [--crash] [--exit-code N]", "kill the leading JobManager of a Flink cluster with Kubernetes HA (the pod its leader ConfigMap names): delete its pod gracefully (it gives up the leadership as it stops; another JobManager leads within the retry period), or with --crash make its process exit at once (it keeps the lock until the lease expires, then a standby or its own restarted container leads)"},
	{"node-notready", "node-notready <node>", "stop the node's kubelet: after the grace period the node is NotReady and its pods are evicted by taint"},
	{"node-ready", "node-ready <node>", "bring a stopped node's kubelet back"},
	{"delete-node", "delete-node <node>", "remove the node, as a cloud provider does for a vanished machine"},
	{"drain", "drain <node>", "cordon the node and evict its pods through the eviction API (kubectl drain)"},
	{"partition", "partition <podA> <podB>", "cut the network between two pods (both directions) until healed"},
	{"isolate", "isolate <pod>", "cut a pod from every other host until healed"},
	{"partition-api", "partition-api <pod>", "cut a pod off from the Kubernetes API server only: its processes' requests hang and their watches fall silent (a JobManager cannot renew its leadership); undo with heal-api"},
	{"heal-api", "heal-api <pod>", "reconnect a pod to the API server: held watch events arrive"},
	{"heal", "heal [<pod>]", "remove the partitions of a pod, from the API server too (none given: all partitions)"},
	{"api-errors", "api-errors [--verb v] [--resource r] [-n ns] [--name n] [--user u] [--code 500 | --latency 2s | --unavailable | --lose-response | --drop-watches | --expire-watches] [--count N] [--for 1m] [--probability 0.5]",
		"make the API server misbehave for matching requests (patterns as in sim/faults, e.g. --resource configmaps --name '*-cluster-config-map'): fail with a status (default 500; 429 throttles), delay, refuse, commit but lose the response, or end new watches"},
	{"clear-api-errors", "clear-api-errors", "remove every API fault"},
}

// faultBook carries faults out on the simulated cluster and keeps the API error
// faults it installed.
type faultBook struct {
	sim  *sim.Cluster
	seed int64

	mu     sync.Mutex
	nextID int
	api    []*faults.Fault
}

func newFaultBook(c *sim.Cluster, seed int64) *faultBook { return &faultBook{sim: c, seed: seed} }

// apply carries out a fault and says what happened.
func (b *faultBook) apply(ctx context.Context, f Fault) (string, error) {
	kind, err := lookupFaultKind(f.Kind)
	if err != nil {
		return "", badFault(err.Error())
	}
	if missing := kind.missingArgument(&f); missing != "" {
		return "", badFault(fmt.Sprintf("%s needs a %s: flinksim fault %s", f.Kind, missing, kind.Usage))
	}
	if f.Namespace == "" && f.Kind != "api-errors" {
		f.Namespace = metav1.NamespaceDefault
	}
	kubelet := b.sim.Kubelet()
	if kubelet == nil {
		return "", fmt.Errorf("the simulated cluster is not running yet: try again in a moment")
	}
	pod := fmt.Sprintf("pod %s/%s", f.Namespace, f.Pod)
	// onPod runs a kubelet fault on an existing pod.
	onPod := func(inject func() error) error {
		if err := b.podExists(ctx, f); err != nil {
			return err
		}
		if err := inject(); err != nil {
			return badFault(err.Error())
		}
		return nil
	}
	exitCode := f.ExitCode
	if exitCode == 0 {
		exitCode = 1
	}
	switch f.Kind {
	case "kill-pod":
		zero := int64(0)
		if err := b.sim.Client().CoreV1().Pods(f.Namespace).Delete(ctx, f.Pod, metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
			return "", err
		}
		return pod + " killed", nil
	case "crash":
		if err := onPod(func() error { return kubelet.Crash(f.Namespace, f.Pod, f.Container, exitCode) }); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s: %s exited with code %d", pod, containerWords(f.Container), exitCode), nil
	case "oom":
		if err := onPod(func() error { return kubelet.OOMKill(f.Namespace, f.Pod, f.Container) }); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s: %s OOMKilled", pod, containerWords(f.Container)), nil
	case "evict":
		msg := f.Message
		if msg == "" {
			msg = "The node was low on resource: memory. (flinksim fault evict)"
		}
		if err := onPod(func() error { return kubelet.Evict(f.Namespace, f.Pod, msg) }); err != nil {
			return "", err
		}
		return pod + " evicted", nil
	case "hang":
		if err := onPod(func() error { return kubelet.Hang(f.Namespace, f.Pod, f.Container) }); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s: %s hangs (Running, answering nothing; undo with flinksim fault resume %s)", pod, containerWords(f.Container), f.Pod), nil
	case "resume":
		if err := onPod(func() error { return kubelet.Resume(f.Namespace, f.Pod, f.Container) }); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s: %s resumed", pod, containerWords(f.Container)), nil
	case "kill-leader":
		return b.killLeader(ctx, f.Namespace, f.Cluster, f.Crash, exitCode)
	case "node-notready":
		if err := b.sim.NodeNotReady(f.Node); err != nil {
			return "", badFault(err.Error())
		}
		return fmt.Sprintf("node %s stopped: it turns NotReady after the node grace period (50 s)", f.Node), nil
	case "node-ready":
		if err := b.sim.NodeReady(f.Node); err != nil {
			return "", badFault(err.Error())
		}
		return fmt.Sprintf("node %s is back", f.Node), nil
	case "delete-node":
		if err := b.sim.DeleteNode(f.Node); err != nil {
			return "", err
		}
		return fmt.Sprintf("node %s deleted", f.Node), nil
	case "drain":
		if err := b.sim.DrainNode(ctx, f.Node); err != nil {
			return "", err
		}
		return fmt.Sprintf("node %s cordoned and drained", f.Node), nil
	case "partition", "isolate":
		a, err := b.podIP(ctx, f.Namespace, f.Pod)
		if err != nil {
			return "", err
		}
		if f.Kind == "isolate" {
			b.sim.Network().Isolate(a)
			return fmt.Sprintf("%s (%s) isolated", pod, a), nil
		}
		peer, err := b.podIP(ctx, f.Namespace, f.PeerPod)
		if err != nil {
			return "", err
		}
		b.sim.Network().Partition(a, peer)
		return fmt.Sprintf("network cut between pods %s (%s) and %s (%s)", f.Pod, a, f.PeerPod, peer), nil
	case "partition-api", "heal-api":
		ip, err := b.podIP(ctx, f.Namespace, f.Pod)
		if err != nil {
			return "", err
		}
		if f.Kind == "heal-api" {
			if err := b.sim.HealAPIServer(ctx, f.Namespace, f.Pod); err != nil {
				return "", badFault(err.Error())
			}
			return fmt.Sprintf("%s (%s) reaches the API server again", pod, ip), nil
		}
		if err := b.sim.PartitionFromAPIServer(ctx, f.Namespace, f.Pod); err != nil {
			return "", badFault(err.Error())
		}
		return fmt.Sprintf("%s (%s) cut off from the API server (%s); undo with flinksim fault heal-api %s", pod, ip, b.sim.APIServerIP(), f.Pod), nil
	case "heal":
		if f.Pod == "" {
			b.sim.Network().Heal("")
			return "every partition healed", nil
		}
		ip, err := b.podIP(ctx, f.Namespace, f.Pod)
		if err != nil {
			return "", err
		}
		b.sim.Network().Heal(ip)
		return fmt.Sprintf("partitions of %s healed", pod), nil
	case "api-errors":
		fault, err := b.addAPIFault(f)
		if err != nil {
			return "", err
		}
		return "API fault installed: " + fault.String(), nil
	case "clear-api-errors":
		n := b.clear()
		return fmt.Sprintf("%d API fault(s) removed", n), nil
	}
	return "", fmt.Errorf("localcluster: fault kind %q is in FaultKinds but not carried out", f.Kind)
}

// killLeader kills the leading JobManager of a Flink cluster with Kubernetes HA.
func (b *faultBook) killLeader(ctx context.Context, namespace, id string, crash bool, exitCode int32) (string, error) {
	l, err := b.leader(ctx, namespace, id)
	if err != nil {
		return "", err
	}
	if crash {
		kubelet := b.sim.Kubelet()
		if err := kubelet.Crash(namespace, l.Pod, "", exitCode); err != nil {
			return "", badFault(fmt.Sprintf("the leader of %s, pod %s: %v", id, l.Pod, err))
		}
		return fmt.Sprintf("the leader of %s, JobManager pod %s/%s (lock identity %s), crashed with exit code %d: it keeps the lock until the lease runs out "+
			"(high-availability.kubernetes.leader-election.lease-duration, 15 s by default), then another JobManager takes it: a standby, or the crashed one's container, which the kubelet restarts",
			id, namespace, l.Pod, l.Identity, exitCode), nil
	}
	if err := b.sim.Client().CoreV1().Pods(namespace).Delete(ctx, l.Pod, metav1.DeleteOptions{}); err != nil {
		return "", err
	}
	return fmt.Sprintf("the leader of %s, JobManager pod %s/%s (lock identity %s), deleted: it gives up the leadership as it stops, and within the retry period "+
		"(high-availability.kubernetes.leader-election.retry-period, 5 s by default) another JobManager leads: a standby, or the pod the Deployment starts in its place", id, namespace, l.Pod, l.Identity), nil
}

// leader finds the pod that leads Flink cluster id, or says why there is none.
func (b *faultBook) leader(ctx context.Context, namespace, id string) (Leader, error) {
	client := b.sim.Client()
	cm, err := client.CoreV1().ConfigMaps(namespace).Get(ctx, ha.ClusterConfigMapName(id), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		if _, derr := client.AppsV1().Deployments(namespace).Get(ctx, id, metav1.GetOptions{}); apierrors.IsNotFound(derr) {
			return Leader{}, &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusNotFound, Reason: metav1.StatusReasonNotFound,
				Message: fmt.Sprintf("no Flink cluster %q in namespace %s (no Deployment %s): kubectl get deployments -n %s lists them", id, namespace, id, namespace)}}
		}
		return Leader{}, badFault(fmt.Sprintf("Flink cluster %s/%s runs without Kubernetes HA (no ConfigMap %s), so no JobManager leads it: "+
			"deploy it with -Dhigh-availability.type=kubernetes -Dhigh-availability.storageDir=file:///flink-ha, "+
			"or kill its JobManager pod with flinksim fault kill-pod", namespace, id, ha.ClusterConfigMapName(id)))
	}
	if err != nil {
		return Leader{}, err
	}
	pods, err := client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{
		LabelSelector: "type=flink-native-kubernetes,component=jobmanager,app=" + id})
	if err != nil {
		return Leader{}, err
	}
	l, _, held := findLeader([]corev1.ConfigMap{*cm}, pods.Items, namespace, id)
	switch {
	case !held:
		return Leader{}, badFault(fmt.Sprintf("no JobManager of %s/%s leads right now (the lock in %s is not held): try again once flinksim status shows a leader",
			namespace, id, cm.Name))
	case l.Pod == "" && l.Address == "":
		return Leader{}, badFault(fmt.Sprintf("the lock of %s/%s is held by %s, which has not published its address yet: try again in a moment", namespace, id, l.Identity))
	case l.Pod == "":
		return Leader{}, badFault(fmt.Sprintf("the leader of %s/%s (lock identity %s) is at %s, but no JobManager pod has that address (it is gone): "+
			"a standby takes over once the lease runs out", namespace, id, l.Identity, l.Address))
	case l.Terminating:
		return Leader{}, badFault(fmt.Sprintf("the leader of %s/%s, pod %s, is already being deleted", namespace, id, l.Pod))
	}
	return l, nil
}

func containerWords(c string) string {
	if c == "" {
		return "every container"
	}
	return "container " + c
}

func badFault(msg string) error { return apierrors.NewBadRequest(msg) }

func (b *faultBook) podExists(ctx context.Context, f Fault) error {
	_, err := b.sim.Client().CoreV1().Pods(f.Namespace).Get(ctx, f.Pod, metav1.GetOptions{})
	return err
}

func (b *faultBook) podIP(ctx context.Context, ns, name string) (string, error) {
	pod, err := b.sim.Client().CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	if pod.Status.PodIP == "" {
		return "", badFault(fmt.Sprintf("pod %s/%s has no IP yet (status %s): wait until it runs", ns, name, pod.Status.Phase))
	}
	return pod.Status.PodIP, nil
}

// addAPIFault installs a fault of the sim/faults catalogue on the API server.
func (b *faultBook) addAPIFault(f Fault) (*faults.Fault, error) {
	m := faults.Match{User: f.User, Verb: f.Verb, Resource: f.Resource, Namespace: f.Namespace, Name: f.Name}
	if err := m.Validate(); err != nil {
		return nil, badFault(err.Error())
	}
	if f.Verb != "" {
		for _, v := range strings.Split(f.Verb, ",") {
			if !slices.Contains([]string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "*"}, strings.TrimSpace(v)) && !strings.ContainsAny(v, "*?[") {
				return nil, badFault(fmt.Sprintf("--verb %q is not a Kubernetes verb: get, list, watch, create, update, patch, delete or deletecollection", v))
			}
		}
	}
	if f.Count < 0 || f.Probability < 0 || f.Probability > 1 || f.For < 0 {
		return nil, badFault("--count and --for must not be negative, and --probability is between 0 and 1")
	}
	var opts []faults.Option
	if f.Count > 0 {
		opts = append(opts, faults.Times(f.Count))
	}
	if f.Probability > 0 {
		opts = append(opts, faults.Probability(f.Probability, b.seed))
	}
	if f.For > 0 {
		opts = append(opts, faults.For(f.For))
	}
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	b.mu.Unlock()
	opts = append(opts, faults.Name(fmt.Sprintf("#%d", id)))

	var fault *faults.Fault
	switch {
	case f.Latency > 0:
		fault = faults.Latency(m, f.Latency, opts...)
	case f.Unavailable:
		fault = faults.Unavailable(m, opts...)
	case f.DropWatches:
		fault = faults.DropWatch(m, opts...)
	case f.ExpireWatches:
		fault = faults.ExpireWatch(m, opts...)
	case f.LoseResponse:
		fault = faults.LoseResponse(m, opts...)
	case f.Code == http.StatusTooManyRequests:
		fault = faults.Throttle(m, time.Second, opts...)
	default:
		code := f.Code
		if code == 0 {
			code = http.StatusInternalServerError
		}
		if code < 400 || code > 599 {
			return nil, badFault(fmt.Sprintf("--code %d is not an HTTP error status: give 400-599 (e.g. 409, 429, 500, 503)", code))
		}
		fault = faults.Error(m, int32(code), faults.ReasonFor(code), "injected by flinksim fault api-errors", opts...)
	}
	b.mu.Lock()
	b.api = append(b.api, fault)
	b.mu.Unlock()
	b.sim.Server().AddFault(fault)
	return fault, nil
}

// clear removes every API fault; it returns how many there were.
func (b *faultBook) clear() int {
	b.mu.Lock()
	installed := b.api
	b.api = nil
	b.mu.Unlock()
	for _, f := range installed {
		b.sim.Server().RemoveFault(f)
	}
	return len(installed)
}

// active describes the installed API faults and how often each struck.
func (b *faultBook) active() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, f := range b.api {
		out = append(out, fmt.Sprintf("%s (struck %d times)", f, f.Hits()))
	}
	return out
}
