package faults

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"flinksim/sim/apiserver"
)

const jm = "system:serviceaccount:default:jobmanager"

// newServer is a server with the default namespace and a ConfigMap "cm" in it.
func newServer(t *testing.T) (*apiserver.Server, kubernetes.Interface) {
	t.Helper()
	s, err := apiserver.New(apiserver.Config{Seed: 1})
	require.NoError(t, err)
	admin := s.Clientset(apiserver.AdminUser)
	_, err = admin.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = admin.CoreV1().ConfigMaps("default").Create(t.Context(), configMap("cm", "1"), metav1.CreateOptions{})
	require.NoError(t, err)
	s.StartWatchHistory()
	return s, s.Clientset(jm)
}

func configMap(name, v string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"v": v}}
}

// logOf is the request log of one verb on a ConfigMap, as "code fault" lines.
func logOf(s *apiserver.Server, verb, name string) []apiserver.Entry {
	return s.RequestLog().Entries(func(e apiserver.Entry) bool {
		return e.Verb == verb && e.Name == name && e.Resource.Resource == "configmaps"
	})
}

func TestErrorStrikesTheMatchingRequestsNTimes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, cs := newServer(t)
		f := Error(Match{Verb: "update", Resource: "configmaps", Name: "c*", User: jm},
			http.StatusInternalServerError, metav1.StatusReasonInternalError, "etcd is slow", Times(2), Name("slow-etcd"))
		s.AddFault(f)
		cms := cs.CoreV1().ConfigMaps("default")
		for i, want := range []bool{false, false, true} {
			cm, err := cms.Get(t.Context(), "cm", metav1.GetOptions{})
			require.NoError(t, err, "gets pass")
			_, err = cms.Update(t.Context(), cm, metav1.UpdateOptions{})
			if want {
				require.NoError(t, err, "update %d", i)
				continue
			}
			require.Error(t, err, "update %d", i)
			assert.True(t, apierrors.IsInternalError(err), "%v", err)
			assert.Equal(t, "etcd is slow", err.Error())
		}
		assert.Equal(t, 2, f.Hits())
		entries := logOf(s, "update", "cm")
		require.Len(t, entries, 3)
		assert.Equal(t, int32(500), entries[0].Code)
		assert.Equal(t, "slow-etcd: error 500 InternalError", entries[0].Fault)
		assert.Empty(t, entries[2].Fault)
		assert.Equal(t, "slow-etcd: error 500 InternalError on update configmaps */c* by "+jm, f.String())

		_, err := s.Clientset(apiserver.AdminUser).CoreV1().ConfigMaps("default").Update(t.Context(), configMap("cm", "2"), metav1.UpdateOptions{})
		assert.NoError(t, err, "another user is not struck")
	})
}

