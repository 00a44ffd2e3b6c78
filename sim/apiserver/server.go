package apiserver

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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
	// waits on it (events then queue behind the buffer). Default 4096.
	WatchBuffer int
	// WatchBlockedTimeout is how long a watcher whose buffer is full may take no event
	// before the server closes its watch, as the real watch cache closes an unresponsive
	// watcher once its time budget (at most 100 ms) is spent. Default 100 ms.
	WatchBlockedTimeout time.Duration
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
	if c.WatchBlockedTimeout <= 0 {
		c.WatchBlockedTimeout = 100 * time.Millisecond
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
	// addr is where clients reach the server: the kubernetes Service's address, the first
	// of the service CIDR, port 443. Transport errors name it.
	addr *net.TCPAddr
	logs LogSource
	// historyStart is the resourceVersion where the watch history begins (see
	// StartWatchHistory).
	historyStart uint64

	authz atomic.Pointer[authorizerBox]
	// managers are the field managers of server-side apply, per kind, built on first use.
	managers map[managerKey]*managedfields.FieldManager
	// draws counts, per key, the draws of keyedRand (generated names and UIDs).
	draws map[string]uint64
}

type authorizerBox struct{ Authorizer }

// New builds an empty server: no namespaces, no objects (sim.New adds those of a fresh
// cluster).
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	ips, err := newIPAllocator(cfg.ServiceCIDR)
	if err != nil {
		return nil, fmt.Errorf("apiserver: ServiceCIDR %q: %w", cfg.ServiceCIDR, err)
	}
	prefix, err := netip.ParsePrefix(cfg.ServiceCIDR)
	if err != nil {
		return nil, fmt.Errorf("apiserver: ServiceCIDR %q: %w", cfg.ServiceCIDR, err)
	}
	s := &Server{
		addr:   net.TCPAddrFromAddrPort(netip.AddrPortFrom(prefix.Masked().Addr().Next(), 443)),
		cfg:    cfg,
		rand:   rand.New(rand.NewPCG(uint64(cfg.Seed), 0xa915e12e7)),
		draws:  map[string]uint64{},
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
	return s, nil
}

// StartWatchHistory makes the current resourceVersion the start of the watch history,
// as a real server's watch cache starts at its first list: a watch from an older
// resourceVersion gets 410 Expired. A cluster calls it after its bootstrap writes.
func (s *Server) StartWatchHistory() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.historyStart = s.rv
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

// Clientset returns a client acting as user. Its calls share no lock and record
// nothing, so one clientset per identity serves any number of goroutines.
func (s *Server) Clientset(user string) kubernetes.Interface {
	return &clientset{Clientset: s.unservedClientset(user), server: s, user: user}
}

// unservedClientset is the fake clientset behind the groups and resources the server
// does not store: they answer 404 through the server (so the request log shows them).
// Their calls go through one shared client-go fake, with its lock and its recorded
// actions, which it drops now and then.
func (s *Server) unservedClientset(user string) *fake.Clientset {
	cs := fake.NewSimpleClientset()
	cs.ReactionChain = nil
	cs.WatchReactionChain = nil
	cs.ProxyReactionChain = nil
	calls := 0
	cs.AddReactor("*", "*", func(action clienttesting.Action) (bool, runtime.Object, error) {
		calls++
		if calls%1024 == 0 {
			// Drop the recorded actions once the current call releases the fake's lock.
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

// keyedRand is a random source for one draw about one object: derived from the seed,
// the key (what is drawn, the resource, the namespace, the name or generateName) and
// how many draws that key had before. Generated names and UIDs come from it, not from
// one shared stream, so that they do not depend on the order in which concurrent
// clients happen to reach the server: the third pod generated from "web-7d4f9-" gets
// the same name in every run with the same seed. Call it with s.mu held.
func (s *Server) keyedRand(key ...string) *rand.Rand {
	k := strings.Join(key, "\x00")
	n := s.draws[k]
	s.draws[k] = n + 1
	sum := sha256.Sum256(fmt.Appendf(nil, "%d\x00%s\x00%d", s.cfg.Seed, k, n))
	return rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])))
}

// newUID is the UID of a new object; r comes from keyedRand.
func newUID(r *rand.Rand) types.UID {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return types.UID(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}

// generateSuffix is apiserver's generateName suffix: five characters from an
// alphabet without vowels and look-alikes; r comes from keyedRand.
func generateSuffix(r *rand.Rand) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	b := make([]byte, 5)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}
