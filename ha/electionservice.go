package ha

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"
)

// LeaderContender is a component that wants leadership: the dispatcher, the
// resource manager, the REST endpoint, a JobMaster. Calls come from the service's
// event goroutine, one at a time and in order; a contender may call back into its
// LeaderElection from them.
type LeaderContender interface {
	// GrantLeadership: the process leads with this session id. The contender
	// confirms with LeaderElection.ConfirmLeadership once it is ready.
	GrantLeadership(session uuid.UUID)
	// RevokeLeadership: the process no longer leads.
	RevokeLeadership()
	// HandleError: a fatal error of the leader election.
	HandleError(err error)
}

// LeaderElectionServiceConfig describes a LeaderElectionService.
type LeaderElectionServiceConfig struct {
	// Driver configures the driver the service creates each time the first
	// contender registers; Listener and Rand are the service's, Identity is fixed
	// for the process at construction.
	Driver LeaderElectionDriverConfig
	// Rand seeds the identity, session ids and jitter.
	Rand *rand.Rand
	// FatalErrorHandler receives leader-election errors while no contender is
	// registered. Required.
	FatalErrorHandler func(error)
}

// LeaderElectionService is Flink's DefaultLeaderElectionService for Kubernetes: all
// components of a JobManager process share one election. It creates the driver
// (and so starts contending for the lock) when the first contender registers and
// stops it (releasing the lock) when the last one leaves. On grant every contender
// receives the new session id; a contender's confirmation is published as its
// leader information after a live leadership check; when the stored information
// differs from what was confirmed (someone edited the ConfigMap) it is rewritten.
type LeaderElectionService struct {
	cfg    LeaderElectionServiceConfig
	rand   *randomSource
	log    *slog.Logger
	events *eventQueue
	// fixes are the corrections of externally edited leader information in flight.
	fixes   sync.WaitGroup
	changed chan struct{}
	started atomic.Bool

	mu         sync.Mutex
	reserved   map[string]bool // components with a LeaderElection handle
	contenders map[string]LeaderContender
	closing    int                          // Close calls in progress
	session    uuid.UUID                    // issued by the current grant; zero when not leading
	confirmed  map[string]LeaderInformation // per component, for the current session
	granted    map[string]uuid.UUID         // the session each contender was last granted
	driver     *LeaderElectionDriver        // nil while no driver runs
	driverCtx  context.Context
}

// NewLeaderElectionService validates cfg; it starts nothing.
func NewLeaderElectionService(cfg LeaderElectionServiceConfig) (*LeaderElectionService, error) {
	if cfg.FatalErrorHandler == nil {
		return nil, errors.New("ha: leader election service: FatalErrorHandler is nil")
	}
	rs, err := newRandomSource(cfg.Rand)
	if err != nil {
		return nil, fmt.Errorf("ha: leader election service: %w", err)
	}
	if cfg.Driver.Identity == "" {
		cfg.Driver.Identity = rs.uuid().String()
	}
	if cfg.Driver.Log == nil {
		cfg.Driver.Log = slog.New(slog.DiscardHandler)
	}
	// Build one driver now so that a bad configuration fails here, not in Start.
	probe := cfg.Driver
	probe.Listener, probe.Rand = noListener{}, rs.child()
	if _, err := NewLeaderElectionDriver(probe); err != nil {
		return nil, err
	}
	return &LeaderElectionService{
		cfg: cfg, rand: rs, log: cfg.Driver.Log,
		events:     newEventQueue(),
		changed:    make(chan struct{}, 1),
		reserved:   map[string]bool{},
		contenders: map[string]LeaderContender{},
		confirmed:  map[string]LeaderInformation{},
		granted:    map[string]uuid.UUID{},
	}, nil
}

// Identity is the process's lock identity.
func (s *LeaderElectionService) Identity() string { return s.cfg.Driver.Identity }

// Start runs until ctx ends: it delivers events to contenders and runs a driver
// while at least one contender is registered.
func (s *LeaderElectionService) Start(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("ha: leader election service already started")
	}
	eventsCtx, stopEvents := context.WithCancel(context.WithoutCancel(ctx))
	eventsDone := make(chan struct{})
	go func() { defer close(eventsDone); s.events.run(eventsCtx) }()
	defer func() { stopEvents(); <-eventsDone }()

	for {
		if !s.waitFor(ctx, func() bool { return len(s.contenders) > 0 }) {
			return nil
		}
		s.runDriver(ctx)
		if ctx.Err() != nil {
			return nil
		}
	}
}

