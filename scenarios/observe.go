package scenarios

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"flinksim/ha"
)

// observer writes the cluster's observable history into the trace: what a person
// reading `kubectl get -w` and `kubectl get events -w` would note — objects created and
// deleted, pods scheduled, their phases, restarts and terminations, the Events the
// cluster's components and Flink record, the leader of HA ConfigMaps, nodes turning
// NotReady. Updates that change none of that (status heartbeats, resourceVersions,
// leader renewals) leave no line, so the trace stays short and stable.
type observer struct {
	factory   informers.SharedInformerFactory
	namespace string // "" for all namespaces
	record    func(text string)

	mu          sync.Mutex
	createdPods []string // in the order the observer saw them
	// podRoles are the Flink cluster (label app) and component (label component) of
	// every pod the observer saw, deleted ones too, by name: who made a request the
	// API server logged with the pod's name.
	podRoles map[string]podRole
	// restartedPods are the pods whose containers the kubelet restarted in place.
	restartedPods map[string]bool
}

// startObserver watches the cluster through cs until stop closes; Shutdown on the
// returned observer's factory waits for its goroutines. With a namespace, only that
// namespace's objects (and no nodes) are watched, as on a cluster shared by several
// scenarios.
func startObserver(cs kubernetes.Interface, namespace string, record func(string), stop <-chan struct{}) *observer {
	o := &observer{
		factory:   informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(namespace)),
		namespace: namespace,
		record:    record,
	}
	handle := func(inf cache.SharedIndexInformer, kind string, diff func(old, cur any) []string) {
		_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc: func(obj any) { o.note(kind, obj, "created") },
			UpdateFunc: func(old, cur any) {
				if diff != nil {
					for _, d := range diff(old, cur) {
						o.note(kind, cur, d)
					}
				}
			},
			DeleteFunc: func(obj any) {
				if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
					obj = t.Obj
				}
				o.note(kind, obj, "deleted")
			},
		})
	}
	handle(o.factory.Core().V1().Pods().Informer(), "pod", podChanges)
	_, _ = o.factory.Core().V1().Pods().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			o.mu.Lock()
			defer o.mu.Unlock()
			p := obj.(*corev1.Pod)
			o.createdPods = append(o.createdPods, p.Name)
			if o.podRoles == nil {
				o.podRoles = map[string]podRole{}
			}
			o.podRoles[p.Name] = podRole{cluster: p.Labels["app"], component: p.Labels["component"]}
		},
		UpdateFunc: func(_, cur any) {
			p := cur.(*corev1.Pod)
			for _, cs := range p.Status.ContainerStatuses {
				if cs.RestartCount > 0 {
					o.mu.Lock()
					if o.restartedPods == nil {
						o.restartedPods = map[string]bool{}
					}
					o.restartedPods[p.Name] = true
					o.mu.Unlock()
					return
				}
			}
		},
	})
	handle(o.factory.Core().V1().ConfigMaps().Informer(), "configmap", configMapChanges)
	handle(o.factory.Core().V1().Services().Informer(), "service", serviceChanges)
	handle(o.factory.Apps().V1().Deployments().Informer(), "deployment", deploymentChanges)
	handle(o.factory.Apps().V1().ReplicaSets().Informer(), "replicaset", nil)
	if namespace == "" {
		handle(o.factory.Core().V1().Nodes().Informer(), "node", nodeChanges)
	}
	events := o.factory.Core().V1().Events().Informer()
	_, _ = events.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { o.event(obj.(*corev1.Event)) },
		UpdateFunc: func(old, cur any) {
			if a, b := old.(*corev1.Event), cur.(*corev1.Event); b.Count > a.Count {
				o.event(b)
			}
		},
	})
	o.factory.Start(stop)
	return o
}

// podRole is what a pod is in a Flink cluster: its cluster id and its component
// ("jobmanager", "taskmanager").
type podRole struct{ cluster, component string }

