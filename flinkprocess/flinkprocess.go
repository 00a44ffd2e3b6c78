// Package flinkprocess is what both Flink processes (package jobmanager and package
// taskmanager) do when they start inside a container: read the configuration from
// FLINK_CONF_DIR plus the -D dynamic properties of their command line, log in Flink's
// layout at the level of the mounted logging configuration, draw ids from a random
// source seeded by the process's identity, and name their RPC addresses.
package flinkprocess

import (
	"context"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"flinksim/config"
	"flinksim/flinklog"
	"flinksim/process"
)

// DefaultConfDir is where the image keeps the configuration (and where Flink mounts
// flink-config-<cluster-id>).
const DefaultConfDir = "/opt/flink/conf"

// ConfDir is FLINK_CONF_DIR, or the image's default.
func ConfDir(env *process.Env) string {
	if d := env.Getenv("FLINK_CONF_DIR"); d != "" {
		return d
	}
	return DefaultConfDir
}

// ReadFile reads an absolute path of the container's files.
func ReadFile(env *process.Env) func(p string) ([]byte, error) {
	return func(p string) ([]byte, error) {
		return fs.ReadFile(env.Files, strings.TrimPrefix(path.Clean("/"+p), "/"))
	}
}

// LoadConfiguration reads config.yaml (or flink-conf.yaml) of the conf dir and applies
// the -D properties among args ("-Dkey=value" or "-D" "key=value"). It returns the
// effective configuration, the file's configuration, and the arguments that were not
// -D properties.
func LoadConfiguration(env *process.Env, args []string) (effective, file *config.Configuration, rest []string, err error) {
	file, err = config.LoadDir(ConfDir(env), ReadFile(env))
	if err != nil {
		return nil, nil, nil, err
	}
	dyn, rest, err := config.ExtractDynamicProperties(args)
	if err != nil {
		return nil, nil, nil, err
	}
	effective = file.Clone()
	effective.AddAll(dyn)
	return effective, file, rest, nil
}

// Logging makes the process's logger on stdout. Its level follows the conf dir's
// log4j-console.properties / logback-console.xml, watched until ctx ends; wait waits
// for the watcher to stop.
func Logging(ctx context.Context, env *process.Env) (log *slog.Logger, wait func()) {
	level := new(slog.LevelVar)
	log = flinklog.New(env.Stdout, level)
	if s, err := flinklog.Load(env.Files, ConfDir(env)); err == nil {
		level.Set(s.Level)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		flinklog.Watch(ctx, env.Files, ConfDir(env), level, log)
	}()
	return log, wg.Wait
}

// Rand is the process's random source, seeded by its host name and start time — the
// same pod restarted in the same (simulated) instant draws the same ids, so scenario
// runs repeat themselves; on a real machine the start time differs anyway.
func Rand(env *process.Env) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%d", env.Hostname, time.Now().UnixNano())
	return rand.New(rand.NewPCG(h.Sum64(), 0xf1)) //nolint:gosec // ids, not secrets
}

// IDs draws ids from a random source; safe for concurrent use.
type IDs struct {
	mu sync.Mutex
	r  *rand.Rand
}

// NewIDs wraps r.
func NewIDs(r *rand.Rand) *IDs { return &IDs{r: r} }

// Hex32 is a 32-digit hex id (job ids, allocation ids).
func (g *IDs) Hex32() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return fmt.Sprintf("%016x%016x", g.r.Uint64(), g.r.Uint64())
}

// UUID is a random (version 4) UUID (leader session ids).
func (g *IDs) UUID() string {
	g.mu.Lock()
	a, b := g.r.Uint64(), g.r.Uint64()
	g.mu.Unlock()
	a = a&^(0xf<<12) | 4<<12
	b = b&^(0xc<<60) | 0x8<<60
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

// Float64 draws a number in [0,1).
func (g *IDs) Float64() float64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.r.Float64()
}

// Port reads a port option (a String option, as Flink's may hold a range): 0, or no
// value, is any free port, which the listener picks — as Flink binds it. Inside a pod the
// deployer has pinned the ports, save in host-network mode, where the JobManager's
// entrypoint sets them to 0.
func Port(conf *config.Configuration, o config.Option[string]) (int, error) {
	v, err := config.Get(conf, o)
	if err != nil {
		return 0, err
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 0 || p > 65535 {
		return 0, fmt.Errorf("%s: %q is not a port; the Kubernetes deployer pins ports, write one number", o.Key(), v)
	}
	return p, nil
}

// ListenerPort is the port l listens on.
func ListenerPort(l net.Listener) int {
	_, port, _ := net.SplitHostPort(l.Addr().String())
	p, _ := strconv.Atoi(port)
	return p
}

// AdvertisedAddress is the address others reach a listener at: its own address, or,
// when it listens on every interface, the host name with its port.
func AdvertisedAddress(l net.Listener, hostname string) string {
	host, port, err := net.SplitHostPort(l.Addr().String())
	if err != nil {
		return l.Addr().String()
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = hostname
	}
	return net.JoinHostPort(host, port)
}
