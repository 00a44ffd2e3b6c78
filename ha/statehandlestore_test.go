package ha

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"

	"flinksim/sim"
)

const (
	testLockIdentity = "3f1e0c5a-7d8b-4c2e-9f10-6a5b4c3d2e1f"
	testKeyPrefix    = "test-"
	testKey          = testKeyPrefix + "key"
	unrelatedKey     = "unrelated"
	testStorageDir   = "s3://flink/ha/" + testClusterID
)

// shs is a state-handle store on the cluster ConfigMap, which exists, names
// testLockIdentity as leader and holds an unrelated key.
type shs struct {
	c     *sim.Cluster
	fs    *countingFS
	store *StateHandleStore
	ctx   context.Context
}

func newSHS(t *testing.T, c *sim.Cluster) *shs {
	t.Helper()
	createConfigMap(t, c.Client(), testClusterConfigMap, leaderAnnotation(testLockIdentity), map[string]string{unrelatedKey: "keep me"})
	fs := newCountingFS()
	store, err := NewStateHandleStore(StateHandleStoreConfig{
		Client: c.ClientFor(userOf("jm-0")), Namespace: testNamespace, ConfigMapName: testClusterConfigMap,
		KeyPrefix: testKeyPrefix, LockIdentity: testLockIdentity, MaxRetries: 3,
		FileSystem: fs, Dir: testStorageDir, FilePrefix: "state", Rand: testRand(1),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &shs{c: c, fs: fs, store: store, ctx: context.Background()}
}

func (s *shs) add(t *testing.T, key, state string) StateHandle {
	t.Helper()
	h, err := s.store.Add(s.ctx, key, []byte(state))
	if err != nil {
		t.Fatalf("Add(%s): %v", key, err)
	}
	return h
}

// stateOf reads the state under key, or "" with the error.
func (s *shs) stateOf(t *testing.T, key string) (string, error) {
	t.Helper()
	h, err := s.store.Get(s.ctx, key)
	if err != nil {
		return "", err
	}
	b, err := s.store.Retrieve(s.ctx, h)
	if err != nil {
		t.Fatalf("Retrieve(%s): %v", h.Path, err)
	}
	return string(b), nil
}

func (s *shs) mark(t *testing.T, key string) {
	t.Helper()
	editConfigMap(t, s.c.Client(), testClusterConfigMap, func(cm *corev1.ConfigMap) {
		p, err := decodePointer(cm.Data[key])
		if err != nil {
			t.Fatal(err)
		}
		p.MarkedForDeletion = true
		cm.Data[key] = encodePointer(p)
	})
}

func (s *shs) loseLeadership(t *testing.T) {
	t.Helper()
	editConfigMap(t, s.c.Client(), testClusterConfigMap, func(cm *corev1.ConfigMap) {
		cm.Annotations = leaderAnnotation("another-jobmanager")
	})
}

func (s *shs) rawKeys(t *testing.T) []string {
	t.Helper()
	var out []string
	for k := range getConfigMap(t, s.c.Client(), testClusterConfigMap).Data {
		if strings.HasPrefix(k, testKeyPrefix) {
			out = append(out, k)
		}
	}
	return out
}

func (s *shs) files() []string { return s.fs.Files() }

// inBubble runs f in a synctest bubble with a started cluster and a store.
func inBubble(t *testing.T, f func(t *testing.T, s *shs)) {
	synctest.Test(t, func(t *testing.T) {
		c, stop := startCluster(t, 1)
		defer stop()
		f(t, newSHS(t, c))
	})
}

// KubernetesStateHandleStoreTest.
func TestKubernetesStateHandleStore(t *testing.T) {
	for _, tc := range []struct {
		name string
		test func(t *testing.T, s *shs)
	}{
		{"testAdd", func(t *testing.T, s *shs) {
			s.add(t, testKey, "state")
			all, err := s.store.GetAll(s.ctx)
			if err != nil || len(all) != 1 || all[0].Key != testKey {
				t.Fatalf("GetAll = %v, %v", all, err)
			}
			if got, err := s.stateOf(t, testKey); got != "state" {
				t.Errorf("state %q, %v", got, err)
			}
		}},
		{"testAddAndLockWithExistingKey", func(t *testing.T, s *shs) {
			h := s.add(t, testKey, "old")
			_, err := s.store.Add(s.ctx, testKey, []byte("new"))
			if !errors.Is(err, ErrAlreadyExists) {
				t.Fatalf("err %v, want ErrAlreadyExists", err)
			}
			if got, _ := s.stateOf(t, testKey); got != "old" {
				t.Errorf("state %q, want old", got)
			}
			if files := s.files(); len(files) != 1 || files[0] != h.Path || s.fs.TotalDeletes() != 1 {
				t.Errorf("files %v after %d deletions; want only the old state, the new one discarded", files, s.fs.TotalDeletes())
			}
		}},
		{"testAddAndLockWithDeletingEntry", func(t *testing.T, s *shs) {
			old := s.add(t, testKey, "old")
			s.mark(t, testKey)
			s.add(t, testKey, "new")
			if s.fs.Deletes(old.Path) != 1 {
				t.Errorf("old state discarded %d times, want once", s.fs.Deletes(old.Path))
			}
			if got, _ := s.stateOf(t, testKey); got != "new" {
				t.Errorf("state %q, want new", got)
			}
		}},
		{"testAddWithPossiblyInconsistentStateHandling", func(t *testing.T, s *shs) {
			s.c.Server().AddFault(&fault{match: on("", "update", testClusterConfigMap), err: errTimeout, loseResponse: true})
			_, err := s.store.Add(s.ctx, testKey, []byte("state"))
			var pie *PossiblyInconsistentError
			if !errors.As(err, &pie) {
				t.Fatalf("err %v, want possibly inconsistent", err)
			}
			if len(s.files()) != 1 || s.fs.TotalDeletes() != 0 {
				t.Errorf("files %v, deletions %d; want the state kept", s.files(), s.fs.TotalDeletes())
			}
		}},
		{"testAddAndLockShouldNotThrowAlreadyExistExceptionWithSameContents", func(t *testing.T, s *shs) {
			// The first write is committed but its response lost; the retry finds its
			// own pointer.
			s.c.Server().AddFault(&fault{match: on("", "update", testClusterConfigMap), err: errTimeout, loseResponse: true, times: 1})
			s.add(t, testKey, "state")
			if keys := s.rawKeys(t); len(keys) != 1 || s.fs.TotalDeletes() != 0 {
				t.Errorf("keys %v, deletions %d; want 1 entry, nothing discarded", keys, s.fs.TotalDeletes())
			}
		}},
		{"addKeepsStateWhenALostWriteIsFollowedByFailingReads", func(t *testing.T, s *shs) {
			// The pointer is committed but its response lost; every read of the
			// retries fails, so nothing tells whether the pointer is there: the state
			// it may name must stay (FLINK-28265).
			s.c.Server().AddFault(&fault{match: on("", "update", testClusterConfigMap), err: errTimeout, loseResponse: true, times: 1})
			s.c.Server().AddFault(&fault{match: on("", "get", testClusterConfigMap), err: errInternal("etcd is unavailable"), skip: 1})
			_, err := s.store.Add(s.ctx, testKey, []byte("state"))
			var pie *PossiblyInconsistentError
			if !errors.As(err, &pie) {
				t.Fatalf("err %v, want possibly inconsistent", err)
			}
			if len(s.files()) != 1 || s.fs.TotalDeletes() != 0 {
				t.Errorf("files %v, deletions %d; want the state the committed pointer names kept", s.files(), s.fs.TotalDeletes())
			}
		}},
		{"testAddFailedWhenConfigMapNotExistAndDiscardState", func(t *testing.T, s *shs) {
			deleteTestConfigMap(t, s.c.Client(), testClusterConfigMap)
			_, err := s.store.Add(s.ctx, testKey, []byte("state"))
			if !errors.Is(err, ErrConfigMapNotExist) {
				t.Fatalf("err %v, want ErrConfigMapNotExist", err)
			}
			if len(s.files()) != 0 || s.fs.TotalDeletes() != 1 {
				t.Errorf("files %v, deletions %d; want the state discarded once", s.files(), s.fs.TotalDeletes())
			}
		}},
		{"testReplace", func(t *testing.T, s *shs) {
			old := s.add(t, testKey, "old")
			if _, ok, err := s.store.Exists(s.ctx, testKey); !ok || err != nil {
				t.Fatalf("Exists = %v, %v", ok, err)
			}
			if err := s.store.Replace(s.ctx, testKey, []byte("new")); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.stateOf(t, testKey); got != "new" {
				t.Errorf("state %q, want new", got)
			}
			if s.fs.Deletes(old.Path) != 1 || len(s.files()) != 1 {
				t.Errorf("old state discarded %d times, files %v", s.fs.Deletes(old.Path), s.files())
			}
		}},
		{"testReplaceWithKeyNotExist", func(t *testing.T, s *shs) {
			if err := s.store.Replace(s.ctx, testKey, []byte("new")); !errors.Is(err, ErrNotExist) {
				t.Fatalf("err %v, want ErrNotExist", err)
			}
			if all, _ := s.store.GetAll(s.ctx); len(all) != 0 || len(s.files()) != 0 {
				t.Errorf("entries %v, files %v; want none", all, s.files())
			}
		}},
		{"testReplaceWithDeletingKey", func(t *testing.T, s *shs) {
			old := s.add(t, testKey, "old")
			s.mark(t, testKey)
			if err := s.store.Replace(s.ctx, testKey, []byte("new")); !errors.Is(err, ErrNotExist) {
				t.Fatalf("err %v, want ErrNotExist", err)
			}
			if s.fs.Deletes(old.Path) != 1 || s.fs.TotalDeletes() != 2 || len(s.files()) != 0 || len(s.rawKeys(t)) != 0 {
				t.Errorf("deletions old %d total %d, files %v, keys %v; want both states discarded and the key gone",
					s.fs.Deletes(old.Path), s.fs.TotalDeletes(), s.files(), s.rawKeys(t))
			}
		}},
		{"testReplaceWithDeletingKeyWithFailingDiscard", func(t *testing.T, s *shs) {
			old := s.add(t, testKey, "old")
			s.mark(t, testKey)
			s.fs.FailDeletes(old.Path, 1)
			err := s.store.Replace(s.ctx, testKey, []byte("new"))
			if !errors.Is(err, ErrNotExist) || !strings.Contains(err.Error(), "cannot delete") {
				t.Fatalf("err %v, want ErrNotExist mentioning the failed discard", err)
			}
			if files := s.files(); s.fs.Deletes(old.Path) != 0 || s.fs.TotalDeletes() != 1 || len(files) != 1 || files[0] != old.Path {
				t.Errorf("files %v after %d deletions; want only the new state discarded", files, s.fs.TotalDeletes())
			}
		}},
		{"testReplaceWithNoLeadershipAndDiscardState", func(t *testing.T, s *shs) {
			old := s.add(t, testKey, "old")
			s.loseLeadership(t)
			if err := s.store.Replace(s.ctx, testKey, []byte("new")); err != nil {
				t.Fatalf("err %v, want none (as in Flink)", err)
			}
			if got, _ := s.stateOf(t, testKey); got != "old" {
				t.Errorf("state %q, want old", got)
			}
			if files := s.files(); len(files) != 1 || files[0] != old.Path {
				t.Errorf("files %v; want the new state discarded", files)
			}
		}},
		{"testReplaceFailedAndDiscardState", func(t *testing.T, s *shs) {
			old := s.add(t, testKey, "old")
			f := &fault{match: on("", "get", testClusterConfigMap), err: errInternal("get failed")}
			s.c.Server().AddFault(f)
			err := s.store.Replace(s.ctx, testKey, []byte("new"))
			var pie *PossiblyInconsistentError
			if err == nil || errors.As(err, &pie) {
				t.Fatalf("err %v, want a plain failure", err)
			}
			s.c.Server().RemoveFault(f)
			if got, _ := s.stateOf(t, testKey); got != "old" {
				t.Errorf("state %q, want old", got)
			}
			if files := s.files(); len(files) != 1 || files[0] != old.Path {
				t.Errorf("files %v; want the old state kept and the new one discarded", files)
			}
		}},
		{"testReplaceFailedWithPossiblyInconsistentState", func(t *testing.T, s *shs) {
			s.add(t, testKey, "old")
			s.c.Server().AddFault(&fault{match: on("", "update", testClusterConfigMap), err: errTimeout})
			err := s.store.Replace(s.ctx, testKey, []byte("new"))
			var pie *PossiblyInconsistentError
			if !errors.As(err, &pie) {
				t.Fatalf("err %v, want possibly inconsistent", err)
			}
			if len(s.files()) != 2 || s.fs.TotalDeletes() != 0 {
				t.Errorf("files %v, deletions %d; want nothing discarded", s.files(), s.fs.TotalDeletes())
			}
		}},
		{"replaceRetriedAfterALostResponseKeepsTheNewState", func(t *testing.T, s *shs) {
			// The new pointer is committed but its response lost; the retry finds it
			// under the key and must delete the old state, not the new one.
			old := s.add(t, testKey, "old")
			s.c.Server().AddFault(&fault{match: on("", "update", testClusterConfigMap), err: errTimeout, loseResponse: true, times: 1})
			if err := s.store.Replace(s.ctx, testKey, []byte("new")); err != nil {
				t.Fatal(err)
			}
			h, err := s.store.Get(s.ctx, testKey)
			if err != nil {
				t.Fatal(err)
			}
			if b, err := s.store.Retrieve(s.ctx, h); err != nil || string(b) != "new" {
				t.Fatalf("state under %s: %q, %v; want new", testKey, b, err)
			}
			if files := s.files(); s.fs.Deletes(old.Path) != 1 || len(files) != 1 || files[0] != h.Path {
				t.Errorf("old state deleted %d times, files %v; want only the new state left", s.fs.Deletes(old.Path), files)
			}
		}},
		{"testGetAndExist", func(t *testing.T, s *shs) {
			s.add(t, testKey, "state")
			rv, ok, err := s.store.Exists(s.ctx, testKey)
			if !ok || err != nil || rv != getConfigMap(t, s.c.Client(), testClusterConfigMap).ResourceVersion {
				t.Errorf("Exists = %q, %v, %v", rv, ok, err)
			}
			if got, err := s.stateOf(t, testKey); got != "state" {
				t.Errorf("state %q, %v", got, err)
			}
		}},
		{"testExistsWithDeletingEntry", func(t *testing.T, s *shs) {
			s.add(t, testKey, "state")
			s.mark(t, testKey)
			if _, ok, err := s.store.Exists(s.ctx, testKey); ok || err != nil {
				t.Errorf("Exists = %v, %v; want not existing", ok, err)
			}
			if s.fs.TotalDeletes() != 0 {
				t.Error("the marked state was discarded proactively")
			}
		}},
		{"testGetNonExistingKey", func(t *testing.T, s *shs) {
			if _, ok, err := s.store.Exists(s.ctx, testKey); ok || err != nil {
				t.Errorf("Exists = %v, %v; want not existing", ok, err)
			}
			if _, err := s.store.Get(s.ctx, testKey); !errors.Is(err, ErrNotExist) {
				t.Errorf("Get: %v, want ErrNotExist", err)
			}
		}},
		{"testGetAll", func(t *testing.T, s *shs) {
			for i := range 3 {
				s.add(t, fmt.Sprintf("%s%d", testKeyPrefix, i), fmt.Sprint(i))
			}
			all, err := s.store.GetAll(s.ctx)
			if err != nil || len(all) != 3 {
				t.Fatalf("GetAll = %v, %v", all, err)
			}
			for i, e := range all {
				if b, _ := s.store.Retrieve(s.ctx, e.Handle); e.Key != fmt.Sprintf("%s%d", testKeyPrefix, i) || string(b) != fmt.Sprint(i) {
					t.Errorf("entry %d = %s → %q", i, e.Key, b)
				}
			}
		}},
		{"testGetAllHandles", func(t *testing.T, s *shs) {
			for i := range 3 {
				s.add(t, fmt.Sprintf("%s%d", testKeyPrefix, i), fmt.Sprint(i))
			}
			keys, err := s.store.AllKeys(s.ctx)
			if err != nil || fmt.Sprint(keys) != "[test-0 test-1 test-2]" {
				t.Errorf("AllKeys = %v, %v", keys, err)
			}
		}},
		{"testRemove", func(t *testing.T, s *shs) {
			h := s.add(t, testKey, "state")
			if ok, err := s.store.Remove(s.ctx, testKey); !ok || err != nil {
				t.Fatalf("Remove = %v, %v", ok, err)
			}
			if len(s.rawKeys(t)) != 0 || s.fs.Deletes(h.Path) != 1 {
				t.Errorf("keys %v, state discarded %d times", s.rawKeys(t), s.fs.Deletes(h.Path))
			}
		}},
		{"testRemoveOfNonExistingState", func(t *testing.T, s *shs) {
			if ok, err := s.store.Remove(s.ctx, testKey); !ok || err != nil {
				t.Fatalf("Remove = %v, %v; want true", ok, err)
			}
			if s.fs.TotalDeletes() != 0 {
				t.Error("something was discarded")
			}
		}},
		{"testRemoveFailedShouldNotDiscardState", func(t *testing.T, s *shs) {
			s.add(t, testKey, "state")
			s.loseLeadership(t)
			if ok, err := s.store.Remove(s.ctx, testKey); ok || err != nil {
				t.Fatalf("Remove = %v, %v; want false", ok, err)
			}
			if got, _ := s.stateOf(t, testKey); got != "state" || s.fs.TotalDeletes() != 0 {
				t.Errorf("state %q, deletions %d; want the entry and state kept", got, s.fs.TotalDeletes())
			}
		}},
		{"testRemoveAllHandles", func(t *testing.T, s *shs) {
			s.add(t, testKeyPrefix+"1", "1")
			s.add(t, testKeyPrefix+"2", "2")
			if err := s.store.ClearEntries(s.ctx); err != nil {
				t.Fatal(err)
			}
			cm := getConfigMap(t, s.c.Client(), testClusterConfigMap)
			if len(s.rawKeys(t)) != 0 || cm.Data[unrelatedKey] != "keep me" {
				t.Errorf("data %v; want only the unrelated key", cm.Data)
			}
			if s.fs.TotalDeletes() != 0 || len(s.files()) != 2 {
				t.Errorf("files %v, deletions %d; want nothing discarded", s.files(), s.fs.TotalDeletes())
			}
		}},
		{"testReleaseAndTryRemoveIsIdempotent", func(t *testing.T, s *shs) {
			h := s.add(t, testKey, "state")
			s.fs.FailDeletes(h.Path, 1)
			if _, err := s.store.Remove(s.ctx, testKey); err == nil {
				t.Fatal("first Remove succeeded although discarding failed")
			}
			if _, err := s.store.Get(s.ctx, testKey); !errors.Is(err, ErrNotExist) {
				t.Errorf("Get after a failed removal: %v; want the entry invisible", err)
			}
			if keys := s.rawKeys(t); len(keys) != 1 {
				t.Errorf("keys %v; want the marked entry kept", keys)
			}
			if ok, err := s.store.Remove(s.ctx, testKey); !ok || err != nil {
				t.Fatalf("second Remove = %v, %v", ok, err)
			}
			if len(s.rawKeys(t)) != 0 || s.fs.Deletes(h.Path) != 1 {
				t.Errorf("keys %v, state discarded %d times; want gone, once", s.rawKeys(t), s.fs.Deletes(h.Path))
			}
		}},
		{"corruptEntryIsOverwrittenAndSkipped", func(t *testing.T, s *shs) {
			editConfigMap(t, s.c.Client(), testClusterConfigMap, func(cm *corev1.ConfigMap) { cm.Data[testKeyPrefix+"corrupt"] = "!!not base64" })
			if all, err := s.store.GetAll(s.ctx); err != nil || len(all) != 0 {
				t.Errorf("GetAll = %v, %v; want the corrupt entry skipped", all, err)
			}
			s.add(t, testKeyPrefix+"corrupt", "state")
			if got, err := s.stateOf(t, testKeyPrefix+"corrupt"); got != "state" {
				t.Errorf("state %q, %v; want the corrupt entry overwritten", got, err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { inBubble(t, tc.test) })
	}
}

// KubernetesStateHandleStoreITCase: of three contenders adding the same key, only
// the elected leader's value is stored.
func TestKubernetesStateHandleStoreITCase(t *testing.T) {
	t.Run("testMultipleKubernetesStateHandleStores", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			log := &leadershipLog{}
			es, rs := electors(t, c, 3, DefaultElectionTiming(), log)
			eventually(t, 11*time.Second, "one leader", oneLeader(log))
			fs := newCountingFS()
			var wg sync.WaitGroup
			for i, e := range es {
				store, err := NewStateHandleStore(StateHandleStoreConfig{
					Client: c.ClientFor(userOf(fmt.Sprintf("jm-%d", i))), Namespace: testNamespace, ConfigMapName: testClusterConfigMap,
					KeyPrefix: testKeyPrefix, LockIdentity: e.Identity(), MaxRetries: 15,
					FileSystem: fs, Dir: testStorageDir, FilePrefix: "state", Rand: testRand(uint64(i)),
				})
				if err != nil {
					t.Fatal(err)
				}
				wg.Go(func() {
					if _, err := store.Add(context.Background(), testKey, []byte(fmt.Sprint("value-", i))); err != nil {
						t.Errorf("contender %d: %v", i, err)
					}
				})
			}
			wg.Wait()
			leader := log.leaders()[0]
			s := &shs{c: c, fs: fs, store: nil, ctx: context.Background()}
			s.store, _ = NewStateHandleStore(StateHandleStoreConfig{Client: c.Client(), Namespace: testNamespace, ConfigMapName: testClusterConfigMap, FileSystem: fs, Dir: testStorageDir, Rand: testRand(9)})
			if got, err := s.stateOf(t, testKey); got != fmt.Sprint("value-", leader) {
				t.Errorf("stored %q (%v), want the leader's value-%d", got, err, leader)
			}
			if len(fs.Files()) != 1 || fs.TotalDeletes() != 2 {
				t.Errorf("files %v, deletions %d; want the two followers' states discarded", fs.Files(), fs.TotalDeletes())
			}
			for _, r := range rs {
				r.stop()
			}
		})
	})
}
