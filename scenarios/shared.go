package scenarios

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/sim"
)

// realTimeLimit is the longest fixed wait ("2 minutes pass") a scenario may ask for on
// a shared cluster, which runs in real time. Waits for a condition ("within 2
// minutes …") keep their limit there: they end as soon as the condition holds.
const realTimeLimit = 30 * time.Second

// joinSharedCluster gives the scenario a namespace of its own on the shared cluster,
// after checking that the cluster has the shape the scenario asked for.
func (w *World) joinSharedCluster() error {
	if err := w.shared.fits(w.clusterCfg); err != nil {
		return err
	}
	admin := w.shared.Cluster.Client()
	ns, err := admin.CoreV1().Namespaces().Create(w.ctx,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "scenario-"}}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("a namespace for the scenario on the shared cluster: %w", err)
	}
	w.cluster, w.namespace = w.shared.Cluster, ns.Name
	w.tracef("shared cluster joined, namespace %s", ns.Name)
	w.observe(ns.Name)
	return nil
}

// leaveSharedCluster deletes the scenario's namespace and waits until it is gone, so
// that the next scenario does not share the nodes with this one's pods.
func (w *World) leaveSharedCluster(ctx context.Context) error {
	if w.cluster == nil {
		return nil
	}
	namespaces := w.cluster.Client().CoreV1().Namespaces()
	if err := namespaces.Delete(ctx, w.namespace, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting the scenario's namespace %s: %w", w.namespace, err)
	}
	for {
		_, err := namespaces.Get(ctx, w.namespace, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the scenario's namespace %s is still there (last error: %v): %w", w.namespace, err, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// fits says why a scenario that asked for cfg cannot run on the shared cluster.
func (s *SharedCluster) fits(cfg sim.Config) error {
	if cfg.RBAC != s.Config.RBAC {
		return fmt.Errorf("the scenario wants RBAC enforced=%t, the shared cluster (a real API server) has %t: do not tag it for that cluster",
			cfg.RBAC, s.Config.RBAC)
	}
	if cfg.Nodes == nil {
		cfg.Nodes = defaultNodes()
	}
	shape := func(nodes []sim.NodeConfig) string {
		var out string
		for _, n := range nodes {
			cpu, mem := n.CPU, n.Memory
			if cpu == "" {
				cpu = sim.DefaultNode.CPU
			}
			if mem == "" {
				mem = sim.DefaultNode.Memory
			}
			out += fmt.Sprintf("%s(%s CPU, %s) ", n.Name, cpu, mem)
		}
		return out
	}
	want, have := shape(cfg.Nodes), shape(s.Config.Nodes)
	if s.Config.Nodes == nil {
		have = shape(defaultNodes())
	}
	if want != have {
		return fmt.Errorf("the scenario wants the nodes %sbut the shared cluster (a real API server) has %s: do not tag it for that cluster", want, have)
	}
	return nil
}

// defaultNodes are the nodes of a cluster whose shape no step gave.
func defaultNodes() []sim.NodeConfig {
	var nodes []sim.NodeConfig
	for i := 1; i <= 3; i++ {
		n := sim.DefaultNode
		n.Name = fmt.Sprintf("node-%d", i)
		nodes = append(nodes, n)
	}
	return nodes
}
