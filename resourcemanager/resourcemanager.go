package resourcemanager

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"k8s.io/client-go/kubernetes"

	"flinksim/config"
	"flinksim/kubeobjects"
	"flinksim/mainloop"
)

// Config configures a ResourceManager.
type Config struct {
	// Configuration is the JobManager's configuration (config.yaml plus dynamic
	// properties). Required. It is copied; the copy loses the total TaskManager memory
	// options (EffectiveConfiguration).
	Configuration *config.Configuration
	// FileConfiguration is config.yaml as the JobManager read it from its mounted
	// configuration directory, which TaskManager pods mount too: every entry of the
	// effective configuration that it lacks, or holds with another value, is passed to
	// TaskManagers as a -D dynamic property. nil means the file holds exactly the
	// effective configuration (only taskmanager.resource-id is passed).
	FileConfiguration *config.Configuration
	// Client talks to the Kubernetes API server with the JobManager's service account.
	// Required.
	Client kubernetes.Interface
	// Rand makes registration and allocation ids. Required: pass a seeded source.
	Rand *rand.Rand
	// Local is the JobManager's file system and environment, where the TaskManager pod
	// template and the log configurations are read.
	Local kubeobjects.Local
	// WebInterfaceURL is where the JobManager's REST endpoint listens (Flink's
	// webInterfaceUrl, e.g. http://my-session.default:8081). In host-network mode the
	// Kubernetes driver points the REST Service's targetPort at its port.
	WebInterfaceURL string
	// Log receives the resource manager's log. Default: discarded.
	Log *slog.Logger
	// OnFatalError is told of an error the resource manager cannot recover from (the
	// pod watch failed for good); Start then returns that error. In Flink the
	// JobManager process exits. Called on a goroutine of its own, which Start waits
	// for: it must return.
	OnFatalError func(error)
}

// settings are the validated options.
type settings struct {
	clusterID, namespace string
	effective            *config.Configuration
	defaultSpec          WorkerSpec

	taskManagerTimeout    time.Duration
	registrationTimeout   time.Duration
	recoveryTimeout       time.Duration
	startRetryInterval    time.Duration
	maxStartFailureRate   float64
	heartbeatTimeout      time.Duration
	requirementCheckDelay time.Duration
	declareDelay          time.Duration
	required              requiredResources
	leastUtilization      bool
}

// ResourceManager is the JobManager's resource manager on Kubernetes: the active
// resource manager (how many TaskManager pods, failure rate, timeouts, recovery), its
// Kubernetes driver (the pods and their watch) and the slot manager (which job gets
// which slots). See doc.go.
//
// Its methods may be called from any goroutine; they hand their work to the resource
// manager's main loop and wait for the answer. They return ErrStopped once Start has
// returned.
type ResourceManager struct {
	s       settings
	log     *slog.Logger
	rand    *rand.Rand
	loop    *mainloop.Loop
	driver  driver
	onFatal func(error)
	started atomic.Bool
	readyCh chan struct{}
	// cancel ends the context the driver was initialized with (and with it what the
	// driver keeps from initialize, the first pod watch): when Start returns, or at
	// once when the resource manager fails.
	cancel context.CancelCauseFunc

	// Owned by the loop.
	fatal         error
	active        activeState
	taskExecutors map[ResourceID]*taskExecutor
	sm            *slotManager
	ready         bool
	heldBack      []JobRequirements
	blocked       map[string]bool
}

