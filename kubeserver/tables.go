package kubeserver

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
)

// Server-side printing: kubectl get asks for a meta.k8s.io Table, and the server
// fills it with the columns of the kind. The columns and cells follow the real
// server's printers (k8s.io/kubernetes/pkg/printers/internalversion, which is not an
// importable module) for the kinds flinksim stores; kinds without a printer get NAME
// and CREATED AT, as the real default table convertor gives them.

// transform converts a get or list response into what the Accept header asks for first
// among what flinksim offers: a Table (kubectl get), PartialObjectMetadata(List)
// (metadata clients), or the object itself (ok false).
func (s *Server) transform(r *http.Request, obj runtime.Object) (any, bool, error) {
	for _, accept := range strings.Split(r.Header.Get("Accept"), ",") {
		parts := strings.Split(accept, ";")
		mediaType := strings.TrimSpace(parts[0])
		params := map[string]string{}
		for _, p := range parts[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			params[k] = v
		}
		switch mediaType {
		case "application/json", "*/*", "application/*", "":
		default:
			continue // protobuf, CBOR, YAML: flinksim answers JSON only
		}
		as := params["as"]
		if as == "" {
			return nil, false, nil
		}
		if params["g"] != "meta.k8s.io" || (params["v"] != "v1" && params["v"] != "v1beta1") {
			continue
		}
		apiVersion := "meta.k8s.io/" + params["v"]
		switch as {
		case "Table":
			t, err := toTable(obj, r.URL.Query().Get("includeObject"))
			if err != nil {
				return nil, false, err
			}
			t.APIVersion = apiVersion
			return t, true, nil
		case "PartialObjectMetadata", "PartialObjectMetadataList":
			out, err := toPartial(obj, apiVersion)
			return out, err == nil, err
		}
	}
	return nil, false, nil
}

func toPartial(obj runtime.Object, apiVersion string) (any, error) {
	if meta.IsListType(obj) {
		items, err := meta.ExtractList(obj)
		if err != nil {
			return nil, internalError(err)
		}
		lm, _ := meta.ListAccessor(obj)
		list := &metav1.PartialObjectMetadataList{TypeMeta: metav1.TypeMeta{Kind: "PartialObjectMetadataList", APIVersion: apiVersion},
			ListMeta: metav1.ListMeta{ResourceVersion: lm.GetResourceVersion(), Continue: lm.GetContinue(), RemainingItemCount: lm.GetRemainingItemCount()}}
		for _, item := range items {
			list.Items = append(list.Items, *partial(item, apiVersion))
		}
		return list, nil
	}
	return partial(obj, apiVersion), nil
}

func partial(obj runtime.Object, apiVersion string) *metav1.PartialObjectMetadata {
	p := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{Kind: "PartialObjectMetadata", APIVersion: apiVersion}}
	if a, ok := obj.(metav1.ObjectMetaAccessor); ok {
		if om, ok := a.GetObjectMeta().(*metav1.ObjectMeta); ok {
			p.ObjectMeta = *om.DeepCopy()
		}
	}
	return p
}

