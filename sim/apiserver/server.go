package apiserver

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
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
	// Authorizer decides every request; nil allows everything.
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
}

// New builds a server with the default namespaces of a fresh cluster: default,
// kube-system, kube-public and kube-node-lease.
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
	return s, nil
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
