package localcluster

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	"flinksim/kubeserver"
	"flinksim/portforward"
)

// Snapshot is what flinksim status shows, gathered at one moment.
type Snapshot struct {
	Nodes       []corev1.Node
	Pods        []corev1.Pod
	Deployments []appsv1.Deployment
	ConfigMaps  []corev1.ConfigMap
	Events      []corev1.Event
	Forwards    []portforward.Forward
	Faults      FaultList
	// Jobs are the jobs of each Flink cluster (by namespace/cluster id) as its REST
	// endpoint lists them; JobErrors say why a cluster's jobs are unknown.
	Jobs      map[string][]Job
	JobErrors map[string]string
}

// Job is one row of the JobManager's /jobs/overview.
type Job struct {
	ID    string `json:"jid"`
	Name  string `json:"name"`
	State string `json:"state"`
}

// Gather reads a Snapshot from a running flinksim: the Kubernetes API, the control
// endpoint, and each Flink cluster's REST endpoint through its forward (rest carries
// those calls).
func Gather(ctx context.Context, c *Client, rest *http.Client) (*Snapshot, error) {
	s := &Snapshot{Jobs: map[string][]Job{}, JobErrors: map[string]string{}}
	nodes, err := c.Kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("cannot read the cluster (is `flinksim up` running?): %w", err)
	}
	s.Nodes = nodes.Items
	pods, err := c.Kube.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	s.Pods = pods.Items
	deps, err := c.Kube.AppsV1().Deployments("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	s.Deployments = deps.Items
	cms, err := c.Kube.CoreV1().ConfigMaps("").List(ctx, metav1.ListOptions{LabelSelector: "type=flink-native-kubernetes"})
	if err != nil {
		return nil, err
	}
	s.ConfigMaps = cms.Items
	events, err := c.Kube.CoreV1().Events("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	s.Events = events.Items
	if s.Forwards, err = c.Forwards(ctx); err != nil {
		return nil, err
	}
	if s.Faults, err = c.Faults(ctx); err != nil {
		return nil, err
	}
	for _, cl := range flinkClusters(s) {
		url := restURL(s.Forwards, cl.namespace, cl.id)
		key := cl.namespace + "/" + cl.id
		if url == "" {
			s.JobErrors[key] = "no forward of its REST Service (flinksim port-forward service/" + cl.id + "-rest 8081)"
			continue
		}
		jobs, err := fetchJobs(ctx, rest, url)
		if err != nil {
			s.JobErrors[key] = err.Error()
			continue
		}
		s.Jobs[key] = jobs
	}
	return s, nil
}

func restURL(forwards []portforward.Forward, namespace, id string) string {
	for _, f := range forwards {
		if f.Namespace == namespace && f.Service == id+"-rest" && !f.LoadBalancer {
			return f.URL()
		}
	}
	for _, f := range forwards {
		if f.Namespace == namespace && f.Service == id+"-rest" {
			return f.URL()
		}
	}
	return ""
}

func fetchJobs(ctx context.Context, client *http.Client, base string) ([]Job, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/jobs/overview", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("REST endpoint %s not reachable: %v", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("REST endpoint %s answered %s", base, resp.Status)
	}
	var overview struct {
		Jobs []Job `json:"jobs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&overview); err != nil {
		return nil, fmt.Errorf("REST endpoint %s: unreadable /jobs/overview: %v", base, err)
	}
	return overview.Jobs, nil
}

type flinkCluster struct{ namespace, id string }

// flinkClusters are the Flink clusters of a snapshot: the Deployments (or, once those
// are gone, pods) labelled type=flink-native-kubernetes, by their app label.
func flinkClusters(s *Snapshot) []flinkCluster {
	seen := map[flinkCluster]bool{}
	var out []flinkCluster
	add := func(ns string, labels map[string]string) {
		if labels["type"] != "flink-native-kubernetes" || labels["app"] == "" {
			return
		}
		c := flinkCluster{ns, labels["app"]}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	for _, d := range s.Deployments {
		add(d.Namespace, d.Labels)
	}
	for _, p := range s.Pods {
		add(p.Namespace, p.Labels)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].namespace != out[j].namespace {
			return out[i].namespace < out[j].namespace
		}
		return out[i].id < out[j].id
	})
	return out
}

// Render lays a snapshot out for a terminal.
func Render(s *Snapshot, now time.Time) string {
	var b strings.Builder
	ago := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return duration.HumanDuration(now.Sub(t))
	}
	tw := func() *tabwriter.Writer { return tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0) }

	podsOn := map[string]int{}
	for _, p := range s.Pods {
		if p.Spec.NodeName != "" {
			podsOn[p.Spec.NodeName]++
		}
	}
	b.WriteString("NODES\n")
	w := tw()
	fmt.Fprintln(w, "NAME\tSTATUS\tCPU\tMEMORY\tPODS")
	for _, n := range s.Nodes {
		status := "NotReady"
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				status = "Ready"
			}
		}
		if n.Spec.Unschedulable {
			status += ",SchedulingDisabled"
		}
		cpu, mem := n.Status.Allocatable[corev1.ResourceCPU], n.Status.Allocatable[corev1.ResourceMemory]
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\n", n.Name, status, cpu.String(), mem.String(), podsOn[n.Name])
	}
	w.Flush()

	inCluster := map[string]bool{}
	clusters := flinkClusters(s)
	if len(clusters) == 0 {
		b.WriteString("\nFLINK CLUSTERS\n(none: start one with kubernetes-session -Dkubernetes.cluster-id=<id>)\n")
	}
	for _, cl := range clusters {
		key := cl.namespace + "/" + cl.id
		fmt.Fprintf(&b, "\nFLINK CLUSTER %s (namespace %s)\n", cl.id, cl.namespace)
		if leader := describeLeader(s.ConfigMaps, s.Pods, cl.namespace, cl.id); leader != "" {
			fmt.Fprintf(&b, "  leader: %s\n", leader)
		}
		if url := restURL(s.Forwards, cl.namespace, cl.id); url != "" {
			fmt.Fprintf(&b, "  REST: %s\n", url)
		}
		w := tw()
		fmt.Fprintln(w, "  POD\tCOMPONENT\tSTATUS\tRESTARTS\tNODE\tAGE")
		for _, p := range s.Pods {
			if p.Namespace != cl.namespace || p.Labels["app"] != cl.id || p.Labels["type"] != "flink-native-kubernetes" {
				continue
			}
			inCluster[p.Namespace+"/"+p.Name] = true
			status, ready, total, restarts, _ := kubeserver.PodStatus(&p)
			fmt.Fprintf(w, "  %s\t%s\t%s (%d/%d ready)\t%d\t%s\t%s\n", p.Name, orDash(p.Labels["component"]), status, ready, total, restarts,
				orDash(p.Spec.NodeName), ago(p.CreationTimestamp.Time))
		}
		w.Flush()
		switch jobs, ok := s.Jobs[key]; {
		case ok && len(jobs) == 0:
			b.WriteString("  jobs: none\n")
		case ok:
			w := tw()
			fmt.Fprintln(w, "  JOB\tNAME\tSTATE")
			for _, j := range jobs {
				fmt.Fprintf(w, "  %s\t%s\t%s\n", j.ID, j.Name, j.State)
			}
			w.Flush()
		default:
			fmt.Fprintf(&b, "  jobs: unknown (%s)\n", s.JobErrors[key])
		}
	}

	var others []corev1.Pod
	for _, p := range s.Pods {
		if !inCluster[p.Namespace+"/"+p.Name] {
			others = append(others, p)
		}
	}
	if len(others) > 0 {
		b.WriteString("\nOTHER PODS\n")
		w := tw()
		fmt.Fprintln(w, "NAMESPACE\tPOD\tSTATUS\tRESTARTS\tNODE\tAGE")
		for _, p := range others {
			status, _, _, restarts, _ := kubeserver.PodStatus(&p)
			fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\n", p.Namespace, p.Name, status, restarts, orDash(p.Spec.NodeName), ago(p.CreationTimestamp.Time))
		}
		w.Flush()
	}
	if len(s.Forwards) > 0 {
		b.WriteString("\nFORWARDS\n")
		for _, f := range s.Forwards {
			kind := "port-forward"
			if f.LoadBalancer {
				kind = "load balancer"
			}
			fmt.Fprintf(&b, "  %s/%s:%d → %s (%s)\n", f.Namespace, f.Service, f.Port, f.URL(), kind)
		}
	}
	if len(s.Faults.APIErrors) > 0 {
		b.WriteString("\nAPI ERROR FAULTS\n")
		for _, f := range s.Faults.APIErrors {
			fmt.Fprintf(&b, "  %s\n", f)
		}
	}
	events := append([]corev1.Event(nil), s.Events...)
	sort.SliceStable(events, func(i, j int) bool { return eventTime(events[i]).Before(eventTime(events[j])) })
	if len(events) > 10 {
		events = events[len(events)-10:]
	}
	if len(events) > 0 {
		b.WriteString("\nRECENT EVENTS\n")
		w := tw()
		for _, e := range events {
			fmt.Fprintf(w, "  %s ago\t%s\t%s\t%s/%s\t%s\n", ago(eventTime(e)), e.Type, e.Reason, strings.ToLower(e.InvolvedObject.Kind), e.InvolvedObject.Name, strings.TrimSpace(e.Message))
		}
		w.Flush()
	}
	return b.String()
}

func eventTime(e corev1.Event) time.Time {
	if !e.LastTimestamp.IsZero() {
		return e.LastTimestamp.Time
	}
	return e.EventTime.Time
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
