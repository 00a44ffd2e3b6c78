package sim

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Describe renders the cluster state for a failure report: pods in `kubectl get pods
// -o wide` style, Deployments, Services, Endpoints (ready ip:ports and the pods listed
// as not ready), ConfigMaps with their leader annotations, and the newest events.
func (c *Cluster) Describe(ctx context.Context) string {
	var b strings.Builder
	cs := c.admin
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	if pods, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{}); err == nil {
		fmt.Fprintln(w, "PODS\nNAMESPACE\tNAME\tREADY\tSTATUS\tRESTARTS\tAGE\tIP\tNODE")
		for _, p := range pods.Items {
			ready, restarts := 0, int32(0)
			for _, s := range p.Status.ContainerStatuses {
				if s.Ready {
					ready++
				}
				restarts += s.RestartCount
			}
			fmt.Fprintf(w, "%s\t%s\t%d/%d\t%s\t%d\t%s\t%s\t%s\n", p.Namespace, p.Name, ready, len(p.Spec.Containers),
				PodStatus(&p), restarts, age(p.CreationTimestamp), orNone(p.Status.PodIP), orNone(p.Spec.NodeName))
		}
	}
	if ds, err := cs.AppsV1().Deployments("").List(ctx, metav1.ListOptions{}); err == nil && len(ds.Items) > 0 {
		fmt.Fprintln(w, "\nDEPLOYMENTS\nNAMESPACE\tNAME\tREADY\tUP-TO-DATE\tAVAILABLE\tAGE")
		for _, d := range ds.Items {
			want := int32(1)
			if d.Spec.Replicas != nil {
				want = *d.Spec.Replicas
			}
			fmt.Fprintf(w, "%s\t%s\t%d/%d\t%d\t%d\t%s\n", d.Namespace, d.Name, d.Status.ReadyReplicas, want, d.Status.UpdatedReplicas, d.Status.AvailableReplicas, age(d.CreationTimestamp))
		}
	}
	if svcs, err := cs.CoreV1().Services("").List(ctx, metav1.ListOptions{}); err == nil && len(svcs.Items) > 0 {
		fmt.Fprintln(w, "\nSERVICES\nNAMESPACE\tNAME\tTYPE\tCLUSTER-IP\tPORT(S)")
		for _, s := range svcs.Items {
			var ports []string
			for _, p := range s.Spec.Ports {
				if p.NodePort != 0 {
					ports = append(ports, fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, p.Protocol))
				} else {
					ports = append(ports, fmt.Sprintf("%d/%s", p.Port, p.Protocol))
				}
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", s.Namespace, s.Name, s.Spec.Type, s.Spec.ClusterIP, strings.Join(ports, ","))
		}
	}
	if eps, err := cs.CoreV1().Endpoints("").List(ctx, metav1.ListOptions{}); err == nil && len(eps.Items) > 0 {
		fmt.Fprintln(w, "\nENDPOINTS\nNAMESPACE\tNAME\tENDPOINTS\tNOT READY")
		for _, e := range eps.Items {
			ready, notReady := endpointsColumn(&e)
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", e.Namespace, e.Name, ready, notReady)
		}
	}
	if cms, err := cs.CoreV1().ConfigMaps("").List(ctx, metav1.ListOptions{}); err == nil && len(cms.Items) > 0 {
		fmt.Fprintln(w, "\nCONFIGMAPS\nNAMESPACE\tNAME\tDATA\tLEADER")
		for _, cm := range cms.Items {
			fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", cm.Namespace, cm.Name, len(cm.Data)+len(cm.BinaryData), orNone(cm.Annotations["control-plane.alpha.kubernetes.io/leader"]))
		}
	}
	w.Flush()
	if evs, err := cs.CoreV1().Events("").List(ctx, metav1.ListOptions{}); err == nil && len(evs.Items) > 0 {
		items := evs.Items
		sort.SliceStable(items, func(i, j int) bool { return items[i].LastTimestamp.Before(&items[j].LastTimestamp) })
		if len(items) > 30 {
			items = items[len(items)-30:]
		}
		b.WriteString("\nEVENTS (newest 30)\n")
		for _, e := range items {
			fmt.Fprintf(&b, "%s %s %s %s/%s: %s\n", e.LastTimestamp.UTC().Format("15:04:05"), e.Type, e.Reason, e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Message)
		}
	}
	return b.String()
}

// PodStatus is the STATUS column of kubectl get pods.
func PodStatus(p *corev1.Pod) string {
	if p.DeletionTimestamp != nil {
		return "Terminating"
	}
	if p.Status.Reason != "" {
		return p.Status.Reason
	}
	for _, s := range p.Status.ContainerStatuses {
		if s.State.Waiting != nil && s.State.Waiting.Reason != "" {
			return s.State.Waiting.Reason
		}
		if s.State.Terminated != nil && s.State.Terminated.Reason != "" {
			return s.State.Terminated.Reason
		}
	}
	if p.Status.Phase == corev1.PodPending && p.Spec.NodeName != "" {
		return "ContainerCreating"
	}
	return string(p.Status.Phase)
}

func age(t metav1.Time) string {
	d := time.Since(t.Time).Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// endpointsColumn is kubectl's ENDPOINTS column (ready ip:port pairs, the first three and
// "+ N more...") and the names of the pods listed as not ready.
func endpointsColumn(e *corev1.Endpoints) (ready, notReady string) {
	var pairs, unready []string
	for _, s := range e.Subsets {
		for _, a := range s.Addresses {
			if len(s.Ports) == 0 {
				pairs = append(pairs, a.IP)
			}
			for _, p := range s.Ports {
				pairs = append(pairs, fmt.Sprintf("%s:%d", a.IP, p.Port))
			}
		}
		for _, a := range s.NotReadyAddresses {
			name := a.IP
			if a.TargetRef != nil {
				name = a.TargetRef.Name
			}
			unready = append(unready, name)
		}
	}
	ready = "<none>"
	if len(pairs) > 0 {
		ready = strings.Join(pairs[:min(3, len(pairs))], ",")
		if len(pairs) > 3 {
			ready += fmt.Sprintf(" + %d more...", len(pairs)-3)
		}
	}
	return ready, orNone(strings.Join(unready, ","))
}
