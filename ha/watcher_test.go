package ha

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"flinksim/sim/apiserver"
	"flinksim/sim/faults"
)

func TestReconnectIntervalIsFabric8s(t *testing.T) {
	var got []time.Duration
	for attempt := range 8 {
		got = append(got, reconnectInterval(attempt))
	}
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second,
		16 * time.Second, 32 * time.Second, 32 * time.Second, 32 * time.Second}, got)
}

// TestTheWatcherReconnectsOnFabric8sSchedule: while the API server refuses the watcher,
// its watch is tried again 1, 2, 4, 8… s apart, never at a jittered time, and the change
// made during the outage arrives with the first watch that is answered.
func TestTheWatcherReconnectsOnFabric8sSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := startCluster(t, 1)
		user := userOf("jm-0")
		createConfigMap(t, c.Client(), testClusterConfigMap, nil, map[string]string{"k": "1"})
		w := newClusterWatcher(t, c, user)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go func() { _ = w.Start(ctx) }()
		seen := make(chan string, 10)
		_, err := w.Watch(ConfigMapHandler{OnModified: func(cm *corev1.ConfigMap) { seen <- cm.Data["k"] }})
		require.NoError(t, err)
		eventually(t, time.Minute, "the watcher synced", w.HasSynced)
		// A watch that a drop ends within a second of its start, without an event,
		// is one client-go lists again after a jittered delay of its own.
		time.Sleep(time.Minute)
		synctest.Wait()

		start := time.Now()
		c.Server().AddFault(faults.Unavailable(faults.Match{User: user}, faults.For(20*time.Second)))
		editConfigMap(t, c.Client(), testClusterConfigMap, func(cm *corev1.ConfigMap) { cm.Data["k"] = "2" })
		assert.Equal(t, "2", <-seen)
		var watches []time.Duration
		for _, e := range c.Server().RequestLog().Entries(func(e apiserver.Entry) bool {
			return e.User == user && e.Verb == "watch" && !e.Time.Before(start)
		}) {
			watches = append(watches, e.Time.Sub(start))
		}
		// Refused at once, then 1, 2, 4 and 8 s later; answered at 31 s, after the outage.
		assert.Equal(t, []time.Duration{0, 0, time.Second, 3 * time.Second, 7 * time.Second, 15 * time.Second, 31 * time.Second}, watches)
	})
}
