package endpoints

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Names and labels of the real controllers (k8s.io/kubernetes pkg/controller/endpoint and
// pkg/controller/endpointslice, v1.37).
const (
	// EndpointsManagedByLabel and EndpointsControllerName mark the Endpoints the endpoints
	// controller maintains.
	EndpointsManagedByLabel = "endpoints.kubernetes.io/managed-by"
	EndpointsControllerName = "endpoint-controller"
	// SliceControllerName is the value of discoveryv1.LabelManagedBy on the EndpointSlices
	// the EndpointSlice controller maintains.
	SliceControllerName = "endpointslice-controller.k8s.io"
	// DefaultMaxEndpointsPerSlice is kube-controller-manager's --max-endpoints-per-slice.
	DefaultMaxEndpointsPerSlice = 100
)

// Served reports whether the controllers maintain endpoints for svc: Services with a
// selector that are not ExternalName. The endpoints of the others are left to whoever
// writes them.
func Served(svc *corev1.Service) bool {
	return svc.Spec.Selector != nil && svc.Spec.Type != corev1.ServiceTypeExternalName
}

// podReady is the pod's Ready condition.
func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// includePod is the real ShouldPodBeInEndpoints: pods that finished (Succeeded or
// Failed) and pods without an IP are never endpoints; terminating pods only when
// includeTerminating.
func includePod(pod *corev1.Pod, includeTerminating bool) bool {
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return false
	}
	if pod.Status.PodIP == "" && len(pod.Status.PodIPs) == 0 {
		return false
	}
	return includeTerminating || pod.DeletionTimestamp == nil
}

func podIP(pod *corev1.Pod) string {
	if len(pod.Status.PodIPs) > 0 {
		return pod.Status.PodIPs[0].IP
	}
	return pod.Status.PodIP
}

// hostname is the pod's DNS hostname under svc: set when the pod names the Service as
// its subdomain (ShouldSetHostname).
func hostname(pod *corev1.Pod, svc *corev1.Service) string {
	if pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name && pod.Namespace == svc.Namespace {
		return pod.Spec.Hostname
	}
	return ""
}

// FindPort is the container port a Service port reaches on pod: the target port's
// number, or the container port of that name and the Service port's protocol (sidecars
// included). A missing target port defaults to the Service port, as the API server
// defaults it. ok is false when a named port is not found.
func FindPort(pod *corev1.Pod, sp *corev1.ServicePort) (int32, bool) {
	target := sp.TargetPort
	if target.Type == intstr.Int && target.IntVal == 0 {
		return sp.Port, true
	}
	if target.Type == intstr.Int {
		return target.IntVal, true
	}
	protocol := sp.Protocol
	if protocol == "" {
		protocol = corev1.ProtocolTCP
	}
	match := func(ports []corev1.ContainerPort) (int32, bool) {
		for _, p := range ports {
			pp := p.Protocol
			if pp == "" {
				pp = corev1.ProtocolTCP
			}
			if p.Name == target.StrVal && pp == protocol {
				return p.ContainerPort, true
			}
		}
		return 0, false
	}
	for _, c := range pod.Spec.Containers {
		if port, ok := match(c.Ports); ok {
			return port, true
		}
	}
	for _, c := range pod.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			if port, ok := match(c.Ports); ok {
				return port, true
			}
		}
	}
	return 0, false
}

func headless(svc *corev1.Service) bool {
	return svc.Spec.ClusterIP == corev1.ClusterIPNone || svc.Spec.ClusterIP == ""
}

// endpointsLabels are the Service's labels, the headless label for a headless Service
// and the controller's managed-by label.
func endpointsLabels(svc *corev1.Service) map[string]string {
	out := make(map[string]string, len(svc.Labels)+2)
	for k, v := range svc.Labels {
		out[k] = v
	}
	if headless(svc) {
		out[corev1.IsHeadlessService] = ""
	} else {
		delete(out, corev1.IsHeadlessService)
	}
	out[EndpointsManagedByLabel] = EndpointsControllerName
	return out
}

