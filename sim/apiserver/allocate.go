package apiserver

import (
	"fmt"
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ipAllocator hands out Service ClusterIPs from a range, lowest free first.
type ipAllocator struct {
	prefix netip.Prefix
	used   map[netip.Addr]bool
	next   netip.Addr
}

func newIPAllocator(cidr string) (*ipAllocator, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, err
	}
	if !p.Addr().Is4() {
		return nil, fmt.Errorf("only IPv4 service ranges are simulated")
	}
	first := p.Masked().Addr().Next() // .1 is the kubernetes Service
	return &ipAllocator{prefix: p.Masked(), used: map[netip.Addr]bool{first: true}, next: first.Next()}, nil
}

func (a *ipAllocator) allocate() (netip.Addr, error) {
	start := a.next
	for {
		ip := a.next
		a.next = a.next.Next()
		if !a.prefix.Contains(a.next) {
			a.next = a.prefix.Addr().Next().Next()
		}
		if a.prefix.Contains(ip) && !a.used[ip] {
			a.used[ip] = true
			return ip, nil
		}
		if a.next == start {
			return netip.Addr{}, fmt.Errorf("range is full")
		}
	}
}

func (a *ipAllocator) claim(ip netip.Addr) error {
	if !a.prefix.Contains(ip) {
		return fmt.Errorf("the provided IP (%s) is not in the valid range. The range of valid IPs is %s", ip, a.prefix)
	}
	if a.used[ip] {
		return fmt.Errorf("failed to allocate IP %s: provided IP is already allocated", ip)
	}
	a.used[ip] = true
	return nil
}

func (a *ipAllocator) release(ip netip.Addr) { delete(a.used, ip) }

// nodePortAllocator hands out NodePorts from 30000–32767.
type nodePortAllocator struct {
	min, max int32
	used     map[int32]bool
	next     int32
}

func newNodePortAllocator(min, max int32) *nodePortAllocator {
	return &nodePortAllocator{min: min, max: max, used: map[int32]bool{}, next: min}
}

func (a *nodePortAllocator) allocate() (int32, error) {
	for i := a.min; i <= a.max; i++ {
		p := a.next
		a.next++
		if a.next > a.max {
			a.next = a.min
		}
		if !a.used[p] {
			a.used[p] = true
			return p, nil
		}
	}
	return 0, fmt.Errorf("range is full")
}

// allocateOnCreate gives a new Service its ClusterIP and NodePorts.
func (s *Server) allocateOnCreate(obj runtime.Object) error {
	svc, ok := obj.(*corev1.Service)
	if !ok || svc.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	sp := field.NewPath("spec")
	var claimedIP netip.Addr
	switch svc.Spec.ClusterIP {
	case corev1.ClusterIPNone:
		svc.Spec.ClusterIPs = []string{corev1.ClusterIPNone}
	case "":
		ip, err := s.ips.allocate()
		if err != nil {
			return apierrors.NewInternalError(fmt.Errorf("failed to allocate a serviceIP: %v", err))
		}
		claimedIP = ip
		svc.Spec.ClusterIP = ip.String()
		svc.Spec.ClusterIPs = []string{ip.String()}
	default:
		ip, err := netip.ParseAddr(svc.Spec.ClusterIP)
		if err != nil {
			return apierrors.NewInvalid(schemaKind("Service"), svc.Name, field.ErrorList{field.Invalid(sp.Child("clusterIPs").Index(0), svc.Spec.ClusterIP, "must be a valid IP address")})
		}
		if err := s.ips.claim(ip); err != nil {
			return apierrors.NewInvalid(schemaKind("Service"), svc.Name, field.ErrorList{field.Invalid(sp.Child("clusterIPs").Index(0), []string{svc.Spec.ClusterIP}, err.Error())})
		}
		claimedIP = ip
		svc.Spec.ClusterIPs = []string{ip.String()}
	}
	if svc.Spec.ClusterIP != corev1.ClusterIPNone {
		svc.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
		single := corev1.IPFamilyPolicySingleStack
		svc.Spec.IPFamilyPolicy = &single
	} else if svc.Spec.IPFamilyPolicy == nil {
		svc.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
		req := corev1.IPFamilyPolicyRequireDualStack
		svc.Spec.IPFamilyPolicy = &req
	}
	if !needsNodePorts(svc) {
		return nil
	}
	var claimed []int32
	undo := func() {
		for _, p := range claimed {
			delete(s.ports.used, p)
		}
		if claimedIP.IsValid() {
			s.ips.release(claimedIP)
		}
	}
	for i := range svc.Spec.Ports {
		port := &svc.Spec.Ports[i]
		if port.NodePort != 0 {
			if s.ports.used[port.NodePort] {
				undo()
				return apierrors.NewInvalid(schemaKind("Service"), svc.Name, field.ErrorList{
					field.Invalid(sp.Child("ports").Index(i).Child("nodePort"), port.NodePort, "provided port is already allocated")})
			}
			s.ports.used[port.NodePort] = true
			claimed = append(claimed, port.NodePort)
			continue
		}
		p, err := s.ports.allocate()
		if err != nil {
			undo()
			return apierrors.NewInternalError(fmt.Errorf("failed to allocate a nodePort: %v", err))
		}
		claimed = append(claimed, p)
		port.NodePort = p
	}
	return nil
}

