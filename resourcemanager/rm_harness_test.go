package resourcemanager

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"flinksim/config"
	"flinksim/mainloop"
)

// fakeDriver stands for the platform in the active resource manager's tests, as
// Flink's TestingResourceManagerDriver does. Its state is touched only on the loop.
type fakeDriver struct {
	l         *mainloop.Loop
	h         eventHandler
	recovered []workerNode
	initErr   error

	requests []*fakeRequest
	released []ResourceID
}

type fakeRequest struct {
	spec      config.TaskManagerMemory
	at        time.Time
	done      func(workerNode, error)
	cancelled bool
	finished  bool
}

func (d *fakeDriver) initialize(_ context.Context, l *mainloop.Loop, h eventHandler) error {
	d.l, d.h = l, h
	if d.initErr != nil {
		return d.initErr
	}
	h.onPreviousAttemptWorkersRecovered(d.recovered)
	return nil
}

func (d *fakeDriver) terminate() {}

func (d *fakeDriver) requestResource(spec config.TaskManagerMemory, done func(workerNode, error)) func() {
	r := &fakeRequest{spec: spec, at: time.Now(), done: done}
	d.requests = append(d.requests, r)
	return func() { r.cancelled = true }
}

func (d *fakeDriver) releaseResource(id ResourceID) { d.released = append(d.released, id) }

func (d *fakeDriver) deregisterApplication(context.Context, ApplicationStatus, string) error {
	return nil
}

// rmHarness runs a ResourceManager with a fake driver in the current bubble.
type rmHarness struct {
	t     *testing.T
	rm    *ResourceManager
	fd    *fakeDriver
	errc  chan error
	stopF context.CancelFunc
	fatal chan error
}

func newRMHarness(t *testing.T, conf *config.Configuration, fd *fakeDriver) *rmHarness {
	t.Helper()
	if fd == nil {
		fd = &fakeDriver{}
	}
	h := &rmHarness{t: t, fd: fd, errc: make(chan error, 1), fatal: make(chan error, 1)}
	cfg := Config{Configuration: conf, Rand: testRand(), Log: slog.New(slog.DiscardHandler),
		OnFatalError: func(err error) { h.fatal <- err }}
	s, err := parseSettings(cfg)
	mustf(t, err, "settings")
	h.rm = newResourceManager(s, cfg)
	h.rm.driver = fd
	ctx, cancel := context.WithCancel(context.Background())
	h.stopF = cancel
	go func() { h.errc <- h.rm.Start(ctx) }()
	synctest.Wait()
	return h
}

// stop ends the resource manager and returns what Start returned.
func (h *rmHarness) stop() error {
	h.stopF()
	return <-h.errc
}

func (h *rmHarness) on(f func()) { h.t.Helper(); onLoop(h.t, h.rm.loop, f) }

func (h *rmHarness) spec() WorkerSpec { return h.rm.s.defaultSpec }

// declare declares n workers of the default spec, with unwanted ones.
func (h *rmHarness) declare(n int, unwanted ...ResourceID) {
	h.on(func() {
		h.rm.declareResourceNeeded([]resourceDeclaration{{spec: h.spec(), needed: n, unwanted: unwanted}})
	})
}

func (h *rmHarness) requestCount() (n int) {
	h.on(func() { n = len(h.fd.requests) })
	return n
}

func (h *rmHarness) request(i int) (r fakeRequest) {
	h.on(func() { r = *h.fd.requests[i] })
	return r
}

// complete allocates the worker of request i.
func (h *rmHarness) complete(i int, id ResourceID) {
	h.t.Helper()
	h.on(func() {
		r := h.fd.requests[i]
		if r.cancelled || r.finished {
			h.t.Fatalf("request %d cannot complete: cancelled %v, finished %v", i, r.cancelled, r.finished)
		}
		r.finished = true
		r.done(workerNode{ID: id}, nil)
	})
}

func (h *rmHarness) failRequest(i int, err error) {
	h.on(func() {
		r := h.fd.requests[i]
		r.finished = true
		r.done(workerNode{}, err)
	})
}

func (h *rmHarness) terminate(id ResourceID) {
	h.on(func() {
		h.fd.h.onWorkerTerminated(id, "Pod terminated, container termination statuses: [flink-main-container(exitCode=1, reason=Error, message=)]")
	})
}

func (h *rmHarness) released() (out []ResourceID) {
	h.on(func() { out = append(out, h.fd.released...) })
	return out
}

func (h *rmHarness) counts() (pending, total int) {
	h.on(func() { pending, total = h.rm.active.pending.num(h.spec()), h.rm.active.total.num(h.spec()) })
	return
}

func (h *rmHarness) snapshot() Snapshot {
	s, err := h.rm.Snapshot(context.Background())
	mustf(h.t, err, "snapshot")
	return s
}

// register registers a TaskManager of the default spec.
func (h *rmHarness) register(id ResourceID, gw *fakeGateway) RegistrationResponse {
	h.t.Helper()
	if gw == nil {
		gw = newFakeGateway()
	}
	resp, err := h.rm.RegisterTaskManager(context.Background(), TaskManagerRegistration{ResourceID: id, Spec: h.spec(), Gateway: gw})
	mustf(h.t, err, "register %s", id)
	return resp
}

// fakeGateway is a TaskManager as the resource manager reaches it.
type fakeGateway struct {
	mu            sync.Mutex
	slotRequests  []SlotRequest
	disconnects   []error
	canBeReleased bool
	refuseSlots   error
}

func newFakeGateway() *fakeGateway { return &fakeGateway{canBeReleased: true} }

func (g *fakeGateway) RequestSlot(_ context.Context, req SlotRequest) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.refuseSlots != nil {
		return g.refuseSlots
	}
	g.slotRequests = append(g.slotRequests, req)
	return nil
}

func (g *fakeGateway) CanBeReleased(context.Context) (bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.canBeReleased, nil
}

func (g *fakeGateway) DisconnectResourceManager(cause error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.disconnects = append(g.disconnects, cause)
}

func (g *fakeGateway) requests() []SlotRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]SlotRequest(nil), g.slotRequests...)
}

func (g *fakeGateway) disconnected() []error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]error(nil), g.disconnects...)
}

// report is the slot report of a TaskManager whose slots hold what the gateway was
// asked to allocate.
func (g *fakeGateway) report(id ResourceID, slots int) SlotReport {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := make(SlotReport, slots)
	for i := range r {
		r[i].Slot = SlotID{ResourceID: id, Index: i}
	}
	for _, req := range g.slotRequests {
		r[req.Slot.Index].Allocation, r[req.Slot.Index].Job = req.Allocation, req.Job
	}
	return r
}

var errInjected = errors.New("injected failure")