// toTable prints an object or a list. includeObject says what each row carries: None,
// Metadata (the default) or Object.
func toTable(obj runtime.Object, includeObject string) (*metav1.Table, error) {
	var items []runtime.Object
	t := &metav1.Table{TypeMeta: metav1.TypeMeta{Kind: "Table", APIVersion: "meta.k8s.io/v1"}, Rows: []metav1.TableRow{}}
	if meta.IsListType(obj) {
		var err error
		if items, err = meta.ExtractList(obj); err != nil {
			return nil, internalError(err)
		}
		lm, _ := meta.ListAccessor(obj)
		t.ResourceVersion, t.Continue, t.RemainingItemCount = lm.GetResourceVersion(), lm.GetContinue(), lm.GetRemainingItemCount()
	} else {
		items = []runtime.Object{obj}
		if m, err := meta.Accessor(obj); err == nil {
			t.ResourceVersion = m.GetResourceVersion()
		}
	}
	p := printerFor(obj)
	t.ColumnDefinitions = p.columns
	for _, item := range items {
		row := metav1.TableRow{Cells: p.row(item)}
		switch includeObject {
		case "None":
		case "Object":
			row.Object = runtime.RawExtension{Object: withKind(item)}
		default:
			row.Object = runtime.RawExtension{Object: partial(item, "meta.k8s.io/v1")}
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

type printer struct {
	columns []metav1.TableColumnDefinition
	row     func(obj runtime.Object) []any
}

// col makes a column definition; wide columns (priority 1) show with -o wide.
func col(name, typ string, wide bool) metav1.TableColumnDefinition {
	c := metav1.TableColumnDefinition{Name: name, Type: typ}
	if name == "Name" {
		c.Format = "name"
	}
	if wide {
		c.Priority = 1
	}
	return c
}

func cols(spec ...string) []metav1.TableColumnDefinition {
	var out []metav1.TableColumnDefinition
	for _, s := range spec {
		name, typ, _ := strings.Cut(s, ":")
		wide := strings.HasSuffix(typ, "+")
		typ = strings.TrimSuffix(typ, "+")
		if typ == "" {
			typ = "string"
		}
		out = append(out, col(name, typ, wide))
	}
	return out
}

// printerFor picks the printer of a list's items or of an object.
func printerFor(obj runtime.Object) printer {
	switch obj.(type) {
	case *corev1.Pod, *corev1.PodList:
		return printer{cols("Name", "Ready", "Status", "Restarts", "Age", "IP:+", "Node:+", "Nominated Node:+", "Readiness Gates:+"), podRow}
	case *corev1.Node, *corev1.NodeList:
		return printer{cols("Name", "Status", "Roles", "Age", "Version", "Internal-IP:+", "External-IP:+", "OS-Image:+", "Kernel-Version:+", "Container-Runtime:+"), nodeRow}
	case *appsv1.Deployment, *appsv1.DeploymentList:
		return printer{cols("Name", "Ready", "Up-to-date:integer", "Available:integer", "Age", "Containers:+", "Images:+", "Selector:+"), deploymentRow}
	case *appsv1.ReplicaSet, *appsv1.ReplicaSetList:
		return printer{cols("Name", "Desired:integer", "Current:integer", "Ready:integer", "Age", "Containers:+", "Images:+", "Selector:+"), replicaSetRow}
	case *corev1.Service, *corev1.ServiceList:
		return printer{cols("Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector:+"), serviceRow}
	case *corev1.ConfigMap, *corev1.ConfigMapList:
		return printer{cols("Name", "Data:integer", "Age"), func(o runtime.Object) []any {
			cm := o.(*corev1.ConfigMap)
			return []any{cm.Name, int64(len(cm.Data) + len(cm.BinaryData)), age(cm.CreationTimestamp)}
		}}
	case *corev1.Secret, *corev1.SecretList:
		return printer{cols("Name", "Type", "Data:integer", "Age"), func(o runtime.Object) []any {
			s := o.(*corev1.Secret)
			return []any{s.Name, string(s.Type), int64(len(s.Data) + len(s.StringData)), age(s.CreationTimestamp)}
		}}
	case *corev1.Event, *corev1.EventList:
		return printer{cols("Last Seen", "Type", "Reason", "Object", "Subobject:+", "Source:+", "Message", "First Seen:+", "Count:integer+", "Name:+"), eventRow}
	case *corev1.Namespace, *corev1.NamespaceList:
		return printer{cols("Name", "Status", "Age"), func(o runtime.Object) []any {
			ns := o.(*corev1.Namespace)
			return []any{ns.Name, string(ns.Status.Phase), age(ns.CreationTimestamp)}
		}}
	case *corev1.ServiceAccount, *corev1.ServiceAccountList:
		return printer{cols("Name", "Secrets:integer", "Age"), func(o runtime.Object) []any {
			sa := o.(*corev1.ServiceAccount)
			return []any{sa.Name, int64(len(sa.Secrets)), age(sa.CreationTimestamp)}
		}}
	case *corev1.Endpoints, *corev1.EndpointsList:
		return printer{cols("Name", "Endpoints", "Age"), endpointsRow}
	case *coordinationv1.Lease, *coordinationv1.LeaseList:
		return printer{cols("Name", "Holder", "Age"), func(o runtime.Object) []any {
			l := o.(*coordinationv1.Lease)
			holder := ""
			if l.Spec.HolderIdentity != nil {
				holder = *l.Spec.HolderIdentity
			}
			return []any{l.Name, holder, age(l.CreationTimestamp)}
		}}
	case *discoveryv1.EndpointSlice, *discoveryv1.EndpointSliceList:
		return printer{cols("Name", "AddressType", "Ports", "Endpoints", "Age"), endpointSliceRow}
	case *rbacv1.RoleBinding, *rbacv1.RoleBindingList:
		return printer{cols("Name", "Role", "Age", "Users:+", "Groups:+", "ServiceAccounts:+"), func(o runtime.Object) []any {
			b := o.(*rbacv1.RoleBinding)
			return append([]any{b.Name, b.RoleRef.Kind + "/" + b.RoleRef.Name, age(b.CreationTimestamp)}, subjects(b.Subjects)...)
		}}
	case *rbacv1.ClusterRoleBinding, *rbacv1.ClusterRoleBindingList:
		return printer{cols("Name", "Role", "Age", "Users:+", "Groups:+", "ServiceAccounts:+"), func(o runtime.Object) []any {
			b := o.(*rbacv1.ClusterRoleBinding)
			return append([]any{b.Name, b.RoleRef.Kind + "/" + b.RoleRef.Name, age(b.CreationTimestamp)}, subjects(b.Subjects)...)
		}}
	}
	return printer{cols("Name", "Created At:date"), func(o runtime.Object) []any {
		m, err := meta.Accessor(o)
		if err != nil {
			return []any{"", ""}
		}
		return []any{m.GetName(), m.GetCreationTimestamp().UTC().Format(time.RFC3339)}
	}}
}

// age is the AGE cell: how long ago t was, as kubectl words it ("5m", "2d3h").
func age(t metav1.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(t.Time))
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// PodStatus is the STATUS column of kubectl get pods: the pod's phase, or the reason
// that says more (Init:0/1, ContainerCreating, CrashLoopBackOff, OOMKilled, Error,
// Completed, Terminating, Evicted, …).
func PodStatus(pod *corev1.Pod) (status string, ready, total, restarts int, lastRestart time.Time) {
	total = len(pod.Spec.Containers)
	reason := string(pod.Status.Phase)
	if pod.Status.Reason != "" {
		reason = pod.Status.Reason
	}
	noteRestart := func(s corev1.ContainerStatus) {
		restarts += int(s.RestartCount)
		if t := s.LastTerminationState.Terminated; t != nil && t.FinishedAt.Time.After(lastRestart) {
			lastRestart = t.FinishedAt.Time
		}
	}
	initializing := false
	for i, c := range pod.Status.InitContainerStatuses {
		noteRestart(c)
		switch {
		case c.State.Terminated != nil && c.State.Terminated.ExitCode == 0:
			continue
		case isSidecar(pod, c.Name) && c.Started != nil && *c.Started:
			if c.Ready {
				ready++
			}
			total++
			continue
		case c.State.Terminated != nil:
			if c.State.Terminated.Reason == "" {
				if c.State.Terminated.Signal != 0 {
					reason = fmt.Sprintf("Init:Signal:%d", c.State.Terminated.Signal)
				} else {
					reason = fmt.Sprintf("Init:ExitCode:%d", c.State.Terminated.ExitCode)
				}
			} else {
				reason = "Init:" + c.State.Terminated.Reason
			}
			initializing = true
		case c.State.Waiting != nil && c.State.Waiting.Reason != "" && c.State.Waiting.Reason != "PodInitializing":
			reason = "Init:" + c.State.Waiting.Reason
			initializing = true
		default:
			reason = fmt.Sprintf("Init:%d/%d", i, len(pod.Spec.InitContainers))
			initializing = true
		}
		break
	}
	if !initializing {
		hasRunning := false
		for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
			c := pod.Status.ContainerStatuses[i]
			noteRestart(c)
			switch {
			case c.State.Waiting != nil && c.State.Waiting.Reason != "":
				reason = c.State.Waiting.Reason
			case c.State.Terminated != nil && c.State.Terminated.Reason != "":
				reason = c.State.Terminated.Reason
			case c.State.Terminated != nil:
				if c.State.Terminated.Signal != 0 {
					reason = fmt.Sprintf("Signal:%d", c.State.Terminated.Signal)
				} else {
					reason = fmt.Sprintf("ExitCode:%d", c.State.Terminated.ExitCode)
				}
			case c.Ready && c.State.Running != nil:
				hasRunning = true
				ready++
			}
		}
		if reason == "Completed" && hasRunning {
			reason = "NotReady"
			for _, cond := range pod.Status.Conditions {
				if cond.Type == corev1.PodReady && cond.Status == corev1.ConditionTrue {
					reason = "Running"
				}
			}
		}
	}
	terminal := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
	switch {
	case pod.DeletionTimestamp != nil && pod.Status.Reason == "NodeLost":
		reason = "Unknown"
	case pod.DeletionTimestamp != nil && !terminal:
		reason = "Terminating"
	}
	return reason, ready, total, restarts, lastRestart
}

func isSidecar(pod *corev1.Pod, name string) bool {
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
		}
	}
	return false
}

