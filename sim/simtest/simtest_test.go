package simtest

import (
	"testing"
	"testing/synctest"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/sim"
)

func TestStartRunsTheClusterAndStopsItAtCleanup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := Start(t, sim.Config{Seed: 1})
		Eventually(t, time.Minute, "the node leases renewed", func() bool {
			l, err := c.Client().CoordinationV1().Leases("kube-node-lease").List(t.Context(), metav1.ListOptions{})
			return err == nil && len(l.Items) == 3
		})
	})
}
