package network

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"flinksim/process"
)

// Backend is one endpoint of a Service: a pod IP and the target port.
type Backend struct {
	IP   string
	Port int
}

// Resolver maps a Service address (ClusterIP or DNS name, and port) to its ready
// endpoints. ok is false when host is not a Service.
type Resolver func(host string, port int) (backends []Backend, ok bool)

// Network is the cluster network.
type Network struct {
	mu        sync.Mutex
	rand      *rand.Rand
	resolve   Resolver
	listeners map[string]*listener // "ip:port"
	conns     map[*conn]struct{}
	cut       map[[2]string]bool // partitioned host pairs (ordered low, high)
	isolated  map[string]bool    // hosts cut from everyone
	hung      map[string]bool    // hosts whose processes answer nothing (Hang)
	changed   chan struct{}      // closed and replaced whenever partitions change
}

// New makes an empty network. rand picks among a Service's endpoints.
func New(r *rand.Rand) *Network {
	return &Network{rand: r, listeners: map[string]*listener{}, conns: map[*conn]struct{}{},
		cut: map[[2]string]bool{}, isolated: map[string]bool{}, hung: map[string]bool{}, changed: make(chan struct{})}
}

// SetResolver installs the Service table.
func (n *Network) SetResolver(r Resolver) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.resolve = r
}

// Host is the network as seen from ip.
func (n *Network) Host(ip string) process.Network { return &host{n: n, ip: ip} }

// RemoveHost closes every listener and connection of ip, as when a pod's network
// namespace goes away; a hang of ip ends with it.
func (n *Network) RemoveHost(ip string) {
	n.mu.Lock()
	if n.hung[ip] {
		delete(n.hung, ip)
		n.notifyLocked()
	}
	var ls []*listener
	for addr, l := range n.listeners {
		if l.ip == ip {
			ls = append(ls, l)
			delete(n.listeners, addr)
		}
	}
	var cs []*conn
	for c := range n.conns {
		if c.local == ip || c.remote == ip {
			cs = append(cs, c)
		}
	}
	n.mu.Unlock()
	for _, l := range ls {
		l.Close()
	}
	for _, c := range cs {
		c.Close()
	}
}

func pair(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

// Partition cuts traffic between a and b until Heal.
func (n *Network) Partition(a, b string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cut[pair(a, b)] = true
	n.notifyLocked()
}

// Isolate cuts ip from every other host until Heal.
func (n *Network) Isolate(ip string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.isolated[ip] = true
	n.notifyLocked()
}

// Unpartition removes the partition between a and b made by Partition (isolations stay).
func (n *Network) Unpartition(a, b string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.cut, pair(a, b))
	n.notifyLocked()
}

// Partitioned reports whether a partition (Partition, Isolate) or a hang cuts a from b.
func (n *Network) Partitioned(a, b string) bool {
	cut, _ := n.blocked(a, b)
	return cut
}

// Hang makes the host at ip unresponsive, as a process that is alive but hangs (a
// deadlock, a stop-the-world pause): connections to it, from it and inside it (its own
// localhost) hang until their deadlines, and so do new dials either way — the handshake
// a real kernel would still complete for a hung process is not modelled, so a dial hangs
// as across a partition. Unlike a partition, Heal does not end it; Resume does, and so
// does RemoveHost.
func (n *Network) Hang(ip string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.hung[ip] = true
	n.notifyLocked()
}

// Resume ends a Hang of ip: held reads, writes and dials go on.
func (n *Network) Resume(ip string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.hung, ip)
	n.notifyLocked()
}

// Hung reports whether ip is hung.
func (n *Network) Hung(ip string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.hung[ip]
}

// Route is the path from one host to another, for clients that are not connections of
// this network (a pod's Kubernetes client and the API server).
type Route struct {
	n        *Network
	from, to string
}

// Route returns the path from one address to another.
func (n *Network) Route(from, to string) Route { return Route{n: n, from: from, to: to} }

// Cut reports whether the path is cut now (a partition, an isolation or a hang of either
// end), and a channel closed at the network's next change.
func (r Route) Cut() (bool, <-chan struct{}) { return r.n.blocked(r.from, r.to) }

