package taskmanager

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"slices"
	"strconv"
	"time"

	"flinksim/flinklog"
	"flinksim/gateway"
	"flinksim/ha"
	"flinksim/mainloop"
	"flinksim/resourcemanager"
	"flinksim/rpc"
)

// errRegistrationTimeout ends a TaskManager that found no resource manager in time.
var errRegistrationTimeout = errors.New("registration timeout")

// connState is the state of the connection to the resource manager.
type connState int

const (
	disconnected connState = iota
	registering
	registered
)

// taskExecutor is the TaskManager's state, owned by its main loop.
type taskExecutor struct {
	s      settings
	loop   *mainloop.Loop
	client *rpc.Client
	log    *slog.Logger // TaskExecutor
	tasksL *slog.Logger // Task
	slotsL *slog.Logger // TaskSlotTable
	fatal  chan error

	// The resource manager connection.
	state        connState
	token        string // the resource manager's leader session
	rmDirect     string // the resource manager's own address, learned at registration
	instance     resourcemanager.InstanceID
	lastRMAnswer time.Time
	attempt      int // Flink's registration attempt number: 1 after connect, an error or a refusal
	attemptTimer *mainloop.Timer
	regTimeout   *mainloop.Timer
	hbTimer      *mainloop.Timer
	heartbeating bool

	slots []slot
	tasks map[string]*task
	jobs  map[resourcemanager.JobID]*jobConnection

	// leaders are the Kubernetes HA services (nil without HA); rmLeader is the
	// resource manager's leader as last retrieved; generation counts connection
	// targets, so that answers meant for an earlier one are dropped.
	leaders    *ha.Services
	rmLeader   ha.LeaderInformation
	generation int
}

// slot is one task slot.
type slot struct {
	alloc resourcemanager.AllocationID
	job   resourcemanager.JobID
	// active: the JobMaster took the slot; until then it is only allocated.
	active bool
}

// jobConnection is the TaskManager's link to the JobMaster of a job it holds slots
// for.
type jobConnection struct {
	job      resourcemanager.JobID
	address  string
	token    string
	timeout  *mainloop.Timer
	pending  []gateway.TaskExecutionState
	sending  bool
	lastSeen time.Time
	// stopFollowing ends the retrieval of the job's leader (HA).
	stopFollowing context.CancelFunc
}

func newTaskExecutor(s settings, client *rpc.Client, log *slog.Logger) *taskExecutor {
	return &taskExecutor{
		s: s, loop: mainloop.New(), client: client, fatal: make(chan error, 1),
		log:    log.With(flinklog.LoggerKey, taskExecutorLogger),
		tasksL: log.With(flinklog.LoggerKey, taskLogger),
		slotsL: log.With(flinklog.LoggerKey, slotTableLogger),
		slots:  make([]slot, s.spec.NumSlots),
		tasks:  map[string]*task{},
		jobs:   map[resourcemanager.JobID]*jobConnection{},
	}
}

// run serves until ctx ends (nil) or the registration times out.
func (te *taskExecutor) run(ctx context.Context, l net.Listener) error {
	srv := rpc.NewServer(nil)
	te.register(srv)
	loopCtx, stopLoop := context.WithCancel(context.Background())
	go te.loop.Run(loopCtx)
	srvCtx, stopSrv := context.WithCancel(context.Background())
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.Serve(srvCtx, l) }()
	te.loop.Post(te.start)

	var err error
	select {
	case <-ctx.Done():
	case err = <-te.fatal:
	case err = <-srvDone:
		srvDone <- err
	}
	te.shutdown(err)
	stopSrv()
	stopLoop()
	<-te.loop.Done()
	if serr := <-srvDone; err == nil && serr != nil {
		err = serr
	}
	return err
}

func (te *taskExecutor) start() {
	te.log.Info("Start TaskExecutor " + te.s.address + " with " + strconv.Itoa(len(te.slots)) + " slots.")
	te.startRegistrationTimeout()
	if te.leaders != nil {
		// With HA the resource manager is wherever the leader retrieval says.
		te.loop.Go(func(ctx context.Context) { _ = te.leaders.Start(ctx) })
		te.startLeaderRetrieval()
		return
	}
	te.connect(0)
}

// fail ends the TaskManager with err.
func (te *taskExecutor) fail(err error) {
	select {
	case te.fatal <- err:
	default:
	}
}

// ---- resource manager connection -------------------------------------------------------

func (te *taskExecutor) rm() gateway.ResourceManager {
	return gateway.ResourceManager{Client: te.client, Address: te.resolve(te.s.rmAddress), Token: te.token}
}

// resolve maps the JobManager's Service address to the address of the JobManager the
// registration reached, as a connection keeps talking to the peer its host name
// resolved to. A new registration resolves again.
func (te *taskExecutor) resolve(address string) string {
	if address == te.s.rmAddress && te.state == registered && te.rmDirect != "" {
		return te.rmDirect
	}
	return address
}