func podRow(o runtime.Object) []any {
	pod := o.(*corev1.Pod)
	status, ready, total, restarts, last := PodStatus(pod)
	restartCell := strconv.Itoa(restarts)
	if restarts != 0 && !last.IsZero() {
		restartCell = fmt.Sprintf("%d (%s ago)", restarts, duration.HumanDuration(time.Since(last)))
	}
	gates := "<none>"
	if n := len(pod.Spec.ReadinessGates); n > 0 {
		met := 0
		for _, g := range pod.Spec.ReadinessGates {
			for _, c := range pod.Status.Conditions {
				if c.Type == g.ConditionType && c.Status == corev1.ConditionTrue {
					met++
				}
			}
		}
		gates = fmt.Sprintf("%d/%d", met, n)
	}
	return []any{pod.Name, fmt.Sprintf("%d/%d", ready, total), status, restartCell, age(pod.CreationTimestamp),
		orNone(pod.Status.PodIP), orNone(pod.Spec.NodeName), orNone(pod.Status.NominatedNodeName), gates}
}

func nodeRow(o runtime.Object) []any {
	n := o.(*corev1.Node)
	status := "Unknown"
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			if c.Status == corev1.ConditionTrue {
				status = "Ready"
			} else {
				status = "NotReady"
			}
		}
	}
	if n.Spec.Unschedulable {
		status += ",SchedulingDisabled"
	}
	var roles []string
	for k, v := range n.Labels {
		switch {
		case strings.HasPrefix(k, "node-role.kubernetes.io/"):
			if role := strings.TrimPrefix(k, "node-role.kubernetes.io/"); role != "" {
				roles = append(roles, role)
			}
		case k == "kubernetes.io/role" && v != "":
			roles = append(roles, v)
		}
	}
	sort.Strings(roles)
	var internal, external string
	for _, a := range n.Status.Addresses {
		switch {
		case a.Type == corev1.NodeInternalIP && internal == "":
			internal = a.Address
		case a.Type == corev1.NodeExternalIP && external == "":
			external = a.Address
		}
	}
	info := n.Status.NodeInfo
	return []any{n.Name, status, orNone(strings.Join(roles, ",")), age(n.CreationTimestamp), info.KubeletVersion,
		orNone(internal), orNone(external), orUnknown(info.OSImage), orUnknown(info.KernelVersion), orUnknown(info.ContainerRuntimeVersion)}
}

