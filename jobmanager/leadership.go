package jobmanager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"flinksim/config"
	"flinksim/flinklog"
	"flinksim/ha"
	"flinksim/jobjar"
	"flinksim/mainloop"
	"flinksim/process"
	"flinksim/resourcemanager"
	"flinksim/rpc"
)

const (
	haLogger         = "org.apache.flink.kubernetes.highavailability.KubernetesLeaderElectionHaServices"
	leadershipLogger = "org.apache.flink.runtime.leaderelection.DefaultLeaderElectionService"
	// haCallTimeout bounds one HA operation (a store write, a cleanup step).
	haCallTimeout = 30 * time.Second
)

// The RPC endpoint names a JobManager publishes in its leader information.
const (
	resourceManagerEndpoint = "resourcemanager_0"
	dispatcherEndpoint      = "dispatcher_1"
)

// processComponents are the components of a JobManager process that contend for
// leadership together (JobMasters join per job).
var processComponents = []string{ha.ResourceManagerComponent, ha.DispatcherComponent, ha.RestServerComponent}

// haProcess is the JobManager's part of Kubernetes HA: the leader election its
// components share, and the stores a leader keeps jobs in. A leadership term (a
// session) starts once every process component was granted the same leader session
// and ends at the first revoke.
type haProcess struct {
	jm       *JobManager
	log      *slog.Logger
	services *ha.Services
	plans    *ha.ExecutionPlanStore
	results  *ha.JobResultStore
	loop     *mainloop.Loop

	// elections are the process components' handles, by component.
	elections sync.Map
	// mu orders the start of a term against revokes: valid is the session the
	// election granted last (Nil after a revoke).
	mu    sync.Mutex
	valid uuid.UUID

	// Owned by the loop: the sessions each component was granted, the current term.
	granted map[string]uuid.UUID
	term    *session
	closed  bool

	// restLeader is the URL of the leading REST endpoint, for a standby's REST
	// endpoint to forward to.
	restLeader atomic.Pointer[string]
	// cleanupOnExit: the cluster shuts down gracefully, so its HA data goes.
	cleanupOnExit atomic.Bool
}

// newHAProcess builds the HA services of a JobManager; it starts nothing.
func newHAProcess(jm *JobManager, store any) (*haProcess, error) {
	storageDir, err := config.Get(jm.conf, config.HighAvailabilityStorageDir)
	if err != nil {
		return nil, err
	}
	if err := jm.fs.CheckShared(storageDir); err != nil {
		return nil, fmt.Errorf("%s cannot hold the HA data: %w", config.HighAvailabilityStorageDir.Key(), err)
	}
	fsys, ok := store.(ha.FileSystem)
	if !ok {
		return nil, fmt.Errorf("%s %s: the cluster's shared storage cannot be written", config.HighAvailabilityStorageDir.Key(), storageDir)
	}
	h := &haProcess{jm: jm, log: jm.log.With(flinklog.LoggerKey, leadershipLogger), loop: mainloop.New(), granted: map[string]uuid.UUID{}}
	h.services, err = ha.New(ha.ServicesConfig{
		Client: jm.kube, Configuration: jm.conf, FileSystem: fsys,
		Rand:              rand.New(rand.NewPCG(hashString(jm.ids.Hex32()), 0x4a)),
		FatalErrorHandler: func(err error) { jm.fatal(fmt.Errorf("Fatal error occurred in the leader election: %w", err)) },
		Log:               jm.log.With(flinklog.LoggerKey, haLogger),
	})
	if err != nil {
		return nil, err
	}
	if h.plans, err = h.services.ExecutionPlanStore(); err != nil {
		return nil, err
	}
	h.results = h.services.JobResultStore()
	return h, nil
}