// runDriver runs one driver until no contender is left or ctx ends.
func (s *LeaderElectionService) runDriver(ctx context.Context) {
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dcfg := s.cfg.Driver
	l := &driverListener{s: s, ctx: dctx}
	dcfg.Listener, dcfg.Rand = l, s.rand.child()
	driver, err := NewLeaderElectionDriver(dcfg)
	if err != nil { // validated in the constructor
		s.events.push(func() { s.onError(err) })
		<-ctx.Done()
		return
	}
	l.driver = driver
	s.mu.Lock()
	s.driver, s.driverCtx = driver, dctx
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { defer close(done); _ = driver.Start(dctx) }()

	s.waitFor(ctx, func() bool { return len(s.contenders) == 0 && s.closing == 0 })
	cancel()
	<-done
	s.fixes.Wait()
	s.mu.Lock()
	s.driver, s.driverCtx = nil, nil
	s.mu.Unlock()
}

// waitFor blocks until cond (checked under the mutex) holds, or ctx ends.
func (s *LeaderElectionService) waitFor(ctx context.Context, cond func() bool) bool {
	for {
		s.mu.Lock()
		ok := cond()
		s.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-s.changed:
		}
	}
}

func (s *LeaderElectionService) signal() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// NewLeaderElection reserves component and returns its handle; the contender
// starts contending with StartLeaderElection. Two steps, as in Flink, so that the
// contender holds its handle before the first grant can reach it.
func (s *LeaderElectionService) NewLeaderElection(component string) (*LeaderElection, error) {
	if component == "" {
		return nil, errors.New("ha: a leader election needs a component id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reserved[component] {
		return nil, fmt.Errorf("ha: component %q already has a leader election", component)
	}
	s.reserved[component] = true
	return &LeaderElection{s: s, component: component}, nil
}

// StartLeaderElection registers c as the component's contender. If the process
// already leads, c is granted the current session right away (from the event
// goroutine).
func (e *LeaderElection) StartLeaderElection(c LeaderContender) error {
	if c == nil {
		return errors.New("ha: StartLeaderElection needs a contender")
	}
	s := e.s
	s.mu.Lock()
	if e.closed.Load() || e.contender != nil {
		s.mu.Unlock()
		return fmt.Errorf("ha: the leader election of %q is closed or already started", e.component)
	}
	e.contender = c
	s.contenders[e.component] = c
	s.mu.Unlock()
	s.signal()
	component := e.component
	s.events.push(func() {
		s.mu.Lock()
		session, registered := s.session, s.contenders[component] == c
		grant := registered && session != uuid.Nil && s.granted[component] != session
		if grant {
			s.granted[component] = session
		}
		s.mu.Unlock()
		if grant {
			c.GrantLeadership(session)
		}
	})
	return nil
}

// The driver's events, run on the event goroutine.

func (s *LeaderElectionService) onGrant(session uuid.UUID) {
	s.mu.Lock()
	s.session = session
	s.confirmed = map[string]LeaderInformation{}
	cs := s.snapshot()
	for k := range s.contenders {
		s.granted[k] = session
	}
	s.mu.Unlock()
	s.log.Debug("leadership granted", "session", session)
	for _, c := range cs {
		c.GrantLeadership(session)
	}
}

func (s *LeaderElectionService) onRevoke() {
	s.mu.Lock()
	was := s.session
	s.session = uuid.Nil
	s.confirmed = map[string]LeaderInformation{}
	var cs []LeaderContender
	for _, k := range slices.Sorted(maps.Keys(s.contenders)) {
		if s.granted[k] != uuid.Nil {
			cs = append(cs, s.contenders[k])
		}
	}
	s.granted = map[string]uuid.UUID{}
	s.mu.Unlock()
	if was == uuid.Nil {
		return
	}
	s.log.Debug("leadership revoked", "session", was)
	for _, c := range cs {
		c.RevokeLeadership()
	}
}

// onInformationChange rewrites, for every registered component, what it confirmed
// if the stored value differs; a stored value for a component that has not
// confirmed yet is removed.
func (s *LeaderElectionService) onInformationChange(ctx context.Context, driver *LeaderElectionDriver, stored map[string]LeaderInformation) {
	s.mu.Lock()
	if s.session == uuid.Nil || s.driver != driver {
		s.mu.Unlock()
		return
	}
	session := s.session
	fixes := corrections(slices.Sorted(maps.Keys(s.contenders)), s.confirmed, stored)
	s.mu.Unlock()
	if len(fixes) == 0 {
		return
	}
	// Off the event goroutine: a slow API server must not hold back grants and
	// revokes. What a correction writes is decided when it is applied (in the
	// check-and-update, so a write that lands meanwhile makes it decide again): a
	// confirmation made since the edit was seen must not be undone.
	s.fixes.Go(func() {
		for _, f := range fixes {
			s.log.Debug("correcting leader information changed externally", "component", f.component, "stored", stored[f.component], "confirmed", f.info)
			driver.correctLeaderInformation(ctx, f.component, func() (LeaderInformation, bool) {
				s.mu.Lock()
				defer s.mu.Unlock()
				if s.session != session || s.driver != driver || s.contenders[f.component] == nil {
					return LeaderInformation{}, false
				}
				return s.confirmed[f.component], true
			})
		}
	})
}

type correction struct {
	component string
	info      LeaderInformation
}

// corrections decides what to rewrite: for each registered component whose stored
// information differs from the confirmed one (empty if not confirmed), the
// confirmed one.
func corrections(components []string, confirmed, stored map[string]LeaderInformation) []correction {
	var out []correction
	for _, c := range components {
		if confirmed[c] != stored[c] {
			out = append(out, correction{component: c, info: confirmed[c]})
		}
	}
	return out
}

func (s *LeaderElectionService) onError(err error) {
	s.mu.Lock()
	cs := s.snapshot()
	s.mu.Unlock()
	if len(cs) == 0 {
		s.cfg.FatalErrorHandler(err)
		return
	}
	for _, c := range cs {
		c.HandleError(err)
	}
}

// snapshot lists the contenders in component order; s.mu must be held.
func (s *LeaderElectionService) snapshot() []LeaderContender {
	out := make([]LeaderContender, 0, len(s.contenders))
	for _, k := range slices.Sorted(maps.Keys(s.contenders)) {
		out = append(out, s.contenders[k])
	}
	return out
}

// LeaderElection is one component's handle on the service.
type LeaderElection struct {
	s         *LeaderElectionService
	component string
	contender LeaderContender // set by StartLeaderElection, guarded by s.mu
	closed    atomic.Bool
}

// Component is the contender's component id.
func (e *LeaderElection) Component() string { return e.component }

// ConfirmLeadership publishes (session, address) as the component's leader
// information if session is the current one and the live leadership check passes.
// Stale sessions are ignored.
//
// The confirmation is remembered before the live check: if the check cannot be made
// (the API server fails the read), the information is written with the next change
// of the ConfigMap the leader sees (its next renewal at the latest), as externally
// edited information is — a lost confirmation would leave the cluster without a
// reachable leader for good.
//
// The checks and the write end when the driver stops (the process leaves the
// election or dies): a confirmation still under way then must not write.
func (e *LeaderElection) ConfirmLeadership(ctx context.Context, session uuid.UUID, address string) {
	driver, dctx, ok := e.current(session)
	if !ok {
		e.s.log.Debug("ignoring a confirmation of a stale session", "component", e.component, "session", session)
		return
	}
	info := LeaderInformation{SessionID: session, Address: address}
	e.s.mu.Lock()
	if e.s.session != session || e.s.driver != driver || e.closed.Load() {
		e.s.mu.Unlock()
		return
	}
	e.s.confirmed[e.component] = info
	e.s.mu.Unlock()
	ctx, cancel := mergeCancel(ctx, dctx)
	defer cancel()
	if !driver.HasLeadership(ctx) {
		e.s.log.Debug("confirmation not published now: no leadership seen", "component", e.component, "session", session)
		return
	}
	driver.PublishLeaderInformation(ctx, e.component, info)
}

// HasLeadership reports whether session is the current one and the process holds
// the lock (live check).
func (e *LeaderElection) HasLeadership(ctx context.Context, session uuid.UUID) bool {
	driver, dctx, ok := e.current(session)
	if !ok {
		return false
	}
	ctx, cancel := mergeCancel(ctx, dctx)
	defer cancel()
	return driver.HasLeadership(ctx)
}

// current is the running driver and its context if session is the current one.
func (e *LeaderElection) current(session uuid.UUID) (*LeaderElectionDriver, context.Context, bool) {
	e.s.mu.Lock()
	defer e.s.mu.Unlock()
	if e.closed.Load() || session == uuid.Nil || e.s.session != session || e.s.driver == nil {
		return nil, nil, false
	}
	return e.s.driver, e.s.driverCtx, true
}

// Close deregisters the contender and frees the component id: its leader information
// is removed if it had confirmed, it is revoked (from the event goroutine) if it was
// leading, and when it was the last contender the driver stops and releases the lock.
func (e *LeaderElection) Close(ctx context.Context) {
	if !e.closed.CompareAndSwap(false, true) {
		return
	}
	s := e.s
	s.mu.Lock()
	delete(s.reserved, e.component)
	if e.contender == nil {
		s.mu.Unlock()
		return
	}
	delete(s.contenders, e.component)
	_, confirmed := s.confirmed[e.component]
	delete(s.confirmed, e.component)
	leading := s.session != uuid.Nil && s.granted[e.component] == s.session
	delete(s.granted, e.component)
	driver, dctx := s.driver, s.driverCtx
	s.closing++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.closing--
		s.mu.Unlock()
		s.signal()
	}()
	if leading {
		// Through the event goroutine, so that contender calls stay serialised.
		s.events.push(e.contender.RevokeLeadership)
	}
	if confirmed && driver != nil {
		opCtx, cancel := mergeCancel(ctx, dctx)
		defer cancel()
		driver.DeleteLeaderInformation(opCtx, e.component)
	}
}