func (te *taskExecutor) startRegistrationTimeout() {
	if te.regTimeout != nil {
		return
	}
	d := te.s.registrationTimeout
	te.regTimeout = te.loop.After(d, func() {
		te.regTimeout = nil
		if te.state == registered {
			return
		}
		te.fail(fmt.Errorf("%w: Could not register at the ResourceManager within the specified maximum registration duration %s "+
			"(taskmanager.registration.timeout). This indicates a problem with this instance. Terminating now.", errRegistrationTimeout, d))
	})
}

// connect starts registering after delay, unless a registration is under way.
func (te *taskExecutor) connect(delay time.Duration) {
	if te.state != disconnected {
		return
	}
	te.state, te.attempt = registering, 0
	te.log.Info("Connecting to ResourceManager pekko.tcp://flink@" + te.s.rmAddress + "/user/rpc/resourcemanager_*(" + te.tokenOrDefault() + ").")
	te.attemptTimer.Cancel()
	te.attemptTimer = te.loop.After(delay, te.attemptRegistration)
}

// attemptTimeout is Flink's retrying registration: the first attempt (te.attempt
// 1) may take cluster.registration.initial-timeout, each next one twice as long, at
// most cluster.registration.max-timeout.
func (te *taskExecutor) attemptTimeout() time.Duration {
	d := te.s.initialTimeout
	for i := 1; i < te.attempt && d < te.s.maxTimeout; i++ {
		d *= 2
	}
	return min(d, te.s.maxTimeout)
}

func (te *taskExecutor) attemptRegistration() {
	te.attemptTimer = nil
	if te.state != registering {
		return
	}
	te.attempt++
	timeout := te.attemptTimeout()
	req := gateway.RegistrationRequest{ResourceID: te.s.resourceID, Address: te.s.address, NodeID: te.s.nodeID, Spec: te.s.spec, Memory: memoryOf(te.s)}
	rm := te.rm()
	rm.Token = te.leaderToken()
	gen := te.generation
	te.loop.Go(func(ctx context.Context) {
		actx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		resp, err := rm.RegisterTaskExecutor(actx, req)
		te.loop.Post(func() {
			if gen == te.generation {
				te.onRegistrationResult(resp, err, timeout)
			}
		})
	})
}

func (te *taskExecutor) tokenOrDefault() string {
	if te.token == "" {
		return "00000000000000000000000000000000"
	}
	return te.token
}

func (te *taskExecutor) onRegistrationResult(resp gateway.RegistrationResponse, err error, timeout time.Duration) {
	if te.state != registering {
		return
	}
	switch {
	case rpc.IsTimeout(err):
		te.log.Debug("Registration at ResourceManager attempt " + strconv.Itoa(te.attempt) + " timed out after " + timeout.String())
		te.attemptTimer = te.loop.After(0, te.attemptRegistration)
	case err != nil:
		// Like Flink's RetryingRegistration, the next attempt is attempt 1 again, with
		// the initial timeout.
		te.log.Info("Registration at ResourceManager failed due to an error; retrying in "+te.s.errorDelay.String(), "error", err)
		te.attempt = 0
		te.attemptTimer = te.loop.After(te.s.errorDelay, te.attemptRegistration)
	case !resp.Accepted:
		te.log.Info("Registration at ResourceManager was declined: " + resp.Rejection + "; retrying in " + te.s.refusedDelay.String())
		te.attempt = 0
		te.attemptTimer = te.loop.After(te.s.refusedDelay, te.attemptRegistration)
	default:
		if te.token != "" && te.token != resp.ResourceManagerID {
			te.log.Info("The JobManager changed: new leader session " + resp.ResourceManagerID)
		}
		te.state, te.token, te.instance, te.attempt = registered, resp.ResourceManagerID, resp.Instance, 0
		te.rmDirect = resp.Address
		te.lastRMAnswer = time.Now()
		te.regTimeout.Cancel()
		te.regTimeout = nil
		te.log.Info("Successful registration at resource manager pekko.tcp://flink@" + te.s.rmAddress + "/user/rpc/resourcemanager_* under registration id " + string(resp.Instance) + ".")
		rm, req := te.rm(), te.slotReport()
		te.loop.Go(func(ctx context.Context) {
			err := rm.SendSlotReport(ctx, req)
			te.loop.Post(func() {
				if err != nil && te.state == registered && te.instance == req.Instance {
					te.rmLost(fmt.Errorf("the resource manager did not take the slot report: %w", err))
				}
			})
		})
		te.scheduleHeartbeat()
	}
}

func (te *taskExecutor) slotReport() gateway.SlotReportRequest {
	report := make(resourcemanager.SlotReport, len(te.slots))
	for i, s := range te.slots {
		report[i] = resourcemanager.SlotStatus{Slot: resourcemanager.SlotID{ResourceID: te.s.resourceID, Index: i}, Allocation: s.alloc, Job: s.job}
	}
	return gateway.SlotReportRequest{ResourceID: te.s.resourceID, Instance: te.instance, Report: report}
}

