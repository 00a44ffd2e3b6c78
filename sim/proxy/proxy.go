package proxy

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"flinksim/sim/network"
)

// Config configures the proxy.
type Config struct {
	Client kubernetes.Interface
	// Domain is the cluster domain. Default cluster.local.
	Domain string
}

// Proxy resolves Service addresses from informer caches.
type Proxy struct {
	cfg      Config
	factory  informers.SharedInformerFactory
	svcInf   cache.SharedIndexInformer
	podInf   cache.SharedIndexInformer
	services corelisters.ServiceLister
	pods     corelisters.PodLister
}

const clusterIPIndex = "clusterIP"

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
		svcInf: f.Core().V1().Services().Informer(), podInf: f.Core().V1().Pods().Informer(),
		services: f.Core().V1().Services().Lister(), pods: f.Core().V1().Pods().Lister()}
	if err := p.svcInf.AddIndexers(cache.Indexers{clusterIPIndex: func(obj interface{}) ([]string, error) {
		if s, ok := obj.(*corev1.Service); ok && s.Spec.ClusterIP != "" && s.Spec.ClusterIP != corev1.ClusterIPNone {
			return []string{s.Spec.ClusterIP}, nil
		}
		return nil, nil
	}}); err != nil {
		return nil, err
	}
	return p, nil
}

// Start runs the informers until ctx ends.
func (p *Proxy) Start(ctx context.Context) error {
	p.factory.Start(ctx.Done())
	defer p.factory.Shutdown()
	cache.WaitForCacheSync(ctx.Done(), p.svcInf.HasSynced, p.podInf.HasSynced)
	<-ctx.Done()
	return nil
}

// Resolve implements network.Resolver.
func (p *Proxy) Resolve(host string, port int) ([]network.Backend, bool) {
	svc := p.lookup(host)
	if svc == nil {
		return nil, false
	}
	if svc.Spec.Selector == nil {
		return nil, true
	}
	pods, err := p.pods.Pods(svc.Namespace).List(labels.SelectorFromSet(svc.Spec.Selector))
	if err != nil {
		return nil, true
	}
	headless := svc.Spec.ClusterIP == corev1.ClusterIPNone
	var sp *corev1.ServicePort
	for i := range svc.Spec.Ports {
		if int(svc.Spec.Ports[i].Port) == port {
			sp = &svc.Spec.Ports[i]
		}
	}
	if sp == nil && !headless {
		return nil, true // nothing listens on that port of the ClusterIP
	}
	var out []network.Backend
	for _, pod := range pods {
		if !ready(pod) || pod.Status.PodIP == "" {
			continue
		}
		target := port
		if sp != nil {
			if t, ok := targetPort(sp, pod); ok {
				target = t
			} else {
				continue
			}
		}
		out = append(out, network.Backend{IP: pod.Status.PodIP, Port: target})
	}
	return out, true
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

func ready(pod *corev1.Pod) bool {
	if pod.DeletionTimestamp != nil || pod.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func targetPort(sp *corev1.ServicePort, pod *corev1.Pod) (int, bool) {
	if sp.TargetPort.StrVal == "" {
		if sp.TargetPort.IntVal != 0 {
			return int(sp.TargetPort.IntVal), true
		}
		return int(sp.Port), true
	}
	for _, c := range pod.Spec.Containers {
		for _, cp := range c.Ports {
			if cp.Name == sp.TargetPort.StrVal {
				return int(cp.ContainerPort), true
			}
		}
	}
	return 0, false
}
