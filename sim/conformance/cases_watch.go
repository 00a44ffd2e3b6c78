package conformance

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// watchCases: where a watch starts, what it replays, how selectors filter it, and when it
// is too old.
func watchCases() []Case {
	return []Case{
		{Name: "watch/from-resourceVersion-replays-later-events", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			a, err := cms.Create(t.Context(), configMap("a", map[string]string{"v": "1"}), metav1.CreateOptions{})
			require.NoError(t, err)
			from := a.ResourceVersion
			a.Data["v"] = "2"
			_, err = cms.Update(t.Context(), a, metav1.UpdateOptions{})
			require.NoError(t, err)
			_, err = cms.Create(t.Context(), configMap("b", nil), metav1.CreateOptions{})
			require.NoError(t, err)
			require.NoError(t, cms.Delete(t.Context(), "a", metav1.DeleteOptions{}))

			w := startWatch(t, env, metav1.ListOptions{ResourceVersion: from})
			assertEvents(t, w, "MODIFIED a", "ADDED b", "DELETED a")
		}},
		{Name: "watch/resourceVersion-0-starts-with-ADDED-for-existing", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			for _, n := range []string{"x", "y"} {
				_, err := cms.Create(t.Context(), configMap(n, nil), metav1.CreateOptions{})
				require.NoError(t, err)
			}
			w := startWatch(t, env, metav1.ListOptions{ResourceVersion: "0"})
			first := []string{eventSummary(nextEvent(t, w)), eventSummary(nextEvent(t, w))}
			assert.ElementsMatch(t, []string{"ADDED x", "ADDED y"}, first, "existing objects first, in any order")
			_, err := cms.Create(t.Context(), configMap("z", nil), metav1.CreateOptions{})
			require.NoError(t, err)
			assertEvents(t, w, "ADDED z")
		}},
		{Name: "watch/without-resourceVersion-starts-with-ADDED-for-existing", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			_, err := cms.Create(t.Context(), configMap("x", nil), metav1.CreateOptions{})
			require.NoError(t, err)
			w := startWatch(t, env, metav1.ListOptions{})
			assertEvents(t, w, "ADDED x")
			require.NoError(t, cms.Delete(t.Context(), "x", metav1.DeleteOptions{}))
			assertEvents(t, w, "DELETED x")
		}},
		{Name: "watch/from-list-resourceVersion-sees-only-later-changes", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			_, err := cms.Create(t.Context(), configMap("before", nil), metav1.CreateOptions{})
			require.NoError(t, err)
			l, err := cms.List(t.Context(), metav1.ListOptions{})
			require.NoError(t, err)
			w := startWatch(t, env, metav1.ListOptions{ResourceVersion: l.ResourceVersion})
			_, err = cms.Create(t.Context(), configMap("after", nil), metav1.CreateOptions{})
			require.NoError(t, err)
			assertEvents(t, w, "ADDED after")
		}},
		{Name: "watch/label-selector-turns-leaving-into-DELETED-and-entering-into-ADDED", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			cm := configMap("mover", nil)
			cm.Labels = map[string]string{"role": "leader"}
			cm, err := cms.Create(t.Context(), cm, metav1.CreateOptions{})
			require.NoError(t, err)
			_, err = cms.Create(t.Context(), configMap("unlabelled", nil), metav1.CreateOptions{})
			require.NoError(t, err)

			w := startWatch(t, env, metav1.ListOptions{LabelSelector: "role=leader", ResourceVersion: cm.ResourceVersion})
			cm.Labels["role"] = "follower"
			cm, err = cms.Update(t.Context(), cm, metav1.UpdateOptions{})
			require.NoError(t, err)
			cm.Labels["role"] = "leader"
			_, err = cms.Update(t.Context(), cm, metav1.UpdateOptions{})
			require.NoError(t, err)
			assertEvents(t, w, "DELETED mover", "ADDED mover")
		}},
		{Name: "watch/field-selector-sees-pod-bound-to-node", Run: func(t *testing.T, env *Env) {
			pods := env.Client.CoreV1().Pods(env.Namespace)
			p, err := pods.Create(t.Context(), pod("to-bind"), metav1.CreateOptions{})
			require.NoError(t, err)
			// What a kubelet watches: its own node's pods.
			w := startPodWatch(t, env, metav1.ListOptions{FieldSelector: "spec.nodeName=" + absentNode(env, "a"), ResourceVersion: p.ResourceVersion})
			require.NoError(t, pods.Bind(t.Context(), binding(p, absentNode(env, "a")), metav1.CreateOptions{}))
			ev := nextEvent(t, w)
			assert.Equal(t, "ADDED to-bind", eventSummary(ev))
			if bound, ok := ev.Object.(*corev1.Pod); assert.True(t, ok) {
				assert.Equal(t, absentNode(env, "a"), bound.Spec.NodeName)
			}
		}},
		{Name: "watch/very-old-resourceVersion-is-Expired", SimOnly: true, Run: func(t *testing.T, env *Env) {
			// Kept for sim (and sim over HTTP) only. The real server serves watches from its
			// watch cache, which keeps every event since the cache's first list until it is
			// full *and* its oldest event is older than 75 s (the cache grows up to 100k events
			// before that); etcd compaction (every 5 min) does not shorten it. On a fresh envtest
			// server even resourceVersion 1 is still inside that window and the watch just
			// replays (measured). When a version is outside it, the real server does not
			// fail the request: it returns a watch whose only event is an ERROR carrying
			// Status{Code: 410, Reason: Expired, Message: "too old resource version: <rv>
			// (<oldest-1>)"} (k8s.io/apiserver storage/cacher/watch_cache_history.go). This
			// case asks sim for exactly that, with its history starting after its own
			// bootstrap writes (the default namespaces) as the real cache starts after its
			// first list.
			w := startWatch(t, env, metav1.ListOptions{ResourceVersion: "1"})
			ev := nextEvent(t, w)
			require.Equal(t, watch.Error, ev.Type, "got %s", eventSummary(ev))
			st, ok := ev.Object.(*metav1.Status)
			require.True(t, ok, "an ERROR event carries a Status, got %T", ev.Object)
			assert.Equal(t, int32(410), st.Code)
			assert.Equal(t, metav1.StatusReasonExpired, st.Reason)
			assert.Contains(t, st.Message, "too old resource version: 1 (")
			_, open := <-w.ResultChan()
			assert.False(t, open, "the watch ends after the ERROR event")
		}},
		{Name: "watch/stop-closes-result-channel", Run: func(t *testing.T, env *Env) {
			w, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Watch(t.Context(), metav1.ListOptions{})
			require.NoError(t, err)
			w.Stop()
			for {
				select {
				case _, open := <-w.ResultChan():
					if !open {
						return
					}
				case <-time.After(waitTimeout):
					require.FailNow(t, "the result channel is still open "+waitTimeout.String()+" after Stop")
				}
			}
		}},
	}
}

func startWatch(t *testing.T, env *Env, opts metav1.ListOptions) watch.Interface {
	t.Helper()
	w, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Watch(t.Context(), opts)
	require.NoError(t, err)
	t.Cleanup(w.Stop)
	return w
}

func startPodWatch(t *testing.T, env *Env, opts metav1.ListOptions) watch.Interface {
	t.Helper()
	w, err := env.Client.CoreV1().Pods(env.Namespace).Watch(t.Context(), opts)
	require.NoError(t, err)
	t.Cleanup(w.Stop)
	return w
}

// assertEvents requires the next events of w to be want, in order ("TYPE name").
func assertEvents(t *testing.T, w watch.Interface, want ...string) {
	t.Helper()
	for i, summary := range want {
		got := eventSummary(nextEvent(t, w))
		require.Equal(t, summary, got, "event %d", i)
	}
}