// observedPodsOf are the names of every pod of the cluster id with the component that
// the observer saw, deleted ones too, sorted.
func (w *World) observedPodsOf(id, component string) []string {
	if w.observer == nil {
		return nil
	}
	w.observer.mu.Lock()
	defer w.observer.mu.Unlock()
	var out []string
	for name, r := range w.observer.podRoles {
		if r.cluster == id && r.component == component {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// observedPodCreations are the pods, named with prefix, that the scenario's observer
// saw created in the scenario's namespace: the successful creations, where the
// simulated API server's request log is not there to tell (a real API server).
func (w *World) observedPodCreations(prefix string) []string {
	if w.observer == nil {
		return nil
	}
	w.observer.mu.Lock()
	defer w.observer.mu.Unlock()
	var out []string
	for _, name := range w.observer.createdPods {
		if strings.HasPrefix(name, prefix) {
			out = append(out, name)
		}
	}
	return out
}

// restartedPodsOf are the pods, named with prefix, whose containers the observer saw
// restarted in place by the kubelet, sorted.
func (w *World) restartedPodsOf(prefix string) []string {
	if w.observer == nil {
		return nil
	}
	w.observer.mu.Lock()
	defer w.observer.mu.Unlock()
	var out []string
	for name := range w.observer.restartedPods {
		if strings.HasPrefix(name, prefix) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// note records "<kind> <name> <what>".
func (o *observer) note(kind string, obj any, what string) {
	m, ok := obj.(interface{ GetNamespace() string })
	n, ok2 := obj.(interface{ GetName() string })
	if !ok || !ok2 {
		return
	}
	o.record(fmt.Sprintf("%s %s %s", kind, o.name(m.GetNamespace(), n.GetName()), what))
}

// name is an object's name, with its namespace when that is not the only one watched
// or the default one.
func (o *observer) name(namespace, name string) string {
	if namespace == "" || namespace == o.namespace || (o.namespace == "" && namespace == corev1.NamespaceDefault) {
		return name
	}
	return namespace + "/" + name
}

func (o *observer) event(e *corev1.Event) {
	obj := e.InvolvedObject
	line := fmt.Sprintf("event %s %s %s/%s", e.Type, e.Reason, strings.ToLower(obj.Kind), o.name(obj.Namespace, obj.Name))
	if e.Count > 1 {
		line += fmt.Sprintf(" (x%d)", e.Count)
	}
	if e.Message != "" {
		line += ": " + e.Message
	}
	o.record(line)
}

func podChanges(old, cur any) []string {
	a, b := old.(*corev1.Pod), cur.(*corev1.Pod)
	var out []string
	if a.Spec.NodeName == "" && b.Spec.NodeName != "" {
		out = append(out, "scheduled on "+b.Spec.NodeName)
	}
	if a.Status.Phase != b.Status.Phase {
		phase := string(b.Status.Phase)
		if b.Status.Reason != "" {
			phase += " (" + b.Status.Reason + ")"
		}
		out = append(out, phase)
	}
	for _, cs := range b.Status.ContainerStatuses {
		i := slices.IndexFunc(a.Status.ContainerStatuses, func(s corev1.ContainerStatus) bool { return s.Name == cs.Name })
		if i < 0 || cs.RestartCount <= a.Status.ContainerStatuses[i].RestartCount {
			continue
		}
		what := fmt.Sprintf("container %s restarted (%d)", cs.Name, cs.RestartCount)
		if t := cs.LastTerminationState.Terminated; t != nil {
			what += fmt.Sprintf(" after exit code %d %s", t.ExitCode, t.Reason)
		}
		out = append(out, what)
	}
	if a.DeletionTimestamp == nil && b.DeletionTimestamp != nil {
		out = append(out, "terminating")
	}
	return out
}

func configMapChanges(old, cur any) []string {
	a, b := leaderOf(old.(*corev1.ConfigMap)), leaderOf(cur.(*corev1.ConfigMap))
	switch {
	case a == b:
		return nil
	case b == "":
		return []string{"leader released"}
	}
	return []string{"leader " + b}
}

// leaderOf is the holder of the leader record of an HA ConfigMap (fabric8's
// annotation), "" when there is none.
func leaderOf(cm *corev1.ConfigMap) string {
	raw, ok := cm.Annotations[ha.LeaderAnnotationKey]
	if !ok {
		return ""
	}
	var record struct {
		HolderIdentity string `json:"holderIdentity"`
	}
	if json.Unmarshal([]byte(raw), &record) != nil {
		return "unreadable"
	}
	return record.HolderIdentity
}

func serviceChanges(old, cur any) []string {
	a, b := old.(*corev1.Service), cur.(*corev1.Service)
	if len(a.Status.LoadBalancer.Ingress) == 0 && len(b.Status.LoadBalancer.Ingress) > 0 {
		return []string{"load balancer ingress " + b.Status.LoadBalancer.Ingress[0].IP}
	}
	return nil
}

func deploymentChanges(old, cur any) []string {
	a, b := old.(*appsv1.Deployment), cur.(*appsv1.Deployment)
	if a.Spec.Replicas != nil && b.Spec.Replicas != nil && *a.Spec.Replicas != *b.Spec.Replicas {
		return []string{fmt.Sprintf("scaled to %d", *b.Spec.Replicas)}
	}
	return nil
}

func nodeChanges(old, cur any) []string {
	a, b := old.(*corev1.Node), cur.(*corev1.Node)
	var out []string
	if ra, rb := readiness(a), readiness(b); ra != rb {
		out = append(out, "Ready="+rb)
	}
	if a.Spec.Unschedulable != b.Spec.Unschedulable {
		out = append(out, fmt.Sprintf("unschedulable=%t", b.Spec.Unschedulable))
	}
	if ta, tb := taintKeys(a), taintKeys(b); ta != tb {
		out = append(out, "taints ["+tb+"]")
	}
	return out
}

func readiness(n *corev1.Node) string {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return string(c.Status)
		}
	}
	return "Unknown"
}

func taintKeys(n *corev1.Node) string {
	var keys []string
	for _, t := range n.Spec.Taints {
		keys = append(keys, t.Key+":"+string(t.Effect))
	}
	slices.Sort(keys)
	return strings.Join(keys, " ")
}