// run takes part in the election while wait runs, then ends the term, leaves the
// election (the lock is released, so a standby takes over at once) and, after a
// graceful cluster shutdown, removes the HA data.
func (h *haProcess) run(ctx context.Context, wait func() error) error {
	haCtx, stopHA := context.WithCancelCause(context.Background())
	haDone := make(chan error, 1)
	go func() { haDone <- h.services.Start(haCtx) }()
	loopCtx, stopLoop := context.WithCancel(context.Background())
	go h.loop.Run(loopCtx)

	var wg sync.WaitGroup
	if r, err := h.services.LeaderRetriever(ha.RestServerComponent, func(info ha.LeaderInformation) {
		addr := info.Address
		h.restLeader.Store(&addr)
	}); err == nil {
		wg.Go(func() { _ = r.Start(haCtx) })
	}
	var exit error
	for _, c := range processComponents {
		e, err := h.services.LeaderElection(c)
		if err == nil {
			h.elections.Store(c, e)
			err = e.StartLeaderElection(contender{h: h, component: c})
		}
		if err != nil {
			exit = err
			break
		}
	}
	if exit == nil {
		h.jm.entryLog.Info("Kubernetes HA: contending for leadership on ConfigMap " + ha.ClusterConfigMapName(h.services.ClusterID()) +
			" as " + h.services.Identity() + ".")
		exit = wait()
	}
	// A dead process sends nothing more: on a kill the HA services stop before the
	// term is wound down, so its JobMasters, deregistering, find no election to
	// remove their leader information from, and the lock is not released (the lease
	// has to run out). A shutdown winds the term down first and then releases.
	killed := process.Killed(ctx)
	stopServices := func() {
		if killed {
			stopHA(ha.ErrProcessDied)
		} else {
			stopHA(nil)
		}
		<-haDone
	}
	if killed {
		stopServices()
	}
	_ = h.loop.Call(context.Background(), func() {
		h.closed = true
		h.endTerm("the JobManager shuts down")
	})
	if !killed {
		stopServices()
	}
	wg.Wait()
	stopLoop()
	<-h.loop.Done()
	if h.cleanupOnExit.Load() {
		ctx, cancel := context.WithTimeout(context.Background(), haCallTimeout)
		defer cancel()
		if err := h.services.CleanupAllData(ctx); err != nil {
			h.jm.entryLog.Warn("Could not clean up the HA data.", "error", err)
		} else {
			h.jm.entryLog.Info("Cleaned up the HA data of cluster " + h.services.ClusterID() + ".")
		}
	}
	return exit
}

// contender is one process component in the election; its calls go to the loop.
type contender struct {
	h         *haProcess
	component string
}

func (c contender) GrantLeadership(session uuid.UUID) {
	c.h.mu.Lock()
	c.h.valid = session
	c.h.mu.Unlock()
	c.h.loop.Post(func() { c.h.grant(c.component, session) })
}

// RevokeLeadership stops the current term from acting before it returns (the lock
// is released only after it), then has the loop wind it down.
func (c contender) RevokeLeadership() {
	c.h.mu.Lock()
	c.h.valid = uuid.Nil
	if s := c.h.jm.current(); s != nil {
		s.deactivate()
	}
	c.h.mu.Unlock()
	c.h.loop.Post(func() { c.h.revoke(c.component) })
}

func (c contender) HandleError(err error) {
	c.h.jm.fatal(fmt.Errorf("Fatal error occurred in the leader election of %s: %w", c.component, err))
}

// grant starts a term once every process component holds the same session.
func (h *haProcess) grant(component string, session uuid.UUID) {
	if h.closed {
		return
	}
	h.granted[component] = session
	for _, c := range processComponents {
		if h.granted[c] != session {
			return
		}
	}
	if h.term != nil && h.term.id == session.String() {
		return
	}
	h.endTerm("a new leadership was granted")
	h.log.Info("Leadership granted with session " + session.String() + ".")
	s, err := h.jm.startSession(session.String())
	if err != nil {
		h.jm.fatal(fmt.Errorf("could not start the leader's components: %w", err))
		return
	}
	h.term = s
	h.mu.Lock()
	granted := h.valid == session
	if granted {
		s.activate()
	}
	h.mu.Unlock()
	if !granted {
		h.endTerm("leadership was revoked while the components started")
		return
	}
	s.goAsync(func(ctx context.Context) { h.lead(ctx, s, session) })
}

// lead publishes the term's addresses, recovers the jobs and then runs the
// application, as Flink's components confirm leadership once they serve.
func (h *haProcess) lead(ctx context.Context, s *session, session uuid.UUID) {
	jm := h.jm
	h.confirm(ctx, ha.ResourceManagerComponent, session, rpc.URL(jm.rpcAddress, resourceManagerEndpoint))
	h.confirm(ctx, ha.RestServerComponent, session, jm.restURL())
	if err := h.recoverJobs(ctx, s); err != nil {
		if ctx.Err() == nil {
			jm.fatal(fmt.Errorf("Could not recover the jobs: %w", err))
		}
		return
	}
	h.confirm(ctx, ha.DispatcherComponent, session, rpc.URL(jm.rpcAddress, dispatcherEndpoint))
	if jm.application != nil {
		jm.runApplication(ctx, s)
	}
}

