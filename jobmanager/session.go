package jobmanager

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"flinksim/flinklog"
	"flinksim/flinkprocess"
	"flinksim/gateway"
	"flinksim/kubeobjects"
	"flinksim/resourcemanager"
)

const resourceManagerLogger = "org.apache.flink.runtime.resourcemanager.active.ActiveResourceManager"

// session is one leadership term of this JobManager: the resource manager, the
// dispatcher and its JobMasters, all fenced by the leader session id. Without HA the
// JobManager is granted leadership once at start; with Kubernetes HA a term begins
// when the election is won and ends when leadership is lost (see doc.go).
type session struct {
	jm     *JobManager
	id     string
	ctx    context.Context
	cancel context.CancelFunc

	rm         *resourcemanager.ResourceManager
	rmDone     chan error
	dispatcher *dispatcher

	deactivated sync.Once

	mu       sync.Mutex
	closed   bool
	async    sync.WaitGroup
	memories map[resourcemanager.ResourceID]gateway.MemoryConfiguration
}

// startSession builds and starts the components of a leadership term.
func (jm *JobManager) startSession(id string) (*session, error) {
	ctx, cancel := context.WithCancel(context.Background())
	s := &session{jm: jm, id: id, ctx: ctx, cancel: cancel, rmDone: make(chan error, 1),
		memories: map[resourcemanager.ResourceID]gateway.MemoryConfiguration{}}
	seed := jm.ids.Hex32()
	rm, err := resourcemanager.New(resourcemanager.Config{
		Configuration:     jm.conf,
		FileConfiguration: jm.fileConf,
		Client:            jm.kube,
		Rand:              rand.New(rand.NewPCG(hashString(seed), 0x5e)),
		Local: kubeobjects.Local{ReadFile: flinkprocess.ReadFile(jm.env), LookupEnv: func(k string) (string, bool) {
			v, ok := jm.env.Environ[k]
			return v, ok
		}},
		WebInterfaceURL: jm.restURL(),
		Log:             jm.log.With(flinklog.LoggerKey, resourceManagerLogger),
		OnFatalError: func(err error) {
			jm.fatal(fmt.Errorf("Fatal error occurred in ResourceManager: %w", err))
		},
	})
	if err != nil {
		cancel()
		return nil, err
	}
	s.rm = rm
	go func() { s.rmDone <- rm.Start(ctx) }()
	s.dispatcher = newDispatcher(ctx, s.jobMasterServices, jm.ids.Float64)
	if jm.ha != nil {
		s.dispatcher.persist, s.dispatcher.ended = jm.ha.persist, jm.ha.jobEnded
	}
	jm.entryLog.Info("Leadership granted with leader session id " + id + "; the resource manager, the dispatcher and the REST endpoint serve.")
	return s, nil
}

// activate makes the term the one this JobManager acts in: the RPC endpoint takes
// calls fenced with its session, the REST endpoint serves from it.
func (s *session) activate() {
	s.jm.rpc.SetFencingToken(s.id)
	s.jm.session.Store(s)
	if s.jm.onLeadership != nil {
		s.jm.onLeadership(LeadershipChange{Pod: s.jm.env.Hostname, Session: s.id, Leading: true})
	}
}

// deactivate ends the term's acting at once (leadership was revoked); stop then
// winds its components down. Idempotent.
func (s *session) deactivate() {
	s.deactivated.Do(func() {
		s.jm.session.CompareAndSwap(s, nil)
		if s.jm.rpc.FencingToken() == s.id {
			s.jm.rpc.SetFencingToken("")
		}
		if s.jm.onLeadership != nil {
			s.jm.onLeadership(LeadershipChange{Pod: s.jm.env.Hostname, Session: s.id, Leading: false})
		}
	})
}

// stop ends the term: jobs are suspended, the resource manager stops.
func (s *session) stop() {
	s.deactivate()
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.dispatcher.wait()
	if err := <-s.rmDone; err != nil {
		s.jm.log.Warn("The resource manager stopped with an error", "error", err)
	}
	s.async.Wait()
}

// goAsync runs f with the term's context; stop waits for it.
func (s *session) goAsync(f func(ctx context.Context)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.async.Add(1)
	go func() {
		defer s.async.Done()
		f(s.ctx)
	}()
}

func (s *session) jobMasterServices(g *jobGraph) jobMasterServices {
	jm := s.jm
	return jobMasterServices{
		client: jm.client, token: s.id, address: jm.rpcAddress,
		declare: s.rm.DeclareRequirements, newID: jm.ids.Hex32, rand: jm.ids.Float64,
		log:                 jm.log,
		heartbeatInterval:   jm.heartbeatInterval,
		heartbeatTimeout:    jm.heartbeatTimeout,
		rpcFailureThreshold: jm.rpcFailureThreshold,
		slotRequestTimeout:  jm.slotRequestTimeout,
		ha:                  jm.ha,
		endpoint:            "jobmanager_" + strconv.FormatInt(jm.endpoints.Add(1)+1, 10),
	}
}

// taskExecutorGateway is how the resource manager reaches a registered TaskManager:
// over the network, fenced with the term's session id.
type taskExecutorGateway struct {
	s       *session
	address string
}

func (g taskExecutorGateway) te() gateway.TaskExecutor {
	return gateway.TaskExecutor{Client: g.s.jm.client, Address: g.address, Token: g.s.id}
}

func (g taskExecutorGateway) RequestSlot(ctx context.Context, req resourcemanager.SlotRequest) error {
	return g.te().RequestSlot(ctx, gateway.RequestSlotRequest{SlotRequest: req, ResourceManagerID: g.s.id})
}

func (g taskExecutorGateway) CanBeReleased(ctx context.Context) (bool, error) {
	return g.te().CanBeReleased(ctx)
}

// DisconnectResourceManager tells the TaskManager in the background: the resource
// manager must not wait for it.
func (g taskExecutorGateway) DisconnectResourceManager(cause error) {
	te := g.te()
	g.s.goAsync(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		_ = te.DisconnectResourceManager(ctx, cause.Error())
	})
}

// errNotLeader answers calls while this JobManager holds no leadership.
var errNotLeader = errors.New("this JobManager is not the leader")
