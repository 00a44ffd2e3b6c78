package ha

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// maxPutAttempts bounds Put's add-or-replace loop against a concurrent writer.
const maxPutAttempts = 10

// ExecutionPlanStore is Flink's DefaultExecutionPlanStore on Kubernetes: the
// submitted execution plan (job graph) of each job, as pointers
// executionPlan-<job-id> in the cluster ConfigMap, written only while the lock names
// this process.
type ExecutionPlanStore struct {
	store *StateHandleStore

	mu    sync.Mutex
	known map[JobID]bool // added or recovered by this process
}

// NewExecutionPlanStore wraps a state-handle store on the cluster ConfigMap with key
// prefix ExecutionPlanKeyPrefix and the process's lock identity.
func NewExecutionPlanStore(store *StateHandleStore) (*ExecutionPlanStore, error) {
	if store == nil {
		return nil, errors.New("ha: execution plan store: store is nil")
	}
	return &ExecutionPlanStore{store: store, known: map[JobID]bool{}}, nil
}

// Put stores a job's plan: added if absent, replaced if this process added or
// recovered it before; replacing a plan this process never saw is an error.
func (s *ExecutionPlanStore) Put(ctx context.Context, job JobID, plan []byte) error {
	key := ExecutionPlanKey(job)
	for range maxPutAttempts {
		_, exists, err := s.store.Exists(ctx, key)
		if err != nil {
			return err
		}
		s.mu.Lock()
		known := s.known[job]
		s.mu.Unlock()
		switch {
		case !exists:
			_, err := s.store.Add(ctx, key, plan)
			if errors.Is(err, ErrAlreadyExists) {
				continue
			}
			if err != nil {
				return err
			}
			s.remember(job, true)
			return nil
		case known:
			err := s.store.Replace(ctx, key, plan)
			if errors.Is(err, ErrNotExist) {
				continue
			}
			return err
		default:
			return fmt.Errorf("ha: trying to update the execution plan of job %s, which this process neither added nor recovered", job)
		}
	}
	return fmt.Errorf("ha: could not put the execution plan of job %s: it kept changing concurrently", job)
}

// Recover reads a job's plan; found is false if there is none.
func (s *ExecutionPlanStore) Recover(ctx context.Context, job JobID) (plan []byte, found bool, err error) {
	h, err := s.store.Get(ctx, ExecutionPlanKey(job))
	if errors.Is(err, ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	plan, err = s.store.Retrieve(ctx, h)
	if err != nil {
		return nil, false, fmt.Errorf("reading the execution plan of job %s: %w", job, err)
	}
	s.remember(job, true)
	return plan, true, nil
}

// JobIDs lists the jobs with a stored plan.
func (s *ExecutionPlanStore) JobIDs(ctx context.Context) ([]JobID, error) {
	keys, err := s.store.AllKeys(ctx)
	if err != nil {
		return nil, err
	}
	var out []JobID
	for _, k := range keys {
		id, err := ParseJobID(strings.TrimPrefix(k, ExecutionPlanKeyPrefix))
		if err != nil {
			continue
		}
		out = append(out, id)
	}
	return out, nil
}

// GlobalCleanup removes a job's plan (pointer and file) once the job is globally
// terminal.
func (s *ExecutionPlanStore) GlobalCleanup(ctx context.Context, job JobID) error {
	removed, err := s.store.Remove(ctx, ExecutionPlanKey(job))
	if err != nil {
		return fmt.Errorf("removing the execution plan of job %s: %w", job, err)
	}
	if !removed {
		return fmt.Errorf("could not remove the execution plan of job %s from %s: %w", job, s.store, ErrNoLeadership)
	}
	s.remember(job, false)
	return nil
}

func (s *ExecutionPlanStore) remember(job JobID, known bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if known {
		s.known[job] = true
	} else {
		delete(s.known, job)
	}
}
