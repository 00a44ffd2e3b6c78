package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/watch"
	clienttesting "k8s.io/client-go/testing"
)

// funcFault is a fault made of a function.
type funcFault func(req Request, serve func() (runtime.Object, error)) (runtime.Object, error)

func (f funcFault) Intercept(req Request, serve func() (runtime.Object, error)) (runtime.Object, error) {
	return f(req, serve)
}

// onName applies f to the requests about name and serves the others.
func onName(name string, f funcFault) funcFault {
	return func(req Request, serve func() (runtime.Object, error)) (runtime.Object, error) {
		if req.Name != name {
			return serve()
		}
		return f(req, serve)
	}
}

func configMap(name string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}
}

func TestARequestWithAnEndedContextIsNotSent(t *testing.T) {
	s, cs := newServer(t)
	cms := cs.CoreV1().ConfigMaps("default")
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	before := s.RequestLog().Count("", "", "")

	_, err := cms.Create(cancelled, configMap("c"), metav1.CreateOptions{})
	require.Error(t, err)
	assert.Equal(t, context.Canceled, err, "client-go returns the context's error as it is")
	assert.Nil(t, s.Object(corev1.SchemeGroupVersion.WithResource("configmaps"), "default", "c"), "not created")

	expired, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	_, err = cms.Get(expired, "c", metav1.GetOptions{})
	assert.Equal(t, context.DeadlineExceeded, err)
	_, err = cms.Watch(expired, metav1.ListOptions{})
	assert.Equal(t, context.DeadlineExceeded, err)
	err = cms.DeleteCollection(expired, metav1.DeleteOptions{}, metav1.ListOptions{})
	assert.Equal(t, context.DeadlineExceeded, err)
	assert.Equal(t, before, s.RequestLog().Count("", "", ""), "the server saw none of them")
}

func TestAFaultThatOutlastsTheDeadlineFailsTheRequestWithoutServingIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, cs := newServer(t)
		// A fault that ignores contexts: the request is held a minute all the same, but
		// when the caller has given up the server does not serve it.
		s.AddFault(onName("slow", func(req Request, serve func() (runtime.Object, error)) (runtime.Object, error) {
			time.Sleep(time.Minute)
			return serve()
		}))
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, err := cs.CoreV1().ConfigMaps("default").Create(ctx, configMap("slow"), metav1.CreateOptions{})
		require.Error(t, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Nil(t, s.Object(corev1.SchemeGroupVersion.WithResource("configmaps"), "default", "slow"), "the create was not executed")
	})
}

func TestAFaultThatHonoursTheContextEndsWithTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, cs := newServer(t)
		cms := cs.CoreV1().ConfigMaps("default")
		_, err := cms.Create(t.Context(), configMap("c"), metav1.CreateOptions{})
		require.NoError(t, err)
		s.AddFault(onName("c", func(req Request, serve func() (runtime.Object, error)) (runtime.Object, error) {
			req.Injected("latency 1m0s")
			select {
			case <-req.Context().Done():
				return nil, req.Context().Err()
			case <-time.After(time.Minute):
				return serve()
			}
		}))
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		_, err = cms.Get(ctx, "c", metav1.GetOptions{})
		assert.Equal(t, time.Second, time.Since(start), "the caller waits for its deadline, not for the fault")
		var urlErr *url.Error
		require.ErrorAs(t, err, &urlErr, "a request in flight fails as client-go fails it")
		assert.Equal(t, `Get "https://10.96.0.1:443/api/v1/namespaces/default/configmaps/c": context deadline exceeded`, err.Error())
		assert.ErrorIs(t, err, context.DeadlineExceeded)

		entries := s.RequestLog().Entries(func(e Entry) bool { return e.Verb == "get" && e.Name == "c" })
		require.Len(t, entries, 1)
		assert.Equal(t, int32(0), entries[0].Code, "no answer reached the caller")
		assert.Equal(t, "latency 1m0s", entries[0].Fault)
		assert.Equal(t, time.Second, entries[0].Duration)
	})
}

