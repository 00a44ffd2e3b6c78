package ha

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"

	"flinksim/sim"
	"flinksim/sim/apiserver"
	"flinksim/sim/simtest"
)

const (
	testNamespace = "default"
	testClusterID = "flink-ha-test"
)

var testClusterConfigMap = ClusterConfigMapName(testClusterID)

// startCluster runs a simulated cluster inside the caller's synctest bubble. The
// returned stop is kept for the tests' readability; the cluster stops at cleanup.
func startCluster(t *testing.T, seed int64) (*sim.Cluster, func()) {
	t.Helper()
	return simtest.Start(t, sim.Config{Seed: seed}), func() {}
}

// userOf is the simulated identity of the i-th JobManager.
func userOf(name string) string { return "system:serviceaccount:default:" + name }

func testRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// eventually polls cond every 10 ms of virtual time.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func getConfigMap(t *testing.T, client kubernetes.Interface, name string) *corev1.ConfigMap {
	t.Helper()
	cm, err := client.CoreV1().ConfigMaps(testNamespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get ConfigMap %s: %v", name, err)
	}
	return cm
}

func createConfigMap(t *testing.T, client kubernetes.Interface, name string, annotations, data map[string]string) {
	t.Helper()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNamespace, Labels: Labels(testClusterID), Annotations: annotations}, Data: data}
	if _, err := client.CoreV1().ConfigMaps(testNamespace).Create(context.Background(), cm, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create ConfigMap %s: %v", name, err)
	}
}

func editConfigMap(t *testing.T, client kubernetes.Interface, name string, edit func(cm *corev1.ConfigMap)) {
	t.Helper()
	_, err := CheckAndUpdateConfigMap(context.Background(), client, testNamespace, name, 5, func(cm *corev1.ConfigMap) (bool, error) {
		edit(cm)
		return true, nil
	})
	if err != nil {
		t.Fatalf("edit ConfigMap %s: %v", name, err)
	}
}

func deleteTestConfigMap(t *testing.T, client kubernetes.Interface, name string) {
	t.Helper()
	if err := client.CoreV1().ConfigMaps(testNamespace).Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete ConfigMap %s: %v", name, err)
	}
}

// leaderAnnotation is a lock annotation naming holder with a lease valid for an hour.
func leaderAnnotation(holder string) map[string]string {
	now := time.Now()
	rec, _ := LeaderRecord{HolderIdentity: holder, LeaseDuration: time.Hour, AcquireTime: now, RenewTime: now}.MarshalJSON()
	return map[string]string{LeaderAnnotationKey: string(rec)}
}

// leaderOf is the holder named by cm's lock record, or "".
func leaderOf(cm *corev1.ConfigMap) string {
	var rec LeaderRecord
	if cm == nil || rec.UnmarshalJSON([]byte(cm.Annotations[LeaderAnnotationKey])) != nil {
		return ""
	}
	return rec.HolderIdentity
}

// fault is an apiserver.Fault on the requests matched by match. Each matched request
// waits delay, then either fails with err without being served, or (loseResponse)
// is served and answered with err, or (err nil) is served normally. A fault is a
// pointer so that RemoveFault can find it.
type fault struct {
	match        func(apiserver.Request) bool
	delay        time.Duration
	err          error
	loseResponse bool
	// times limits how many requests it hits (0: all).
	times int
	// skip lets the first skip matched requests pass untouched.
	skip int

	mu   sync.Mutex
	hits int
}

func (f *fault) Intercept(req apiserver.Request, serve func() (runtime.Object, error)) (runtime.Object, error) {
	if !f.match(req) {
		return serve()
	}
	f.mu.Lock()
	if f.skip > 0 {
		f.skip--
		f.mu.Unlock()
		return serve()
	}
	if f.times > 0 && f.hits >= f.times {
		f.mu.Unlock()
		return serve()
	}
	f.hits++
	f.mu.Unlock()
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	switch {
	case f.err == nil:
		return serve()
	case f.loseResponse:
		_, _ = serve()
		return nil, f.err
	default:
		return nil, f.err
	}
}

func (f *fault) Hits() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits
}

// on matches requests of user (any if "") with verb on the ConfigMap name.
func on(user, verb, name string) func(apiserver.Request) bool {
	return func(r apiserver.Request) bool {
		return r.Resource.Resource == "configmaps" && r.Verb == verb && r.Name == name && (user == "" || r.User == user)
	}
}

func errInternal(what string) error { return apierrors.NewInternalError(errors.New(what)) }

// errTimeout is what a client sees when the response did not arrive in time.
var errTimeout = apierrors.NewTimeoutError("the request did not complete in time", 0)

// countingFS is a MemFileSystem that counts deletions per path and can fail them.
type countingFS struct {
	*MemFileSystem
	mu       sync.Mutex
	deletes  map[string]int
	failNext map[string]int // path → deletions to fail
}

func newCountingFS() *countingFS {
	return &countingFS{MemFileSystem: NewMemFileSystem(), deletes: map[string]int{}, failNext: map[string]int{}}
}

func (f *countingFS) Delete(ctx context.Context, path string, recursive bool) error {
	f.mu.Lock()
	if f.failNext[path] > 0 {
		f.failNext[path]--
		f.mu.Unlock()
		return fmt.Errorf("injected: cannot delete %s", path)
	}
	f.deletes[path]++
	f.mu.Unlock()
	return f.MemFileSystem.Delete(ctx, path, recursive)
}

func (f *countingFS) Deletes(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.deletes[path]
}

func (f *countingFS) FailDeletes(path string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext[path] = n
}

func (f *countingFS) TotalDeletes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, v := range f.deletes {
		n += v
	}
	return n
}

// dataOf is the data of a ConfigMap, or nil if it does not exist (for polling).
func dataOf(client kubernetes.Interface, name string) map[string]string {
	cm, err := client.CoreV1().ConfigMaps(testNamespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return cm.Data
}
