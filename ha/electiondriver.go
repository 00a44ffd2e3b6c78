package ha

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"

	"github.com/google/uuid"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
)

// LeaderElectionListener receives the events of a LeaderElectionDriver. Grant and
// revoke come from the elector's goroutine, information changes and errors from the
// watcher's; implementations must return promptly.
type LeaderElectionListener interface {
	// OnGrantLeadership: this process became leader; session is a new random
	// leader session id.
	OnGrantLeadership(session uuid.UUID)
	// OnRevokeLeadership: this process is no longer leader.
	OnRevokeLeadership()
	// OnLeaderInformationChange: the cluster ConfigMap changed while this process
	// leads; all is every component's stored leader information (unreadable values
	// are empty).
	OnLeaderInformationChange(all map[string]LeaderInformation)
	// OnError: something Flink treats as fatal for the JobManager (the ConfigMap was
	// deleted externally, publishing failed, the ConfigMap is missing).
	OnError(err error)
}

// LeaderElectionDriverConfig describes a LeaderElectionDriver.
type LeaderElectionDriverConfig struct {
	Client    kubernetes.Interface
	Namespace string
	ClusterID string
	// Identity is the process's lock identity; empty draws a random UUID from Rand.
	Identity string
	Timing   ElectionTiming
	// MaxRetries is kubernetes.transactional-operation.max-retries.
	MaxRetries int
	// Watcher watches the cluster ConfigMap; its owner starts it.
	Watcher  *ConfigMapWatcher
	Listener LeaderElectionListener
	Rand     *rand.Rand
	Log      *slog.Logger
}

// LeaderElectionDriver is Flink's KubernetesLeaderElectionDriver (reference §5.4): it
// runs the elector, turns "started/stopped leading" into grant (with a new session
// id) and revoke, publishes leader information with check-and-update only while the
// lock names this process, and watches the ConfigMap to report external changes
// (for self-healing) and external deletion (fatal) while leading.
type LeaderElectionDriver struct {
	cfg     LeaderElectionDriverConfig
	elector *LeaderElector
	rand    *randomSource
	log     *slog.Logger
}