func (h *haProcess) confirm(ctx context.Context, component string, session uuid.UUID, address string) {
	e := h.election(component)
	if e != nil {
		e.ConfirmLeadership(ctx, session, address)
	}
}

// election returns the process component's handle; the services hand each out once,
// so it is kept.
func (h *haProcess) election(component string) *ha.LeaderElection {
	v, _ := h.elections.Load(component)
	e, _ := v.(*ha.LeaderElection)
	return e
}

// revoke ends the term at the first component that loses leadership.
func (h *haProcess) revoke(component string) {
	delete(h.granted, component)
	h.endTerm("leadership was revoked")
}

// endTerm stops the current term: its jobs are suspended, its resource manager stops.
func (h *haProcess) endTerm(why string) {
	s := h.term
	if s == nil {
		return
	}
	h.term = nil
	h.log.Info("Leadership of session " + s.id + " ends: " + why + ".")
	s.stop()
}

// ---- jobs ----------------------------------------------------------------------------

// executionPlan is what the execution-plan store keeps of a job: the program and the
// submission, from which any JobManager builds the same job graph.
type executionPlan struct {
	Program     json.RawMessage   `json:"program"`
	JobID       string            `json:"jobId"`
	Parallelism int               `json:"parallelism,omitempty"`
	ProgramArgs []string          `json:"programArgs,omitempty"`
	EntryClass  string            `json:"entryClass,omitempty"`
	Conf        map[string]string `json:"configuration,omitempty"`
}

func planOf(g *jobGraph) ([]byte, error) {
	prog, err := json.Marshal(g.program)
	if err != nil {
		return nil, err
	}
	return json.Marshal(executionPlan{Program: prog, JobID: string(g.id), Parallelism: g.sub.parallelism,
		ProgramArgs: g.sub.programArgs, EntryClass: g.sub.entryClass, Conf: g.sub.conf})
}

func (jm *JobManager) graphOf(plan []byte) (*jobGraph, error) {
	var p executionPlan
	if err := json.Unmarshal(plan, &p); err != nil {
		return nil, fmt.Errorf("the execution plan is corrupt: %w", err)
	}
	var d jobjar.Descriptor
	if err := json.Unmarshal(p.Program, &d); err != nil {
		return nil, fmt.Errorf("the execution plan's program is corrupt: %w", err)
	}
	return newJobGraph(d, jm.conf, submission{jobID: resourcemanager.JobID(p.JobID), parallelism: p.Parallelism,
		programArgs: p.ProgramArgs, entryClass: p.EntryClass, conf: p.Conf})
}

// persist stores a submitted job's plan before its JobMaster starts.
func (h *haProcess) persist(ctx context.Context, g *jobGraph) error {
	id, err := ha.ParseJobID(string(g.id))
	if err != nil {
		return err
	}
	plan, err := planOf(g)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, haCallTimeout)
	defer cancel()
	return h.plans.Put(ctx, id, plan)
}

// recoverJobs finishes the cleanup of jobs that ended before and restarts every job
// whose plan is stored and that has no result yet (reference §5.7 step 5). A cleanup
// that fails goes on being retried beside the recovery, which it does not hold up.
func (h *haProcess) recoverJobs(ctx context.Context, s *session) error {
	dirty, err := h.results.Dirty(ctx)
	if err != nil {
		return err
	}
	for _, r := range dirty {
		h.recoverCleanup(ctx, s, r.JobResult)
	}
	ids, err := h.plans.JobIDs(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if r, found, err := h.results.Get(ctx, id.String()); err != nil {
			return err
		} else if found {
			h.recoverCleanup(ctx, s, r.JobResult)
			continue
		}
		plan, found, err := h.plans.Recover(ctx, id)
		if err != nil {
			return err
		}
		if !found {
			continue
		}
		g, err := h.jm.graphOf(plan)
		if err != nil {
			return fmt.Errorf("job %s: %w", id, err)
		}
		h.log.Info(fmt.Sprintf("Recovered the execution plan of job %s (%s).", g.name, g.id))
		if err := s.dispatcher.start(g, true); err != nil {
			return err
		}
	}
	return nil
}

