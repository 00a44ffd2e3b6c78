package portforward

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"flinksim/process"
)

// HostIP is the address connections from the host appear to come from inside the
// simulated network: the machine that runs flinksim, outside every pod.
const HostIP = "192.168.255.254"

// Dialer opens connections inside the simulated network; sim/network.Network is one.
type Dialer interface {
	Host(ip string) process.Network
}

// Config configures a Forwarder.
type Config struct {
	// Client watches the Services. Required.
	Client kubernetes.Interface
	// Network carries the forwarded connections. Required.
	Network Dialer
	// Select says which ports of a Service to forward on its own, as soon as the
	// Service exists (nil: none; Add forwards on request).
	Select func(svc *corev1.Service) []corev1.ServicePort
	// PreferServicePort makes an automatic forward listen on the Service's own port
	// (8081 for a Flink REST Service, as kubectl port-forward service/x 8081 would),
	// falling back to a free port when it is taken. Off: always a free port.
	PreferServicePort bool
	// LoadBalancers, when set, is the pool of loopback addresses (e.g. 127.0.10.0/24)
	// that Services of type LoadBalancer get as their ingress IP; each of their ports
	// is then served on that address, as a cloud load balancer (or minikube tunnel)
	// would. Empty: LoadBalancer Services stay <pending>.
	LoadBalancers string
	// OnChange is told about every forward opened or closed.
	OnChange func(f Forward, open bool)
	// Log receives connection failures. Default: discarded.
	Log *slog.Logger
}

// Forward is one forwarded Service port.
type Forward struct {
	Namespace string `json:"namespace"`
	Service   string `json:"service"`
	Port      int32  `json:"port"`
	// Local is the loopback address that leads to the Service port.
	Local string `json:"local"`
	// LoadBalancer marks the forward of a LoadBalancer Service's ingress address.
	LoadBalancer bool `json:"loadBalancer,omitempty"`
}

// URL is the forward's address as an http URL.
func (f Forward) URL() string { return "http://" + f.Local }

// Forwarder maps Service ports of the simulated cluster to loopback ports of the host.
type Forwarder struct {
	cfg  Config
	pool []netip.Addr

	mu       sync.Mutex
	ctx      context.Context // set by Start
	forwards map[key]*forward
	lbIPs    map[string]netip.Addr // namespace/name → ingress IP
	wg       sync.WaitGroup
}

type key struct {
	namespace, service string
	port               int32
	lb                 bool
}

type forward struct {
	Forward
	listener net.Listener
	auto     bool
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
}

// New validates cfg; it starts nothing.
func New(cfg Config) (*Forwarder, error) {
	if cfg.Client == nil {
		return nil, errors.New("portforward: Config.Client is required (it watches the Services to forward)")
	}
	if cfg.Network == nil {
		return nil, errors.New("portforward: Config.Network is required (the simulated network the connections go into)")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	f := &Forwarder{cfg: cfg, forwards: map[key]*forward{}, lbIPs: map[string]netip.Addr{}}
	if cfg.LoadBalancers != "" {
		prefix, err := netip.ParsePrefix(cfg.LoadBalancers)
		if err != nil || !prefix.Addr().IsLoopback() || !prefix.Addr().Is4() {
			return nil, fmt.Errorf("portforward: load-balancer pool %q is not an IPv4 loopback range like 127.0.10.0/24", cfg.LoadBalancers)
		}
		for a := prefix.Masked().Addr().Next(); prefix.Contains(a) && len(f.pool) < 4096; a = a.Next() {
			f.pool = append(f.pool, a)
		}
	}
	return f, nil
}

// Start watches the Services and keeps the forwards in step with them until ctx ends;
// then it closes every listener and connection and waits for them.
func (f *Forwarder) Start(ctx context.Context) error {
	f.mu.Lock()
	if f.ctx != nil {
		f.mu.Unlock()
		return errors.New("portforward: already started")
	}
	f.ctx = ctx
	f.mu.Unlock()

	factory := informers.NewSharedInformerFactory(f.cfg.Client, 0)
	inf := factory.Core().V1().Services().Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { f.sync(obj.(*corev1.Service)) },
		UpdateFunc: func(_, obj any) { f.sync(obj.(*corev1.Service)) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if svc, ok := obj.(*corev1.Service); ok {
				f.removeService(svc.Namespace, svc.Name)
			}
		},
	}); err != nil {
		return fmt.Errorf("portforward: %w", err)
	}
	factory.Start(ctx.Done())
	<-ctx.Done()
	factory.Shutdown()

	f.mu.Lock()
	all := make([]*forward, 0, len(f.forwards))
	for k, fw := range f.forwards {
		all = append(all, fw)
		delete(f.forwards, k)
	}
	f.mu.Unlock()
	for _, fw := range all {
		fw.close()
	}
	f.wg.Wait()
	return nil
}

