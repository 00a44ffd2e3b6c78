package loadbalancer

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"flinksim/sim/controller"
)

// Config configures the provider.
type Config struct {
	Client kubernetes.Interface
	// Pool is where ingress IPs come from. Default 172.18.255.0/24.
	Pool string
	// Delay is how long provisioning takes, as a cloud load balancer takes a while
	// (Flink's docs warn the external IP may not be ready at deploy time). Default 30 s.
	Delay time.Duration
	// Disabled leaves LoadBalancer Services without ingress, as a cluster without a
	// cloud provider does.
	Disabled bool
	Log      *slog.Logger
}

// Controller assigns ingress IPs.
type Controller struct {
	cfg      Config
	factory  informers.SharedInformerFactory
	inf      cache.SharedIndexInformer
	services corelisters.ServiceLister
	loop     *controller.Loop

	mu       sync.Mutex
	pool     netip.Prefix
	assigned map[string]string // service key → IP
	used     map[string]bool
	seen     map[string]time.Time // service key → first seen as LoadBalancer
}

// New validates the configuration; it starts nothing.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("loadbalancer: Config.Client is required")
	}
	if cfg.Pool == "" {
		cfg.Pool = "172.18.255.0/24"
	}
	pool, err := netip.ParsePrefix(cfg.Pool)
	if err != nil {
		return nil, fmt.Errorf("loadbalancer: Pool %q is not a CIDR (e.g. 172.18.255.0/24): %w", cfg.Pool, err)
	}
	if cfg.Delay < 0 {
		return nil, fmt.Errorf("loadbalancer: Delay must not be negative")
	}
	if cfg.Delay == 0 {
		cfg.Delay = 30 * time.Second
	}
	f := informers.NewSharedInformerFactory(cfg.Client, 0)
	c := &Controller{cfg: cfg, factory: f, inf: f.Core().V1().Services().Informer(), services: f.Core().V1().Services().Lister(),
		pool: pool.Masked(), assigned: map[string]string{}, used: map[string]bool{}, seen: map[string]time.Time{}}
	c.loop = &controller.Loop{Name: "loadbalancer", Reconcile: c.sync, Log: cfg.Log}
	if _, err := c.inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.loop.EnqueueObject, UpdateFunc: func(_, n interface{}) { c.loop.EnqueueObject(n) }, DeleteFunc: c.loop.EnqueueObject,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// Start runs the controller until ctx ends.
func (c *Controller) Start(ctx context.Context) error {
	c.factory.Start(ctx.Done())
	defer c.factory.Shutdown()
	return c.loop.Run(ctx, c.inf.HasSynced)
}

// IngressOwner returns the Service an ingress IP belongs to ("" when none).
func (c *Controller) IngressOwner(ip string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, a := range c.assigned {
		if a == ip {
			return key
		}
	}
	return ""
}

func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, _ := cache.SplitMetaNamespaceKey(key)
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) || (err == nil && svc.Spec.Type != corev1.ServiceTypeLoadBalancer) {
		c.release(key)
		return nil
	}
	if err != nil || c.cfg.Disabled {
		return err
	}
	c.mu.Lock()
	first, ok := c.seen[key]
	if !ok {
		first = time.Now()
		c.seen[key] = first
	}
	c.mu.Unlock()
	if wait := time.Until(first.Add(c.cfg.Delay)); wait > 0 {
		c.loop.EnqueueAfter(key, wait)
		return nil
	}
	ip, err := c.allocate(key)
	if err != nil {
		return err
	}
	if len(svc.Status.LoadBalancer.Ingress) == 1 && svc.Status.LoadBalancer.Ingress[0].IP == ip {
		return nil
	}
	upd := svc.DeepCopy()
	mode := corev1.LoadBalancerIPModeVIP
	upd.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: ip, IPMode: &mode}}
	_, err = c.cfg.Client.CoreV1().Services(ns).UpdateStatus(ctx, upd, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

func (c *Controller) allocate(key string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ip, ok := c.assigned[key]; ok {
		return ip, nil
	}
	for ip := c.pool.Addr().Next(); c.pool.Contains(ip); ip = ip.Next() {
		if !c.used[ip.String()] {
			c.used[ip.String()] = true
			c.assigned[key] = ip.String()
			return ip.String(), nil
		}
	}
	return "", fmt.Errorf("load balancer pool %s is exhausted", c.pool)
}

func (c *Controller) release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ip, ok := c.assigned[key]; ok {
		delete(c.used, ip)
		delete(c.assigned, key)
	}
	delete(c.seen, key)
}
