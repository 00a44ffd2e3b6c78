package kubelet

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// record creates an event about a pod (or, with fieldPath, one of its containers) as the
// kubelet's recorder does. Callers check NoEvents before building a message, so that a
// cluster without events spends nothing on them.
func (k *Kubelet) record(ctx context.Context, pod *corev1.Pod, fieldPath, typ, reason, msg string) {
	k.events.Record(ctx, &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID, APIVersion: "v1",
		ResourceVersion: pod.ResourceVersion, FieldPath: fieldPath}, pod.Spec.NodeName, typ, reason, msg)
}

// containerFieldPath is how the kubelet's events point at a container.
func containerFieldPath(c *ctr) string {
	if c.init {
		return "spec.initContainers{" + c.spec.Name + "}"
	}
	return "spec.containers{" + c.spec.Name + "}"
}

// containerEvent is a Normal event about one of the pod's containers.
func (w *podWorker) containerEvent(ctx context.Context, c *ctr, reason, msg string) {
	w.k.record(ctx, w.pod, containerFieldPath(c), corev1.EventTypeNormal, reason, msg)
}

// pullEvents are the image manager's events before a container starts: Pulling and
// Pulled for an image the node does not have yet (or with imagePullPolicy Always), a
// Pulled "already present" otherwise, worded as the v1.37 kubelet words them. The
// simulated registry pulls instantly.
func (w *podWorker) pullEvents(ctx context.Context, c *ctr) {
	if w.k.cfg.NoEvents {
		return
	}
	image := c.spec.Image
	if c.spec.ImagePullPolicy != corev1.PullAlways && w.k.images.present(w.node, image) {
		w.containerEvent(ctx, c, "Pulled", fmt.Sprintf("Container image %q already present on machine", image))
		return
	}
	w.containerEvent(ctx, c, "Pulling", fmt.Sprintf("Pulling image %q", image))
	var took time.Duration
	w.containerEvent(ctx, c, "Pulled", fmt.Sprintf("Successfully pulled image %q in %v (%v including waiting). Image size: %d bytes.", image, took, took, c.img.size()))
	w.k.images.pulled(w.node, image)
}

// nodeImages remembers which images each node has pulled (for the Pulled events).
type nodeImages struct {
	mu    sync.Mutex
	nodes map[string]map[string]bool
}

func (n *nodeImages) present(node, image string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.nodes[node][image]
}

func (n *nodeImages) pulled(node, image string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.nodes == nil {
		n.nodes = map[string]map[string]bool{}
	}
	if n.nodes[node] == nil {
		n.nodes[node] = map[string]bool{}
	}
	n.nodes[node][image] = true
}