func orUnknown(s string) string {
	if s == "" {
		return "<unknown>"
	}
	return s
}

func containersAndImages(spec corev1.PodSpec) (string, string) {
	var names, images []string
	for _, c := range spec.Containers {
		names = append(names, c.Name)
		images = append(images, c.Image)
	}
	return strings.Join(names, ","), strings.Join(images, ",")
}

func selectorString(sel *metav1.LabelSelector) string {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return "<error>"
	}
	if s.Empty() {
		return "<none>"
	}
	return s.String()
}

func deploymentRow(o runtime.Object) []any {
	d := o.(*appsv1.Deployment)
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	names, images := containersAndImages(d.Spec.Template.Spec)
	return []any{d.Name, fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, want), int64(d.Status.UpdatedReplicas), int64(d.Status.AvailableReplicas),
		age(d.CreationTimestamp), names, images, selectorString(d.Spec.Selector)}
}

func replicaSetRow(o runtime.Object) []any {
	rs := o.(*appsv1.ReplicaSet)
	want := int32(1)
	if rs.Spec.Replicas != nil {
		want = *rs.Spec.Replicas
	}
	names, images := containersAndImages(rs.Spec.Template.Spec)
	return []any{rs.Name, int64(want), int64(rs.Status.Replicas), int64(rs.Status.ReadyReplicas), age(rs.CreationTimestamp),
		names, images, selectorString(rs.Spec.Selector)}
}

