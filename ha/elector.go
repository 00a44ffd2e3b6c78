package ha

import (
	"context"
	"errors"
	"flinksim/internal/mutation"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"flinksim/config"
)

// JitterFactor stretches the wait between acquire attempts: retryPeriod ×
// (1 + random[0, JitterFactor)), as in client-go and fabric8.
const JitterFactor = 1.2

// releasedLeaseDuration is the lease written when a leader releases the lock, so
// that others take over at once.
const releasedLeaseDuration = time.Second

// ElectionTiming is the lease, renew deadline and retry period of the election.
type ElectionTiming struct {
	// LeaseDuration is how long a record protects its holder after its renewTime.
	LeaseDuration time.Duration
	// RenewDeadline is how long a leader keeps leading without a successful renew.
	RenewDeadline time.Duration
	// RetryPeriod is the wait between renewals, and the base of the jittered wait
	// between acquire attempts.
	RetryPeriod time.Duration
}

// DefaultElectionTiming is Flink's: 15 s lease, 15 s renew deadline, 5 s retry.
func DefaultElectionTiming() ElectionTiming {
	return ElectionTiming{LeaseDuration: 15 * time.Second, RenewDeadline: 15 * time.Second, RetryPeriod: 5 * time.Second}
}

// ElectionTimingFrom reads high-availability.kubernetes.leader-election.lease-duration,
// .renew-deadline and .retry-period.
func ElectionTimingFrom(conf *config.Configuration) (ElectionTiming, error) {
	var t ElectionTiming
	var err error
	if t.LeaseDuration, err = config.Get(conf, config.HighAvailabilityKubernetesLeaderElectionLeaseDuration); err != nil {
		return t, err
	}
	if t.RenewDeadline, err = config.Get(conf, config.HighAvailabilityKubernetesLeaderElectionRenewDeadline); err != nil {
		return t, err
	}
	if t.RetryPeriod, err = config.Get(conf, config.HighAvailabilityKubernetesLeaderElectionRetryPeriod); err != nil {
		return t, err
	}
	return t, t.validate()
}

func (t ElectionTiming) validate() error {
	for _, d := range []struct {
		key string
		v   time.Duration
	}{
		{config.HighAvailabilityKubernetesLeaderElectionLeaseDuration.Key(), t.LeaseDuration},
		{config.HighAvailabilityKubernetesLeaderElectionRenewDeadline.Key(), t.RenewDeadline},
		{config.HighAvailabilityKubernetesLeaderElectionRetryPeriod.Key(), t.RetryPeriod},
	} {
		if d.v <= 0 {
			return fmt.Errorf("ha: %s is %v; it must be positive", d.key, d.v)
		}
	}
	// Like Flink (fabric8), renewDeadline < leaseDuration is not required: the
	// defaults are equal. A renew deadline that is not longer than the retry period
	// would end leadership before the first renew.
	if t.RenewDeadline <= t.RetryPeriod {
		return fmt.Errorf("ha: %s (%v) must be longer than %s (%v): a leader renews every retry period and gives up when the renew deadline passes without success",
			config.HighAvailabilityKubernetesLeaderElectionRenewDeadline.Key(), t.RenewDeadline, config.HighAvailabilityKubernetesLeaderElectionRetryPeriod.Key(), t.RetryPeriod)
	}
	return nil
}

// ElectorConfig describes a LeaderElector.
type ElectorConfig struct {
	Client    kubernetes.Interface
	Namespace string
	// ClusterID is kubernetes.cluster-id; the lock is <ClusterID>-cluster-config-map.
	ClusterID string
	// Identity is the lock identity. Empty: a random UUID drawn from Rand, one per
	// process as in Flink.
	Identity string
	// Timing defaults (all zero) to DefaultElectionTiming.
	Timing ElectionTiming
	// Rand seeds the jitter (and the identity if not given).
	Rand *rand.Rand
	// OnStartedLeading and OnStoppedLeading run on the elector's goroutine and must
	// return promptly: the lock is not renewed meanwhile.
	OnStartedLeading func()
	OnStoppedLeading func()
	// Log receives debug logs. Default: discarded.
	Log *slog.Logger
}

// LeaderElector runs Flink's leader election on the cluster ConfigMap: the acquire
// and renew loops of fabric8's LeaderElector (itself a port of client-go's), with
// release on stop, restarted for a new round after every loss as Flink's
// KubernetesLeaderElector does.
//
// It is its own loop rather than client-go's LeaderElector, which refuses Flink's
// default timing (it requires renewDeadline < leaseDuration, Flink's defaults are
// equal), keeps lease durations in whole seconds, jitters with the global math/rand,
// and keeps renewing while another holder's lease is valid where fabric8 gives up at
// once.
type LeaderElector struct {
	cfg    ElectorConfig
	lock   *ConfigMapLock
	rand   *randomSource
	log    *slog.Logger
	start  atomic.Bool
	leader atomic.Bool
}