func TestAHeldRequestHoldsNoOtherRequestOfTheSameIdentity(t *testing.T) {
	s, cs := newServer(t)
	cms := cs.CoreV1().ConfigMaps("default")
	for _, name := range []string{"held", "free"} {
		_, err := cms.Create(t.Context(), configMap(name), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	s.AddFault(onName("held", func(req Request, serve func() (runtime.Object, error)) (runtime.Object, error) {
		close(entered)
		<-release
		return serve()
	}))
	// A safety valve, not a wait: should the free request be stuck behind the held one,
	// the held one is let go after a while, and the order below shows the defect.
	valve := time.AfterFunc(10*time.Second, func() { close(release) })
	var mu sync.Mutex
	var order []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err := cms.Get(context.Background(), "held", metav1.GetOptions{})
		assert.NoError(t, err)
		mu.Lock()
		order = append(order, "held")
		mu.Unlock()
	}()
	<-entered
	_, err := cms.Get(t.Context(), "free", metav1.GetOptions{})
	require.NoError(t, err)
	mu.Lock()
	order = append(order, "free")
	mu.Unlock()
	if valve.Stop() {
		close(release)
	}
	<-done
	assert.Equal(t, []string{"free", "held"}, order, "the free request did not wait for the held one")
}

func TestAHeldRequestLetsVirtualTimeRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, cs := newServer(t)
		cms := cs.CoreV1().ConfigMaps("default")
		s.AddFault(onName("slow", func(req Request, serve func() (runtime.Object, error)) (runtime.Object, error) {
			time.Sleep(time.Minute)
			return serve()
		}))
		start := time.Now()
		var wg sync.WaitGroup
		for _, name := range []string{"slow", "fast"} {
			wg.Go(func() {
				_, err := cms.Create(t.Context(), configMap(name), metav1.CreateOptions{})
				assert.NoError(t, err)
				if name == "fast" {
					assert.Zero(t, time.Since(start), "the fast create waits for nothing")
				} else {
					assert.Equal(t, time.Minute, time.Since(start))
				}
			})
		}
		wg.Wait()
	})
}

func TestCallsLeaveNoRecordedActions(t *testing.T) {
	_, cs := newServer(t)
	for range 10 {
		_, err := cs.CoreV1().ConfigMaps("default").List(t.Context(), metav1.ListOptions{})
		require.NoError(t, err)
	}
	assert.Empty(t, cs.(clienttesting.FakeClient).Actions(), "nothing piles up in a shared fake")
}

func TestAWatchEndsWithItsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, cs := newServer(t)
		ctx, cancel := context.WithCancel(t.Context())
		w, err := cs.CoreV1().ConfigMaps("default").Watch(ctx, metav1.ListOptions{})
		require.NoError(t, err)
		defer w.Stop()
		cancel()
		synctest.Wait()
		select {
		case ev := <-w.ResultChan():
			require.Equal(t, watch.Error, ev.Type, "as a real client's watch: an ERROR event, then the end")
			err := apierrors.FromObject(ev.Object)
			assert.True(t, apierrors.IsInternalError(err), "%v", err)
			assert.Contains(t, err.Error(), "unable to decode an event from the watch stream: context canceled")
		default:
			t.Fatal("the watch goes on after its context ended")
		}
		_, open := <-w.ResultChan()
		assert.False(t, open)
	})
}

func TestRetryAfterAnswersAreRetriedAsClientGoRetriesThem(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, cs := newServer(t)
		throttled := 0
		s.AddFault(funcFault(func(req Request, serve func() (runtime.Object, error)) (runtime.Object, error) {
			if req.Verb == "create" && throttled < 2 {
				throttled++
				return nil, apierrors.NewTooManyRequests("slow down", 2)
			}
			return serve()
		}))
		start := time.Now()
		_, err := cs.CoreV1().ConfigMaps("default").Create(t.Context(), configMap("c"), metav1.CreateOptions{})
		require.NoError(t, err, "two 429s with Retry-After are retried")
		assert.Equal(t, 4*time.Second, time.Since(start))
		var codes []int32
		for _, e := range s.RequestLog().Entries(func(e Entry) bool { return e.Verb == "create" && e.Name == "c" }) {
			codes = append(codes, e.Code)
		}
		assert.Equal(t, []int32{429, 429, 201}, codes)

		// An error without Retry-After is the caller's at once; so is the last of eleven.
		throttled = -100
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		_, err = cs.CoreV1().ConfigMaps("default").Create(ctx, configMap("d"), metav1.CreateOptions{})
		require.Error(t, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "context deadline exceeded - error from a previous attempt: slow down")
	})
}

