package localcluster

import (
	"encoding/json"
	"fmt"
	"net/url"

	corev1 "k8s.io/api/core/v1"

	"flinksim/ha"
)

// Leader is who leads a Flink cluster with Kubernetes HA, as its cluster ConfigMap
// (<cluster-id>-cluster-config-map) says: the lock holder of the leader annotation and
// the JobManager pod whose address the published leader information names. The lock
// names no pod, so right after a takeover — until the new leader has published its
// address, a moment — the information is still the former leader's.
type Leader struct {
	// Identity is the lock identity (a UUID per JobManager process).
	Identity string
	// Pod is the leading JobManager pod; "" when no JobManager pod has the leader's
	// address (the leader information is not published yet, or names a pod that is gone).
	Pod string
	// Terminating is set while that pod is being deleted.
	Terminating bool
	// Address is the leader's address from the leader information ("" before it is published).
	Address string
}

// leaderComponents are the components whose leader information names the leading
// JobManager, in the order they are asked: the REST endpoint is published last, once
// the leader serves.
var leaderComponents = []string{ha.RestServerComponent, ha.DispatcherComponent, ha.ResourceManagerComponent}

// findLeader reads the leader of Flink cluster id in namespace from the cluster
// ConfigMap among cms and the JobManager pods among pods. hasHA is false when the
// cluster has no cluster ConfigMap (it runs without Kubernetes HA); held is false when
// nobody holds the lock (released, or never taken).
func findLeader(cms []corev1.ConfigMap, pods []corev1.Pod, namespace, id string) (l Leader, hasHA, held bool) {
	var cm *corev1.ConfigMap
	for i := range cms {
		if cms[i].Namespace == namespace && cms[i].Name == ha.ClusterConfigMapName(id) {
			cm = &cms[i]
		}
	}
	if cm == nil {
		return Leader{}, false, false
	}
	raw := cm.Annotations[ha.LeaderAnnotationKey]
	if raw == "" {
		return Leader{}, true, false
	}
	var record ha.LeaderRecord
	if json.Unmarshal([]byte(raw), &record) != nil || record.HolderIdentity == "" {
		return Leader{}, true, false
	}
	l.Identity = record.HolderIdentity
	// The leader information is the last leader's until the new one has published
	// its own: components that name different sessions are in the middle of that.
	infos := ha.LeaderInformationOf(cm.Data)
	var published ha.LeaderInformation
	for _, c := range leaderComponents {
		info := infos[c]
		switch {
		case info.IsEmpty():
		case published.IsEmpty():
			published = info
		case info.SessionID != published.SessionID:
			return l, true, true
		}
	}
	l.Address = published.Address
	host := hostOf(l.Address)
	if host == "" {
		return l, true, true
	}
	for _, p := range pods {
		if p.Namespace != namespace || p.Labels["app"] != id || p.Labels["component"] != "jobmanager" || p.Status.PodIP != host {
			continue
		}
		// A live pod wins over a terminating one that had the same IP.
		if l.Pod == "" || l.Terminating {
			l.Pod, l.Terminating = p.Name, p.DeletionTimestamp != nil
		}
	}
	return l, true, true
}

// hostOf is the host of a leader address: http://10.244.1.5:8081 (REST) or
// pekko.tcp://flink@10.244.1.5:6123/user/rpc/dispatcher_1 (RPC).
func hostOf(address string) string {
	if address == "" {
		return ""
	}
	u, err := url.Parse(address)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// describeLeader is the leader line of flinksim status ("" for a cluster without HA).
func describeLeader(cms []corev1.ConfigMap, pods []corev1.Pod, namespace, id string) string {
	l, hasHA, held := findLeader(cms, pods, namespace, id)
	switch {
	case !hasHA:
		return ""
	case !held:
		return "none (the lock in " + ha.ClusterConfigMapName(id) + " is not held: a JobManager takes it within the lease duration)"
	case l.Pod == "" && l.Address == "":
		return fmt.Sprintf("lock held by %s, leader information not published yet", l.Identity)
	case l.Pod == "":
		return fmt.Sprintf("lock held by %s at %s, but no JobManager pod has that address", l.Identity, l.Address)
	case l.Terminating:
		return fmt.Sprintf("%s (terminating; lock identity %s)", l.Pod, l.Identity)
	}
	return fmt.Sprintf("%s (lock identity %s)", l.Pod, l.Identity)
}
