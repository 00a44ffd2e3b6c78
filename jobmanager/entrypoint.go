package jobmanager

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/client-go/kubernetes"

	"flinksim/config"
	"flinksim/flinkfs"
	"flinksim/flinklog"
	"flinksim/flinkprocess"
	"flinksim/jobjar"
	"flinksim/process"
	"flinksim/rpc"
)

// Entrypoint classes, as the start script names them in the log.
const (
	sessionEntrypoint     = "KubernetesSessionClusterEntrypoint"
	applicationEntrypoint = "KubernetesApplicationClusterEntrypoint"
	entrypointLogger      = "org.apache.flink.runtime.entrypoint.ClusterEntrypoint"
)

// Exit codes of Flink's ClusterEntrypoint.
const (
	startupFailureCode = 1
	runtimeFailureCode = 2
)

// Options are what the cluster around a JobManager provides besides its container.
type Options struct {
	// ObjectStore serves the remote file systems (s3://, the shared file://) the
	// JobManager reads job jars from; nil when the cluster has none.
	ObjectStore flinkfs.ObjectStore
	// OnLeadership, if set, is told when a leadership term of this JobManager begins
	// and ends — an observation point for tests, called synchronously.
	OnLeadership func(LeadershipChange)
}

// LeadershipChange is the start or the end of a JobManager's leadership term.
type LeadershipChange struct {
	// Pod is the JobManager's host name (its pod).
	Pod string
	// Session is the term's leader session id.
	Session string
	// Leading: the term begins (true) or ends (false).
	Leading bool
}

// Main is kubernetes-jobmanager.sh on a cluster without an object store: see Program.
func Main(ctx context.Context, env *process.Env) error { return Program(Options{})(ctx, env) }

// Program returns kubernetes-jobmanager.sh: the JobManager process of a native
// Kubernetes cluster. Its first argument is the deployment target
// (kubernetes-session or kubernetes-application), the rest are -D dynamic
// properties. It loads the configuration from FLINK_CONF_DIR (default
// /opt/flink/conf), becomes leader (at once: HA is not wired in yet), runs the
// resource manager, the dispatcher and the REST endpoint, and in application mode the
// job of pipeline.jars; it runs until SIGTERM.
func Program(opts Options) process.Program {
	return func(ctx context.Context, env *process.Env) error {
		log, waitLog := flinkprocess.Logging(ctx, env)
		defer waitLog()
		entry := log.With(flinklog.LoggerKey, entrypointLogger)
		if len(env.Args) == 0 {
			err := errors.New("kubernetes-jobmanager.sh needs the deployment target as first argument: kubernetes-session or kubernetes-application")
			entry.Error(err.Error())
			return process.Exit(startupFailureCode, err)
		}
		target, err := config.ParseDeploymentTarget(env.Args[0])
		if err != nil {
			entry.Error(err.Error())
			return process.Exit(startupFailureCode, err)
		}
		jm, err := newJobManager(env, target, opts, log)
		if err != nil {
			entry.Error("Could not start the JobManager: " + err.Error())
			return process.Exit(startupFailureCode, err)
		}
		return jm.run(ctx)
	}
}

// JobManager is the process: its configuration, servers and current leadership term.
type JobManager struct {
	env      *process.Env
	target   config.DeploymentTarget
	conf     *config.Configuration
	fileConf *config.Configuration
	log      *slog.Logger
	entryLog *slog.Logger
	ids      *flinkprocess.IDs
	kube     kubernetes.Interface
	fs       *flinkfs.FileSystems
	started  time.Time

	rpc        *rpc.Server
	client     *rpc.Client
	rpcAddress string
	// directAddress is the pod's own address of the RPC endpoint ("" when unknown).
	directAddress string
	// rpcHost is the host part of the advertised RPC address (jobmanager.rpc.address).
	rpcHost string
	// The ports of the RPC, REST and blob endpoints: configured, and once bound (run)
	// the ones the listeners got — in host-network mode the ports are 0 until then.
	rpcPort, restPort, blobPort int

	heartbeatInterval   time.Duration
	heartbeatTimeout    time.Duration
	rpcFailureThreshold int
	slotRequestTimeout  time.Duration

	// application is the program of an application cluster.
	application *jobjar.Descriptor

	onLeadership func(LeadershipChange)
	// endpoints numbers the JobMasters' RPC endpoints (jobmanager_<n>).
	endpoints atomic.Int64
	// ha is Kubernetes HA; nil without it (the JobManager then leads from the start).
	ha *haProcess

	session   atomic.Pointer[session]
	jars      *jarStore
	fatalOnce sync.Once
	fatalCh   chan error
	// shutdownCh asks for a graceful cluster shutdown (the application finished).
	shutdownOnce sync.Once
	shutdownCh   chan struct{}
}