// Heal removes every partition involving ip ("" = all partitions).
func (n *Network) Heal(ip string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for p := range n.cut {
		if ip == "" || p[0] == ip || p[1] == ip {
			delete(n.cut, p)
		}
	}
	for h := range n.isolated {
		if ip == "" || h == ip {
			delete(n.isolated, h)
		}
	}
	n.notifyLocked()
}

func (n *Network) notifyLocked() {
	close(n.changed)
	n.changed = make(chan struct{})
}

// blocked reports whether traffic between a and b is cut, and a channel closed at the
// next partition change.
func (n *Network) blocked(a, b string) (bool, <-chan struct{}) {
	n.mu.Lock()
	defer n.mu.Unlock()
	cut := a != b && (n.cut[pair(a, b)] || n.isolated[a] || n.isolated[b]) || n.hung[a] || n.hung[b]
	return cut, n.changed
}

// waitOpen blocks while a and b are partitioned; it returns an i/o timeout when done
// fires or the deadline passes first.
func (n *Network) waitOpen(a, b string, done <-chan struct{}, deadline time.Time) error {
	var timeout <-chan time.Time
	for {
		cut, changed := n.blocked(a, b)
		if !cut {
			return nil
		}
		if timeout == nil && !deadline.IsZero() {
			d := time.Until(deadline)
			if d <= 0 {
				return os.ErrDeadlineExceeded
			}
			t := time.NewTimer(d)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-changed:
		case <-done:
			return os.ErrDeadlineExceeded
		case <-timeout:
			return os.ErrDeadlineExceeded
		}
	}
}

type host struct {
	n  *Network
	ip string
}

func (h *host) Listen(ctx context.Context, network, address string) (net.Listener, error) {
	hostPart, portPart, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	if hostPart != "" && hostPart != h.ip && hostPart != "0.0.0.0" && hostPart != "::" && hostPart != "localhost" && hostPart != "127.0.0.1" {
		return nil, &net.OpError{Op: "listen", Net: network, Err: fmt.Errorf("bind: cannot assign requested address %s", hostPart)}
	}
	port, err := strconv.Atoi(portPart)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: fmt.Errorf("invalid port %q", portPart)}
	}
	h.n.mu.Lock()
	defer h.n.mu.Unlock()
	if port == 0 {
		for port = 32768; h.n.listeners[net.JoinHostPort(h.ip, strconv.Itoa(port))] != nil; port++ {
		}
	}
	key := net.JoinHostPort(h.ip, strconv.Itoa(port))
	if h.n.listeners[key] != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: addr(key), Err: syscall.EADDRINUSE}
	}
	l := &listener{n: h.n, ip: h.ip, key: key, accept: make(chan net.Conn), closed: make(chan struct{})}
	h.n.listeners[key] = l
	return l, nil
}

func (h *host) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	hostPart, portPart, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	port, err := strconv.Atoi(portPart)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("invalid port %q", portPart)}
	}
	target := net.JoinHostPort(hostPart, portPart)
	if hostPart == "localhost" || hostPart == "127.0.0.1" {
		target = net.JoinHostPort(h.ip, portPart)
	} else if net.ParseIP(hostPart) == nil || h.n.isService(hostPart, port) {
		h.n.mu.Lock()
		resolve := h.n.resolve
		h.n.mu.Unlock()
		var backends []Backend
		ok := false
		if resolve != nil {
			backends, ok = resolve(hostPart, port)
		}
		if !ok {
			return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: hostPart, IsNotFound: true}}
		}
		if len(backends) == 0 {
			return nil, &net.OpError{Op: "dial", Net: network, Addr: addr(address), Err: syscall.ECONNREFUSED}
		}
		h.n.mu.Lock()
		b := backends[h.n.rand.IntN(len(backends))]
		h.n.mu.Unlock()
		target = net.JoinHostPort(b.IP, strconv.Itoa(b.Port))
	}
	dstIP, _, _ := net.SplitHostPort(target)
	if err := h.n.waitOpen(h.ip, dstIP, ctx.Done(), time.Time{}); err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: addr(target), Err: err}
	}
	h.n.mu.Lock()
	l := h.n.listeners[target]
	h.n.mu.Unlock()
	if l == nil {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: addr(target), Err: syscall.ECONNREFUSED}
	}
	client, server := net.Pipe()
	cc := h.n.track(&conn{Conn: client, n: h.n, local: h.ip, remote: dstIP, laddr: addr(net.JoinHostPort(h.ip, "0")), raddr: addr(target)})
	sc := h.n.track(&conn{Conn: server, n: h.n, local: dstIP, remote: h.ip, laddr: addr(target), raddr: addr(net.JoinHostPort(h.ip, "0"))})
	select {
	case l.accept <- sc:
		return cc, nil
	case <-l.closed:
	case <-ctx.Done():
	}
	cc.Close()
	sc.Close()
	if ctx.Err() != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: addr(target), Err: ctx.Err()}
	}
	return nil, &net.OpError{Op: "dial", Net: network, Addr: addr(target), Err: syscall.ECONNREFUSED}
}