// DesiredEndpoints is the Endpoints object of svc given the pods its selector matches,
// as the endpoints controller computes it: ready pods under addresses, the others under
// notReadyAddresses (all under addresses with publishNotReadyAddresses, which also keeps
// terminating pods); as the real RepackSubsets does, ports offered by the same set of
// pods share a subset (a pod whose named target port is missing does not offer that
// port); addresses sorted by IP; a headless Service without ports gets a port-less
// subset.
func DesiredEndpoints(svc *corev1.Service, pods []*corev1.Pod) *corev1.Endpoints {
	type address struct {
		addr  corev1.EndpointAddress
		ready bool
	}
	// noPorts stands for "offered without ports" (a headless Service without ports).
	noPorts := corev1.EndpointPort{Port: -1}
	byPort := map[corev1.EndpointPort][]address{}
	tolerateUnready := svc.Spec.PublishNotReadyAddresses
	for _, pod := range pods {
		if !includePod(pod, tolerateUnready) {
			continue
		}
		node := pod.Spec.NodeName
		a := address{ready: tolerateUnready || podReady(pod), addr: corev1.EndpointAddress{IP: podIP(pod), Hostname: hostname(pod, svc), NodeName: &node,
			TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID}}}
		if len(svc.Spec.Ports) == 0 {
			if headless(svc) {
				byPort[noPorts] = append(byPort[noPorts], a)
			}
			continue // a ClusterIP Service without ports has no endpoints
		}
		for i := range svc.Spec.Ports {
			sp := &svc.Spec.Ports[i]
			if port, ok := FindPort(pod, sp); ok {
				// Keyed without the (pointer) appProtocol, which is set on the way out.
				ep := corev1.EndpointPort{Name: sp.Name, Port: port, Protocol: protocolOf(sp)}
				byPort[ep] = append(byPort[ep], a)
			}
		}
	}
	appProtocol := map[string]*string{}
	for i := range svc.Spec.Ports {
		appProtocol[svc.Spec.Ports[i].Name] = svc.Spec.Ports[i].AppProtocol
	}
	// Ports offered by the same pods, in the same readiness, share a subset.
	type subset struct {
		addrs []address
		ports []corev1.EndpointPort
	}
	bySet := map[string]*subset{}
	for port, addrs := range byPort {
		sort.Slice(addrs, func(i, j int) bool {
			if addrs[i].addr.IP != addrs[j].addr.IP {
				return addrs[i].addr.IP < addrs[j].addr.IP
			}
			return addrs[i].addr.TargetRef.UID < addrs[j].addr.TargetRef.UID
		})
		var key strings.Builder
		for _, a := range addrs {
			fmt.Fprintf(&key, "%s/%s/%t,", a.addr.IP, a.addr.TargetRef.UID, a.ready)
		}
		ss := bySet[key.String()]
		if ss == nil {
			ss = &subset{addrs: addrs}
			bySet[key.String()] = ss
		}
		if port != noPorts {
			port.AppProtocol = appProtocol[port.Name]
			ss.ports = append(ss.ports, port)
		}
	}
	subsets := []corev1.EndpointSubset{}
	for _, key := range sortedKeys(bySet) {
		ss := bySet[key]
		sort.Slice(ss.ports, func(i, j int) bool {
			if ss.ports[i].Name != ss.ports[j].Name {
				return ss.ports[i].Name < ss.ports[j].Name
			}
			return ss.ports[i].Port < ss.ports[j].Port
		})
		var out corev1.EndpointSubset
		for _, a := range ss.addrs {
			if a.ready {
				out.Addresses = append(out.Addresses, a.addr)
			} else {
				out.NotReadyAddresses = append(out.NotReadyAddresses, a.addr)
			}
		}
		out.Ports = ss.ports
		subsets = append(subsets, out)
	}
	return &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: svc.Name, Namespace: svc.Namespace, Labels: endpointsLabels(svc)},
		Subsets:    subsets,
	}
}

