package scenarios

import (
	"fmt"

	"github.com/cucumber/godog"

	"flinksim/sim"
)

func (w *World) registerClusterSteps(sc *godog.ScenarioContext) {
	sc.Step(`^a Kubernetes cluster$`, w.aKubernetesCluster)
	sc.Step(`^a Kubernetes cluster with (\d+) nodes?$`, w.aKubernetesClusterWithNodes)
	sc.Step(`^a Kubernetes cluster with (\d+) nodes? that enforces RBAC$`, w.aKubernetesClusterWithNodesThatEnforcesRBAC)
	sc.Step(`^a Kubernetes cluster with (\d+) nodes? of (\S+) CPU and (\S+) memory$`, w.aKubernetesClusterWithNodesOf)
	sc.Step(`^the garbage collector is disabled$`, w.theGarbageCollectorIsDisabled)
}

func (w *World) aKubernetesCluster() error { return w.startCluster() }

func (w *World) aKubernetesClusterWithNodes(n int) error {
	return w.aKubernetesClusterWithNodesOf(n, sim.DefaultNode.CPU, sim.DefaultNode.Memory)
}

// aKubernetesClusterWithNodesThatEnforcesRBAC starts a cluster whose API server
// authorizes every request by RBAC, as a real one does (the default cluster lets
// everyone do everything).
func (w *World) aKubernetesClusterWithNodesThatEnforcesRBAC(n int) error {
	w.clusterCfg.RBAC = true
	return w.aKubernetesClusterWithNodes(n)
}

func (w *World) aKubernetesClusterWithNodesOf(n int, cpu, memory string) error {
	if n < 1 {
		return fmt.Errorf("a cluster needs at least one node, not %d", n)
	}
	w.clusterCfg.Nodes = nil
	for i := 1; i <= n; i++ {
		w.clusterCfg.Nodes = append(w.clusterCfg.Nodes, sim.NodeConfig{Name: fmt.Sprintf("node-%d", i), CPU: cpu, Memory: memory})
	}
	return w.startCluster()
}

func (w *World) theGarbageCollectorIsDisabled() error {
	if w.shared != nil {
		return fmt.Errorf("the garbage collector of the shared cluster serves other scenarios too: do not tag this scenario for it")
	}
	if _, err := w.kube(); err != nil {
		return err
	}
	for i := 0; i < 100 && w.cluster.GarbageCollector() == nil; i++ {
		waitABit()
	}
	gc := w.cluster.GarbageCollector()
	if gc == nil {
		return fmt.Errorf("the garbage collector did not start")
	}
	gc.SetDisabled(true)
	w.tracef("garbage collector disabled")
	return nil
}