func (te *taskExecutor) scheduleHeartbeat() {
	te.hbTimer.Cancel()
	te.hbTimer = te.loop.After(te.s.heartbeatInterval, te.heartbeat)
}

func (te *taskExecutor) heartbeat() {
	te.hbTimer = nil
	if te.state != registered {
		return
	}
	te.scheduleHeartbeat()
	if te.heartbeating {
		te.checkRMTimeout()
		return
	}
	te.heartbeating = true
	rm, req := te.rm(), te.slotReport()
	te.loop.Go(func(ctx context.Context) {
		err := rm.Heartbeat(ctx, req)
		te.loop.Post(func() {
			te.heartbeating = false
			if te.state != registered || te.instance != req.Instance {
				return
			}
			switch code := rpc.CodeOf(err); {
			case err == nil:
				te.lastRMAnswer = time.Now()
				te.log.Debug("Received heartbeat response from ResourceManager " + te.s.rmAddress + ".")
			case code == gateway.UnknownTaskManager || code == rpc.FencingTokenMismatch:
				te.rmLost(fmt.Errorf("the resource manager no longer knows this TaskManager: %w", err))
			default:
				te.checkRMTimeout()
			}
		})
	})
}

func (te *taskExecutor) checkRMTimeout() {
	if te.state == registered && time.Since(te.lastRMAnswer) >= te.s.heartbeatTimeout {
		te.rmLost(fmt.Errorf("the heartbeat of ResourceManager %s timed out (no answer for %s)", te.s.rmAddress, te.s.heartbeatTimeout))
	}
}

// rmLost closes the resource manager connection and registers again.
func (te *taskExecutor) rmLost(cause error) {
	if te.state != registered {
		return
	}
	te.log.Info("Close ResourceManager connection: " + cause.Error())
	te.state, te.instance = disconnected, ""
	te.hbTimer.Cancel()
	te.hbTimer = nil
	te.startRegistrationTimeout()
	te.connect(0)
}

// ---- shutdown ------------------------------------------------------------------------

// shutdown tells the JobMasters and the resource manager that this TaskManager goes,
// so they fail its tasks and forget it without waiting for a heartbeat timeout.
func (te *taskExecutor) shutdown(cause error) {
	type target struct {
		jm  gateway.JobMaster
		job resourcemanager.JobID
	}
	var jobs []target
	var rm *gateway.ResourceManager
	reason := "The TaskExecutor is shutting down."
	if cause != nil {
		reason = "The TaskExecutor failed: " + cause.Error()
	}
	_ = te.loop.Call(context.Background(), func() {
		te.log.Info("Stopping TaskExecutor " + te.s.address + ".")
		// Farewells go only to peers heard from lately: one behind a partition would
		// hold the call until its deadline, and notices the loss by heartbeat anyway.
		recent := 2 * te.s.heartbeatInterval
		for _, id := range slices.Sorted(maps.Keys(te.jobs)) {
			jc := te.jobs[id]
			if time.Since(jc.lastSeen) > recent {
				continue
			}
			jobs = append(jobs, target{jm: gateway.JobMaster{Client: te.client, Address: jc.address, Token: jc.token}, job: id})
		}
		if te.state == registered && time.Since(te.lastRMAnswer) <= recent {
			g := te.rm()
			rm = &g
		}
		te.state = disconnected
	})
	ctx, cancel := context.WithTimeout(context.Background(), te.s.shutdownTimeout)
	defer cancel()
	done := make(chan struct{}, len(jobs)+1)
	for _, t := range jobs {
		go func() {
			_ = t.jm.DisconnectTaskManager(ctx, gateway.DisconnectRequest{ResourceID: te.s.resourceID, Job: t.job, Cause: reason})
			done <- struct{}{}
		}()
	}
	if rm != nil {
		go func() {
			_ = rm.DisconnectTaskManager(ctx, gateway.DisconnectRequest{ResourceID: te.s.resourceID, Cause: reason})
			done <- struct{}{}
		}()
	}
	for range len(jobs) + btoi(rm != nil) {
		<-done
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func memoryOf(s settings) gateway.MemoryConfiguration {
	m := s.memory
	return gateway.MemoryConfiguration{
		FrameworkHeap: m.FrameworkHeap.Bytes(), TaskHeap: m.TaskHeap.Bytes(), FrameworkOffHeap: m.FrameworkOffHeap.Bytes(),
		TaskOffHeap: m.TaskOffHeap.Bytes(), NetworkMemory: m.Network.Bytes(), ManagedMemory: m.Managed.Bytes(),
		JVMMetaspace: m.JVMMetaspace.Bytes(), JVMOverhead: m.JVMOverhead.Bytes(),
		TotalFlinkMemory: m.TotalFlink.Bytes(), TotalProcessMemory: m.TotalProcess.Bytes(),
	}
}
