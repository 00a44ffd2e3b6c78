package apiserver

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// smallBufferServer is a server whose watchers buffer four events.
func smallBufferServer(t *testing.T) (*Server, kubernetes.Interface) {
	t.Helper()
	s, err := New(Config{Seed: 1, WatchBuffer: 4})
	require.NoError(t, err)
	cs := s.Clientset(AdminUser)
	_, err = cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	s.StartWatchHistory()
	return s, cs
}

func createConfigMaps(t *testing.T, cs kubernetes.Interface, n int) {
	t.Helper()
	for i := range n {
		_, err := cs.CoreV1().ConfigMaps("default").Create(context.Background(), configMap(fmt.Sprintf("c%03d", i)), metav1.CreateOptions{})
		require.NoError(t, err)
	}
}

// A burst far larger than the buffer reaches a client that is busy elsewhere but
// runnable: in virtual time it is never slow, whatever the machine's load.
func TestABurstLargerThanTheBufferReachesABusyWatcherInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, cs := smallBufferServer(t)
		w, err := cs.CoreV1().ConfigMaps("default").Watch(context.Background(), metav1.ListOptions{})
		require.NoError(t, err)
		defer w.Stop()
		start, got := make(chan struct{}), make(chan []string)
		go func() {
			<-start
			var names []string
			for ev := range w.ResultChan() {
				names = append(names, ev.Object.(*corev1.ConfigMap).Name)
				if len(names) == 500 {
					break
				}
			}
			got <- names
		}()
		createConfigMaps(t, cs, 500) // the reader has not started: 496 events wait
		close(start)
		names := <-got
		require.Len(t, names, 500)
		for i, n := range names {
			require.Equal(t, fmt.Sprintf("c%03d", i), n, "in order")
		}
	})
}

// A client that reads nothing while its buffer is full is closed once it has taken no
// event for the blocked timeout (100 ms), without an ERROR event, as the real watch
// cache closes an unresponsive watcher; what it had buffered is still delivered, and a
// new watch from the last resourceVersion it saw picks up the rest.
func TestAWatcherThatTakesNothingIsClosedAfterTheBlockedTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, cs := smallBufferServer(t)
		w, err := cs.CoreV1().ConfigMaps("default").Watch(context.Background(), metav1.ListOptions{})
		require.NoError(t, err)
		defer w.Stop()
		createConfigMaps(t, cs, 10)
		time.Sleep(99 * time.Millisecond)
		synctest.Wait()
		assert.Equal(t, 1, watchersOf(s, "configmaps"), "still open just before the timeout")
		time.Sleep(2 * time.Millisecond)
		synctest.Wait()
		assert.Equal(t, 0, watchersOf(s, "configmaps"), "closed after it")

		var last string
		var n int
		for ev := range w.ResultChan() {
			require.Equal(t, watch.Added, ev.Type)
			last = ev.Object.(*corev1.ConfigMap).ResourceVersion
			n++
		}
		assert.Equal(t, 4, n, "the buffered events, then the end of the watch")
		closed := s.RequestLog().Entries(func(e Entry) bool { return strings.Contains(e.Fault, "took no event for 100ms") })
		require.Len(t, closed, 1, "the request log shows the closed watch")
		assert.Equal(t, "watch", closed[0].Verb)

		again, err := cs.CoreV1().ConfigMaps("default").Watch(context.Background(), metav1.ListOptions{ResourceVersion: last})
		require.NoError(t, err)
		defer again.Stop()
		for i := 4; i < 10; i++ {
			ev := <-again.ResultChan()
			assert.Equal(t, fmt.Sprintf("c%03d", i), ev.Object.(*corev1.ConfigMap).Name)
		}
	})
}

// A client that takes an event now and then within the timeout keeps its watch.
func TestAWatcherThatKeepsTakingEventsStaysOpen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, cs := smallBufferServer(t)
		w, err := cs.CoreV1().ConfigMaps("default").Watch(context.Background(), metav1.ListOptions{})
		require.NoError(t, err)
		defer w.Stop()
		createConfigMaps(t, cs, 20)
		for i := range 20 {
			time.Sleep(90 * time.Millisecond)
			ev, ok := <-w.ResultChan()
			require.True(t, ok, "event %d", i)
			assert.Equal(t, fmt.Sprintf("c%03d", i), ev.Object.(*corev1.ConfigMap).Name)
		}
		assert.Equal(t, 1, watchersOf(s, "configmaps"))
	})
}

// Stopping a watch whose events wait ends its goroutine and closes the channel.
func TestStoppingAWatchWithWaitingEventsClosesIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, cs := smallBufferServer(t)
		w, err := cs.CoreV1().ConfigMaps("default").Watch(context.Background(), metav1.ListOptions{})
		require.NoError(t, err)
		createConfigMaps(t, cs, 10)
		w.Stop()
		synctest.Wait()
		assert.Equal(t, 0, watchersOf(s, "configmaps"))
		n := 0
		for range w.ResultChan() {
			n++
		}
		assert.LessOrEqual(t, n, 5, "what was buffered (and at most the event in hand)")
	})
}

func watchersOf(s *Server, resource string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.tables[corev1.SchemeGroupVersion.WithResource(resource)].watchers)
}
