package ha

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"k8s.io/client-go/tools/leaderelection"
)

// The lock is a resourcelock.Interface: client-go's own elector runs on it, writes
// the fabric8 record, and hands over to this package's elector when it releases.
func TestConfigMapLockWithClientGoElector(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, stop := startCluster(t, 1)
		defer stop()
		lock, err := NewConfigMapLock(LockConfig{Client: c.ClientFor(userOf("client-go")), Namespace: testNamespace, ClusterID: testClusterID, Identity: "client-go-elector"})
		if err != nil {
			t.Fatal(err)
		}
		var leading atomic.Bool
		le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock: lock, LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second, ReleaseOnCancel: true,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(context.Context) { leading.Store(true) },
				OnStoppedLeading: func() { leading.Store(false) },
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		rcg := run(func(ctx context.Context) error { le.Run(ctx); return nil })
		eventually(t, 5*time.Second, "client-go's elector leads", leading.Load)
		raw := getConfigMap(t, c.Client(), testClusterConfigMap).Annotations[LeaderAnnotationKey]
		if !strings.Contains(raw, `"holderIdentity":"client-go-elector","leaseDuration":15.000000000,`) {
			t.Errorf("annotation %s is not the fabric8 record", raw)
		}
		log := &leadershipLog{}
		_, rs := electors(t, c, 1, DefaultElectionTiming(), log)
		time.Sleep(30 * time.Second)
		if len(log.leaders()) != 0 || !leading.Load() {
			t.Fatalf("our elector took a held lock: %v", log.all())
		}
		rcg.stop()
		eventually(t, 11*time.Second, "our elector leads after the release", oneLeader(log))
		rs[0].stop()
	})
}