// isService reports whether an IP is a Service ClusterIP (it has a resolver entry).
func (n *Network) isService(ip string, port int) bool {
	n.mu.Lock()
	resolve := n.resolve
	n.mu.Unlock()
	if resolve == nil {
		return false
	}
	_, ok := resolve(ip, port)
	return ok
}

func (n *Network) track(c *conn) *conn {
	c.closed = make(chan struct{})
	n.mu.Lock()
	defer n.mu.Unlock()
	n.conns[c] = struct{}{}
	return c
}

func (n *Network) untrack(c *conn) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.conns, c)
}

type addr string

func (a addr) Network() string { return "tcp" }
func (a addr) String() string  { return string(a) }

type listener struct {
	n      *Network
	ip     string
	key    string
	accept chan net.Conn
	once   sync.Once
	closed chan struct{}
}

func (l *listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.accept:
		return c, nil
	case <-l.closed:
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: addr(l.key), Err: net.ErrClosed}
	}
}

func (l *listener) Close() error {
	l.once.Do(func() {
		close(l.closed)
		l.n.mu.Lock()
		if l.n.listeners[l.key] == l {
			delete(l.n.listeners, l.key)
		}
		l.n.mu.Unlock()
	})
	return nil
}

func (l *listener) Addr() net.Addr { return addr(l.key) }

// conn is one end of an in-memory connection; reads and writes hang while its hosts
// are partitioned, until the deadline.
type conn struct {
	net.Conn
	n             *Network
	local, remote string
	laddr, raddr  addr
	mu            sync.Mutex
	readDeadline  time.Time
	writeDeadline time.Time
	closed        chan struct{}
	closeOnce     sync.Once
}

func (c *conn) LocalAddr() net.Addr  { return c.laddr }
func (c *conn) RemoteAddr() net.Addr { return c.raddr }

func (c *conn) Read(b []byte) (int, error) {
	if err := c.n.waitOpen(c.local, c.remote, c.closed, c.deadline(true)); err != nil {
		return 0, &net.OpError{Op: "read", Net: "tcp", Addr: c.raddr, Err: err}
	}
	return c.Conn.Read(b)
}

func (c *conn) Write(b []byte) (int, error) {
	if err := c.n.waitOpen(c.local, c.remote, c.closed, c.deadline(false)); err != nil {
		return 0, &net.OpError{Op: "write", Net: "tcp", Addr: c.raddr, Err: err}
	}
	return c.Conn.Write(b)
}

func (c *conn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	c.n.untrack(c)
	return c.Conn.Close()
}

func (c *conn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.readDeadline, c.writeDeadline = t, t
	c.mu.Unlock()
	return c.Conn.SetDeadline(t)
}

func (c *conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.readDeadline = t
	c.mu.Unlock()
	return c.Conn.SetReadDeadline(t)
}

func (c *conn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.writeDeadline = t
	c.mu.Unlock()
	return c.Conn.SetWriteDeadline(t)
}

func (c *conn) deadline(read bool) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if read {
		return c.readDeadline
	}
	return c.writeDeadline
}
