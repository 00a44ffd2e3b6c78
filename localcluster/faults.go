package localcluster

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
	// Container of crash and oom ("" = every container).
	Container string `json:"container,omitempty"`
	// ExitCode of crash. Default 1.
	ExitCode int32 `json:"exitCode,omitempty"`
	// Node of the node faults.
	Node string `json:"node,omitempty"`
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

// FaultKinds are the faults flinksim fault knows, with what they do.
var FaultKinds = []struct{ Kind, Usage, Help string }{
	{"kill-pod", "kill-pod <pod>", "delete the pod at once (grace period 0), as a lost machine or kubectl delete --force would; its owner replaces it"},
	{"crash", "crash <pod> [--container c] [--exit-code N]", "make the container process exit with code N (default 1); the kubelet restarts it by the pod's restart policy"},
	{"oom", "oom <pod> [--container c]", "kill the container as the kernel's OOM killer does (exit 137, reason OOMKilled)"},
	{"evict", "evict <pod> [--message m]", "fail the pod as the kubelet's eviction manager does (phase Failed, reason Evicted)"},
	{"node-notready", "node-notready <node>", "stop the node's kubelet: after the grace period the node is NotReady and its pods are evicted by taint"},
	{"node-ready", "node-ready <node>", "bring a stopped node's kubelet back"},
	{"delete-node", "delete-node <node>", "remove the node, as a cloud provider does for a vanished machine"},
	{"drain", "drain <node>", "cordon the node and evict its pods through the eviction API (kubectl drain)"},
	{"partition", "partition <podA> <podB>", "cut the network between two pods (both directions) until healed"},
	{"isolate", "isolate <pod>", "cut a pod from every other host until healed"},
	{"heal", "heal [<pod>]", "remove the partitions of a pod (none given: all partitions)"},
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
	if f.Namespace == "" && f.Kind != "api-errors" {
		f.Namespace = metav1.NamespaceDefault
	}
	need := func(what, value string) error {
		if value == "" {
			return badFault(fmt.Sprintf("%s needs a %s: flinksim fault %s", f.Kind, what, usageOf(f.Kind)))
		}
		return nil
	}
	kubelet := b.sim.Kubelet()
	if kubelet == nil {
		return "", fmt.Errorf("the simulated cluster is not running yet: try again in a moment")
	}
	switch f.Kind {
	case "kill-pod":
		if err := need("pod", f.Pod); err != nil {
			return "", err
		}
		zero := int64(0)
		if err := b.sim.Client().CoreV1().Pods(f.Namespace).Delete(ctx, f.Pod, metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
			return "", err
		}
		return fmt.Sprintf("pod %s/%s killed", f.Namespace, f.Pod), nil
	case "crash":
		if err := need("pod", f.Pod); err != nil {
			return "", err
		}
		code := f.ExitCode
		if code == 0 {
			code = 1
		}
		if err := b.podExists(ctx, f); err != nil {
			return "", err
		}
		if err := kubelet.Crash(f.Namespace, f.Pod, f.Container, code); err != nil {
			return "", badFault(err.Error())
		}
		return fmt.Sprintf("pod %s/%s: %s exited with code %d", f.Namespace, f.Pod, containerWords(f.Container), code), nil
	case "oom":
		if err := need("pod", f.Pod); err != nil {
			return "", err
		}
		if err := b.podExists(ctx, f); err != nil {
			return "", err
		}
		if err := kubelet.OOMKill(f.Namespace, f.Pod, f.Container); err != nil {
			return "", badFault(err.Error())
		}
		return fmt.Sprintf("pod %s/%s: %s OOMKilled", f.Namespace, f.Pod, containerWords(f.Container)), nil
	case "evict":
		if err := need("pod", f.Pod); err != nil {
			return "", err
		}
		if err := b.podExists(ctx, f); err != nil {
			return "", err
		}
		msg := f.Message
		if msg == "" {
			msg = "The node was low on resource: memory. (flinksim fault evict)"
		}
		if err := kubelet.Evict(f.Namespace, f.Pod, msg); err != nil {
			return "", badFault(err.Error())
		}
		return fmt.Sprintf("pod %s/%s evicted", f.Namespace, f.Pod), nil
	case "node-notready":
		if err := need("node", f.Node); err != nil {
			return "", err
		}
		if err := b.sim.NodeNotReady(f.Node); err != nil {
			return "", badFault(err.Error())
		}
		return fmt.Sprintf("node %s stopped: it turns NotReady after the node grace period (50 s)", f.Node), nil
	case "node-ready":
		if err := need("node", f.Node); err != nil {
			return "", err
		}
		if err := b.sim.NodeReady(f.Node); err != nil {
			return "", badFault(err.Error())
		}
		return fmt.Sprintf("node %s is back", f.Node), nil
	case "delete-node":
		if err := need("node", f.Node); err != nil {
			return "", err
		}
		if err := b.sim.DeleteNode(f.Node); err != nil {
			return "", err
		}
		return fmt.Sprintf("node %s deleted", f.Node), nil
	case "drain":
		if err := need("node", f.Node); err != nil {
			return "", err
		}
		if err := b.sim.DrainNode(ctx, f.Node); err != nil {
			return "", err
		}
		return fmt.Sprintf("node %s cordoned and drained", f.Node), nil
	case "partition", "isolate":
		if err := need("pod", f.Pod); err != nil {
			return "", err
		}
		a, err := b.podIP(ctx, f.Namespace, f.Pod)
		if err != nil {
			return "", err
		}
		if f.Kind == "isolate" {
			b.sim.Network().Isolate(a)
			return fmt.Sprintf("pod %s/%s (%s) isolated", f.Namespace, f.Pod, a), nil
		}
		if err := need("second pod", f.PeerPod); err != nil {
			return "", err
		}
		peer, err := b.podIP(ctx, f.Namespace, f.PeerPod)
		if err != nil {
			return "", err
		}
		b.sim.Network().Partition(a, peer)
		return fmt.Sprintf("network cut between pods %s (%s) and %s (%s)", f.Pod, a, f.PeerPod, peer), nil
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
		return fmt.Sprintf("partitions of pod %s/%s healed", f.Namespace, f.Pod), nil
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
	var kinds []string
	for _, k := range FaultKinds {
		kinds = append(kinds, k.Kind)
	}
	return "", badFault(fmt.Sprintf("unknown fault %q: choose one of %s", f.Kind, strings.Join(kinds, ", ")))
}

func containerWords(c string) string {
	if c == "" {
		return "every container"
	}
	return "container " + c
}

func usageOf(kind string) string {
	for _, k := range FaultKinds {
		if k.Kind == kind {
			return k.Usage
		}
	}
	return kind
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
		fault = faults.Error(m, int32(code), reasonOf(code), "injected by flinksim fault api-errors", opts...)
	}
	b.mu.Lock()
	b.api = append(b.api, fault)
	b.mu.Unlock()
	b.sim.Server().AddFault(fault)
	return fault, nil
}

// reasonOf is the StatusReason the real server gives a status code.
func reasonOf(code int) metav1.StatusReason {
	switch code {
	case http.StatusBadRequest:
		return metav1.StatusReasonBadRequest
	case http.StatusUnauthorized:
		return metav1.StatusReasonUnauthorized
	case http.StatusForbidden:
		return metav1.StatusReasonForbidden
	case http.StatusNotFound:
		return metav1.StatusReasonNotFound
	case http.StatusConflict:
		return metav1.StatusReasonConflict
	case http.StatusGone:
		return metav1.StatusReasonExpired
	case http.StatusUnprocessableEntity:
		return metav1.StatusReasonInvalid
	case http.StatusGatewayTimeout:
		return metav1.StatusReasonTimeout
	case http.StatusServiceUnavailable:
		return metav1.StatusReasonServiceUnavailable
	case http.StatusInternalServerError:
		return metav1.StatusReasonInternalError
	}
	return metav1.StatusReasonUnknown
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