// TestLabelsSelectTheObjectsAFaultIsAbout: creates and updates by the labels they send,
// reads and deletes by the stored object's, lists and watches by their selectors.
func TestLabelsSelectTheObjectsAFaultIsAbout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, cs := newServer(t)
		cms := cs.CoreV1().ConfigMaps("default")
		labelled := func(name, app string) *corev1.ConfigMap {
			cm := configMap(name, "1")
			cm.Labels = map[string]string{"app": app, "type": "flink-native-kubernetes"}
			return cm
		}
		_, err := cms.Create(t.Context(), labelled("b-1", "b"), metav1.CreateOptions{})
		require.NoError(t, err)
		f := Error(Match{Resource: "configmaps", Labels: "app=a"}, http.StatusInternalServerError, metav1.StatusReasonInternalError, "etcd is slow")
		s.AddFault(f)

		_, err = cms.Create(t.Context(), labelled("a-1", "a"), metav1.CreateOptions{})
		assert.True(t, apierrors.IsInternalError(err), "a create of a labelled object: %v", err)
		_, err = cms.Create(t.Context(), labelled("b-2", "b"), metav1.CreateOptions{})
		assert.NoError(t, err, "other labels pass")
		_, err = cms.Get(t.Context(), "b-1", metav1.GetOptions{})
		assert.NoError(t, err)
		_, err = cms.List(t.Context(), metav1.ListOptions{LabelSelector: "app=b"})
		assert.NoError(t, err)
		_, err = cms.List(t.Context(), metav1.ListOptions{})
		assert.NoError(t, err, "a list of everything is not about app=a alone")
		_, err = cms.List(t.Context(), metav1.ListOptions{LabelSelector: "type=flink-native-kubernetes,app=a"})
		assert.True(t, apierrors.IsInternalError(err), "a list of app=a: %v", err)
		_, err = cms.Watch(t.Context(), metav1.ListOptions{LabelSelector: "app=a"})
		assert.True(t, apierrors.IsInternalError(err), "a watch of app=a: %v", err)

		s.RemoveFault(f)
		_, err = cms.Create(t.Context(), labelled("a-1", "a"), metav1.CreateOptions{})
		require.NoError(t, err)
		s.AddFault(Error(Match{Verb: "get,delete,update,watch", Resource: "configmaps", Labels: "app=a"}, http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, "unavailable"))
		_, err = cms.Get(t.Context(), "a-1", metav1.GetOptions{})
		assert.True(t, apierrors.IsServiceUnavailable(err), "a get of a stored labelled object: %v", err)
		_, err = cms.Watch(t.Context(), metav1.ListOptions{FieldSelector: "metadata.name=a-1"})
		assert.True(t, apierrors.IsServiceUnavailable(err), "a watch of it by name: %v", err)
		err = cms.Delete(t.Context(), "a-1", metav1.DeleteOptions{})
		assert.True(t, apierrors.IsServiceUnavailable(err), "a delete: %v", err)
		relabelled := labelled("b-1", "a")
		_, err = cms.Update(t.Context(), relabelled, metav1.UpdateOptions{})
		assert.True(t, apierrors.IsServiceUnavailable(err), "an update that sends the labels: %v", err)
		err = cms.Delete(t.Context(), "b-1", metav1.DeleteOptions{})
		assert.NoError(t, err)
		err = cms.Delete(t.Context(), "nothing", metav1.DeleteOptions{})
		assert.True(t, apierrors.IsNotFound(err), "a name that does not exist is about no object: %v", err)
	})
}

func TestForbiddenWordsTheRefusalAsTheAPIServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, cs := newServer(t)
		s.AddFault(Forbidden(Match{Verb: "create", Resource: "configmaps"}, "exceeded quota: configmaps, requested: configmaps=1, used: configmaps=1, limited: configmaps=1", Times(1)))
		_, err := cs.CoreV1().ConfigMaps("default").Create(t.Context(), configMap("second", "1"), metav1.CreateOptions{})
		require.Error(t, err)
		assert.True(t, apierrors.IsForbidden(err), "%v", err)
		assert.Equal(t, `configmaps "second" is forbidden: exceeded quota: configmaps, requested: configmaps=1, used: configmaps=1, limited: configmaps=1`, err.Error())
		entries := logOf(s, "create", "second")
		require.Len(t, entries, 1)
		assert.Equal(t, int32(403), entries[0].Code)
		assert.Equal(t, "forbidden: exceeded quota: configmaps, requested: configmaps=1, used: configmaps=1, limited: configmaps=1", entries[0].Fault)
		_, err = cs.CoreV1().ConfigMaps("default").Create(t.Context(), configMap("second", "1"), metav1.CreateOptions{})
		assert.NoError(t, err, "once")
	})
}

func TestLatencyDelaysAndHonoursTheCallersContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, cs := newServer(t)
		s.AddFault(Latency(Match{Resource: "configmaps"}, time.Minute))
		cms := cs.CoreV1().ConfigMaps("default")

		start := time.Now()
		_, err := cms.Get(t.Context(), "cm", metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, time.Minute, time.Since(start))

		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start = time.Now()
		_, err = cms.Create(ctx, configMap("late", "1"), metav1.CreateOptions{})
		assert.Equal(t, time.Second, time.Since(start), "the caller gives up at its deadline")
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, `Post "https://10.96.0.1:443/api/v1/namespaces/default/configmaps": context deadline exceeded`, err.Error())
		synctest.Wait()
		assert.Nil(t, s.Object(corev1.SchemeGroupVersion.WithResource("configmaps"), "default", "late"), "not served")
		entries := logOf(s, "create", "late")
		require.Len(t, entries, 1)
		assert.Equal(t, int32(0), entries[0].Code)
		assert.Equal(t, "latency 1m0s", entries[0].Fault)
	})
}

