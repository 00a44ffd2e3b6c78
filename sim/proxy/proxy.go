package proxy

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"flinksim/sim/controller"
	"flinksim/sim/endpoints"
	"flinksim/sim/network"
)

// Config configures the proxy.
type Config struct {
	Client kubernetes.Interface
	// Domain is the cluster domain. Default cluster.local.
	Domain string
}

// Proxy resolves Service addresses from informer caches of Services and EndpointSlices.
type Proxy struct {
	cfg      Config
	factory  informers.SharedInformerFactory
	svcInf   cache.SharedIndexInformer
	sliceInf cache.SharedIndexInformer
	services corelisters.ServiceLister
}

const (
	clusterIPIndex = "clusterIP"
	serviceIndex   = "service"
)

// New validates the configuration; it starts nothing.
func New(cfg Config) (*Proxy, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("proxy: Config.Client is required")
	}
	if cfg.Domain == "" {
		cfg.Domain = "cluster.local"
	}
	f := informers.NewSharedInformerFactory(cfg.Client, 0)
	p := &Proxy{cfg: cfg, factory: f,
		svcInf: f.Core().V1().Services().Informer(), sliceInf: f.Discovery().V1().EndpointSlices().Informer(),
		services: f.Core().V1().Services().Lister()}
	if err := p.svcInf.AddIndexers(cache.Indexers{clusterIPIndex: func(obj interface{}) ([]string, error) {
		if s, ok := obj.(*corev1.Service); ok && s.Spec.ClusterIP != "" && s.Spec.ClusterIP != corev1.ClusterIPNone {
			return []string{s.Spec.ClusterIP}, nil
		}
		return nil, nil
	}}); err != nil {
		return nil, err
	}
	if err := p.sliceInf.AddIndexers(cache.Indexers{serviceIndex: endpoints.SliceServiceKey}); err != nil {
		return nil, err
	}
	return p, nil
}

// Start runs the informers until ctx ends.
func (p *Proxy) Start(ctx context.Context) error {
	p.factory.Start(ctx.Done())
	defer p.factory.Shutdown()
	controller.WaitForCacheSync(ctx, p.svcInf.HasSynced, p.sliceInf.HasSynced)
	<-ctx.Done()
	return nil
}

// Resolve implements network.Resolver: a ClusterIP (or a DNS name of a Service that has
// one) leads to the ready endpoints of the Service port dialed, at their target port —
// or, when none is ready, to those still serving while they terminate, as kube-proxy
// does; a headless Service's name resolves, as DNS does, to its ready endpoints' IPs,
// dialed at the port given.
func (p *Proxy) Resolve(host string, port int) ([]network.Backend, bool) {
	svc := p.lookup(host)
	if svc == nil {
		return nil, false
	}
	objs, _ := p.sliceInf.GetIndexer().ByIndex(serviceIndex, svc.Namespace+"/"+svc.Name)
	slices := make([]*discoveryv1.EndpointSlice, 0, len(objs))
	for _, o := range objs {
		if s := o.(*discoveryv1.EndpointSlice); s.AddressType == discoveryv1.AddressTypeIPv4 {
			slices = append(slices, s)
		}
	}
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		return Backends(slices, port, nil, false), true
	}
	var sp *corev1.ServicePort
	for i := range svc.Spec.Ports {
		if int(svc.Spec.Ports[i].Port) == port {
			sp = &svc.Spec.Ports[i]
		}
	}
	if sp == nil {
		return nil, true // nothing listens on that port of the ClusterIP
	}
	name := sp.Name
	out := Backends(slices, port, &name, false)
	if len(out) == 0 {
		out = Backends(slices, port, &name, true)
	}
	return out, true
}

// Backends are the endpoints of slices: the ready ones, or with terminating the serving
// ones that are terminating. With portName, an endpoint is reached at the slice's port of
// that name (slices without it are skipped); without, at port.
func Backends(slices []*discoveryv1.EndpointSlice, port int, portName *string, terminating bool) []network.Backend {
	var out []network.Backend
	seen := map[string]bool{}
	for _, s := range slices {
		target := port
		if portName != nil {
			found := false
			for _, sp := range s.Ports {
				if sp.Port != nil && (sp.Name == nil && *portName == "" || sp.Name != nil && *sp.Name == *portName) {
					target, found = int(*sp.Port), true
					break
				}
			}
			if !found {
				continue
			}
		}
		for _, ep := range s.Endpoints {
			if !usable(ep.Conditions, terminating) || len(ep.Addresses) == 0 || seen[ep.Addresses[0]] {
				continue
			}
			seen[ep.Addresses[0]] = true
			out = append(out, network.Backend{IP: ep.Addresses[0], Port: target})
		}
	}
	return out
}

// usable: ready (nil counts as ready, as the API says consumers should read it), or,
// for the terminating fallback, serving and terminating.
func usable(c discoveryv1.EndpointConditions, terminating bool) bool {
	if terminating {
		return c.Serving != nil && *c.Serving && c.Terminating != nil && *c.Terminating
	}
	return c.Ready == nil || *c.Ready
}

func (p *Proxy) lookup(host string) *corev1.Service {
	if objs, _ := p.svcInf.GetIndexer().ByIndex(clusterIPIndex, host); len(objs) > 0 {
		return objs[0].(*corev1.Service)
	}
	name := strings.TrimSuffix(strings.TrimSuffix(host, "."), "."+p.cfg.Domain)
	name = strings.TrimSuffix(name, ".svc")
	parts := strings.Split(name, ".")
	if len(parts) != 2 {
		return nil
	}
	svc, err := p.services.Services(parts[1]).Get(parts[0])
	if err != nil {
		return nil
	}
	return svc
}