// List returns the open forwards, by namespace, Service and port.
func (f *Forwarder) List() []Forward {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Forward, 0, len(f.forwards))
	for _, fw := range f.forwards {
		out = append(out, fw.Forward)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		if a.Port != b.Port {
			return a.Port < b.Port
		}
		return !a.LoadBalancer && b.LoadBalancer
	})
	return out
}

// Add forwards a Service port to a loopback port (0: any free one), as kubectl
// port-forward service/<name> <local>:<port> does; the forward lasts until the
// Service is deleted or the forwarder stops.
func (f *Forwarder) Add(ctx context.Context, namespace, service string, port int32, localPort int) (Forward, error) {
	svc, err := f.cfg.Client.CoreV1().Services(namespace).Get(ctx, service, metav1.GetOptions{})
	if err != nil {
		return Forward{}, fmt.Errorf("service %s/%s: %w", namespace, service, err)
	}
	found := false
	for _, p := range svc.Spec.Ports {
		found = found || p.Port == port
	}
	if !found {
		var ports []string
		for _, p := range svc.Spec.Ports {
			ports = append(ports, strconv.Itoa(int(p.Port)))
		}
		return Forward{}, fmt.Errorf("service %s/%s has no port %d (its ports: %v)", namespace, service, port, ports)
	}
	k := key{namespace: namespace, service: service, port: port}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ctx == nil {
		return Forward{}, errors.New("portforward: the forwarder is not started")
	}
	if fw, ok := f.forwards[k]; ok {
		if localPort == 0 || fw.Local == net.JoinHostPort("127.0.0.1", strconv.Itoa(localPort)) {
			return fw.Forward, nil
		}
		return Forward{}, fmt.Errorf("service %s/%s port %d is already forwarded to %s", namespace, service, port, fw.Local)
	}
	fw, err := f.openLocked(k, net.JoinHostPort("127.0.0.1", strconv.Itoa(localPort)), false)
	if err != nil {
		return Forward{}, err
	}
	f.announce(fw)
	return fw.Forward, nil
}

// sync opens the automatic forwards and load balancer of a Service.
func (f *Forwarder) sync(svc *corev1.Service) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ctx == nil || f.ctx.Err() != nil {
		return
	}
	if f.cfg.Select != nil {
		for _, p := range f.cfg.Select(svc) {
			k := key{namespace: svc.Namespace, service: svc.Name, port: p.Port}
			if _, ok := f.forwards[k]; ok {
				continue
			}
			var fw *forward
			var err error
			if f.cfg.PreferServicePort {
				fw, err = f.openLocked(k, net.JoinHostPort("127.0.0.1", strconv.Itoa(int(p.Port))), true)
			}
			if !f.cfg.PreferServicePort || err != nil {
				fw, err = f.openLocked(k, "127.0.0.1:0", true)
			}
			if err != nil {
				f.cfg.Log.Warn("portforward: cannot forward", "service", svc.Namespace+"/"+svc.Name, "port", p.Port, "err", err)
				continue
			}
			f.announce(fw)
		}
	}
	if len(f.pool) > 0 && svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
		f.loadBalanceLocked(svc)
	}
}

// loadBalanceLocked gives a LoadBalancer Service a loopback ingress address and serves
// its ports there. An address where a port cannot be bound (another program, or
// another flinksim, holds it) is passed over for the next one of the pool.
func (f *Forwarder) loadBalanceLocked(svc *corev1.Service) {
	id := svc.Namespace + "/" + svc.Name
	ip, ok := f.lbIPs[id]
	if !ok {
		used := map[netip.Addr]bool{}
		for _, a := range f.lbIPs {
			used[a] = true
		}
		for _, a := range f.pool {
			if used[a] {
				continue
			}
			if f.openAllLocked(svc, a) {
				ip, ok = a, true
				break
			}
		}
		if !ok {
			f.cfg.Log.Warn("portforward: no address of the load-balancer pool is free for the Service's ports", "service", id, "pool", f.cfg.LoadBalancers)
			return
		}
		f.lbIPs[id] = ip
	} else if !f.openAllLocked(svc, ip) {
		f.cfg.Log.Warn("portforward: cannot serve a new port of the load balancer", "service", id, "address", ip)
	}
	if len(svc.Status.LoadBalancer.Ingress) == 1 && svc.Status.LoadBalancer.Ingress[0].IP == ip.String() {
		return
	}
	ctx := f.ctx
	ns, name, ipStr := svc.Namespace, svc.Name, ip.String()
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		f.publishIngress(ctx, ns, name, ipStr)
	}()
}

