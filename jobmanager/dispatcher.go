package jobmanager

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"flinksim/ha"
	"flinksim/mainloop"
	"flinksim/resourcemanager"
)

// errUnknownJob: no job of that id was submitted to this JobManager.
var errUnknownJob = errors.New("Job could not be found.")

// dispatcher accepts jobs, runs a JobMaster for each, and keeps the final state of
// finished ones (Flink's Dispatcher with its execution graph store).
type dispatcher struct {
	ctx      context.Context
	services func(g *jobGraph) jobMasterServices
	rand     func() float64
	// persist keeps a submitted job's plan before it starts (Kubernetes HA); nil
	// without HA.
	persist func(ctx context.Context, g *jobGraph) error
	// ended runs after a JobMaster stopped, with the dispatcher's context and the
	// job's final state (Kubernetes HA cleans up a globally terminal job, retrying
	// until it worked or the context ends); nil without HA.
	ended func(ctx context.Context, det jobDetails)

	mu    sync.Mutex
	jobs  map[resourcemanager.JobID]*jobEntry
	order []resourcemanager.JobID
	wg    sync.WaitGroup
}

type jobEntry struct {
	jm    *jobMaster
	final *jobDetails
	done  chan struct{}
	// settled is closed once the job's end was handled (its HA data cleaned up).
	settled chan struct{}
}

func newDispatcher(ctx context.Context, services func(g *jobGraph) jobMasterServices, rnd func() float64) *dispatcher {
	return &dispatcher{ctx: ctx, services: services, rand: rnd, jobs: map[resourcemanager.JobID]*jobEntry{}}
}

// submit starts a JobMaster for a submitted job, after storing its plan.
func (d *dispatcher) submit(g *jobGraph) error {
	if d.persist != nil {
		if d.known(g.id) {
			return duplicateJob(g.id)
		}
		if err := d.persist(d.ctx, g); err != nil {
			return fmt.Errorf("could not store the execution plan of job %s in the HA store: %w", g.id, err)
		}
	}
	return d.start(g, false)
}

func duplicateJob(id resourcemanager.JobID) error {
	return fmt.Errorf("org.apache.flink.runtime.client.DuplicateJobSubmissionException: Job has already been submitted. (job id %s)", id)
}

// known reports whether a job of that id was submitted or recovered.
func (d *dispatcher) known(id resourcemanager.JobID) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.jobs[id] != nil
}

// start runs a JobMaster for the job; recovered says a previous leader ran it.
func (d *dispatcher) start(g *jobGraph, recovered bool) error {
	strategy, err := restartStrategyOf(g.conf, g.checkpointInterval > 0, d.rand)
	if err != nil {
		return fmt.Errorf("job %s (%s): %w", g.name, g.id, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ctx.Err() != nil {
		return errors.New("the JobManager is shutting down")
	}
	if _, dup := d.jobs[g.id]; dup {
		return duplicateJob(g.id)
	}
	svc := d.services(g)
	svc.recovered = recovered
	e := &jobEntry{done: make(chan struct{}), settled: make(chan struct{})}
	svc.terminated = func(det jobDetails) { d.archive(g.id, det) }
	e.jm = newJobMaster(svc, g, strategy)
	d.jobs[g.id] = e
	d.order = append(d.order, g.id)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer close(e.settled)
		e.jm.run(d.ctx)
		d.mu.Lock()
		final := e.final
		d.mu.Unlock()
		if final != nil && d.ended != nil {
			d.ended(d.ctx, *final)
		}
	}()
	return nil
}

func (d *dispatcher) archive(id resourcemanager.JobID, det jobDetails) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.jobs[id]
	if e == nil || e.final != nil {
		return
	}
	e.final = &det
	close(e.done)
}

// jobMaster returns the JobMaster of a running job.
func (d *dispatcher) jobMaster(id resourcemanager.JobID) *jobMaster {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e := d.jobs[id]; e != nil && e.final == nil {
		return e.jm
	}
	return nil
}

// done is closed once the job ended (nil for an unknown job).
func (d *dispatcher) done(id resourcemanager.JobID) <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e := d.jobs[id]; e != nil {
		return e.done
	}
	return nil
}

// settled is closed once the job ended and its end was handled (nil for an unknown
// job).
func (d *dispatcher) settled(id resourcemanager.JobID) <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e := d.jobs[id]; e != nil {
		return e.settled
	}
	return nil
}

// details returns a job's current or final state.
func (d *dispatcher) details(ctx context.Context, id resourcemanager.JobID) (jobDetails, error) {
	d.mu.Lock()
	e := d.jobs[id]
	d.mu.Unlock()
	if e == nil {
		return jobDetails{}, errUnknownJob
	}
	for {
		d.mu.Lock()
		final := e.final
		d.mu.Unlock()
		if final != nil {
			return *final, nil
		}
		det, err := mainloop.Do(ctx, e.jm.loop, func() (jobDetails, error) { return e.jm.details(), nil })
		if errors.Is(err, mainloop.ErrStopped) {
			<-e.done
			continue
		}
		return det, err
	}
}

// list returns every job, in submission order.
func (d *dispatcher) list(ctx context.Context) ([]jobDetails, error) {
	d.mu.Lock()
	ids := slices.Clone(d.order)
	d.mu.Unlock()
	var out []jobDetails
	for _, id := range ids {
		det, err := d.details(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, det)
	}
	return out, nil
}

// jobTerminatedError: the job to cancel has ended otherwise (Flink's
// FlinkJobTerminatedWithoutCancellationException).
type jobTerminatedError struct {
	id     resourcemanager.JobID
	status ha.JobStatus
}

func (e *jobTerminatedError) Error() string {
	return fmt.Sprintf("Flink job (%s) was not canceled, but instead %s.", e.id, e.status)
}

// cancel cancels a job. Cancelling a job that was cancelled already succeeds, as
// Flink's Dispatcher acknowledges it; one that ended otherwise is a
// *jobTerminatedError.
func (d *dispatcher) cancel(ctx context.Context, id resourcemanager.JobID) error {
	d.mu.Lock()
	e := d.jobs[id]
	d.mu.Unlock()
	if e == nil {
		return errUnknownJob
	}
	var status ha.JobStatus
	err := e.jm.loop.Call(ctx, func() {
		status = e.jm.status
		if !jobTerminal(status) {
			e.jm.cancel()
		}
	})
	if errors.Is(err, mainloop.ErrStopped) {
		<-e.done
		status, err = e.final.Status, nil
	}
	switch {
	case err != nil:
		return err
	case !jobTerminal(status), status == ha.JobCanceled:
		return nil
	}
	return &jobTerminatedError{id: id, status: status}
}

// wait waits for every JobMaster to stop (the dispatcher's context ended, so running
// jobs are suspended).
func (d *dispatcher) wait() { d.wg.Wait() }