func serviceRow(o runtime.Object) []any {
	svc := o.(*corev1.Service)
	external := "<none>"
	switch svc.Spec.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, "":
		if len(svc.Spec.ExternalIPs) > 0 {
			external = strings.Join(svc.Spec.ExternalIPs, ",")
		}
	case corev1.ServiceTypeLoadBalancer:
		var ips []string
		for _, ing := range svc.Status.LoadBalancer.Ingress {
			if ing.IP != "" {
				ips = append(ips, ing.IP)
			} else if ing.Hostname != "" {
				ips = append(ips, ing.Hostname)
			}
		}
		ips = append(ips, svc.Spec.ExternalIPs...)
		external = "<pending>"
		if len(ips) > 0 {
			external = strings.Join(ips, ",")
		}
	case corev1.ServiceTypeExternalName:
		external = svc.Spec.ExternalName
	}
	var ports []string
	for _, p := range svc.Spec.Ports {
		if p.NodePort != 0 {
			ports = append(ports, fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, p.Protocol))
		} else {
			ports = append(ports, fmt.Sprintf("%d/%s", p.Port, p.Protocol))
		}
	}
	selector := "<none>"
	if len(svc.Spec.Selector) > 0 {
		var kv []string
		for k, v := range svc.Spec.Selector {
			kv = append(kv, k+"="+v)
		}
		sort.Strings(kv)
		selector = strings.Join(kv, ",")
	}
	return []any{svc.Name, string(svc.Spec.Type), orNone(svc.Spec.ClusterIP), external, orNone(strings.Join(ports, ",")), age(svc.CreationTimestamp), selector}
}

func eventRow(o runtime.Object) []any {
	e := o.(*corev1.Event)
	last := e.LastTimestamp.Time
	if last.IsZero() {
		last = e.EventTime.Time
	}
	if e.Series != nil {
		last = e.Series.LastObservedTime.Time
	}
	first := e.FirstTimestamp.Time
	if first.IsZero() {
		first = e.EventTime.Time
	}
	count := e.Count
	if e.Series != nil {
		count = e.Series.Count
	}
	source := e.Source.Component
	if source == "" {
		source = e.ReportingController
	}
	if e.Source.Host != "" {
		source += ", " + e.Source.Host
	}
	return []any{since(last), e.Type, e.Reason, strings.ToLower(e.InvolvedObject.Kind) + "/" + e.InvolvedObject.Name,
		e.InvolvedObject.FieldPath, source, strings.TrimSpace(e.Message), since(first), int64(count), e.Name}
}

func since(t time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(t))
}

func endpointsRow(o runtime.Object) []any {
	ep := o.(*corev1.Endpoints)
	var list []string
	for _, s := range ep.Subsets {
		for _, a := range s.Addresses {
			if len(s.Ports) == 0 {
				list = append(list, a.IP)
			}
			for _, p := range s.Ports {
				list = append(list, fmt.Sprintf("%s:%d", a.IP, p.Port))
			}
		}
	}
	cell := "<none>"
	if len(list) > 3 {
		cell = strings.Join(list[:3], ",") + fmt.Sprintf(" + %d more...", len(list)-3)
	} else if len(list) > 0 {
		cell = strings.Join(list, ",")
	}
	return []any{ep.Name, cell, age(ep.CreationTimestamp)}
}

func endpointSliceRow(o runtime.Object) []any {
	s := o.(*discoveryv1.EndpointSlice)
	var ports, addrs []string
	for _, p := range s.Ports {
		if p.Port != nil {
			ports = append(ports, strconv.Itoa(int(*p.Port)))
		}
	}
	for _, e := range s.Endpoints {
		addrs = append(addrs, e.Addresses...)
	}
	return []any{s.Name, string(s.AddressType), orNone(strings.Join(ports, ",")), orNone(strings.Join(addrs, ",")), age(s.CreationTimestamp)}
}

func subjects(subs []rbacv1.Subject) []any {
	var users, groups, sas []string
	for _, s := range subs {
		switch s.Kind {
		case rbacv1.UserKind:
			users = append(users, s.Name)
		case rbacv1.GroupKind:
			groups = append(groups, s.Name)
		case rbacv1.ServiceAccountKind:
			sas = append(sas, s.Namespace+"/"+s.Name)
		}
	}
	return []any{strings.Join(users, ", "), strings.Join(groups, ", "), strings.Join(sas, ", ")}
}