// TestARetryDueAtTheDeadlineIsNotSent: a retry due at the very instant the caller's
// context ends is never sent, however the goroutines of that instant are scheduled.
func TestARetryDueAtTheDeadlineIsNotSent(t *testing.T) {
	for range 20 {
		synctest.Test(t, func(t *testing.T) {
			s, cs := newServer(t)
			s.AddFault(funcFault(func(req Request, serve func() (runtime.Object, error)) (runtime.Object, error) {
				if req.Verb == "create" {
					return nil, apierrors.NewTooManyRequests("slow down", 1)
				}
				return serve()
			}))
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			defer cancel()
			start := time.Now()
			_, err := cs.CoreV1().ConfigMaps("default").Create(ctx, configMap("d"), metav1.CreateOptions{})
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Equal(t, 3*time.Second, time.Since(start))
			assert.Equal(t, 3, s.RequestLog().Count("", "create", "configmaps"), "sent at 0 s, 1 s and 2 s; not at 3 s")
		})
	}
}

func TestTransportErrorsNameTheRequest(t *testing.T) {
	s, _ := newServer(t)
	cases := []struct {
		action clienttesting.Action
		want   string
	}{
		{clienttesting.NewCreateAction(corev1.SchemeGroupVersion.WithResource("pods"), "ns", &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}}),
			`Post "https://10.96.0.1:443/api/v1/namespaces/ns/pods": boom`},
		{clienttesting.NewGetAction(corev1.SchemeGroupVersion.WithResource("nodes"), "", "n"),
			`Get "https://10.96.0.1:443/api/v1/nodes/n": boom`},
		{clienttesting.NewWatchAction(corev1.SchemeGroupVersion.WithResource("pods"), "ns", metav1.ListOptions{}),
			`Get "https://10.96.0.1:443/api/v1/namespaces/ns/pods?watch=true": boom`},
		{clienttesting.NewPatchSubresourceAction(corev1.SchemeGroupVersion.WithResource("pods"), "ns", "p", "", nil, "status"),
			`Patch "https://10.96.0.1:443/api/v1/namespaces/ns/pods/p/status": boom`},
		{clienttesting.NewDeleteAction(leasesResource, "ns", "l"),
			`Delete "https://10.96.0.1:443/apis/coordination.k8s.io/v1/namespaces/ns/leases/l": boom`},
	}
	for _, c := range cases {
		err := s.transportError(AdminUser, c.action, errors.New("boom"))
		assert.Equal(t, c.want, err.Error())
	}
	assert.Nil(t, s.transportError(AdminUser, cases[0].action, nil))
	notFound := apierrors.NewNotFound(leasesResource.GroupResource(), "l")
	assert.Same(t, notFound, s.transportError(AdminUser, cases[0].action, notFound), "an answer of the server stays as it is")
}

func TestEveryStoredResourceHasAGeneratedClient(t *testing.T) {
	assert.ElementsMatch(t, Resources(), generatedResources,
		"the served table of internal/clientgen must list exactly the resources the server stores")
}

// TestHandleErrorDoesNotSleepInABubble: apimachinery's error backoff, with its real-clock
// start, would put the first HandleError of a bubble to sleep for decades.
func TestHandleErrorDoesNotSleepInABubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		utilruntime.HandleError(errors.New("a reflector's list failed (expected in this test)"))
		assert.Zero(t, time.Since(start))
	})
}

func TestRequestLogKeepsTheNewestEntries(t *testing.T) {
	for _, capacity := range []int{1, 3, logChunk, logChunk + 5} {
		l := newRequestLog(capacity)
		total := 2*capacity + 7
		for i := range total {
			l.append(Entry{Request: Request{Name: fmt.Sprint(i), Verb: "get"}}, true)
		}
		entries := l.Entries(nil)
		require.Len(t, entries, capacity)
		for i, e := range entries {
			assert.Equal(t, fmt.Sprint(total-capacity+i), e.Name, "oldest first")
		}
		assert.Equal(t, total, l.Count("", "get", ""), "the count covers what was dropped")
	}
}
