package ha

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// LockConfig describes the ConfigMap lock of a cluster.
type LockConfig struct {
	Client    kubernetes.Interface
	Namespace string
	// ClusterID is kubernetes.cluster-id: the lock is <ClusterID>-cluster-config-map
	// and carries the COMMON labels of that cluster.
	ClusterID string
	// Identity is this process's lock identity (a random UUID in Flink).
	Identity string
}

func (c LockConfig) validate() error {
	switch {
	case c.Client == nil:
		return errors.New("ha: lock: Client is nil")
	case strings.TrimSpace(c.Namespace) == "":
		return errors.New("ha: lock: Namespace is empty; set kubernetes.namespace")
	case strings.TrimSpace(c.ClusterID) == "":
		return errors.New("ha: lock: ClusterID is empty; set kubernetes.cluster-id")
	case strings.TrimSpace(c.Identity) == "":
		return errors.New("ha: lock: Identity is empty")
	}
	return nil
}

// ConfigMapLock is the leader lock on <cluster-id>-cluster-config-map: the record
// lives in the annotation control-plane.alpha.kubernetes.io/leader in fabric8's
// format. The ConfigMap is created with the COMMON labels and no owner reference (HA
// data outlives the Deployment); updates are conditional on the resourceVersion of
// the last Get, so a concurrent writer makes them fail with 409 Conflict.
//
// It implements client-go's resourcelock.Interface, so client-go's LeaderElector
// can run on it too; this package's LeaderElector uses the richer Record methods,
// which keep sub-second lease durations.
type ConfigMapLock struct {
	cfg  LockConfig
	name string

	mu       sync.Mutex
	observed *corev1.ConfigMap // from the last Get, Create or Update
}

var _ resourcelock.Interface = (*ConfigMapLock)(nil)

// NewConfigMapLock validates cfg and returns the lock; it makes no request.
func NewConfigMapLock(cfg LockConfig) (*ConfigMapLock, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &ConfigMapLock{cfg: cfg, name: ClusterConfigMapName(cfg.ClusterID)}, nil
}

// Name is the ConfigMap's name.
func (l *ConfigMapLock) Name() string { return l.name }

// Identity is this process's lock identity.
func (l *ConfigMapLock) Identity() string { return l.cfg.Identity }

// Describe names the lock as namespace/name.
func (l *ConfigMapLock) Describe() string { return l.cfg.Namespace + "/" + l.name }

// RecordEvent does nothing: Flink records no events for leader election.
func (l *ConfigMapLock) RecordEvent(string) {}

// GetRecord reads the ConfigMap. found is false if the ConfigMap does not exist (and
// err is nil). A ConfigMap without the annotation yields an empty record, which
// anyone may take over. raw is the annotation's value.
func (l *ConfigMapLock) GetRecord(ctx context.Context) (rec LeaderRecord, raw string, found bool, err error) {
	cm, err := l.cfg.Client.CoreV1().ConfigMaps(l.cfg.Namespace).Get(ctx, l.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		l.setObserved(nil)
		return LeaderRecord{}, "", false, nil
	}
	if err != nil {
		return LeaderRecord{}, "", false, l.clientError("get", err)
	}
	l.setObserved(cm)
	raw, ok := cm.Annotations[LeaderAnnotationKey]
	if !ok {
		return LeaderRecord{}, "", true, nil
	}
	if err := json.Unmarshal([]byte(raw), &rec); err != nil {
		// Unreadable records are treated as absent, so they can be overwritten.
		return LeaderRecord{}, raw, true, nil
	}
	return rec, raw, true, nil
}

