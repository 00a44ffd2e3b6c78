package apiserver

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
)

// AdminUser is the identity of Client(): a member of system:masters.
const AdminUser = "system:admin"

// Config configures a Server. The zero value is usable.
type Config struct {
	// Seed makes UIDs, generated names and cluster IPs reproducible.
	Seed int64
	// WatchHistory is how many events per resource the server keeps for watches that
	// start from a resourceVersion; an older version gets 410 Gone. Default 10000.
	WatchHistory int
	// WatchBuffer is how many undelivered events a watcher may have before the server
	// closes its watch, as a real server closes an unresponsive watcher. Default 4096.
	WatchBuffer int
	// RequestLogSize bounds the request log kept for assertions and traces. Default 100000.
	RequestLogSize int
	// Authorizer decides every request of an identity outside system:masters; nil
	// allows everything. SetAuthorizer installs one later (an authorizer that reads the
	// server's own RBAC objects is built after the server).
	Authorizer Authorizer
	// ServiceCIDR is where ClusterIPs come from. Default 10.96.0.0/16.
	ServiceCIDR string
}

func (c Config) withDefaults() Config {
	if c.WatchHistory <= 0 {
		c.WatchHistory = 10000
	}
	if c.WatchBuffer <= 0 {
		c.WatchBuffer = 4096
	}
	if c.RequestLogSize <= 0 {
		c.RequestLogSize = 100000
	}
	if c.ServiceCIDR == "" {
		c.ServiceCIDR = "10.96.0.0/16"
	}
	return c
}

// Server is the simulated API server. All state sits behind one mutex: every request
// is a short critical section, and watch delivery never blocks on a slow consumer.
type Server struct {
	cfg Config

	mu     sync.Mutex
	rand   *rand.Rand
	rv     uint64
	tables map[schema.GroupVersionResource]*table
	ips    *ipAllocator
	ports  *nodePortAllocator
	log    *RequestLog
	faults []Fault
	logs   LogSource
	// historyStart is the resourceVersion where the watch history begins (after the
	// bootstrap writes of New), as a real watch cache begins at its first list.
	historyStart uint64

	authz atomic.Pointer[authorizerBox]
	// managers are the field managers of server-side apply, per kind, built on first use.
	managers map[managerKey]*managedfields.FieldManager
}

type authorizerBox struct{ Authorizer }

// New builds a server with the default namespaces of a fresh cluster: default,
// kube-system, kube-public and kube-node-lease. Watches from a resourceVersion older than
// these bootstrap writes get 410 Expired.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	ips, err := newIPAllocator(cfg.ServiceCIDR)
	if err != nil {
		return nil, fmt.Errorf("apiserver: ServiceCIDR %q: %w", cfg.ServiceCIDR, err)
	}
	s := &Server{
		cfg:    cfg,
		rand:   rand.New(rand.NewPCG(uint64(cfg.Seed), 0xa915e12e7)),
		tables: map[schema.GroupVersionResource]*table{},
		ips:    ips,
		ports:  newNodePortAllocator(30000, 32767),
		log:    newRequestLog(cfg.RequestLogSize),
	}
	for gvr, info := range resources {
		s.tables[gvr] = newTable(info)
	}
	if cfg.Authorizer != nil {
		s.SetAuthorizer(cfg.Authorizer)
	}
	req := Request{User: AdminUser, Groups: GroupsOf(AdminUser), Verb: "create", Resource: corev1.SchemeGroupVersion.WithResource("namespaces")}
	for _, name := range []string{metav1.NamespaceDefault, metav1.NamespaceSystem, metav1.NamespacePublic, corev1.NamespaceNodeLease} {
		req.Name = name
		if _, err := s.create(s.tables[req.Resource], req, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
			return nil, fmt.Errorf("apiserver: creating namespace %s: %w", name, err)
		}
	}
	s.historyStart = s.rv
	return s, nil
}

// SetAuthorizer installs the authorizer of every later request (nil allows everything).
func (s *Server) SetAuthorizer(a Authorizer) {
	if a == nil {
		s.authz.Store(nil)
		return
	}
	s.authz.Store(&authorizerBox{a})
}

// Object returns the stored object of a resource, or nil. The object is the server's
// own: callers must not modify it.
func (s *Server) Object(gvr schema.GroupVersionResource, namespace, name string) runtime.Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[gvr]
	if t == nil {
		return nil
	}
	return t.get(t.namespaceOf(namespace), name)
}

// Objects returns the stored objects of a resource in a namespace ("" = all), in name
// order. The objects are the server's own: callers must not modify them.
func (s *Server) Objects(gvr schema.GroupVersionResource, namespace string) []runtime.Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[gvr]
	if t == nil {
		return nil
	}
	return t.sorted(t.namespaceOf(namespace))
}

// Clientset returns a client acting as user. Each call returns a new clientset whose
// reactors lead into this server; client-go's fake records the actions of each
// clientset, so callers keep one per identity rather than one per request.
func (s *Server) Clientset(user string) kubernetes.Interface {
	return &clientset{Clientset: s.fakeClientset(user), server: s, user: user}
}

func (s *Server) fakeClientset(user string) *fake.Clientset {
	cs := fake.NewClientset()
	cs.ReactionChain = nil
	cs.WatchReactionChain = nil
	cs.ProxyReactionChain = nil
	calls := 0
	cs.AddReactor("*", "*", func(action clienttesting.Action) (bool, runtime.Object, error) {
		calls++
		if calls%4096 == 0 {
			// The fake keeps every action it saw; drop them once the current call
			// releases the fake's lock, so long simulations don't grow without bound.
			go cs.ClearActions()
		}
		obj, err := s.Handle(user, action)
		return true, obj, err
	})
	cs.AddWatchReactor("*", func(action clienttesting.Action) (bool, watch.Interface, error) {
		w, err := s.HandleWatch(user, action)
		return true, w, err
	})
	return cs
}

// RequestLog is the log of every request the server answered.
func (s *Server) RequestLog() *RequestLog { return s.log }

// CurrentResourceVersion is the newest resourceVersion handed out.
func (s *Server) CurrentResourceVersion() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rv
}

// now is the server's clock: plain time, virtual inside a synctest bubble. Timestamps
// are kept at second precision, as they are on the wire.
func now() metav1.Time {
	return metav1.NewTime(time.Now().Truncate(time.Second))
}

func (s *Server) nextRV() uint64 {
	s.rv++
	return s.rv
}

func (s *Server) newUID() types.UID {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := s.rand.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return types.UID(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}

// generateSuffix is apiserver's generateName suffix: five characters from an
// alphabet without vowels and look-alikes.
func (s *Server) generateSuffix() string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	b := make([]byte, 5)
	for i := range b {
		b[i] = alphabet[s.rand.IntN(len(alphabet))]
	}
	return string(b)
}
