package ha

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// JobResult is what the job result store keeps of a globally terminal job: enough
// for a JobManager that recovers the cluster to know the job must not run again.
type JobResult struct {
	JobID  string    `json:"id"`
	Status JobStatus `json:"application-status"`
	// Failure is the root cause of a FAILED job.
	Failure string `json:"failure,omitempty"`
}

// JobResultEntry is a stored result and whether its cleanup is still to be done.
type JobResultEntry struct {
	JobResult
	Dirty bool
}

// JobResultStore is Flink's FileSystemJobResultStore: one file per globally terminal
// job under job-result-store.storage-path, "<jobId>_DIRTY.json" from the moment the
// job ended until its cleanup finished, then "<jobId>.json" (or nothing with
// job-result-store.delete-on-commit). The dispatcher writes the dirty entry before it
// cleans up a job's HA data and does not run jobs that have an entry, so a job that
// ended just before a failover is neither lost nor run twice.
type JobResultStore struct {
	fs             FileSystem
	dir            string
	deleteOnCommit bool
}

const (
	dirtySuffix = "_DIRTY.json"
	cleanSuffix = ".json"
)

// NewJobResultStore keeps results under dir.
func NewJobResultStore(fs FileSystem, dir string, deleteOnCommit bool) (*JobResultStore, error) {
	if fs == nil || strings.TrimSpace(dir) == "" {
		return nil, errors.New("ha: the job result store needs a file system and a directory")
	}
	return &JobResultStore{fs: fs, dir: dir, deleteOnCommit: deleteOnCommit}, nil
}

// CreateDirty records a job's result before its cleanup; an existing dirty entry
// (a retried cleanup) is fine.
func (s *JobResultStore) CreateDirty(ctx context.Context, r JobResult) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	err = s.fs.Create(ctx, JoinPath(s.dir, r.JobID+dirtySuffix), data)
	if errors.Is(err, ErrFileExists) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("ha: writing the dirty job result of %s: %w", r.JobID, err)
	}
	return nil
}

// MarkClean records that the job's cleanup finished.
func (s *JobResultStore) MarkClean(ctx context.Context, job string) error {
	dirty := JoinPath(s.dir, job+dirtySuffix)
	if !s.deleteOnCommit {
		data, err := s.fs.Read(ctx, dirty)
		if err != nil && !errors.Is(err, ErrFileNotExist) {
			return err
		}
		if err == nil {
			if err := s.fs.Create(ctx, JoinPath(s.dir, job+cleanSuffix), data); err != nil && !errors.Is(err, ErrFileExists) {
				return err
			}
		}
	}
	return s.fs.Delete(ctx, dirty, false)
}

// Get returns a job's entry; found is false when the job has none.
func (s *JobResultStore) Get(ctx context.Context, job string) (entry JobResultEntry, found bool, err error) {
	for _, c := range []struct {
		suffix string
		dirty  bool
	}{{dirtySuffix, true}, {cleanSuffix, false}} {
		data, err := s.fs.Read(ctx, JoinPath(s.dir, job+c.suffix))
		if errors.Is(err, ErrFileNotExist) {
			continue
		}
		if err != nil {
			return entry, false, err
		}
		if err := json.Unmarshal(data, &entry.JobResult); err != nil {
			return entry, false, fmt.Errorf("ha: the job result of %s is corrupt: %w", job, err)
		}
		entry.Dirty = c.dirty
		return entry, true, nil
	}
	return entry, false, nil
}

// Dirty lists the results whose cleanup has not finished, by job id.
func (s *JobResultStore) Dirty(ctx context.Context) ([]JobResultEntry, error) {
	names, err := s.fs.List(ctx, s.dir)
	if errors.Is(err, ErrFileNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []JobResultEntry
	for _, n := range names {
		base := n[strings.LastIndex(n, "/")+1:]
		job, ok := strings.CutSuffix(base, dirtySuffix)
		if !ok {
			continue
		}
		e, found, err := s.Get(ctx, job)
		if err != nil {
			return nil, err
		}
		if found && e.Dirty {
			out = append(out, e)
		}
	}
	return out, nil
}
