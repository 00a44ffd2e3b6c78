package ha

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"flinksim/internal/mutation"
)

// StateHandle points at a state file in the HA storage directory (Flink's
// RetrievableStateHandle).
type StateHandle struct {
	Path string
}

// pointer is what a ConfigMap entry holds: base64 of this JSON. Flink stores a
// Java-serialised wrapper with the same two fields; a Go process cannot read those,
// so the encoding is this package's own.
type pointer struct {
	Path              string `json:"path"`
	MarkedForDeletion bool   `json:"markedForDeletion"`
}

func encodePointer(p pointer) string {
	b, _ := json.Marshal(p)
	return base64.StdEncoding.EncodeToString(b)
}

func decodePointer(v string) (pointer, error) {
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return pointer{}, fmt.Errorf("not base64: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var p pointer
	if err := dec.Decode(&p); err != nil {
		return pointer{}, fmt.Errorf("not a state handle pointer: %w", err)
	}
	if p.Path == "" {
		return pointer{}, errors.New("not a state handle pointer: no path")
	}
	return p, nil
}

// DecodeEntry reads a store entry as a ConfigMap holds it: the state file it points at
// and whether it is marked for deletion (for tools and checks that look at the data
// without a store).
func DecodeEntry(value string) (h StateHandle, markedForDeletion bool, err error) {
	p, err := decodePointer(value)
	if err != nil {
		return StateHandle{}, false, err
	}
	return StateHandle{Path: p.Path}, p.MarkedForDeletion, nil
}

// StateHandleStoreConfig describes a StateHandleStore.
type StateHandleStoreConfig struct {
	Client        kubernetes.Interface
	Namespace     string
	ConfigMapName string
	// KeyPrefix selects the store's keys in the ConfigMap (GetAll, AllKeys,
	// ClearEntries); other keys are left alone.
	KeyPrefix string
	// LockIdentity, when set, makes every write conditional on the lock annotation
	// naming it; empty writes without the check.
	LockIdentity string
	// MaxRetries is kubernetes.transactional-operation.max-retries.
	MaxRetries int
	// FileSystem and Dir are where state files go (<storageDir>/<cluster-id>);
	// FilePrefix starts their names, followed by 12 random characters.
	FileSystem FileSystem
	Dir        string
	FilePrefix string
	Rand       *rand.Rand
	Log        *slog.Logger
}

// StateHandleStore is Flink's KubernetesStateHandleStore (reference §5.6): state
// goes to a new file first, then a pointer to it into a ConfigMap key with
// check-and-update. Removal is a two-phase, idempotent transaction: mark the entry
// for deletion, delete the file, remove the key; a marked entry is invisible to
// readers and completed by the next Remove or Add.
type StateHandleStore struct {
	cfg  StateHandleStoreConfig
	rand *randomSource
	log  *slog.Logger
}

// NewStateHandleStore validates cfg; it makes no request.
func NewStateHandleStore(cfg StateHandleStoreConfig) (*StateHandleStore, error) {
	switch {
	case cfg.Client == nil:
		return nil, errors.New("ha: state handle store: Client is nil")
	case cfg.Namespace == "" || cfg.ConfigMapName == "":
		return nil, errors.New("ha: state handle store: Namespace and ConfigMapName must be set")
	case cfg.FileSystem == nil || cfg.Dir == "":
		return nil, errors.New("ha: state handle store: FileSystem and Dir must be set (high-availability.storageDir)")
	case cfg.MaxRetries < 0:
		return nil, errors.New("ha: state handle store: MaxRetries is negative")
	}
	rs, err := newRandomSource(cfg.Rand)
	if err != nil {
		return nil, fmt.Errorf("ha: state handle store: %w", err)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &StateHandleStore{cfg: cfg, rand: rs, log: cfg.Log.With("configmap", cfg.ConfigMapName)}, nil
}

func (s *StateHandleStore) String() string {
	return fmt.Sprintf("KubernetesStateHandleStore{configMapName='%s'}", s.cfg.ConfigMapName)
}

// errMarked says an update met an entry marked for deletion; the caller completes
// the removal outside the update function.
var errMarked = errors.New("entry is marked for deletion")

// Add stores state under key (Flink's addAndLock):
//
//   - key holds a different live entry: an error wrapping ErrAlreadyExists; the new
//     file is deleted;
//   - key holds this very pointer (a retried write that had succeeded): success;
//   - key is marked for deletion: that removal is completed first;
//   - key holds something unreadable: it is overwritten;
//   - the lock does not name LockIdentity: nothing is written, the file is deleted,
//     and — as Flink does — no error is returned (the handle is then zero);
//   - a possibly inconsistent write: the *PossiblyInconsistentError, file kept;
//   - any other failure (ConfigMap missing, …): the error, file deleted.
func (s *StateHandleStore) Add(ctx context.Context, key string, state []byte) (StateHandle, error) {
	h, err := s.store(ctx, state)
	if err != nil {
		return StateHandle{}, err
	}
	value := encodePointer(pointer{Path: h.Path})
	for attempt := 0; ; attempt++ {
		updated, err := s.update(ctx, func(cm *corev1.ConfigMap) (bool, error) {
			if old, ok := cm.Data[key]; ok {
				switch p, err := decodePointer(old); {
				case err != nil:
					s.log.Warn("overwriting an unreadable entry", "key", key, "err", err)
				case p.MarkedForDeletion:
					return false, errMarked
				case old == value && !mutation.On(mutation.IdempotentAdd):
					// A retry of a write that was applied although its response was
					// lost finds its own pointer: that is success, and the file it
					// points at must stay (FLINK-28265).
					return true, nil
				default:
					return false, fmt.Errorf("key %s in ConfigMap %s: %w", key, s.cfg.ConfigMapName, ErrAlreadyExists)
				}
			}
			cm.Data[key] = value
			return true, nil
		})
		if errors.Is(err, errMarked) && attempt == 0 {
			removed, rerr := s.Remove(ctx, key)
			if rerr == nil && removed {
				continue
			}
			if rerr == nil {
				rerr = ErrNoLeadership
			}
			err = fmt.Errorf("unable to remove the entry %s marked for deletion: %w", key, rerr)
		}
		var pie *PossiblyInconsistentError
		if errors.As(err, &pie) {
			return StateHandle{}, pie
		}
		if err != nil || !updated {
			s.discard(ctx, h)
			return StateHandle{}, err
		}
		return h, nil
	}
}

// Replace stores state under an existing key and deletes the file of the entry it
// replaces. A retry that finds its own pointer under key (the write was applied but
// its response lost) deletes the file the first attempt replaced, never the new one
// (Flink's replace would take its own pointer for the old one: the FLINK-28265 case,
// which Flink fixed for add only):
//
//   - key missing: an error wrapping ErrNotExist, the new file deleted;
//   - key marked for deletion: ErrNotExist, after a best-effort completion of that
//     removal (its failure is mentioned in the error), the new file deleted;
//   - the lock does not name LockIdentity: nothing changes, the new file is
//     deleted, no error (as Flink);
//   - a possibly inconsistent write: the *PossiblyInconsistentError, no file deleted;
//   - any other failure: the error, the new file deleted.
func (s *StateHandleStore) Replace(ctx context.Context, key string, state []byte) error {
	h, err := s.store(ctx, state)
	if err != nil {
		return err
	}
	value := encodePointer(pointer{Path: h.Path})
	var old *pointer
	updated, err := s.update(ctx, func(cm *corev1.ConfigMap) (bool, error) {
		content, ok := cm.Data[key]
		if ok && content == value {
			return true, nil // a retry after an applied write: old is what it replaced
		}
		old = nil
		if !ok {
			return false, fmt.Errorf("key %s in ConfigMap %s: %w", key, s.cfg.ConfigMapName, ErrNotExist)
		}
		if p, err := decodePointer(content); err == nil {
			if p.MarkedForDeletion {
				return false, errMarked
			}
			old = &p
		} else {
			s.log.Warn("replacing an unreadable entry", "key", key, "err", err)
		}
		cm.Data[key] = value
		return true, nil
	})
	var pie *PossiblyInconsistentError
	switch {
	case errors.As(err, &pie):
		return pie
	case errors.Is(err, errMarked):
		err = fmt.Errorf("key %s in ConfigMap %s is being removed: %w", key, s.cfg.ConfigMapName, ErrNotExist)
		if _, rerr := s.Remove(ctx, key); rerr != nil {
			err = fmt.Errorf("%w (completing its removal failed too: %v)", err, rerr)
		}
		s.discard(ctx, h)
		return err
	case err != nil || !updated:
		s.discard(ctx, h)
		return err
	}
	if old != nil {
		if err := s.cfg.FileSystem.Delete(ctx, old.Path, false); err != nil {
			return fmt.Errorf("replaced %s but could not delete the old state file %s: %w", key, old.Path, err)
		}
	}
	return nil
}

// Exists returns the ConfigMap's resourceVersion if key holds a readable entry not
// marked for deletion; ok is false otherwise. A missing ConfigMap is an error.
func (s *StateHandleStore) Exists(ctx context.Context, key string) (resourceVersion string, ok bool, err error) {
	cm, err := s.get(ctx)
	if err != nil {
		return "", false, err
	}
	content, found := cm.Data[key]
	if !found {
		return "", false, nil
	}
	if p, err := decodePointer(content); err != nil || p.MarkedForDeletion {
		return "", false, nil
	}
	return cm.ResourceVersion, true, nil
}

// Get returns the handle under key; missing or marked entries are ErrNotExist,
// unreadable ones an error.
func (s *StateHandleStore) Get(ctx context.Context, key string) (StateHandle, error) {
	cm, err := s.get(ctx)
	if err != nil {
		return StateHandle{}, err
	}
	content, ok := cm.Data[key]
	if !ok {
		return StateHandle{}, fmt.Errorf("key %s in ConfigMap %s: %w", key, s.cfg.ConfigMapName, ErrNotExist)
	}
	p, err := decodePointer(content)
	if err != nil {
		return StateHandle{}, fmt.Errorf("key %s in ConfigMap %s: %w", key, s.cfg.ConfigMapName, err)
	}
	if p.MarkedForDeletion {
		return StateHandle{}, fmt.Errorf("key %s in ConfigMap %s is marked for deletion: %w", key, s.cfg.ConfigMapName, ErrNotExist)
	}
	return StateHandle{Path: p.Path}, nil
}

// Entry is a key with its handle.
type Entry struct {
	Key    string
	Handle StateHandle
}

// GetAll returns the readable, unmarked entries with the key prefix, by key.
func (s *StateHandleStore) GetAll(ctx context.Context) ([]Entry, error) {
	cm, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, k := range s.keysOf(cm) {
		p, err := decodePointer(cm.Data[k])
		if err != nil {
			s.log.Warn("skipping an unreadable entry", "key", k, "err", err)
			continue
		}
		if !p.MarkedForDeletion {
			out = append(out, Entry{Key: k, Handle: StateHandle{Path: p.Path}})
		}
	}
	return out, nil
}

// AllKeys returns every key with the prefix (marked ones too), sorted.
func (s *StateHandleStore) AllKeys(ctx context.Context) ([]string, error) {
	cm, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	return s.keysOf(cm), nil
}

// Remove deletes the entry and its file (Flink's releaseAndTryRemove), in three
// steps that can be resumed: mark the entry (an unreadable one is dropped), delete
// the file, remove the key. It returns true when the key is gone or never existed,
// false when the leadership check stopped it. If deleting the file fails the entry
// stays marked, invisible to readers, and the error is returned; a later Remove
// completes it.
func (s *StateHandleStore) Remove(ctx context.Context, key string) (bool, error) {
	var target *pointer
	missing := false
	updated, err := s.update(ctx, func(cm *corev1.ConfigMap) (bool, error) {
		target, missing = nil, false
		content, ok := cm.Data[key]
		if !ok {
			missing = true
			return false, nil
		}
		p, err := decodePointer(content)
		if err != nil {
			s.log.Warn("removing an unreadable entry", "key", key, "err", err)
			delete(cm.Data, key)
			return true, nil
		}
		if !p.MarkedForDeletion {
			cm.Data[key] = encodePointer(pointer{Path: p.Path, MarkedForDeletion: true})
		}
		target = &p
		return true, nil
	})
	if err != nil {
		return false, err
	}
	if !updated || target == nil {
		return missing || updated, nil
	}
	if err := s.cfg.FileSystem.Delete(ctx, target.Path, false); err != nil {
		return false, fmt.Errorf("deleting the state file %s of %s: %w", target.Path, key, err)
	}
	return s.update(ctx, func(cm *corev1.ConfigMap) (bool, error) {
		delete(cm.Data, key)
		return true, nil
	})
}

// ClearEntries removes every key with the prefix without deleting files.
func (s *StateHandleStore) ClearEntries(ctx context.Context) error {
	_, err := s.update(ctx, func(cm *corev1.ConfigMap) (bool, error) {
		for _, k := range s.keysOf(cm) {
			delete(cm.Data, k)
		}
		return true, nil
	})
	return err
}

// Retrieve reads the state a handle points at.
func (s *StateHandleStore) Retrieve(ctx context.Context, h StateHandle) ([]byte, error) {
	return s.cfg.FileSystem.Read(ctx, h.Path)
}

// update is check-and-update with the leadership check in front of fn.
func (s *StateHandleStore) update(ctx context.Context, fn UpdateFunc) (bool, error) {
	return CheckAndUpdateConfigMap(ctx, s.cfg.Client, s.cfg.Namespace, s.cfg.ConfigMapName, s.cfg.MaxRetries,
		func(cm *corev1.ConfigMap) (bool, error) {
			if s.cfg.LockIdentity != "" && !IsLeader(cm, s.cfg.LockIdentity) {
				return false, nil
			}
			return fn(cm)
		})
}

func (s *StateHandleStore) get(ctx context.Context) (*corev1.ConfigMap, error) {
	cm, err := s.cfg.Client.CoreV1().ConfigMaps(s.cfg.Namespace).Get(ctx, s.cfg.ConfigMapName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("ConfigMap %s/%s: %w", s.cfg.Namespace, s.cfg.ConfigMapName, ErrConfigMapNotExist)
	}
	if err != nil {
		return nil, &ClientError{Op: "get", Namespace: s.cfg.Namespace, Name: s.cfg.ConfigMapName, Err: err}
	}
	return cm, nil
}

func (s *StateHandleStore) keysOf(cm *corev1.ConfigMap) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(cm.Data)) {
		if strings.HasPrefix(k, s.cfg.KeyPrefix) {
			out = append(out, k)
		}
	}
	return out
}

func (s *StateHandleStore) store(ctx context.Context, state []byte) (StateHandle, error) {
	path := JoinPath(s.cfg.Dir, s.cfg.FilePrefix+s.rand.fileSuffix())
	if err := s.cfg.FileSystem.Create(ctx, path, state); err != nil {
		return StateHandle{}, fmt.Errorf("writing state file %s: %w", path, err)
	}
	return StateHandle{Path: path}, nil
}

// discard deletes a state file that no entry will reference; failures are logged.
func (s *StateHandleStore) discard(ctx context.Context, h StateHandle) {
	if err := s.cfg.FileSystem.Delete(ctx, h.Path, false); err != nil {
		s.log.Warn("could not delete an unused state file", "path", h.Path, "err", err)
	}
}