// TestLatencyEndingAtTheDeadlineIsNotServed: a delay that ends at the very instant the
// caller gives up does not reach the server, whichever goroutine of that instant runs
// first.
func TestLatencyEndingAtTheDeadlineIsNotServed(t *testing.T) {
	for range 20 {
		synctest.Test(t, func(t *testing.T) {
			s, cs := newServer(t)
			s.AddFault(Latency(Match{Verb: "create"}, 10*time.Second))
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			_, err := cs.CoreV1().ConfigMaps("default").Create(ctx, configMap("late", "1"), metav1.CreateOptions{})
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			synctest.Wait()
			assert.Nil(t, s.Object(corev1.SchemeGroupVersion.WithResource("configmaps"), "default", "late"), "not served")
		})
	}
}

func TestLatencyHoldsOnlyItsOwnRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, cs := newServer(t)
		s.AddFault(Latency(Match{Name: "cm"}, time.Hour))
		start := time.Now()
		var wg sync.WaitGroup
		wg.Go(func() {
			_, err := cs.CoreV1().ConfigMaps("default").Get(t.Context(), "cm", metav1.GetOptions{})
			assert.NoError(t, err)
			assert.Equal(t, time.Hour, time.Since(start))
		})
		for i := range 10 {
			_, err := cs.CoreV1().ConfigMaps("default").Create(t.Context(), configMap("other-"+string(rune('a'+i)), "1"), metav1.CreateOptions{})
			require.NoError(t, err)
		}
		assert.Zero(t, time.Since(start), "the same identity's other requests pass at once")
		wg.Wait()
	})
}

func TestThrottleIsRetriedAsClientGoRetriesIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, cs := newServer(t)
		f := Throttle(Match{Verb: "list"}, 1500*time.Millisecond, Times(3))
		s.AddFault(f)
		start := time.Now()
		_, err := cs.CoreV1().ConfigMaps("default").List(t.Context(), metav1.ListOptions{})
		require.NoError(t, err, "three 429s are retried away")
		assert.Equal(t, 6*time.Second, time.Since(start), "Retry-After is rounded up to whole seconds")
		var codes []int32
		for _, e := range s.RequestLog().Entries(func(e apiserver.Entry) bool { return e.Verb == "list" }) {
			codes = append(codes, e.Code)
			if e.Code == 429 {
				assert.Equal(t, "throttled: 429, Retry-After 2s", e.Fault)
			}
		}
		assert.Equal(t, []int32{429, 429, 429, 200}, codes)

		// Throttling that outlasts client-go's ten retries reaches the caller.
		s.AddFault(Throttle(Match{Verb: "get"}, time.Second))
		start = time.Now()
		_, err = cs.CoreV1().ConfigMaps("default").Get(t.Context(), "cm", metav1.GetOptions{})
		require.Error(t, err)
		assert.True(t, apierrors.IsTooManyRequests(err), "%v", err)
		assert.Equal(t, `the server has received too many requests and has asked us to try again later (get configmaps cm)`, err.Error())
		delay, ok := apierrors.SuggestsClientDelay(err)
		assert.True(t, ok)
		assert.Equal(t, 1, delay)
		assert.Equal(t, 10*time.Second, time.Since(start))
	})
}