// mergeCancel is ctx, also cancelled when other ends.
func mergeCancel(ctx, other context.Context) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(other, cancel)
	return c, func() { stop(); cancel() }
}

// driverListener forwards one driver's events to the service's event queue.
type driverListener struct {
	s      *LeaderElectionService
	ctx    context.Context
	driver *LeaderElectionDriver
}

func (l *driverListener) OnGrantLeadership(session uuid.UUID) {
	l.s.events.push(func() { l.s.onGrant(session) })
}

// OnRevokeLeadership returns once every contender was told: the elector releases
// the lock only after that, so that no standby leads while a contender still acts
// as leader.
func (l *driverListener) OnRevokeLeadership() { l.s.events.pushAndWait(l.s.onRevoke) }

func (l *driverListener) OnLeaderInformationChange(all map[string]LeaderInformation) {
	l.s.events.push(func() { l.s.onInformationChange(l.ctx, l.driver, all) })
}

func (l *driverListener) OnError(err error) { l.s.events.push(func() { l.s.onError(err) }) }

type noListener struct{}

func (noListener) OnGrantLeadership(uuid.UUID)                            {}
func (noListener) OnRevokeLeadership()                                    {}
func (noListener) OnLeaderInformationChange(map[string]LeaderInformation) {}
func (noListener) OnError(error)                                          {}