// recoverCleanup tries a recovered terminal job's cleanup once and, if that fails,
// goes on retrying it in the background of the term.
func (h *haProcess) recoverCleanup(ctx context.Context, s *session, r ha.JobResult) {
	if err := h.tryCleanupJob(ctx, r); err != nil {
		h.log.Warn(fmt.Sprintf("The HA cleanup of job %s failed; retrying in %s.", r.JobID, cleanupInitialBackoff), "error", err)
		s.goAsync(func(ctx context.Context) { h.retryCleanupJob(ctx, r, cleanupInitialBackoff) })
	}
}

// jobEnded records a globally terminal job's result and removes its HA data
// (reference §5.9); a suspended job keeps everything. term is the leadership term's
// context: the cleanup is retried until it succeeds or the term ends.
func (h *haProcess) jobEnded(term context.Context, det jobDetails) {
	if !det.Status.IsGloballyTerminal() {
		return
	}
	r := ha.JobResult{JobID: string(det.ID), Status: det.Status, Failure: det.Failure}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(term), haCallTimeout)
	defer cancel()
	if err := h.results.CreateDirty(wctx, r); err != nil {
		h.log.Warn("Could not store the result of job "+r.JobID+"; its HA data is kept.", "error", err)
		return
	}
	if err := h.tryCleanupJob(term, r); err != nil {
		h.log.Warn(fmt.Sprintf("The HA cleanup of job %s failed; retrying in %s.", r.JobID, cleanupInitialBackoff), "error", err)
		h.retryCleanupJob(term, r, cleanupInitialBackoff)
	}
}

// The retries of a job's HA cleanup follow Flink's default cleanup-strategy
// (exponential-delay: 1 s doubling up to 1 h, without a limit of attempts).
const (
	cleanupInitialBackoff = time.Second
	cleanupMaxBackoff     = time.Hour
)

// retryCleanupJob tries the job's cleanup again after delay, and again with doubled
// delays, until it succeeds or the term ends; then the next leader finishes it from
// the dirty result.
func (h *haProcess) retryCleanupJob(term context.Context, r ha.JobResult, delay time.Duration) {
	for {
		t := time.NewTimer(delay)
		select {
		case <-term.Done():
			t.Stop()
			h.log.Warn("The HA cleanup of job " + r.JobID + " is not finished; the next leader retries it.")
			return
		case <-t.C:
		}
		err := h.tryCleanupJob(term, r)
		if err == nil {
			return
		}
		delay = min(2*delay, cleanupMaxBackoff)
		h.log.Warn(fmt.Sprintf("The HA cleanup of job %s failed; retrying in %s.", r.JobID, delay), "error", err)
	}
}

// tryCleanupJob removes a terminal job's execution plan and job ConfigMap, then marks
// its result clean. An attempt under way is finished even if the term ends meanwhile.
func (h *haProcess) tryCleanupJob(term context.Context, r ha.JobResult) error {
	id, err := ha.ParseJobID(r.JobID)
	if err != nil {
		return nil // not a job of Kubernetes HA: nothing to clean up
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(term), haCallTimeout)
	defer cancel()
	err = errors.Join(h.plans.GlobalCleanup(ctx, id), h.services.CleanupJobData(ctx, id))
	if err == nil {
		err = h.results.MarkClean(ctx, r.JobID)
	}
	if err != nil {
		return err
	}
	h.log.Info("Cleaned up the HA data of job " + r.JobID + ".")
	return nil
}

// result returns a job's stored result, if it ended before.
func (h *haProcess) result(ctx context.Context, job resourcemanager.JobID) (ha.JobResult, bool) {
	e, found, err := h.results.Get(ctx, string(job))
	return e.JobResult, found && err == nil
}

// ---- JobMasters ------------------------------------------------------------------------

// jobHA is what one JobMaster keeps in Kubernetes HA: its leader information
// (job-<id>), its completed checkpoints and its checkpoint counter.
type jobHA struct {
	election    *ha.LeaderElection
	checkpoints *ha.CompletedCheckpointStore
	counter     *ha.CheckpointIDCounter
}