func protocolOf(sp *corev1.ServicePort) corev1.Protocol {
	if sp.Protocol == "" {
		return corev1.ProtocolTCP
	}
	return sp.Protocol
}

// EndpointsUpToDate reports whether the stored Endpoints already are the desired ones
// (subsets and labels), so that no write is needed.
func EndpointsUpToDate(cur, desired *corev1.Endpoints) bool {
	return equality.Semantic.DeepEqual(cur.Subsets, desired.Subsets) && equality.Semantic.DeepEqual(cur.Labels, desired.Labels)
}

// DesiredSlice is the content of one EndpointSlice: its ports and endpoints.
type DesiredSlice struct {
	Ports     []discoveryv1.EndpointPort
	Endpoints []discoveryv1.Endpoint
}

// DesiredSlices are the IPv4 EndpointSlices of svc given the pods its selector matches,
// as the EndpointSlice controller computes them: every pod with an IP that has not
// finished, terminating ones included, with the conditions ready (serving and not
// terminating, or publishNotReadyAddresses), serving (the Ready condition) and
// terminating; endpoints grouped by their ports and at most max per slice, in pod-name
// order. zone gives a node's topology.kubernetes.io/zone ("" = none).
func DesiredSlices(svc *corev1.Service, pods []*corev1.Pod, zone func(node string) string, max int) []DesiredSlice {
	if max <= 0 {
		max = DefaultMaxEndpointsPerSlice
	}
	sorted := append([]*corev1.Pod(nil), pods...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	type group struct {
		ports     []discoveryv1.EndpointPort
		endpoints []discoveryv1.Endpoint
	}
	groups := map[string]*group{}
	var order []string
	for _, pod := range sorted {
		if !includePod(pod, true) {
			continue
		}
		ports := []discoveryv1.EndpointPort{}
		if len(svc.Spec.Ports) > 0 || !headless(svc) {
			for i := range svc.Spec.Ports {
				sp := &svc.Spec.Ports[i]
				if port, ok := FindPort(pod, sp); ok {
					name, protocol := sp.Name, protocolOf(sp)
					ports = append(ports, discoveryv1.EndpointPort{Name: &name, Port: &port, Protocol: &protocol, AppProtocol: sp.AppProtocol})
				}
			}
		}
		serving := podReady(pod)
		terminating := pod.DeletionTimestamp != nil
		ready := svc.Spec.PublishNotReadyAddresses || serving && !terminating
		ep := discoveryv1.Endpoint{
			Addresses:  []string{podIP(pod)},
			Conditions: discoveryv1.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &terminating},
			TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		}
		if pod.Spec.NodeName != "" {
			node := pod.Spec.NodeName
			ep.NodeName = &node
			if z := zone(node); z != "" {
				ep.Zone = &z
			}
		}
		if h := hostname(pod, svc); h != "" {
			ep.Hostname = &h
		}
		key := slicePortsKey(ports)
		g := groups[key]
		if g == nil {
			g = &group{ports: ports}
			groups[key] = g
			order = append(order, key)
		}
		g.endpoints = append(g.endpoints, ep)
	}
	sort.Strings(order)
	var out []DesiredSlice
	for _, key := range order {
		g := groups[key]
		for start := 0; start < len(g.endpoints); start += max {
			end := min(start+max, len(g.endpoints))
			out = append(out, DesiredSlice{Ports: g.ports, Endpoints: g.endpoints[start:end]})
		}
	}
	if len(out) == 0 {
		// A Service without endpoints still gets one (empty) slice with its ports, as
		// the real controller keeps a placeholder slice.
		out = append(out, DesiredSlice{Ports: []discoveryv1.EndpointPort{}, Endpoints: []discoveryv1.Endpoint{}})
	}
	return out
}

