package ha

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"

	"k8s.io/client-go/kubernetes"

	"flinksim/config"
)

// blobDir is the blob store's directory under <storageDir>/<ha-cluster-id>.
const blobDir = "blob"

// ServicesConfig describes the HA services of one Flink process.
type ServicesConfig struct {
	// Client talks to the API server as the pod's service account.
	Client kubernetes.Interface
	// Configuration supplies kubernetes.cluster-id, kubernetes.namespace,
	// high-availability.type/.storageDir/.cluster-id, the leader-election timing,
	// kubernetes.transactional-operation.max-retries and
	// execution.checkpointing.num-retained.
	Configuration *config.Configuration
	// FileSystem holds high-availability.storageDir; nil for a process that only
	// retrieves leaders (a TaskManager): then the stores are not available.
	FileSystem FileSystem
	// Rand seeds the process's lock identity, session ids, jitter and file names.
	Rand *rand.Rand
	// FatalErrorHandler receives leader-election errors no contender took (Flink
	// terminates the process).
	FatalErrorHandler func(error)
	Log               *slog.Logger
}

// Services is Flink's KubernetesLeaderElectionHaServices: one per JobManager or
// TaskManager process. It owns the shared watcher on the cluster ConfigMap and the
// process's leader election (one lock identity per process), and hands out leader
// retrievers and the HA stores.
type Services struct {
	client      kubernetes.Interface
	fs          FileSystem
	log         *slog.Logger
	rand        *randomSource
	namespace   string
	clusterID   string
	haClusterID string
	root        string // <storageDir>/<ha-cluster-id>
	maxRetries  int
	numRetained int
	results     *JobResultStore

	watcher  *ConfigMapWatcher
	election *LeaderElectionService

	mu      sync.Mutex
	running bool
}

// New reads and validates the configuration; it starts nothing and makes no request.
func New(cfg ServicesConfig) (*Services, error) {
	if cfg.Client == nil || cfg.Configuration == nil {
		return nil, errors.New("ha: Client and Configuration must be set")
	}
	conf := cfg.Configuration
	if on, err := config.KubernetesHighAvailabilityEnabled(conf); err != nil {
		return nil, err
	} else if !on {
		t, _ := conf.GetString(config.HighAvailabilityType.Key())
		return nil, fmt.Errorf("ha: Kubernetes HA services need %s: kubernetes (it is %q)", config.HighAvailabilityType.Key(), t)
	}
	s := &Services{client: cfg.Client, fs: cfg.FileSystem, log: cfg.Log}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if s.clusterID, err = config.Get(conf, config.KubernetesClusterID); err != nil {
		return nil, err
	}
	if strings.TrimSpace(s.clusterID) == "" {
		return nil, fmt.Errorf("ha: %s is not set; Kubernetes HA names its ConfigMaps after it", config.KubernetesClusterID.Key())
	}
	if s.namespace, err = config.Get(conf, config.KubernetesNamespace); err != nil {
		return nil, err
	}
	if s.haClusterID, err = config.Get(conf, config.HighAvailabilityClusterID); err != nil {
		return nil, err
	}
	storageDir, err := config.Get(conf, config.HighAvailabilityStorageDir)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(storageDir) == "" {
		return nil, fmt.Errorf("ha: %s is required with high availability: set it to a directory on a shared file system", config.HighAvailabilityStorageDir.Key())
	}
	s.root = JoinPath(storageDir, s.haClusterID)
	if s.maxRetries, err = MaxRetriesFrom(conf); err != nil {
		return nil, err
	}
	resultDir, err := config.Get(conf, config.JobResultStoreStoragePath)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(resultDir) == "" {
		resultDir = JoinPath(storageDir, "job-result-store", s.haClusterID)
	}
	deleteOnCommit, err := config.Get(conf, config.JobResultStoreDeleteOnCommit)
	if err != nil {
		return nil, err
	}
	if cfg.FileSystem != nil {
		if s.results, err = NewJobResultStore(cfg.FileSystem, resultDir, deleteOnCommit); err != nil {
			return nil, err
		}
	}
	if s.numRetained, err = config.Get(conf, config.ExecutionCheckpointingNumRetained); err != nil {
		return nil, err
	}
	if s.numRetained < 1 {
		return nil, fmt.Errorf("ha: %s is %d; it must be at least 1", config.ExecutionCheckpointingNumRetained.Key(), s.numRetained)
	}
	timing, err := ElectionTimingFrom(conf)
	if err != nil {
		return nil, err
	}
	if s.rand, err = newRandomSource(cfg.Rand); err != nil {
		return nil, fmt.Errorf("ha: %w", err)
	}
	if s.watcher, err = NewConfigMapWatcher(ConfigMapWatcherConfig{Client: cfg.Client, Namespace: s.namespace, Name: ClusterConfigMapName(s.clusterID)}); err != nil {
		return nil, err
	}
	s.election, err = NewLeaderElectionService(LeaderElectionServiceConfig{
		Driver: LeaderElectionDriverConfig{
			Client: cfg.Client, Namespace: s.namespace, ClusterID: s.clusterID, Identity: s.rand.uuid().String(),
			Timing: timing, MaxRetries: s.maxRetries, Watcher: s.watcher, Log: s.log,
		},
		Rand:              s.rand.child(),
		FatalErrorHandler: cfg.FatalErrorHandler,
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Identity is the process's lock identity.
func (s *Services) Identity() string { return s.election.Identity() }

// ClusterID is kubernetes.cluster-id.
func (s *Services) ClusterID() string { return s.clusterID }

// HAClusterID is high-availability.cluster-id (the name under storageDir).
func (s *Services) HAClusterID() string { return s.haClusterID }

// Namespace is kubernetes.namespace.
func (s *Services) Namespace() string { return s.namespace }

// StorageDir is <high-availability.storageDir>/<high-availability.cluster-id>.
func (s *Services) StorageDir() string { return s.root }

// Start runs the shared watcher and the leader election until ctx ends; when it
// returns, the lock is released and every contender revoked.
func (s *Services) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return errors.New("ha: services already started")
	}
	s.running = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}()
	var wg sync.WaitGroup
	wg.Go(func() { _ = s.watcher.Start(ctx) })
	err := s.election.Start(ctx)
	wg.Wait()
	return err
}