func newJobManager(env *process.Env, target config.DeploymentTarget, opts Options, log *slog.Logger) (*JobManager, error) {
	entry := log.With(flinklog.LoggerKey, entrypointLogger)
	name := sessionEntrypoint
	if target == config.DeploymentTargetApplication {
		name = applicationEntrypoint
	}
	entry.Info("--------------------------------------------------------------------------------")
	entry.Info(fmt.Sprintf(" Starting %s (Version: %s, Rev:flinksim)", name, config.FlinkVersion))
	entry.Info("--------------------------------------------------------------------------------")
	conf, fileConf, rest, err := flinkprocess.LoadConfiguration(env, env.Args[1:])
	if err != nil {
		return nil, fmt.Errorf("could not load the configuration: %w", err)
	}
	for _, a := range rest {
		entry.Warn("Ignoring the argument " + a + ": only -D properties are understood")
	}
	if hostNetwork, _ := config.Get(conf, config.KubernetesHostNetworkEnabled); hostNetwork {
		// As Flink's Kubernetes entrypoint: a pod on the node's network would collide
		// with the node's other pods on fixed ports, so every port is left to the
		// listeners; the resource manager then points the Services at the ports taken.
		for _, o := range []config.Option[string]{config.RestBindPort, config.BlobServerPort, config.HighAvailabilityJobManagerPort, config.TaskManagerRPCPort} {
			conf.SetString(o.Key(), "0")
		}
		conf.SetString(config.JobManagerRPCPort.Key(), "0")
	}
	if ha, _ := config.HighAvailabilityEnabled(conf); ha {
		ip := env.Getenv("_POD_IP_ADDRESS")
		if ip == "" {
			return nil, errors.New("_POD_IP_ADDRESS is not set: the JobManager needs its pod IP in HA mode (the deployer sets it from the downward API)")
		}
		conf.SetString(config.JobManagerRPCAddress.Key(), ip)
		conf.SetString(config.RestAddress.Key(), ip)
	}
	jm := &JobManager{env: env, target: target, conf: conf, fileConf: fileConf, log: log, entryLog: entry,
		ids: flinkprocess.NewIDs(flinkprocess.Rand(env)), started: time.Now(), jars: newJarStore(), fatalCh: make(chan error, 1), shutdownCh: make(chan struct{}),
		onLeadership: opts.OnLeadership}
	r := optionReader{conf: conf}
	jm.heartbeatInterval = getOpt(&r, config.HeartbeatInterval)
	jm.heartbeatTimeout = getOpt(&r, config.HeartbeatTimeout)
	jm.rpcFailureThreshold = getOpt(&r, config.HeartbeatRPCFailureThreshold)
	jm.slotRequestTimeout = getOpt(&r, config.SlotRequestTimeout)
	askTimeout := getOpt(&r, config.PekkoAskTimeout)
	jm.rpcPort = getOpt(&r, config.JobManagerRPCPort)
	rawAddr, _, _ := config.GetOptional(conf, config.JobManagerRPCAddress)
	rawHTTP := getOpt(&r, config.UserArtifactsRawHTTPEnabled)
	if r.err != nil {
		return nil, r.err
	}
	if jm.heartbeatInterval <= 0 || jm.heartbeatTimeout <= jm.heartbeatInterval {
		return nil, fmt.Errorf("%s (%s) must be positive and smaller than %s (%s)", config.HeartbeatInterval.Key(), jm.heartbeatInterval,
			config.HeartbeatTimeout.Key(), jm.heartbeatTimeout)
	}
	if jm.restPort, err = flinkprocess.Port(conf, config.RestBindPort); err != nil {
		return nil, err
	}
	if jm.blobPort, err = flinkprocess.Port(conf, config.BlobServerPort); err != nil {
		return nil, err
	}
	if strings.TrimSpace(rawAddr) == "" {
		rawAddr = env.Hostname
	}
	jm.rpcHost = rawAddr
	jm.client = rpc.NewClient(env.Network, askTimeout)
	jm.fs = flinkfs.New(flinkfs.Config{Files: env.Files, Environ: env.Environ, Store: opts.ObjectStore, Dial: env.Network.DialContext, RawHTTPEnabled: rawHTTP})
	for _, w := range jm.fs.Warnings() {
		entry.Warn(w)
	}
	if len(jm.fs.Plugins()) > 0 {
		entry.Info("Enabled file system plugins: " + strings.Join(jm.fs.Plugins(), ", "))
	}
	if target == config.DeploymentTargetApplication {
		// As KubernetesApplicationClusterEntrypoint: the program is created before the
		// cluster starts, and a program that cannot be created ends the process.
		d, err := jm.loadApplication()
		if err != nil {
			return nil, fmt.Errorf("Could not create application program: %w", err)
		}
		jm.application = &d
	}
	if jm.kube, err = env.Kube(); err != nil {
		return nil, fmt.Errorf("no Kubernetes client for the JobManager's service account: %w", err)
	}
	if on, _ := config.KubernetesHighAvailabilityEnabled(conf); on {
		if jm.ha, err = newHAProcess(jm, opts.ObjectStore); err != nil {
			return nil, fmt.Errorf("Kubernetes HA: %w", err)
		}
	}
	return jm, nil
}