func slicePortsKey(ports []discoveryv1.EndpointPort) string {
	var b strings.Builder
	for _, p := range ports {
		fmt.Fprintf(&b, "%s/%d/%s,", deref(p.Name), deref(p.Port), deref(p.Protocol))
	}
	return b.String()
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// SliceLabels are the labels of the Service's EndpointSlices: the Service's own (but the
// reserved keys), the headless label for a headless Service, the Service's name and the
// controller's managed-by label.
func SliceLabels(svc *corev1.Service) map[string]string {
	out := make(map[string]string, len(svc.Labels)+3)
	for k, v := range svc.Labels {
		if k == discoveryv1.LabelServiceName || k == discoveryv1.LabelManagedBy || k == corev1.IsHeadlessService {
			continue
		}
		out[k] = v
	}
	if headless(svc) {
		out[corev1.IsHeadlessService] = ""
	}
	out[discoveryv1.LabelServiceName] = svc.Name
	out[discoveryv1.LabelManagedBy] = SliceControllerName
	return out
}

// SlicePlan is what the EndpointSlice controller writes for one Service.
type SlicePlan struct {
	Create, Update, Delete []*discoveryv1.EndpointSlice
}

// PlanSlices turns the desired slices into writes against the Service's existing ones
// (those labelled with its name and managed by the controller): an existing slice with
// the same ports is reused (updated only if it differs), missing ones are created with
// generateName "<svc>-" and a controller owner reference to the Service, leftovers are
// deleted.
func PlanSlices(svc *corev1.Service, desired []DesiredSlice, existing []*discoveryv1.EndpointSlice) SlicePlan {
	labels := SliceLabels(svc)
	owner := metav1.OwnerReference{APIVersion: "v1", Kind: "Service", Name: svc.Name, UID: svc.UID,
		Controller: ptrTo(true), BlockOwnerDeletion: ptrTo(true)}
	byPorts := map[string][]*discoveryv1.EndpointSlice{}
	sorted := append([]*discoveryv1.EndpointSlice(nil), existing...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var plan SlicePlan
	for _, s := range sorted {
		if s.AddressType != discoveryv1.AddressTypeIPv4 || !ownedBy(s, svc) {
			plan.Delete = append(plan.Delete, s)
			continue
		}
		key := slicePortsKey(s.Ports)
		byPorts[key] = append(byPorts[key], s)
	}
	for _, d := range desired {
		key := slicePortsKey(d.Ports)
		if reuse := byPorts[key]; len(reuse) > 0 {
			cur := reuse[0]
			byPorts[key] = reuse[1:]
			if equality.Semantic.DeepEqual(cur.Endpoints, d.Endpoints) && equality.Semantic.DeepEqual(cur.Labels, labels) {
				continue
			}
			upd := cur.DeepCopy()
			upd.Labels = labels
			upd.Endpoints = d.Endpoints
			plan.Update = append(plan.Update, upd)
			continue
		}
		plan.Create = append(plan.Create, &discoveryv1.EndpointSlice{
			ObjectMeta: metav1.ObjectMeta{GenerateName: svc.Name + "-", Namespace: svc.Namespace, Labels: labels,
				OwnerReferences: []metav1.OwnerReference{owner}},
			AddressType: discoveryv1.AddressTypeIPv4, Ports: d.Ports, Endpoints: d.Endpoints,
		})
	}
	for _, key := range sortedKeys(byPorts) {
		plan.Delete = append(plan.Delete, byPorts[key]...)
	}
	return plan
}

// ownedBy: the slice's controller owner is this Service (not an older one of the same name).
func ownedBy(s *discoveryv1.EndpointSlice, svc *corev1.Service) bool {
	for _, o := range s.OwnerReferences {
		if o.UID == svc.UID && o.Kind == "Service" && o.APIVersion == "v1" {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func ptrTo[T any](v T) *T { return &v }