// openJob prepares a JobMaster's HA: it contends for the job's leadership (granted at
// once while the process leads) and recovers the job's checkpoints. Failures are
// retried until the term ends (then the error is returned): Flink fails the job with
// a JobInitializationException instead, which loses it to a passing API outage.
func (h *haProcess) openJob(ctx context.Context, g *jobGraph, session, address string, log *slog.Logger) (*jobHA, []ha.CompletedCheckpoint, error) {
	delay := time.Second
	for {
		j, recovered, err := h.tryOpenJob(ctx, g, session, address)
		if err == nil || ctx.Err() != nil {
			return j, recovered, err
		}
		log.Warn(fmt.Sprintf("Could not initialize the HA services of job %s; retrying in %s.", g.id, delay), "error", err)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil, ctx.Err()
		case <-t.C:
		}
		delay = min(2*delay, 30*time.Second)
	}
}

func (h *haProcess) tryOpenJob(ctx context.Context, g *jobGraph, session, address string) (*jobHA, []ha.CompletedCheckpoint, error) {
	id, err := ha.ParseJobID(string(g.id))
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, haCallTimeout)
	defer cancel()
	j := &jobHA{}
	if j.checkpoints, err = h.services.CompletedCheckpointStore(ctx, id); err != nil {
		return nil, nil, err
	}
	recovered, err := j.checkpoints.Recover(ctx)
	if err != nil {
		return nil, nil, err
	}
	if j.counter, err = h.services.CheckpointIDCounter(ctx, id); err != nil {
		return nil, nil, err
	}
	if j.election, err = h.services.LeaderElection(ha.JobMasterComponent(id)); err != nil {
		return nil, nil, err
	}
	if err := j.election.StartLeaderElection(jobContender{j: j, session: session, address: address}); err != nil {
		j.election.Close(ctx)
		return nil, nil, err
	}
	return j, recovered, nil
}

// close ends the JobMaster's part: a globally terminal job's checkpoints and counter
// go, and its leader information is removed.
func (j *jobHA) close(status ha.JobStatus) {
	ctx, cancel := context.WithTimeout(context.Background(), haCallTimeout)
	defer cancel()
	_ = j.checkpoints.Shutdown(ctx, status)
	_ = j.counter.Shutdown(ctx, status)
	j.election.Close(ctx)
}

// jobContender confirms a JobMaster's leadership when its process leads with the
// session the JobMaster runs in.
type jobContender struct {
	j       *jobHA
	session string
	address string
}

func (c jobContender) GrantLeadership(session uuid.UUID) {
	if session.String() != c.session {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), haCallTimeout)
		defer cancel()
		c.j.election.ConfirmLeadership(ctx, session, c.address)
	}()
}

func (jobContender) RevokeLeadership() {}

func (jobContender) HandleError(error) {}

// ---- REST on a standby -------------------------------------------------------------------

// restURL is where this JobManager's REST endpoint is reached directly.
func (jm *JobManager) restURL() string {
	host, _, err := net.SplitHostPort(jm.rpcAddress)
	if err != nil {
		host = jm.env.Hostname
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(jm.restPort))
}

// forwardedHeader marks a request a standby forwarded, so that it is never forwarded
// twice.
const forwardedHeader = "X-Flinksim-Forwarded-By"

// standbyREST serves REST requests while this JobManager does not lead: as Flink's
// REST handlers reach the leading dispatcher through leader retrieval, a standby
// forwards the request to the leader's REST endpoint, and answers 503 while no
// leader is known.
func (jm *JobManager) standbyREST(next http.Handler) http.Handler {
	transport := &http.Transport{DialContext: jm.env.Network.DialContext, DisableKeepAlives: true}
	self := jm.restURL()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if jm.ha == nil || jm.current() != nil || r.URL.Path == "/config" {
			next.ServeHTTP(w, r)
			return
		}
		leader := jm.ha.restLeader.Load()
		if leader == nil || *leader == "" || *leader == self || r.Header.Get(forwardedHeader) != "" {
			writeErrors(w, http.StatusServiceUnavailable, "Service temporarily unavailable due to an ongoing leader election. Please refresh.")
			return
		}
		target, err := url.Parse(*leader)
		if err != nil {
			writeErrors(w, http.StatusServiceUnavailable, "The leader's REST address "+*leader+" is not a URL.")
			return
		}
		proxy := &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(target)
				pr.Out.Header.Set(forwardedHeader, self)
			},
			Transport: transport,
			ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
				writeErrors(w, http.StatusServiceUnavailable, "The leading JobManager at "+*leader+" cannot be reached: "+err.Error())
			},
		}
		proxy.ServeHTTP(w, r)
	})
}