// LeaderElection is the handle through which component contends for leadership
// (Flink's getLeaderElection(componentId)); StartLeaderElection on it starts.
func (s *Services) LeaderElection(component string) (*LeaderElection, error) {
	return s.election.NewLeaderElection(component)
}

// LeaderRetriever follows component's leader; the caller starts it.
func (s *Services) LeaderRetriever(component string, onChange func(LeaderInformation)) (*LeaderRetriever, error) {
	return NewLeaderRetriever(LeaderRetrieverConfig{Watcher: s.watcher, Component: component, OnLeaderChange: onChange})
}

// ExecutionPlanStore is the store of submitted execution plans in the cluster
// ConfigMap, written only while this process holds the lock.
func (s *Services) ExecutionPlanStore() (*ExecutionPlanStore, error) {
	if err := s.needFileSystem(); err != nil {
		return nil, err
	}
	store, err := NewStateHandleStore(StateHandleStoreConfig{
		Client: s.client, Namespace: s.namespace, ConfigMapName: ClusterConfigMapName(s.clusterID),
		KeyPrefix: ExecutionPlanKeyPrefix, LockIdentity: s.Identity(), MaxRetries: s.maxRetries,
		FileSystem: s.fs, Dir: s.root, FilePrefix: ExecutionPlanFilePrefix, Rand: s.rand.child(), Log: s.log,
	})
	if err != nil {
		return nil, err
	}
	return NewExecutionPlanStore(store)
}

func (s *Services) needFileSystem() error {
	if s.fs == nil {
		return errors.New("ha: these HA services were made without a file system for " + config.HighAvailabilityStorageDir.Key())
	}
	return nil
}

// JobResultStore is the store of globally terminal jobs' results (nil without a
// file system).
func (s *Services) JobResultStore() *JobResultStore { return s.results }

// CompletedCheckpointStore is the job's checkpoint store; the job ConfigMap is
// created if absent. As in Flink's current HA services its writes are not
// leadership-checked (reference §5.8).
func (s *Services) CompletedCheckpointStore(ctx context.Context, job JobID) (*CompletedCheckpointStore, error) {
	if err := s.needFileSystem(); err != nil {
		return nil, err
	}
	name := JobConfigMapName(s.clusterID, job)
	if err := CreateConfigMapIfNotExist(ctx, s.client, s.namespace, name, s.clusterID); err != nil {
		return nil, err
	}
	store, err := NewStateHandleStore(StateHandleStoreConfig{
		Client: s.client, Namespace: s.namespace, ConfigMapName: name,
		KeyPrefix: CheckpointKeyPrefix, MaxRetries: s.maxRetries,
		FileSystem: s.fs, Dir: s.root, FilePrefix: CompletedCheckpointFilePrefix, Rand: s.rand.child(), Log: s.log,
	})
	if err != nil {
		return nil, err
	}
	return NewCompletedCheckpointStore(CompletedCheckpointStoreConfig{Store: store, MaxRetained: s.numRetained, Log: s.log})
}

// CheckpointIDCounter is the job's checkpoint id counter; the job ConfigMap is
// created if absent. Not leadership-checked, as in Flink.
func (s *Services) CheckpointIDCounter(ctx context.Context, job JobID) (*CheckpointIDCounter, error) {
	name := JobConfigMapName(s.clusterID, job)
	if err := CreateConfigMapIfNotExist(ctx, s.client, s.namespace, name, s.clusterID); err != nil {
		return nil, err
	}
	return NewCheckpointIDCounter(CheckpointIDCounterConfig{Client: s.client, Namespace: s.namespace, ConfigMapName: name, MaxRetries: s.maxRetries})
}

// CleanupJobData is the HA part of a globally terminal job's cleanup: it deletes
// the job ConfigMap (a missing one is fine). The job's leader key goes when its
// JobMaster deregisters, the execution plan with ExecutionPlanStore.GlobalCleanup.
func (s *Services) CleanupJobData(ctx context.Context, job JobID) error {
	return deleteConfigMap(ctx, s.client, s.namespace, JobConfigMapName(s.clusterID, job))
}

// CleanupAllData is the graceful cluster shutdown's cleanup (reference §5.9): it
// deletes the cluster ConfigMap and then, only if that worked, the blob directory
// <storageDir>/<ha-cluster-id>/blob. Call it after Start returned (the watcher and
// the elector stopped), or a leader would recreate the ConfigMap.
func (s *Services) CleanupAllData(ctx context.Context) error {
	s.mu.Lock()
	running := s.running
	s.mu.Unlock()
	if running {
		return errors.New("ha: CleanupAllData while the HA services run: end Start's context and wait for it to return first")
	}
	if err := deleteConfigMap(ctx, s.client, s.namespace, ClusterConfigMapName(s.clusterID)); err != nil {
		return fmt.Errorf("ha: deleting the cluster ConfigMap (the HA blobs are kept): %w", err)
	}
	if s.fs == nil {
		return nil
	}
	if err := s.fs.Delete(ctx, JoinPath(s.root, blobDir), true); err != nil {
		return fmt.Errorf("ha: deleting the HA blob directory: %w", err)
	}
	return nil
}