// NewLeaderElector validates cfg and builds the elector; it makes no request and
// starts nothing.
func NewLeaderElector(cfg ElectorConfig) (*LeaderElector, error) {
	rs, err := newRandomSource(cfg.Rand)
	if err != nil {
		return nil, fmt.Errorf("ha: elector: %w", err)
	}
	if cfg.Identity == "" {
		cfg.Identity = rs.uuid().String()
	}
	if cfg.Timing == (ElectionTiming{}) {
		cfg.Timing = DefaultElectionTiming()
	}
	if err := cfg.Timing.validate(); err != nil {
		return nil, err
	}
	if cfg.OnStartedLeading == nil || cfg.OnStoppedLeading == nil {
		return nil, errors.New("ha: elector: OnStartedLeading and OnStoppedLeading must be set")
	}
	lock, err := NewConfigMapLock(LockConfig{Client: cfg.Client, Namespace: cfg.Namespace, ClusterID: cfg.ClusterID, Identity: cfg.Identity})
	if err != nil {
		return nil, err
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &LeaderElector{cfg: cfg, lock: lock, rand: rs, log: cfg.Log.With("lock", lock.Describe(), "identity", cfg.Identity)}, nil
}

// Identity is the elector's lock identity.
func (e *LeaderElector) Identity() string { return e.cfg.Identity }

// ConfigMapName is the lock's ConfigMap.
func (e *LeaderElector) ConfigMapName() string { return e.lock.Name() }

// IsLeading reports whether the elector currently considers itself leader (between
// OnStartedLeading and OnStoppedLeading).
func (e *LeaderElector) IsLeading() bool { return e.leader.Load() }

// HasLeadership is Flink's "am I leader" check: a live GET of the ConfigMap and a
// substring test for the identity in the annotation. A missing ConfigMap is an error
// wrapping ErrConfigMapNotExist.
func (e *LeaderElector) HasLeadership(ctx context.Context) (bool, error) {
	cm, err := e.cfg.Client.CoreV1().ConfigMaps(e.cfg.Namespace).Get(ctx, e.lock.Name(), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, fmt.Errorf("ConfigMap %s/%s: %w", e.cfg.Namespace, e.lock.Name(), ErrConfigMapNotExist)
	}
	if err != nil {
		return false, &ClientError{Op: "get", Namespace: e.cfg.Namespace, Name: e.lock.Name(), Err: err}
	}
	return IsLeader(cm, e.cfg.Identity), nil
}

// Start runs election rounds until ctx ends: acquire, lead while renewing, and
// after losing leadership (renew deadline passed, or the lock taken over) revoke,
// release and start over. When ctx ends while leading it revokes and releases the
// lock (holder emptied, 1 s lease) so a standby takes over at once.
func (e *LeaderElector) Start(ctx context.Context) error {
	if !e.start.CompareAndSwap(false, true) {
		return errors.New("ha: elector already started")
	}
	for ctx.Err() == nil {
		e.round(ctx)
	}
	return nil
}

func (e *LeaderElector) round(ctx context.Context) {
	acquiredAt, ok := e.acquire(ctx)
	if !ok {
		return
	}
	e.log.Debug("became leader")
	e.leader.Store(true)
	e.cfg.OnStartedLeading()
	reason := e.renew(ctx, acquiredAt)
	e.log.Debug("stopped leading", "reason", reason)
	// Revoke before releasing, so that no standby can lead while this process's
	// components still act as leader.
	e.leader.Store(false)
	e.cfg.OnStoppedLeading()
	e.release(ctx)
}

// acquire tries at once and then every jittered retry period until it holds the
// lock (returning the start of the winning attempt) or ctx ends.
func (e *LeaderElector) acquire(ctx context.Context) (time.Time, bool) {
	for {
		start := time.Now()
		ok, err := e.tryAcquireOrRenew(ctx)
		if ok {
			return start, true
		}
		if err != nil {
			e.log.Debug("acquire attempt failed", "err", err)
		}
		wait := time.Duration(float64(e.cfg.Timing.RetryPeriod) * (1 + JitterFactor*e.rand.float64()))
		if !sleep(ctx, wait) {
			return time.Time{}, false
		}
	}
}

// renew renews every retry period. It returns when ctx ends, when an attempt finds
// another holder with a valid lease (fabric8 gives up at once), or as soon as
// renewDeadline has passed since the start of the last successful renew — which is
// that renew's renewTime, so with renewDeadline ≤ leaseDuration a leader gives up no
// later than the moment a standby may take over. Each attempt's requests carry that
// deadline, so a request hanging past it fails the renew.
func (e *LeaderElector) renew(ctx context.Context, lastRenew time.Time) string {
	for {
		deadline := lastRenew.Add(e.cfg.Timing.RenewDeadline)
		// Wake at the deadline at the latest: a leader must not sleep through it
		// (an attempt that took long moves the next one past it).
		if !sleep(ctx, min(e.cfg.Timing.RetryPeriod, time.Until(deadline))) {
			return "stopped"
		}
		if !time.Now().Before(deadline) {
			return "renew deadline passed"
		}
		start := time.Now()
		attemptCtx, cancel := context.WithDeadline(ctx, deadline)
		ok, err := e.tryAcquireOrRenew(attemptCtx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return "stopped"
		case ok:
			lastRenew = start
		case err == nil:
			return "lock held by another process"
		case !time.Now().Before(deadline):
			return fmt.Sprintf("renew deadline passed: %v", err)
		default:
			e.log.Debug("renew attempt failed", "err", err)
		}
	}
}

// tryAcquireOrRenew is one attempt: GET; create the ConfigMap if missing; give up if
// another holder's lease is valid; otherwise write the next record conditional on
// the observed resourceVersion. ok=false with err=nil means "held by another".
func (e *LeaderElector) tryAcquireOrRenew(ctx context.Context) (bool, error) {
	now := time.Now()
	observed, _, found, err := e.lock.GetRecord(ctx)
	if err != nil {
		return false, err
	}
	if !found {
		rec := LeaderRecord{HolderIdentity: e.cfg.Identity, LeaseDuration: e.cfg.Timing.LeaseDuration, AcquireTime: now, RenewTime: now}
		if err := e.lock.CreateRecord(ctx, rec); err != nil {
			return false, err
		}
		return true, nil
	}
	next, ok := nextRecord(observed, e.cfg.Identity, e.cfg.Timing.LeaseDuration, now)
	if !ok {
		return false, nil
	}
	if err := e.lock.UpdateRecord(ctx, next); err != nil {
		return false, err
	}
	return true, nil
}

// nextRecord decides an acquire-or-renew attempt from the observed record: the
// record to write, or ok=false if another holder's lease is still valid at now.
// The holder keeps its acquireTime and transition count; a new holder starts a new
// term and counts one more transition.
func nextRecord(observed LeaderRecord, identity string, lease time.Duration, now time.Time) (LeaderRecord, bool) {
	holding := observed.HolderIdentity == identity
	if !holding && observed.HolderIdentity != "" && mutation.On(mutation.LeaderTakeover) {
		return LeaderRecord{}, false
	}
	if !holding && !observed.Expired(now) {
		return LeaderRecord{}, false
	}
	next := LeaderRecord{HolderIdentity: identity, LeaseDuration: lease, AcquireTime: now, RenewTime: now, LeaderTransitions: observed.LeaderTransitions + 1}
	if holding {
		next.AcquireTime = observed.AcquireTime
		next.LeaderTransitions = observed.LeaderTransitions
	}
	return next, true
}

// release empties the holder (lease 1 s) if the record still names this process.
// It runs on a context detached from ctx, bounded by the renew deadline.
func (e *LeaderElector) release(ctx context.Context) {
	if errors.Is(context.Cause(ctx), ErrProcessDied) {
		return // a dead process writes nothing; the lease runs out instead
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.cfg.Timing.RenewDeadline)
	defer cancel()
	// A stop does not cut a release short, but the death of the process does.
	defer context.AfterFunc(ctx, func() {
		if errors.Is(context.Cause(ctx), ErrProcessDied) {
			cancel()
		}
	})()
	for range 3 {
		rec, _, found, err := e.lock.GetRecord(rctx)
		if err != nil || !found || rec.HolderIdentity != e.cfg.Identity {
			return
		}
		now := time.Now()
		err = e.lock.UpdateRecord(rctx, LeaderRecord{LeaseDuration: releasedLeaseDuration, AcquireTime: now, RenewTime: now, LeaderTransitions: rec.LeaderTransitions})
		if err == nil {
			e.log.Debug("released the lock")
			return
		}
		if !apierrors.IsConflict(err) {
			e.log.Debug("releasing the lock failed", "err", err)
			return
		}
	}
}

// sleep waits d or until ctx ends; it reports whether the full wait passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
