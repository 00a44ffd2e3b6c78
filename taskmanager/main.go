package taskmanager

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"flinksim/config"
	"flinksim/flinklog"
	"flinksim/flinkprocess"
	"flinksim/process"
	"flinksim/resourcemanager"
	"flinksim/rpc"
)

// Logger categories, as Flink's classes name them.
const (
	runnerLogger       = "org.apache.flink.kubernetes.taskmanager.KubernetesTaskExecutorRunner"
	taskExecutorLogger = "org.apache.flink.runtime.taskexecutor.TaskExecutor"
	taskLogger         = "org.apache.flink.runtime.taskmanager.Task"
	slotTableLogger    = "org.apache.flink.runtime.taskexecutor.slot.TaskSlotTableImpl"
)

// Main is kubernetes-taskmanager.sh: the TaskManager process of a native Kubernetes
// cluster. Its arguments are -D dynamic properties (among them
// taskmanager.resource-id=<pod name>) and the "-D key=value" resource arguments; it
// runs until SIGTERM, or exits with code 1 when it cannot register with a resource
// manager for taskmanager.registration.timeout.
func Main(ctx context.Context, env *process.Env) error {
	log, waitLog := flinkprocess.Logging(ctx, env)
	defer waitLog()
	runner := log.With(flinklog.LoggerKey, runnerLogger)
	s, err := settingsOf(env)
	if err != nil {
		runner.Error("Could not start the TaskManager: " + err.Error())
		return process.Exit(1, err)
	}
	runner.Info(fmt.Sprintf("Starting Kubernetes TaskExecutor runner (Version: %s, Rev:flinksim)", config.FlinkVersion))
	runner.Info("TaskManager " + string(s.resourceID) + " on node " + s.nodeID + " with " + strconv.Itoa(s.spec.NumSlots) + " slots")
	for _, a := range s.ignoredArgs {
		runner.Warn("Ignoring the argument " + a + ": only -D properties are understood")
	}
	l, err := env.Network.Listen(ctx, "tcp", ":"+strconv.Itoa(s.port))
	if err != nil {
		runner.Error("Could not start the TaskExecutor RPC endpoint.", "error", err)
		return process.Exit(1, err)
	}
	s.address = flinkprocess.AdvertisedAddress(l, env.Hostname)
	client := rpc.NewClient(env.Network, s.rpcTimeout)
	te := newTaskExecutor(s, client, log)
	if s.ha {
		if te.leaders, err = leaderServices(env, s, log); err != nil {
			l.Close()
			runner.Error("Could not start the Kubernetes HA services: " + err.Error())
			return process.Exit(1, err)
		}
	}
	err = te.run(ctx, l)
	if errors.Is(err, errRegistrationTimeout) {
		runner.Error("Fatal error occurred in TaskExecutor " + s.address + ". " + err.Error())
		runner.Info("Terminating TaskManagerRunner with exit code 1.")
		return process.Exit(1, err)
	}
	if err != nil {
		runner.Error("TaskExecutor failed.", "error", err)
		return process.Exit(1, err)
	}
	runner.Info("RECEIVED SIGNAL 15: SIGTERM. Shutting down as requested.")
	return ctx.Err()
}

// settings are what the TaskManager reads from its configuration and environment.
type settings struct {
	conf       *config.Configuration
	resourceID resourcemanager.ResourceID
	nodeID     string
	memory     config.TaskManagerMemory
	spec       resourcemanager.WorkerSpec
	port       int
	address    string // set once listening
	// rmAddress is where the resource manager is: jobmanager.rpc.address without HA,
	// the retrieved leader's address with Kubernetes HA.
	rmAddress   string
	ignoredArgs []string
	// ha: Kubernetes HA is on; the TaskManager follows the leaders of the resource
	// manager and of its jobs' JobMasters through the cluster ConfigMap.
	ha bool

	heartbeatInterval   time.Duration
	heartbeatTimeout    time.Duration
	registrationTimeout time.Duration
	initialTimeout      time.Duration
	maxTimeout          time.Duration
	errorDelay          time.Duration
	refusedDelay        time.Duration
	rpcTimeout          time.Duration
	shutdownTimeout     time.Duration
}

func settingsOf(env *process.Env) (settings, error) {
	var s settings
	conf, _, rest, err := flinkprocess.LoadConfiguration(env, env.Args)
	if err != nil {
		return s, fmt.Errorf("reading the configuration: %w", err)
	}
	s.conf = conf
	for _, a := range rest {
		if a == "--configDir" || strings.HasPrefix(a, "--configDir=") {
			continue
		}
		s.ignoredArgs = append(s.ignoredArgs, a)
	}
	id, _ := config.Get(conf, config.TaskManagerResourceID)
	if strings.TrimSpace(id) == "" {
		id = env.Hostname
	}
	s.resourceID = resourcemanager.ResourceID(id)
	s.nodeID = env.Getenv("_POD_NODE_ID")
	if s.nodeID == "" {
		return s, errors.New("the environment variable _POD_NODE_ID is not set: a TaskManager on Kubernetes needs its node name " +
			"(the resource manager sets it from the downward API, spec.nodeName)")
	}
	if s.memory, err = config.TaskManagerMemorySpec(conf); err != nil {
		return s, fmt.Errorf("the TaskManager memory cannot be derived: %w", err)
	}
	s.spec = resourcemanager.WorkerSpecOf(s.memory)
	if s.port, err = flinkprocess.Port(conf, config.TaskManagerRPCPort); err != nil {
		return s, err
	}
	if s.ha, err = config.KubernetesHighAvailabilityEnabled(conf); err != nil {
		return s, err
	}
	host, err := config.Get(conf, config.JobManagerRPCAddress)
	if err != nil {
		return s, err
	}
	if strings.TrimSpace(host) == "" && !s.ha {
		return s, fmt.Errorf("%s is not set: the TaskManager does not know where the JobManager is (the Kubernetes deployer sets it to <cluster-id>.<namespace>)", config.JobManagerRPCAddress.Key())
	}
	jmPort, err := config.Get(conf, config.JobManagerRPCPort)
	if err != nil {
		return s, err
	}
	s.rmAddress = net.JoinHostPort(host, strconv.Itoa(jmPort))
	r := reader{conf: conf}
	s.heartbeatInterval = r.positive(config.HeartbeatInterval)
	s.heartbeatTimeout = r.positive(config.HeartbeatTimeout)
	s.registrationTimeout = r.positive(config.TaskManagerRegistrationTimeout)
	s.initialTimeout = r.positive(config.ClusterRegistrationInitialTimeout)
	s.maxTimeout = r.positive(config.ClusterRegistrationMaxTimeout)
	s.errorDelay = r.positive(config.ClusterRegistrationErrorDelay)
	s.refusedDelay = r.positive(config.ClusterRegistrationRefusedRegistrationDelay)
	s.rpcTimeout = r.positive(config.PekkoAskTimeout)
	s.shutdownTimeout = min(s.rpcTimeout, 2*time.Second)
	return s, r.err
}

type reader struct {
	conf *config.Configuration
	err  error
}

func (r *reader) positive(o config.Option[time.Duration]) time.Duration {
	v, err := config.Get(r.conf, o)
	if err == nil && v <= 0 {
		err = fmt.Errorf("%s: invalid value %s: must be greater than 0", o.Key(), v)
	}
	if err != nil && r.err == nil {
		r.err = err
	}
	return v
}