// run serves until ctx ends or a fatal error.
func (jm *JobManager) run(ctx context.Context) error {
	rl, err := jm.env.Network.Listen(ctx, "tcp", ":"+strconv.Itoa(jm.rpcPort))
	if err != nil {
		jm.entryLog.Error("Could not start the RPC endpoint.", "error", err)
		return process.Exit(startupFailureCode, err)
	}
	hl, err := jm.env.Network.Listen(ctx, "tcp", ":"+strconv.Itoa(jm.restPort))
	if err != nil {
		rl.Close()
		jm.entryLog.Error("Could not start the REST endpoint.", "error", err)
		return process.Exit(startupFailureCode, err)
	}
	bl, err := jm.env.Network.Listen(ctx, "tcp", ":"+strconv.Itoa(jm.blobPort))
	if err != nil {
		rl.Close()
		hl.Close()
		jm.entryLog.Error("Could not start the BlobServer.", "error", err)
		return process.Exit(startupFailureCode, err)
	}
	jm.bound(rl, hl, bl)
	blobsDone := make(chan struct{})
	go func() { defer close(blobsDone); serveBlobs(bl) }()
	jm.entryLog.Info("Started BlobServer at " + flinkprocess.AdvertisedAddress(bl, jm.env.Hostname) + ".")
	jm.rpc = rpc.NewServer(nil)
	jm.registerRPC()
	srvCtx, stopServers := context.WithCancel(context.Background())
	rpcDone := make(chan error, 1)
	go func() { rpcDone <- jm.rpc.Serve(srvCtx, rl) }()
	jm.directAddress = directAddress(rl, jm.env.Getenv("_POD_IP_ADDRESS"))
	jm.entryLog.Info("Started RPC endpoint at " + flinkprocess.AdvertisedAddress(rl, jm.env.Hostname) + " (advertised as " + jm.rpcAddress + ").")
	http := &http.Server{Handler: jm.standbyREST(jm.restHandler()), ReadHeaderTimeout: 10 * time.Second}
	restDone := make(chan error, 1)
	go func() { restDone <- http.Serve(hl) }()
	jm.entryLog.Info("Rest endpoint listening at " + jm.env.Hostname + ":" + strconv.Itoa(jm.restPort))

	// Leadership: without HA the JobManager is the leader from the start, under a
	// session id of its own; with Kubernetes HA terms begin and end as the election
	// decides (leadership.go).
	wait := func() error { return jm.wait(ctx, restDone) }
	var exit error
	if jm.ha != nil {
		exit = jm.ha.run(ctx, wait)
	} else if s, err := jm.startSession(jm.ids.UUID()); err != nil {
		jm.entryLog.Error("Could not start the cluster components.", "error", err)
		exit = process.Exit(startupFailureCode, err)
	} else {
		s.activate()
		if jm.application != nil {
			s.goAsync(func(ctx context.Context) { jm.runApplication(ctx, s) })
		}
		exit = wait()
		s.stop()
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if process.Killed(ctx) {
		_ = http.Close() // a killed process drains nothing
	} else if err := http.Shutdown(shutdown); err != nil {
		_ = http.Close()
	}
	<-restDone
	stopServers()
	<-rpcDone
	bl.Close()
	<-blobsDone
	if exit != nil {
		return exit
	}
	select {
	case <-jm.shutdownCh:
		// Flink's process exits here. The JobManager Deployment is already being
		// deleted; exiting before the kubelet stops the pod would have the container
		// restarted into a cluster whose HA data is gone, so it waits for SIGTERM.
		<-ctx.Done()
		return nil
	default:
	}
	return ctx.Err()
}

// bound records the ports the listeners got and, as Flink's cluster entrypoint does
// once its RPC service and blob server run, writes the RPC and blob ports into the
// effective configuration: the resource manager passes what differs from config.yaml to
// TaskManagers (their -D properties) and reads them to point the Services at them.
func (jm *JobManager) bound(rpcL, restL, blobL net.Listener) {
	jm.rpcPort, jm.restPort, jm.blobPort = flinkprocess.ListenerPort(rpcL), flinkprocess.ListenerPort(restL), flinkprocess.ListenerPort(blobL)
	jm.rpcAddress = net.JoinHostPort(jm.rpcHost, strconv.Itoa(jm.rpcPort))
	if p, _ := config.Get(jm.conf, config.JobManagerRPCPort); p != jm.rpcPort {
		jm.conf.SetString(config.JobManagerRPCPort.Key(), strconv.Itoa(jm.rpcPort))
	}
	if p, _ := flinkprocess.Port(jm.conf, config.BlobServerPort); p != jm.blobPort {
		jm.conf.SetString(config.BlobServerPort.Key(), strconv.Itoa(jm.blobPort))
	}
}

// serveBlobs holds the blob server's port until l is closed. Flink's BlobServer ships
// job jars and large RPC payloads to TaskManagers; simulated jobs need neither, so a
// connection is closed at once — the port is taken, as on a node shared in host-network
// mode, but carries nothing.
func serveBlobs(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}

// wait serves until SIGTERM, a fatal error, a failed REST endpoint or a graceful
// shutdown; it returns the process's exit error (nil for a graceful shutdown).
func (jm *JobManager) wait(ctx context.Context, restDone chan error) error {
	select {
	case <-ctx.Done():
		if !process.Killed(ctx) {
			jm.entryLog.Info("RECEIVED SIGNAL 15: SIGTERM. Shutting down as requested.")
		}
		return nil
	case <-jm.shutdownCh:
		jm.entryLog.Info("Shutting down the cluster: the application finished.")
		return nil
	case ferr := <-jm.fatalCh:
		jm.entryLog.Error("Fatal error occurred in the cluster entrypoint.", "error", ferr)
		return process.Exit(runtimeFailureCode, ferr)
	case rerr := <-restDone:
		restDone <- rerr
		jm.entryLog.Error("REST endpoint failed.", "error", rerr)
		return process.Exit(runtimeFailureCode, rerr)
	}
}

// shutdownCluster ends the process gracefully; with cleanupHA its HA data goes too.
func (jm *JobManager) shutdownCluster(cleanupHA bool) {
	if cleanupHA && jm.ha != nil {
		jm.ha.cleanupOnExit.Store(true)
	}
	jm.shutdownOnce.Do(func() { close(jm.shutdownCh) })
}

// fatal ends the process with a runtime failure (the Deployment restarts it).
func (jm *JobManager) fatal(err error) {
	jm.fatalOnce.Do(func() { jm.fatalCh <- err })
}

// current returns the leadership term, or nil.
func (jm *JobManager) current() *session { return jm.session.Load() }

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// directAddress is where the RPC endpoint is reached without the Service: the pod IP
// (_POD_IP_ADDRESS, or the address the listener was given) and the port.
func directAddress(l net.Listener, podIP string) string {
	host, port, err := net.SplitHostPort(l.Addr().String())
	if err != nil {
		return ""
	}
	if podIP != "" {
		return net.JoinHostPort(podIP, port)
	}
	if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() {
		return net.JoinHostPort(host, port)
	}
	return ""
}
