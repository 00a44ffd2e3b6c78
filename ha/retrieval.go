package ha

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
)

// LeaderRetrieverConfig describes a LeaderRetriever.
type LeaderRetrieverConfig struct {
	// Watcher watches the cluster ConfigMap; its owner starts it. Many retrievers
	// share one watcher.
	Watcher *ConfigMapWatcher
	// Component is the component whose leader is wanted, e.g. "resourcemanager" or
	// JobMasterComponent(jobID).
	Component string
	// OnLeaderChange receives the leader whenever it changes; empty information
	// means "no leader". Calls are serialised.
	OnLeaderChange func(LeaderInformation)
}

// LeaderRetriever is Flink's leader retrieval for one component (reference §5.5),
// used by TaskManagers, JobMasters, resource-manager clients and the web UI: it
// follows the component's key in the cluster ConfigMap through the shared watcher
// and reports changes, as DefaultLeaderRetrievalService does, only when the leader
// differs from the last one reported.
type LeaderRetriever struct {
	cfg     LeaderRetrieverConfig
	started atomic.Bool

	mu   sync.Mutex
	last LeaderInformation
}

// NewLeaderRetriever validates cfg; it starts nothing.
func NewLeaderRetriever(cfg LeaderRetrieverConfig) (*LeaderRetriever, error) {
	switch {
	case cfg.Watcher == nil:
		return nil, errors.New("ha: leader retriever: Watcher is nil")
	case cfg.Component == "":
		return nil, errors.New("ha: leader retriever: Component is empty")
	case cfg.OnLeaderChange == nil:
		return nil, errors.New("ha: leader retriever: OnLeaderChange is nil")
	}
	return &LeaderRetriever{cfg: cfg}, nil
}

// Start follows the leader until ctx ends.
func (r *LeaderRetriever) Start(ctx context.Context) error {
	if !r.started.CompareAndSwap(false, true) {
		return errors.New("ha: leader retriever already started")
	}
	unwatch, err := r.cfg.Watcher.Watch(ConfigMapHandler{
		OnAdded:    func(cm *corev1.ConfigMap) { r.on(configMapAdded, cm) },
		OnModified: func(cm *corev1.ConfigMap) { r.on(configMapModified, cm) },
	})
	if err != nil {
		return fmt.Errorf("ha: leader retriever for %s: %w", r.cfg.Component, err)
	}
	defer unwatch()
	<-ctx.Done()
	return nil
}

// Leader is the last leader reported (empty if none).
func (r *LeaderRetriever) Leader() LeaderInformation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

func (r *LeaderRetriever) on(ev configMapEvent, cm *corev1.ConfigMap) {
	info, notify := retrievedLeader(ev, cm, r.cfg.Component)
	if !notify {
		return
	}
	r.mu.Lock()
	changed := info != r.last
	r.last = info
	r.mu.Unlock()
	if changed {
		r.cfg.OnLeaderChange(info)
	}
}

type configMapEvent int

const (
	configMapAdded configMapEvent = iota
	configMapModified
	configMapDeleted
)

// retrievedLeader decides what the retrieval driver reports for an event: ADDED
// only a non-empty entry (a retriever started after the election learns the
// leader), MODIFIED always (empty means the leader is gone), DELETED nothing.
func retrievedLeader(ev configMapEvent, cm *corev1.ConfigMap, component string) (LeaderInformation, bool) {
	var info LeaderInformation
	if v, ok := cm.Data[LeaderKey(component)]; ok {
		info = ParseLeaderInformation(v)
	}
	switch ev {
	case configMapAdded:
		return info, !info.IsEmpty()
	case configMapModified:
		return info, true
	}
	return LeaderInformation{}, false
}