// New validates cfg and builds a resource manager; it starts nothing.
func New(cfg Config) (*ResourceManager, error) {
	s, err := parseSettings(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Client == nil {
		return nil, errors.New("resourcemanager: Config.Client is required: the Kubernetes client of the JobManager's service account")
	}
	retries, err := config.Get(s.effective, config.KubernetesTransactionalOperationMaxRetries)
	if err != nil {
		return nil, err
	}
	if retries < 0 {
		return nil, fmt.Errorf("%s: invalid value %d: must not be negative", config.KubernetesTransactionalOperationMaxRetries.Key(), retries)
	}
	initial, err := config.Get(s.effective, config.KubernetesTransactionalOperationInitialRetryDelay)
	if err != nil {
		return nil, err
	}
	maxDelay, err := config.Get(s.effective, config.KubernetesTransactionalOperationMaxRetryDelay)
	if err != nil {
		return nil, err
	}
	var dynamic map[string]string
	if cfg.FileConfiguration != nil {
		dynamic = kubeobjects.ChangedProperties(cfg.FileConfiguration, s.effective)
	}
	rm := newResourceManager(s, cfg)
	rm.driver = newKubernetesDriver(kubernetesDriverConfig{
		clusterID: s.clusterID, namespace: s.namespace, client: cfg.Client,
		conf: s.effective, dynamicProperties: dynamic, local: cfg.Local, log: rm.log, webInterfaceURL: cfg.WebInterfaceURL,
		watchMaxRetries: retries, watchInitialDelay: initial, watchMaxDelay: maxDelay,
		blockedNodes: rm.blockedNodes,
	})
	return rm, nil
}

func newResourceManager(s settings, cfg Config) *ResourceManager {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rm := &ResourceManager{
		s: s, log: log, rand: cfg.Rand, loop: mainloop.New(), onFatal: cfg.OnFatalError,
		readyCh:       make(chan struct{}),
		taskExecutors: map[ResourceID]*taskExecutor{},
		blocked:       map[string]bool{},
	}
	rm.active = newActiveState(s.maxStartFailureRate)
	rm.sm = newSlotManager(rm)
	return rm
}

// parseSettings reads and checks the options the resource manager uses.
func parseSettings(cfg Config) (settings, error) {
	var s settings
	if cfg.Configuration == nil {
		return s, errors.New("resourcemanager: Config.Configuration is required")
	}
	if cfg.Rand == nil {
		return s, errors.New("resourcemanager: Config.Rand is required (a seeded *rand.Rand, so that ids are reproducible)")
	}
	conf := cfg.Configuration
	var err error
	if s.clusterID, err = kubeobjects.ClusterID(conf); err != nil {
		return s, err
	}
	if s.namespace, err = kubeobjects.Namespace(conf); err != nil {
		return s, err
	}
	process, err := config.TaskManagerMemorySpec(conf)
	if err != nil {
		return s, fmt.Errorf("the default TaskManager cannot be sized: %w", err)
	}
	s.defaultSpec = WorkerSpecOf(process)
	s.effective = EffectiveConfiguration(conf)
	if _, err := processSpecOf(s.effective, s.defaultSpec); err != nil {
		return s, err
	}
	r := &optionReader{conf: conf}
	s.taskManagerTimeout = positive(r, config.ResourceManagerTaskManagerTimeout)
	s.registrationTimeout = positive(r, config.ResourceManagerTaskManagerRegistrationTimeout)
	s.recoveryTimeout = notNegative(r, config.ResourceManagerPreviousWorkerRecoveryTimeout)
	s.startRetryInterval = notNegative(r, config.ResourceManagerStartWorkerRetryInterval)
	s.heartbeatTimeout = positive(r, config.HeartbeatTimeout)
	s.requirementCheckDelay = notNegative(r, config.SlotManagerRequirementCheckDelay)
	s.declareDelay = notNegative(r, config.SlotManagerDeclareNeededResourceDelay)
	s.maxStartFailureRate = get(r, config.ResourceManagerStartWorkerMaxFailureRate)
	if r.err == nil && !(s.maxStartFailureRate > 0) {
		r.err = fmt.Errorf("%s: invalid value %s: must be greater than 0 (failures per minute that pause new TaskManager pods)",
			config.ResourceManagerStartWorkerMaxFailureRate.Key(), config.FormatDouble(s.maxStartFailureRate))
	}
	redundant := get(r, config.SlotManagerRedundantTaskManagerNum)
	if r.err == nil && redundant < 0 {
		r.err = fmt.Errorf("%s: invalid value %d: must not be negative", config.SlotManagerRedundantTaskManagerNum.Key(), redundant)
	}
	s.required.redundantSlots = redundant * s.defaultSpec.NumSlots
	l := &s.required.limits
	l.minSlots = get(r, config.SlotManagerNumberOfSlotsMin)
	l.maxSlots = get(r, config.SlotManagerNumberOfSlotsMax)
	if r.err == nil && (l.minSlots < 0 || l.maxSlots < l.minSlots) {
		r.err = fmt.Errorf("%s (%d) and %s (%d) must satisfy 0 <= min <= max",
			config.SlotManagerNumberOfSlotsMin.Key(), l.minSlots, config.SlotManagerNumberOfSlotsMax.Key(), l.maxSlots)
	}
	l.minCPU = optional(r, config.SlotManagerMinTotalResourceCPU)
	l.maxCPU = optional(r, config.SlotManagerMaxTotalResourceCPU)
	l.minMem = optionalMemory(r, config.SlotManagerMinTotalResourceMemory)
	l.maxMem = optionalMemory(r, config.SlotManagerMaxTotalResourceMemory)
	mode := get(r, config.TaskManagerLoadBalanceMode)
	s.leastUtilization = mode == config.LoadBalanceSlots
	return s, r.err
}

// optionReader reads options and keeps the first error.
type optionReader struct {
	conf *config.Configuration
	err  error
}

func get[T any](r *optionReader, o config.Option[T]) T {
	v, err := config.Get(r.conf, o)
	if err != nil && r.err == nil {
		r.err = err
	}
	return v
}

func optional[T any](r *optionReader, o config.Option[T]) *T {
	v, ok, err := config.GetOptional(r.conf, o)
	if err != nil && r.err == nil {
		r.err = err
	}
	if !ok || err != nil {
		return nil
	}
	return &v
}

func optionalMemory(r *optionReader, o config.Option[config.MemorySize]) *int64 {
	v := optional(r, o)
	if v == nil {
		return nil
	}
	b := v.Bytes()
	return &b
}

func positive(r *optionReader, o config.Option[time.Duration]) time.Duration {
	v := get(r, o)
	if r.err == nil && v <= 0 {
		r.err = fmt.Errorf("%s: invalid value %s: must be greater than 0", o.Key(), v)
	}
	return v
}

func notNegative(r *optionReader, o config.Option[time.Duration]) time.Duration {
	v := get(r, o)
	if r.err == nil && v < 0 {
		r.err = fmt.Errorf("%s: invalid value %s: must not be negative", o.Key(), v)
	}
	return v
}

// DefaultWorkerSpec is the spec of the TaskManagers the resource manager starts:
// from taskmanager.cpu.cores (else kubernetes.taskmanager.cpu.amount when positive,
// else the number of slots), the TaskManager memory configuration and
// taskmanager.numberOfTaskSlots.
func (rm *ResourceManager) DefaultWorkerSpec() WorkerSpec { return rm.s.defaultSpec }

// Start runs the resource manager until ctx ends: it watches the TaskManager pods,
// recovers the pods of previous attempts, and then serves. It returns nil when ctx
// ends, the start error when the driver cannot start (the pod watch cannot be
// established, a pod of a previous attempt has a malformed name, …), or the fatal
// error that stopped it. A ResourceManager starts once.
func (rm *ResourceManager) Start(ctx context.Context) error {
	if !rm.started.CompareAndSwap(false, true) {
		return errors.New("resourcemanager: Start was already called; a ResourceManager runs once, build a new one with New")
	}
	driverCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	rm.cancel = cancel
	err := rm.driver.initialize(driverCtx, rm.loop, rm)
	if err == nil {
		rm.sm.start()
	} else {
		rm.loop.Stop() // Run serves no task, it only shuts the loop down
	}
	rm.loop.Run(ctx) // until ctx ends or fail stops the loop
	rm.driver.terminate()
	cancel(nil)
	switch {
	case err != nil && ctx.Err() != nil:
		return nil // stopped while starting
	case err != nil:
		// As fatal as a failure while running: the JobManager must learn of it now,
		// not when its term ends (it would serve without TaskManagers forever).
		err = fmt.Errorf("the resource manager could not start: %w", err)
		rm.log.Error("fatal error", "error", err)
		if h := rm.onFatal; h != nil {
			h(err)
		}
		return err
	case rm.fatal != nil:
		return rm.fatal
	}
	return nil
}

// fail stops the resource manager with a fatal error (reference §4.6: any fatal driver
// error goes to the fatal error handler and the JobManager exits).
func (rm *ResourceManager) fail(err error) {
	if rm.fatal != nil {
		return
	}
	rm.fatal = fmt.Errorf("the resource manager failed: %w", err)
	rm.log.Error("fatal error", "error", err)
	if h := rm.onFatal; h != nil {
		fatal := rm.fatal
		rm.loop.Go(func(context.Context) { h(fatal) })
	}
	rm.cancel(rm.fatal)
	rm.loop.Stop()
}

// onError implements eventHandler: the driver's errors are fatal.
func (rm *ResourceManager) onError(err error) { rm.fail(err) }

// do runs f on the loop and returns its result; ErrStopped when the loop stopped first.
func do[T any](ctx context.Context, rm *ResourceManager, f func() (T, error)) (T, error) {
	var v T
	var err error
	if cerr := rm.loop.Call(ctx, func() { v, err = f() }); cerr != nil {
		if errors.Is(cerr, mainloop.ErrStopped) {
			cerr = ErrStopped
		}
		var zero T
		return zero, cerr
	}
	return v, err
}

func (rm *ResourceManager) exec(ctx context.Context, f func() error) error {
	_, err := do(ctx, rm, func() (struct{}, error) { return struct{}{}, f() })
	return err
}

// newID is a random 32-digit hex id.
func (rm *ResourceManager) newID() string {
	return fmt.Sprintf("%016x%016x", rm.rand.Uint64(), rm.rand.Uint64())
}

// ---- what a JobManager calls -------------------------------------------------------

// DeclareRequirements sets the slots a job needs (Slots = 0 clears them). Until the
// resource manager is ready to serve (ReadyToServe), declarations are held back so
// that recovered TaskManagers are reused rather than new pods started (reference
// §4.7); the call returns at once either way.
func (rm *ResourceManager) DeclareRequirements(ctx context.Context, req JobRequirements) error {
	if req.Job == "" {
		return errors.New("resourcemanager: JobRequirements.Job is required")
	}
	if req.Slots < 0 {
		return fmt.Errorf("resourcemanager: job %s: cannot require %d slots", req.Job, req.Slots)
	}
	return rm.exec(ctx, func() error {
		if !rm.ready {
			rm.heldBack = append(rm.heldBack, req)
			return nil
		}
		rm.sm.processResourceRequirements(req)
		return nil
	})
}

// ReadyToServe is closed once the resource manager serves resource requirements: at
// once on a fresh cluster, and after a JobManager failover once every recovered
// TaskManager registered or is gone (its pod ended, or it missed the registration
// timeout), or resourcemanager.previous-worker.recovery.timeout passed.
func (rm *ResourceManager) ReadyToServe() <-chan struct{} { return rm.readyCh }

// SetBlockedNodes replaces the set of blocked nodes: new TaskManager pods get a node
// affinity that keeps them off these nodes (reference §4.9), and TaskManagers on them
// get no new slots. Pods already running there are not evicted.
func (rm *ResourceManager) SetBlockedNodes(ctx context.Context, nodes []string) error {
	return rm.exec(ctx, func() error {
		rm.blocked = map[string]bool{}
		for _, n := range nodes {
			rm.blocked[n] = true
		}
		rm.sm.checkWithDelay()
		return nil
	})
}

func (rm *ResourceManager) blockedNodes() []string {
	out := make([]string, 0, len(rm.blocked))
	for n := range rm.blocked {
		out = append(out, n)
	}
	return out
}

// Deregister ends the cluster for good: the JobManager Deployment is deleted, and with
// it (by garbage collection) every TaskManager pod and this JobManager. Flink does this
// for every final status (reference §4.1).
func (rm *ResourceManager) Deregister(ctx context.Context, status ApplicationStatus, diagnostics string) error {
	return rm.driver.deregisterApplication(ctx, status, diagnostics)
}

// ---- what a TaskManager calls ------------------------------------------------------

// RegisterTaskManager registers a TaskManager under its resource id (its pod name). A
// TaskManager the resource manager did not start — neither requested in this attempt
// nor recovered from an earlier one — is rejected. A TaskManager that registers again
// replaces its old registration.
func (rm *ResourceManager) RegisterTaskManager(ctx context.Context, reg TaskManagerRegistration) (RegistrationResponse, error) {
	if reg.ResourceID == "" {
		return RegistrationResponse{}, errors.New("resourcemanager: TaskManagerRegistration.ResourceID is required (the TaskManager's taskmanager.resource-id)")
	}
	if reg.Gateway == nil {
		return RegistrationResponse{}, fmt.Errorf("resourcemanager: TaskManager %s: TaskManagerRegistration.Gateway is required", reg.ResourceID)
	}
	if reg.Spec.NumSlots < 1 {
		return RegistrationResponse{}, fmt.Errorf("resourcemanager: TaskManager %s registers with %d slots; its Spec must be WorkerSpecOf its process "+
			"specification (taskmanager.numberOfTaskSlots is at least 1)", reg.ResourceID, reg.Spec.NumSlots)
	}
	return do(ctx, rm, func() (RegistrationResponse, error) { return rm.registerTaskManager(reg), nil })
}

// SendSlotReport is the TaskManager's first report after registering: its slots
// become known to the slot manager. An error means the registration was refused (the
// cluster would exceed its maximum resources) or is unknown; in the first case the
// TaskManager's pod is released.
func (rm *ResourceManager) SendSlotReport(ctx context.Context, id ResourceID, instance InstanceID, report SlotReport) error {
	return rm.exec(ctx, func() error { return rm.sendSlotReport(id, instance, report) })
}

// Heartbeat tells the resource manager that the TaskManager is alive, with its current
// slots. A TaskManager that sends none for heartbeat.timeout is considered lost: its
// registration is closed and its pod deleted. ErrUnknownTaskManager means it must
// register again.
func (rm *ResourceManager) Heartbeat(ctx context.Context, id ResourceID, instance InstanceID, report SlotReport) error {
	return rm.exec(ctx, func() error { return rm.heartbeat(id, instance, report) })
}

// NotifySlotAvailable tells the resource manager that a slot was freed (the job
// released it).
func (rm *ResourceManager) NotifySlotAvailable(ctx context.Context, instance InstanceID, slot SlotID, allocation AllocationID) error {
	return rm.exec(ctx, func() error {
		rm.sm.freeSlot(instance, slot, allocation)
		return nil
	})
}

// DisconnectTaskManager closes a TaskManager's registration and stops its pod (the
// TaskManager is shutting down, or lost its JobManager).
func (rm *ResourceManager) DisconnectTaskManager(ctx context.Context, id ResourceID, cause error) error {
	if cause == nil {
		cause = errors.New("the TaskManager disconnected")
	}
	return rm.exec(ctx, func() error {
		if rm.closeTaskManagerConnection(id, cause) != nil {
			rm.active.lost++
			rm.internalStopWorker(id)
		}
		return nil
	})
}