// CreateRecord creates the ConfigMap holding rec, with the COMMON labels.
func (l *ConfigMapLock) CreateRecord(ctx context.Context, rec LeaderRecord) error {
	raw, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
		Name:        l.name,
		Namespace:   l.cfg.Namespace,
		Labels:      Labels(l.cfg.ClusterID),
		Annotations: map[string]string{LeaderAnnotationKey: string(raw)},
	}}
	created, err := l.cfg.Client.CoreV1().ConfigMaps(l.cfg.Namespace).Create(ctx, cm, metav1.CreateOptions{})
	if err != nil {
		return l.clientError("create", err)
	}
	l.setObserved(created)
	return nil
}

// UpdateRecord writes rec into the ConfigMap read by the last GetRecord, conditional
// on its resourceVersion; it also (re)sets the COMMON labels.
func (l *ConfigMapLock) UpdateRecord(ctx context.Context, rec LeaderRecord) error {
	l.mu.Lock()
	observed := l.observed
	l.mu.Unlock()
	if observed == nil {
		return fmt.Errorf("ha: lock %s: Update before a successful Get or Create", l.Describe())
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	cm := observed.DeepCopy()
	if cm.Annotations == nil {
		cm.Annotations = map[string]string{}
	}
	cm.Annotations[LeaderAnnotationKey] = string(raw)
	if cm.Labels == nil {
		cm.Labels = map[string]string{}
	}
	for k, v := range Labels(l.cfg.ClusterID) {
		cm.Labels[k] = v
	}
	updated, err := l.cfg.Client.CoreV1().ConfigMaps(l.cfg.Namespace).Update(ctx, cm, metav1.UpdateOptions{})
	if err != nil {
		return l.clientError("update", err)
	}
	l.setObserved(updated)
	return nil
}

func (l *ConfigMapLock) setObserved(cm *corev1.ConfigMap) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.observed = cm
}

func (l *ConfigMapLock) clientError(op string, err error) error {
	return &ClientError{Op: op, Namespace: l.cfg.Namespace, Name: l.name, Err: err}
}

// Get implements resourcelock.Interface. A missing ConfigMap is a NotFound error,
// as client-go's elector expects.
func (l *ConfigMapLock) Get(ctx context.Context) (*resourcelock.LeaderElectionRecord, []byte, error) {
	rec, raw, found, err := l.GetRecord(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !found {
		return nil, nil, apierrors.NewNotFound(corev1.Resource("configmaps"), l.name)
	}
	return &resourcelock.LeaderElectionRecord{
		HolderIdentity:       rec.HolderIdentity,
		LeaseDurationSeconds: int(math.Ceil(rec.LeaseDuration.Seconds())),
		AcquireTime:          metav1.NewTime(rec.AcquireTime),
		RenewTime:            metav1.NewTime(rec.RenewTime),
		LeaderTransitions:    rec.LeaderTransitions,
	}, []byte(raw), nil
}

// Create implements resourcelock.Interface.
func (l *ConfigMapLock) Create(ctx context.Context, ler resourcelock.LeaderElectionRecord) error {
	return l.CreateRecord(ctx, fromClientGoRecord(ler))
}

// Update implements resourcelock.Interface.
func (l *ConfigMapLock) Update(ctx context.Context, ler resourcelock.LeaderElectionRecord) error {
	return l.UpdateRecord(ctx, fromClientGoRecord(ler))
}

func fromClientGoRecord(ler resourcelock.LeaderElectionRecord) LeaderRecord {
	return LeaderRecord{
		HolderIdentity:    ler.HolderIdentity,
		LeaseDuration:     time.Duration(ler.LeaseDurationSeconds) * time.Second,
		AcquireTime:       ler.AcquireTime.Time,
		RenewTime:         ler.RenewTime.Time,
		LeaderTransitions: ler.LeaderTransitions,
	}
}

// IsLeader reports whether the lock annotation of cm names identity. Like Flink it
// is a substring test on the raw annotation value, and false without annotation.
func IsLeader(cm *corev1.ConfigMap, identity string) bool {
	if cm == nil || identity == "" {
		return false
	}
	v, ok := cm.Annotations[LeaderAnnotationKey]
	return ok && strings.Contains(v, identity)
}