func TestUnavailableRefusesConnectionsAndDropsWatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, cs := newServer(t)
		w, err := cs.CoreV1().ConfigMaps("default").Watch(t.Context(), metav1.ListOptions{ResourceVersion: "2"})
		require.NoError(t, err)
		defer w.Stop()
		s.AddFault(Unavailable(All, For(30*time.Second)))
		_, open := <-w.ResultChan()
		assert.False(t, open, "the open watch is dropped without an event")

		_, err = cs.CoreV1().ConfigMaps("default").Get(t.Context(), "cm", metav1.GetOptions{})
		require.Error(t, err)
		assert.True(t, utilnet.IsConnectionRefused(err), "%T %v", err, err)
		assert.Equal(t, `Get "https://10.96.0.1:443/api/v1/namespaces/default/configmaps/cm": dial tcp 10.96.0.1:443: connect: connection refused`, err.Error())
		_, err = cs.CoreV1().ConfigMaps("default").Watch(t.Context(), metav1.ListOptions{})
		assert.True(t, utilnet.IsConnectionRefused(err), "%v", err)
		entries := logOf(s, "get", "cm")
		require.NotEmpty(t, entries)
		assert.Equal(t, "connection refused: the API server is unavailable", entries[len(entries)-1].Fault)

		time.Sleep(30 * time.Second)
		_, err = cs.CoreV1().ConfigMaps("default").Get(t.Context(), "cm", metav1.GetOptions{})
		assert.NoError(t, err, "the outage is over")
	})
}

func TestLoseResponseCommitsAndFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, cs := newServer(t)
		f := LoseResponse(Match{Verb: "create,update"}, Times(2))
		s.AddFault(f)
		cms := cs.CoreV1().ConfigMaps("default")
		_, err := cms.Create(t.Context(), configMap("lost", "1"), metav1.CreateOptions{})
		require.Error(t, err)
		assert.True(t, apierrors.IsTimeout(err), "%v", err)
		assert.Equal(t, "Timeout: request did not complete within requested timeout - context deadline exceeded", err.Error())
		got, err := cms.Get(t.Context(), "lost", metav1.GetOptions{})
		require.NoError(t, err, "the create was committed")

		got.Data["v"] = "2"
		_, err = cms.Update(t.Context(), got, metav1.UpdateOptions{})
		assert.True(t, apierrors.IsTimeout(err))
		again, err := cms.Get(t.Context(), "lost", metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, "2", again.Data["v"], "the update was committed")
		_, err = cms.Update(t.Context(), got, metav1.UpdateOptions{})
		assert.True(t, apierrors.IsConflict(err), "a client that retries the lost update with its old version conflicts: %v", err)

		entries := logOf(s, "create", "lost")
		require.Len(t, entries, 1)
		assert.Equal(t, int32(504), entries[0].Code)
		assert.Contains(t, entries[0].Fault, "committed, then the response was lost")
	})
}

func TestLoseResponseKeepsARefusal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, cs := newServer(t)
		s.AddFault(LoseResponse(Match{Verb: "create"}))
		_, err := cs.CoreV1().ConfigMaps("default").Create(t.Context(), configMap("cm", "1"), metav1.CreateOptions{})
		assert.True(t, apierrors.IsAlreadyExists(err), "nothing committed, the server's own answer: %v", err)
	})
}

func TestWatchFaultsStrikeNewWatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, cs := newServer(t)
		cms := cs.CoreV1().ConfigMaps("default")
		drop := DropWatch(Match{Resource: "configmaps"}, Times(1))
		s.AddFault(drop)
		_, err := cms.Get(t.Context(), "cm", metav1.GetOptions{})
		require.NoError(t, err)
		assert.Zero(t, drop.Hits(), "other requests pass uncounted")
		w, err := cms.Watch(t.Context(), metav1.ListOptions{})
		require.NoError(t, err)
		_, open := <-w.ResultChan()
		assert.False(t, open, "dropped at once, without an event")

		s.RemoveFault(drop)
		s.AddFault(ExpireWatch(Match{Resource: "configmaps"}, Times(1)))
		w, err = cms.Watch(t.Context(), metav1.ListOptions{})
		require.NoError(t, err)
		ev := <-w.ResultChan()
		require.Equal(t, watch.Error, ev.Type)
		assert.True(t, apierrors.IsResourceExpired(apierrors.FromObject(ev.Object)))
		_, open = <-w.ResultChan()
		assert.False(t, open)

		w, err = cms.Watch(t.Context(), metav1.ListOptions{})
		require.NoError(t, err, "the third watch is served")
		ev = <-w.ResultChan()
		assert.Equal(t, watch.Added, ev.Type)
		w.Stop()

		var faults []string
		for _, e := range s.RequestLog().Entries(func(e apiserver.Entry) bool { return e.Verb == "watch" }) {
			faults = append(faults, e.Fault)
		}
		assert.Equal(t, []string{"watch dropped", "watch expired: ERROR 410 Expired", ""}, faults)
	})
}

func TestOpenWatchesCanBeExpiredAndDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, cs := newServer(t)
		admin := s.Clientset(apiserver.AdminUser)
		mine, err := cs.CoreV1().ConfigMaps("default").Watch(t.Context(), metav1.ListOptions{ResourceVersion: "2"})
		require.NoError(t, err)
		defer mine.Stop()
		theirs, err := admin.CoreV1().ConfigMaps("default").Watch(t.Context(), metav1.ListOptions{ResourceVersion: "2"})
		require.NoError(t, err)
		defer theirs.Stop()

		assert.Equal(t, 1, s.ExpireWatches(Match{User: jm}.Matches))
		ev := <-mine.ResultChan()
		require.Equal(t, watch.Error, ev.Type)
		st := ev.Object.(*metav1.Status)
		assert.Equal(t, int32(410), st.Code)
		assert.Equal(t, "etcdserver: mvcc: required revision has been compacted", st.Message)
		_, open := <-mine.ResultChan()
		assert.False(t, open)

		_, err = admin.CoreV1().ConfigMaps("default").Create(t.Context(), configMap("next", "1"), metav1.CreateOptions{})
		require.NoError(t, err)
		assert.Equal(t, watch.Added, (<-theirs.ResultChan()).Type, "the other watch goes on")

		assert.Equal(t, 1, s.DropWatches(nil))
		_, open = <-theirs.ResultChan()
		assert.False(t, open)

		injected := s.RequestLog().Entries(func(e apiserver.Entry) bool { return e.Fault != "" })
		require.Len(t, injected, 2)
		assert.Equal(t, int32(410), injected[0].Code)
		assert.Equal(t, jm, injected[0].User)
		assert.Equal(t, "ERROR Gone Expired delivered to the open watch", injected[0].Fault)
		assert.Equal(t, "the open watch was dropped", injected[1].Fault)
		assert.Equal(t, 2, s.RequestLog().Count("", "watch", ""), "struck watches are not new requests")
	})
}

// TestAnInformerRecoversFromWatchFaults is the point of watch faults: client-go's
// reflector lists again after a 410 and watches again after a drop, and its cache ends up
// right.
func TestAnInformerRecoversFromWatchFaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, cs := newServer(t)
		ctx, cancel := context.WithCancel(t.Context())
		factory := informers.NewSharedInformerFactory(cs, 0)
		inf := factory.Core().V1().ConfigMaps().Informer()
		factory.Start(ctx.Done())
		defer func() {
			cancel()
			factory.Shutdown()
		}()
		require.True(t, cache.WaitForCacheSync(ctx.Done(), inf.HasSynced))
		admin := s.Clientset(apiserver.AdminUser).CoreV1().ConfigMaps("default")

		lists := s.RequestLog().Count(jm, "list", "configmaps")
		s.ExpireWatches(Match{User: jm}.Matches)
		_, err := admin.Create(t.Context(), configMap("after-expiry", "1"), metav1.CreateOptions{})
		require.NoError(t, err)
		s.AddFault(Unavailable(Match{User: jm}, For(time.Minute)))
		_, err = admin.Create(t.Context(), configMap("during-outage", "1"), metav1.CreateOptions{})
		require.NoError(t, err)
		time.Sleep(2 * time.Minute)
		synctest.Wait()

		keys := inf.GetStore().ListKeys()
		assert.ElementsMatch(t, []string{"default/cm", "default/after-expiry", "default/during-outage"}, keys)
		assert.Greater(t, s.RequestLog().Count(jm, "list", "configmaps"), lists, "the reflector listed again")
	})
}