// releaseOnDelete frees what a deleted Service held.
func (s *Server) releaseOnDelete(obj runtime.Object) {
	svc, ok := obj.(*corev1.Service)
	if !ok {
		return
	}
	if ip, err := netip.ParseAddr(svc.Spec.ClusterIP); err == nil {
		s.ips.release(ip)
	}
	for _, p := range svc.Spec.Ports {
		if p.NodePort != 0 {
			delete(s.ports.used, p.NodePort)
		}
	}
}

// patchAllocatedValues keeps what the server allocated when an update leaves it out:
// the clusterIP(s) and the nodePorts of ports (matched by name) that still need one.
func patchAllocatedValues(svc, old *corev1.Service) {
	if needsClusterIP(old) && needsClusterIP(svc) {
		if svc.Spec.ClusterIP == "" {
			svc.Spec.ClusterIP = old.Spec.ClusterIP
		}
		if len(svc.Spec.ClusterIPs) == 0 && len(old.Spec.ClusterIPs) > 0 {
			svc.Spec.ClusterIPs = old.Spec.ClusterIPs
		}
		if svc.Spec.IPFamilyPolicy == nil {
			svc.Spec.IPFamilyPolicy = old.Spec.IPFamilyPolicy
		}
		if len(svc.Spec.IPFamilies) == 0 {
			svc.Spec.IPFamilies = old.Spec.IPFamilies
		}
	}
	if needsNodePorts(old) && needsNodePorts(svc) {
		used := map[int32]bool{}
		for _, p := range svc.Spec.Ports {
			if p.NodePort != 0 {
				used[p.NodePort] = true
			}
		}
		byName := map[string]int32{}
		for _, p := range old.Spec.Ports {
			byName[p.Name] = p.NodePort
		}
		for i := range svc.Spec.Ports {
			p := &svc.Spec.Ports[i]
			if p.NodePort == 0 && !used[byName[p.Name]] {
				p.NodePort = byName[p.Name]
			}
		}
	}
}

func needsClusterIP(svc *corev1.Service) bool {
	return svc.Spec.Type != corev1.ServiceTypeExternalName
}

func needsNodePorts(svc *corev1.Service) bool {
	switch svc.Spec.Type {
	case corev1.ServiceTypeNodePort:
		return true
	case corev1.ServiceTypeLoadBalancer:
		return svc.Spec.AllocateLoadBalancerNodePorts == nil || *svc.Spec.AllocateLoadBalancerNodePorts
	}
	return false
}

// allocateOnUpdate allocates what an updated Service newly needs (a clusterIP after
// ExternalName, nodePorts after ClusterIP) and releases what it no longer holds.
func (s *Server) allocateOnUpdate(svc, old *corev1.Service) error {
	var claimedPorts []int32
	var claimedIP netip.Addr
	undo := func() {
		for _, p := range claimedPorts {
			delete(s.ports.used, p)
		}
		if claimedIP.IsValid() {
			s.ips.release(claimedIP)
		}
	}
	if needsClusterIP(svc) && svc.Spec.ClusterIP == "" {
		ip, err := s.ips.allocate()
		if err != nil {
			return apierrors.NewInternalError(fmt.Errorf("failed to allocate a serviceIP: %v", err))
		}
		claimedIP = ip
		svc.Spec.ClusterIP = ip.String()
		svc.Spec.ClusterIPs = []string{ip.String()}
		single := corev1.IPFamilyPolicySingleStack
		svc.Spec.IPFamilyPolicy = &single
		svc.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
	}
	oldPorts := map[int32]bool{}
	for _, p := range old.Spec.Ports {
		if p.NodePort != 0 {
			oldPorts[p.NodePort] = true
		}
	}
	newPorts := map[int32]bool{}
	if needsNodePorts(svc) {
		for i := range svc.Spec.Ports {
			p := &svc.Spec.Ports[i]
			switch {
			case p.NodePort == 0:
				np, err := s.ports.allocate()
				if err != nil {
					undo()
					return apierrors.NewInternalError(fmt.Errorf("failed to allocate a nodePort: %v", err))
				}
				claimedPorts = append(claimedPorts, np)
				p.NodePort = np
			case !oldPorts[p.NodePort] && !newPorts[p.NodePort]:
				if s.ports.used[p.NodePort] {
					undo()
					return apierrors.NewInvalid(schemaKind("Service"), svc.Name, field.ErrorList{
						field.Invalid(field.NewPath("spec", "ports").Index(i).Child("nodePort"), p.NodePort, "provided port is already allocated")})
				}
				s.ports.used[p.NodePort] = true
				claimedPorts = append(claimedPorts, p.NodePort)
			}
			newPorts[p.NodePort] = true
		}
	}
	for p := range oldPorts {
		if !newPorts[p] {
			delete(s.ports.used, p)
		}
	}
	if ip, err := netip.ParseAddr(old.Spec.ClusterIP); err == nil && old.Spec.ClusterIP != svc.Spec.ClusterIP {
		s.ips.release(ip)
	}
	return nil
}