// openAllLocked serves every port of a LoadBalancer Service on ip; if one cannot be
// bound, it closes what it opened and reports false.
func (f *Forwarder) openAllLocked(svc *corev1.Service, ip netip.Addr) bool {
	var opened []key
	defer func() {
		for _, k := range opened {
			if fw, ok := f.forwards[k]; ok {
				f.announce(fw)
			}
		}
	}()
	for _, p := range svc.Spec.Ports {
		k := key{namespace: svc.Namespace, service: svc.Name, port: p.Port, lb: true}
		if _, ok := f.forwards[k]; ok {
			continue
		}
		if _, err := f.openLocked(k, net.JoinHostPort(ip.String(), strconv.Itoa(int(p.Port))), true); err != nil {
			for _, k := range opened {
				f.forwards[k].close()
				delete(f.forwards, k)
			}
			opened = nil
			return false
		}
		opened = append(opened, k)
	}
	return true
}

// publishIngress writes the ingress address into the Service's status, as a cloud
// controller does, retrying on conflicts.
func (f *Forwarder) publishIngress(ctx context.Context, ns, name, ip string) {
	for attempt := 0; attempt < 5 && ctx.Err() == nil; attempt++ {
		svc, err := f.cfg.Client.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return
		}
		svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: ip, IPMode: ptr(corev1.LoadBalancerIPModeVIP)}}
		if _, err = f.cfg.Client.CoreV1().Services(ns).UpdateStatus(ctx, svc, metav1.UpdateOptions{}); err == nil {
			return
		}
		f.cfg.Log.Debug("portforward: publishing the load-balancer ingress", "service", ns+"/"+name, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func ptr[T any](v T) *T { return &v }

func (f *Forwarder) removeService(namespace, name string) {
	f.mu.Lock()
	var closing []*forward
	for k, fw := range f.forwards {
		if k.namespace == namespace && k.service == name {
			closing = append(closing, fw)
			delete(f.forwards, k)
		}
	}
	delete(f.lbIPs, namespace+"/"+name)
	f.mu.Unlock()
	for _, fw := range closing {
		fw.close()
		if f.cfg.OnChange != nil {
			f.cfg.OnChange(fw.Forward, false)
		}
	}
}

// openLocked listens on local and serves the forward. The caller holds f.mu.
func (f *Forwarder) openLocked(k key, local string, auto bool) (*forward, error) {
	l, err := net.Listen("tcp", local)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s for service %s/%s port %d (is the port taken? pick another local port): %w",
			local, k.namespace, k.service, k.port, err)
	}
	fw := &forward{Forward: Forward{Namespace: k.namespace, Service: k.service, Port: k.port, Local: l.Addr().String(), LoadBalancer: k.lb},
		listener: l, auto: auto, conns: map[net.Conn]struct{}{}}
	f.forwards[k] = fw
	ctx := f.ctx
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		f.serve(ctx, fw)
	}()
	return fw, nil
}

// announce tells OnChange about an opened forward.
func (f *Forwarder) announce(fw *forward) {
	if f.cfg.OnChange != nil {
		f.cfg.OnChange(fw.Forward, true)
	}
}

// serve accepts host connections and joins each to a connection into the cluster.
func (f *Forwarder) serve(ctx context.Context, fw *forward) {
	target := net.JoinHostPort(fw.Service+"."+fw.Namespace, strconv.Itoa(int(fw.Port)))
	for {
		c, err := fw.listener.Accept()
		if err != nil {
			return
		}
		if !fw.track(c) {
			c.Close()
			return
		}
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer fw.untrack(c)
			dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
			remote, err := f.cfg.Network.Host(HostIP).DialContext(dialCtx, "tcp", target)
			cancel()
			if err != nil {
				f.cfg.Log.Info("portforward: cannot reach the service", "target", target, "err", err)
				return
			}
			if !fw.track(remote) {
				remote.Close()
				return
			}
			defer fw.untrack(remote)
			done := make(chan struct{}, 2)
			go func() { io.Copy(remote, c); closeWrite(remote); done <- struct{}{} }()
			go func() { io.Copy(c, remote); closeWrite(c); done <- struct{}{} }()
			<-done
			<-done
		}()
	}
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
		return
	}
	c.Close()
}

// track registers an open connection; false once the forward is closed.
func (fw *forward) track(c net.Conn) bool {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.conns == nil {
		return false
	}
	fw.conns[c] = struct{}{}
	return true
}

func (fw *forward) untrack(c net.Conn) {
	c.Close()
	fw.mu.Lock()
	defer fw.mu.Unlock()
	delete(fw.conns, c)
}

// close stops listening and cuts every connection.
func (fw *forward) close() {
	fw.listener.Close()
	fw.mu.Lock()
	conns := fw.conns
	fw.conns = nil
	fw.mu.Unlock()
	for c := range conns {
		c.Close()
	}
}