// eventQueue is an unbounded FIFO of functions run by one goroutine.
type eventQueue struct {
	mu      sync.Mutex
	items   []func()
	signal  chan struct{}
	stopped chan struct{} // closed once run returned
}

func newEventQueue() *eventQueue {
	return &eventQueue{signal: make(chan struct{}, 1), stopped: make(chan struct{})}
}

// pushAndWait queues f and waits until it ran (or the queue stopped without it).
func (q *eventQueue) pushAndWait(f func()) {
	done := make(chan struct{})
	q.push(func() { defer close(done); f() })
	select {
	case <-done:
	case <-q.stopped:
	}
}

func (q *eventQueue) push(f func()) {
	q.mu.Lock()
	q.items = append(q.items, f)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// run executes queued functions in order until ctx ends, then drains the queue.
func (q *eventQueue) run(ctx context.Context) {
	defer close(q.stopped)
	for {
		q.mu.Lock()
		items := q.items
		q.items = nil
		q.mu.Unlock()
		for _, f := range items {
			f()
		}
		if len(items) > 0 {
			continue
		}
		select {
		case <-q.signal:
		case <-ctx.Done():
			q.mu.Lock()
			rest := q.items
			q.items = nil
			q.mu.Unlock()
			for _, f := range rest {
				f()
			}
			return
		}
	}
}
