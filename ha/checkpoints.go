package ha

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
)

// CompletedCheckpoint is a completed checkpoint as the HA layer keeps it: its id and
// its metadata (whatever the JobMaster needs to restore from it).
type CompletedCheckpoint struct {
	ID       int64
	Metadata []byte
}

// CompletedCheckpointStoreConfig describes a CompletedCheckpointStore.
type CompletedCheckpointStoreConfig struct {
	// Store is the state-handle store on the job ConfigMap with key prefix
	// CheckpointKeyPrefix.
	Store *StateHandleStore
	// MaxRetained is execution.checkpointing.num-retained.
	MaxRetained int
	Log         *slog.Logger
}

// CompletedCheckpointStore is Flink's DefaultCompletedCheckpointStore on Kubernetes:
// pointers checkpointID-<%019d> in the job ConfigMap, the newest MaxRetained kept,
// older ones removed (pointer file deleted) as new ones arrive.
type CompletedCheckpointStore struct {
	cfg CompletedCheckpointStoreConfig
	log *slog.Logger

	mu          sync.Mutex
	checkpoints []CompletedCheckpoint // oldest first
	shutDown    bool
}

// NewCompletedCheckpointStore validates cfg; it makes no request. Call Recover to
// load what earlier JobManagers stored.
func NewCompletedCheckpointStore(cfg CompletedCheckpointStoreConfig) (*CompletedCheckpointStore, error) {
	if cfg.Store == nil {
		return nil, errors.New("ha: completed checkpoint store: Store is nil")
	}
	if cfg.MaxRetained < 1 {
		return nil, fmt.Errorf("ha: execution.checkpointing.num-retained is %d; it must be at least 1", cfg.MaxRetained)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &CompletedCheckpointStore{cfg: cfg, log: cfg.Log}, nil
}

// Recover rebuilds the store from every checkpointID-* entry of the ConfigMap,
// ordered by id, and returns them.
func (s *CompletedCheckpointStore) Recover(ctx context.Context) ([]CompletedCheckpoint, error) {
	entries, err := s.cfg.Store.GetAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("recovering completed checkpoints: %w", err)
	}
	var out []CompletedCheckpoint
	for _, e := range entries { // sorted by key, so by id
		id, err := CheckpointIDFromKey(e.Key)
		if err != nil {
			s.log.Warn("skipping an entry that is not a checkpoint", "key", e.Key, "err", err)
			continue
		}
		data, err := s.cfg.Store.Retrieve(ctx, e.Handle)
		if err != nil {
			return nil, fmt.Errorf("could not retrieve checkpoint %d from %s: %w", id, e.Handle.Path, err)
		}
		out = append(out, CompletedCheckpoint{ID: id, Metadata: data})
	}
	s.mu.Lock()
	s.checkpoints = append([]CompletedCheckpoint(nil), out...)
	s.mu.Unlock()
	return out, nil
}

// Add stores cp and then removes the oldest checkpoints beyond MaxRetained,
// returning those it subsumed. Failing to remove an old one is logged, not returned:
// the new checkpoint is stored.
func (s *CompletedCheckpointStore) Add(ctx context.Context, cp CompletedCheckpoint) ([]CompletedCheckpoint, error) {
	if _, err := s.cfg.Store.Add(ctx, CheckpointKey(cp.ID), cp.Metadata); err != nil {
		return nil, fmt.Errorf("adding checkpoint %d: %w", cp.ID, err)
	}
	s.mu.Lock()
	s.checkpoints = append(s.checkpoints, cp)
	var subsumed []CompletedCheckpoint
	for len(s.checkpoints) > s.cfg.MaxRetained {
		subsumed = append(subsumed, s.checkpoints[0])
		s.checkpoints = s.checkpoints[1:]
	}
	s.mu.Unlock()
	for _, old := range subsumed {
		if _, err := s.cfg.Store.Remove(ctx, CheckpointKey(old.ID)); err != nil {
			s.log.Warn("could not remove a subsumed checkpoint", "checkpoint", old.ID, "err", err)
		}
	}
	return subsumed, nil
}

// Latest is the newest checkpoint.
func (s *CompletedCheckpointStore) Latest() (CompletedCheckpoint, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.checkpoints) == 0 {
		return CompletedCheckpoint{}, false
	}
	return s.checkpoints[len(s.checkpoints)-1], true
}

// All lists the retained checkpoints, oldest first.
func (s *CompletedCheckpointStore) All() []CompletedCheckpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CompletedCheckpoint(nil), s.checkpoints...)
}

// Shutdown ends the store's use: for a globally terminal job every checkpoint is
// removed (pointer and file); otherwise (SUSPENDED) nothing is removed, so another
// JobManager can recover. Repeated calls do nothing.
func (s *CompletedCheckpointStore) Shutdown(ctx context.Context, status JobStatus) error {
	s.mu.Lock()
	if s.shutDown {
		s.mu.Unlock()
		return nil
	}
	s.shutDown = true
	cps := s.checkpoints
	s.checkpoints = nil
	s.mu.Unlock()
	if !status.IsGloballyTerminal() {
		return nil
	}
	var errs []error
	for _, cp := range cps {
		if _, err := s.cfg.Store.Remove(ctx, CheckpointKey(cp.ID)); err != nil {
			errs = append(errs, fmt.Errorf("removing checkpoint %d: %w", cp.ID, err))
		}
	}
	return errors.Join(errs...)
}

// CheckpointIDFromKey reads the id of a checkpointID-<%019d> key.
func CheckpointIDFromKey(key string) (int64, error) {
	digits, ok := strings.CutPrefix(key, CheckpointKeyPrefix)
	if !ok {
		return 0, fmt.Errorf("key %q does not start with %s", key, CheckpointKeyPrefix)
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("key %q: %q is not a checkpoint id", key, digits)
	}
	return id, nil
}
