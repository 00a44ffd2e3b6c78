package kubelet

import (
	"context"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// leaseDuration is the node lease's duration; the kubelet renews it every quarter of
// it (10 s), as a real kubelet does.
const leaseDuration = 40 * time.Second

// heartbeat renews every running node's Lease in kube-node-lease until ctx ends.
// A node whose kubelet is stopped (StopNode) stops renewing, and the node lifecycle
// controller then marks it NotReady.
func (k *Kubelet) heartbeat(ctx context.Context) {
	t := time.NewTicker(leaseDuration / 4)
	defer t.Stop()
	for {
		nodes, _ := k.nodes.List(labelsEverything())
		for _, n := range nodes {
			if k.nodeStopped(n.Name) {
				continue
			}
			k.renewLease(ctx, n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (k *Kubelet) renewLease(ctx context.Context, node *corev1.Node) {
	leases := k.cfg.Client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	now := metav1.NewMicroTime(time.Now())
	secs := int32(leaseDuration / time.Second)
	l, err := leases.Get(ctx, node.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		holder := node.Name
		_, _ = leases.Create(ctx, &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: node.Name, Namespace: corev1.NamespaceNodeLease,
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}}},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &secs, RenewTime: &now},
		}, metav1.CreateOptions{})
		return
	}
	if err != nil {
		return
	}
	l.Spec.RenewTime = &now
	_, _ = leases.Update(ctx, l, metav1.UpdateOptions{})
}

// StopNode stops the kubelet of a node, as when the node crashes or loses the control
// plane: no more heartbeats, status updates or deletions from it. Its pods' processes
// keep running but are cut from the network, the API server included (their clients
// reach it over the network).
func (k *Kubelet) StopNode(name string) {
	k.mu.Lock()
	k.stopped[name] = true
	var ips []string
	for uid, ip := range k.podIPs {
		if w := k.byUID[uid]; w != nil && w.node == name {
			ips = append(ips, ip)
		}
	}
	k.mu.Unlock()
	for _, ip := range ips {
		k.cfg.Network.Isolate(ip)
	}
}

// StartNode brings a stopped node's kubelet back; it catches up with what changed.
func (k *Kubelet) StartNode(name string) {
	k.mu.Lock()
	delete(k.stopped, name)
	var ips []string
	var pending []*podWorker
	for uid, ip := range k.podIPs {
		if w := k.byUID[uid]; w != nil && w.node == name {
			ips = append(ips, ip)
			pending = append(pending, w)
		}
	}
	k.mu.Unlock()
	for _, ip := range ips {
		k.cfg.Network.Heal(ip)
	}
	// Pods changed while the node was away: look again.
	for _, w := range pending {
		if p, err := k.pods.Pods(w.namespace).Get(w.name); err == nil && string(p.UID) == w.uid {
			w.update(p)
		} else {
			w.update(nil)
		}
	}
}

func (k *Kubelet) nodeStopped(name string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.stopped[name]
}
