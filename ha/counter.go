package ha

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// InitialCheckpointID is the first checkpoint id: the counter's value while its key
// is absent.
const InitialCheckpointID int64 = 1

// CheckpointIDCounterConfig describes a CheckpointIDCounter.
type CheckpointIDCounterConfig struct {
	Client    kubernetes.Interface
	Namespace string
	// ConfigMapName is the job ConfigMap <cluster-id>-<job-id>-config-map.
	ConfigMapName string
	// LockIdentity, when set, makes writes conditional on the lock annotation naming
	// it. Flink's current HA services leave it empty (reference §5.8).
	LockIdentity string
	// MaxRetries is kubernetes.transactional-operation.max-retries.
	MaxRetries int
}

// CheckpointIDCounter is Flink's KubernetesCheckpointIDCounter: the next checkpoint
// id, as a decimal string under key "counter" of the job ConfigMap.
type CheckpointIDCounter struct {
	cfg CheckpointIDCounterConfig

	mu       sync.Mutex
	shutDown bool
}

// NewCheckpointIDCounter validates cfg; it makes no request.
func NewCheckpointIDCounter(cfg CheckpointIDCounterConfig) (*CheckpointIDCounter, error) {
	switch {
	case cfg.Client == nil:
		return nil, errors.New("ha: checkpoint id counter: Client is nil")
	case cfg.Namespace == "" || cfg.ConfigMapName == "":
		return nil, errors.New("ha: checkpoint id counter: Namespace and ConfigMapName must be set")
	case cfg.MaxRetries < 0:
		return nil, errors.New("ha: checkpoint id counter: MaxRetries is negative")
	}
	return &CheckpointIDCounter{cfg: cfg}, nil
}

// GetAndIncrement returns the current value and stores value+1. Without
// leadership (when LockIdentity is set) it fails with ErrNoLeadership.
func (c *CheckpointIDCounter) GetAndIncrement(ctx context.Context) (int64, error) {
	var current int64
	ok, err := c.update(ctx, func(cm *corev1.ConfigMap) (bool, error) {
		v, err := counterOf(cm)
		if err != nil {
			return false, err
		}
		current = v
		cm.Data[CounterKey] = strconv.FormatInt(v+1, 10)
		return true, nil
	})
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, fmt.Errorf("failed to update ConfigMap %s since the checkpoint id counter does not have the leadership: %w", c.cfg.ConfigMapName, ErrNoLeadership)
	}
	return current, nil
}

// Get reads the current value. A missing ConfigMap is an error wrapping
// ErrConfigMapNotExist.
func (c *CheckpointIDCounter) Get(ctx context.Context) (int64, error) {
	cm, err := c.cfg.Client.CoreV1().ConfigMaps(c.cfg.Namespace).Get(ctx, c.cfg.ConfigMapName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return 0, fmt.Errorf("ConfigMap %s/%s: %w", c.cfg.Namespace, c.cfg.ConfigMapName, ErrConfigMapNotExist)
	}
	if err != nil {
		return 0, &ClientError{Op: "get", Namespace: c.cfg.Namespace, Name: c.cfg.ConfigMapName, Err: err}
	}
	return counterOf(cm)
}

// SetCount stores n if it differs from the current value. Without leadership it
// silently does nothing, as in Flink.
func (c *CheckpointIDCounter) SetCount(ctx context.Context, n int64) error {
	_, err := c.update(ctx, func(cm *corev1.ConfigMap) (bool, error) {
		v, err := counterOf(cm)
		if err != nil || v == n {
			return false, err
		}
		cm.Data[CounterKey] = strconv.FormatInt(n, 10)
		return true, nil
	})
	return err
}

// Shutdown ends the counter's use by a job in the given status: for a globally
// terminal status (FINISHED, CANCELED, FAILED) the counter key is removed, for
// others (e.g. SUSPENDED) it is kept for the next JobManager. Repeated calls after a
// successful one do nothing; a failed one (e.g. the ConfigMap is missing) may be
// retried.
func (c *CheckpointIDCounter) Shutdown(ctx context.Context, status JobStatus) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shutDown {
		return nil
	}
	if status.IsGloballyTerminal() {
		if _, err := c.update(ctx, func(cm *corev1.ConfigMap) (bool, error) {
			delete(cm.Data, CounterKey)
			return true, nil
		}); err != nil {
			return fmt.Errorf("removing the checkpoint counter from ConfigMap %s: %w", c.cfg.ConfigMapName, err)
		}
	}
	c.shutDown = true
	return nil
}

func (c *CheckpointIDCounter) update(ctx context.Context, fn UpdateFunc) (bool, error) {
	return CheckAndUpdateConfigMap(ctx, c.cfg.Client, c.cfg.Namespace, c.cfg.ConfigMapName, c.cfg.MaxRetries,
		func(cm *corev1.ConfigMap) (bool, error) {
			if c.cfg.LockIdentity != "" && !IsLeader(cm, c.cfg.LockIdentity) {
				return false, nil
			}
			return fn(cm)
		})
}

func counterOf(cm *corev1.ConfigMap) (int64, error) {
	v, ok := cm.Data[CounterKey]
	if !ok {
		return InitialCheckpointID, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("ConfigMap %s: %s %q is not a checkpoint id", cm.Name, CounterKey, v)
	}
	return n, nil
}