// NewLeaderElectionDriver validates cfg; it starts nothing.
func NewLeaderElectionDriver(cfg LeaderElectionDriverConfig) (*LeaderElectionDriver, error) {
	switch {
	case cfg.Listener == nil:
		return nil, errors.New("ha: leader election driver: Listener is nil")
	case cfg.Watcher == nil:
		return nil, errors.New("ha: leader election driver: Watcher is nil")
	case cfg.Watcher.Name() != ClusterConfigMapName(cfg.ClusterID):
		return nil, fmt.Errorf("ha: leader election driver: Watcher watches %s, not the cluster ConfigMap %s", cfg.Watcher.Name(), ClusterConfigMapName(cfg.ClusterID))
	case cfg.MaxRetries < 0:
		return nil, errors.New("ha: leader election driver: MaxRetries is negative")
	}
	rs, err := newRandomSource(cfg.Rand)
	if err != nil {
		return nil, fmt.Errorf("ha: leader election driver: %w", err)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	d := &LeaderElectionDriver{cfg: cfg, rand: rs, log: cfg.Log}
	d.elector, err = NewLeaderElector(ElectorConfig{
		Client: cfg.Client, Namespace: cfg.Namespace, ClusterID: cfg.ClusterID, Identity: cfg.Identity,
		Timing: cfg.Timing, Rand: cfg.Rand, Log: cfg.Log,
		OnStartedLeading: func() { cfg.Listener.OnGrantLeadership(d.rand.uuid()) },
		OnStoppedLeading: cfg.Listener.OnRevokeLeadership,
	})
	if err != nil {
		return nil, err
	}
	d.cfg.Identity = d.elector.Identity()
	return d, nil
}

// Identity is the lock identity.
func (d *LeaderElectionDriver) Identity() string { return d.cfg.Identity }

// ConfigMapName is the cluster ConfigMap.
func (d *LeaderElectionDriver) ConfigMapName() string { return d.elector.ConfigMapName() }

func (d *LeaderElectionDriver) String() string {
	return fmt.Sprintf("KubernetesLeaderElectionDriver{configMapName='%s'}", d.ConfigMapName())
}

// Start watches the ConfigMap and runs the elector until ctx ends (then revokes and
// releases the lock if leading).
func (d *LeaderElectionDriver) Start(ctx context.Context) error {
	unwatch, err := d.cfg.Watcher.Watch(ConfigMapHandler{OnModified: d.onModified, OnDeleted: d.onDeleted})
	if err != nil {
		return fmt.Errorf("ha: watching %s: %w", d.ConfigMapName(), err)
	}
	defer unwatch()
	return d.elector.Start(ctx)
}

// HasLeadership is the live "am I leader" check. A missing ConfigMap is reported to
// the listener as an error ("somebody has interfered with Flink's operation") and
// answered with false; so is any other failure of the GET, without the report.
func (d *LeaderElectionDriver) HasLeadership(ctx context.Context) bool {
	ok, err := d.elector.HasLeadership(ctx)
	if errors.Is(err, ErrConfigMapNotExist) {
		d.cfg.Listener.OnError(fmt.Errorf("ConfigMap %s does not exist; somebody has interfered with Flink's operation: %w", d.ConfigMapName(), err))
	} else if err != nil {
		d.log.Debug("leadership check failed", "err", err)
	}
	return ok
}

// PublishLeaderInformation stores info under the component's leader key, or removes
// the key for empty info, if the lock names this process. Failures go to the
// listener's OnError (unless ctx ended).
func (d *LeaderElectionDriver) PublishLeaderInformation(ctx context.Context, component string, info LeaderInformation) {
	_, err := CheckAndUpdateConfigMap(ctx, d.cfg.Client, d.cfg.Namespace, d.ConfigMapName(), d.cfg.MaxRetries,
		func(cm *corev1.ConfigMap) (bool, error) {
			if !IsLeader(cm, d.cfg.Identity) {
				return false, nil
			}
			if info.IsEmpty() {
				delete(cm.Data, LeaderKey(component))
			} else {
				cm.Data[LeaderKey(component)] = info.String()
			}
			return true, nil
		})
	if err != nil && ctx.Err() == nil {
		d.cfg.Listener.OnError(fmt.Errorf("could not write leader information of %s to ConfigMap %s: %w", component, d.ConfigMapName(), err))
	}
}

// correctLeaderInformation rewrites the component's leader information, if the lock
// names this process, to what want returns when the write is prepared (ok=false:
// leave it); nothing is written when the stored value is that already. Failures go to
// the listener's OnError (unless ctx ended), as publishing's do.
func (d *LeaderElectionDriver) correctLeaderInformation(ctx context.Context, component string, want func() (info LeaderInformation, ok bool)) {
	_, err := CheckAndUpdateConfigMap(ctx, d.cfg.Client, d.cfg.Namespace, d.ConfigMapName(), d.cfg.MaxRetries,
		func(cm *corev1.ConfigMap) (bool, error) {
			if !IsLeader(cm, d.cfg.Identity) {
				return false, nil
			}
			info, ok := want()
			if !ok {
				return false, nil
			}
			stored, present := cm.Data[LeaderKey(component)]
			if info.IsEmpty() {
				delete(cm.Data, LeaderKey(component))
				return present, nil
			}
			cm.Data[LeaderKey(component)] = info.String()
			return stored != info.String(), nil
		})
	if err != nil && ctx.Err() == nil {
		d.cfg.Listener.OnError(fmt.Errorf("could not correct the leader information of %s in ConfigMap %s: %w", component, d.ConfigMapName(), err))
	}
}

// DeleteLeaderInformation removes the component's leader key while leading.
func (d *LeaderElectionDriver) DeleteLeaderInformation(ctx context.Context, component string) {
	d.PublishLeaderInformation(ctx, component, LeaderInformation{})
}

func (d *LeaderElectionDriver) onModified(cm *corev1.ConfigMap) {
	if IsLeader(cm, d.cfg.Identity) {
		d.cfg.Listener.OnLeaderInformationChange(LeaderInformationOf(cm.Data))
	}
}

func (d *LeaderElectionDriver) onDeleted(cm *corev1.ConfigMap) {
	if IsLeader(cm, d.cfg.Identity) {
		d.cfg.Listener.OnError(fmt.Errorf("ConfigMap %s: %w", d.ConfigMapName(), ErrConfigMapDeletedExternally))
	}
}
