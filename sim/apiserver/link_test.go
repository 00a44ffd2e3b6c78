package apiserver

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// switchLink is a Link cut and mended by the test.
type switchLink struct {
	mu      sync.Mutex
	cut     bool
	changed chan struct{}
}

func newSwitchLink() *switchLink { return &switchLink{changed: make(chan struct{})} }

func (l *switchLink) Cut() (bool, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cut, l.changed
}

func (l *switchLink) set(cut bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cut = cut
	close(l.changed)
	l.changed = make(chan struct{})
}

// TestACutLinkHoldsRequestsAndWatches: over a cut link a request hangs until its
// deadline and fails as client-go's does without being served, a watch delivers nothing;
// mended, requests go through and the held events arrive in order.
func TestACutLinkHoldsRequestsAndWatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, admin := newServer(t)
		link := newSwitchLink()
		pod := s.ClientsetOver("system:serviceaccount:default:flink", link)
		cms := pod.CoreV1().ConfigMaps("default")
		w, err := cms.Watch(t.Context(), metav1.ListOptions{})
		require.NoError(t, err)
		defer w.Stop()

		link.set(true)
		before := s.RequestLog().Count("", "", "")
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		start := time.Now()
		_, err = cms.Create(ctx, configMap("held"), metav1.CreateOptions{})
		cancel()
		assert.Equal(t, 10*time.Second, time.Since(start), "held until the deadline")
		var urlErr *url.Error
		require.ErrorAs(t, err, &urlErr)
		assert.Equal(t, `Post "https://10.96.0.1:443/api/v1/namespaces/default/configmaps": context deadline exceeded`, err.Error())
		assert.Nil(t, s.Object(corev1.SchemeGroupVersion.WithResource("configmaps"), "default", "held"), "not served")
		assert.Equal(t, before, s.RequestLog().Count("", "", ""), "the server never saw it")

		// Other clients are not affected; the pod's watch holds what happens meanwhile.
		for _, name := range []string{"a", "b"} {
			_, err := admin.CoreV1().ConfigMaps("default").Create(t.Context(), configMap(name), metav1.CreateOptions{})
			require.NoError(t, err)
		}
		synctest.Wait()
		select {
		case ev := <-w.ResultChan():
			t.Fatalf("a watch over a cut link delivered %v", ev.Type)
		default:
		}

		link.set(false)
		for _, want := range []string{"a", "b"} {
			ev := <-w.ResultChan()
			require.Equal(t, watch.Added, ev.Type)
			assert.Equal(t, want, ev.Object.(*corev1.ConfigMap).Name)
		}
		_, err = cms.Create(t.Context(), configMap("after"), metav1.CreateOptions{})
		require.NoError(t, err, "mended: requests go through")
		assert.Equal(t, "https://10.96.0.1:443", "https://"+s.Address())
	})
}
