package deployment

import (
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// The annotations the Deployment controller keeps on Deployments and ReplicaSets.
const (
	RevisionAnnotation        = "deployment.kubernetes.io/revision"
	RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
	DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
	MaxReplicasAnnotation     = "deployment.kubernetes.io/max-replicas"
)

// annotationsToSkip are the Deployment's annotations a ReplicaSet does not take.
var annotationsToSkip = map[string]bool{
	corev1.LastAppliedConfigAnnotation: true,
	RevisionAnnotation:                 true,
	RevisionHistoryAnnotation:          true,
	DesiredReplicasAnnotation:          true,
	MaxReplicasAnnotation:              true,
	appsv1.DeprecatedRollbackTo:        true,
}

// revisionOf is a ReplicaSet's revision: 0 without one, -1 when it is not a number
// (MaxRevision skips those).
func revisionOf(rs *appsv1.ReplicaSet) int64 {
	v, ok := rs.Annotations[RevisionAnnotation]
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// maxRevision is the deployment util's MaxRevision.
func maxRevision(rss []*appsv1.ReplicaSet) int64 {
	var m int64
	for _, rs := range rss {
		m = max(m, revisionOf(rs))
	}
	return m
}

// setNewReplicaSetAnnotations is the deployment util's SetNewReplicaSetAnnotations
// without the replicas annotations: the new ReplicaSet takes the Deployment's
// annotations (but the controller's own and kubectl's last-applied configuration) and
// the revision, when its own is lower; a ReplicaSet that had a revision (a rollback to
// its template) keeps the old one in revision-history. True when anything changed.
func setNewReplicaSetAnnotations(d *appsv1.Deployment, rs *appsv1.ReplicaSet, revision int64) bool {
	changed := false
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	for k, v := range d.Annotations {
		if cur, ok := rs.Annotations[k]; annotationsToSkip[k] || (ok && cur == v) {
			continue
		}
		rs.Annotations[k] = v
		changed = true
	}
	old, had := rs.Annotations[RevisionAnnotation]
	oldN := int64(0)
	if had {
		n, err := strconv.ParseInt(old, 10, 64)
		if err != nil {
			return false
		}
		oldN = n
	}
	if oldN >= revision {
		return changed
	}
	rs.Annotations[RevisionAnnotation] = strconv.FormatInt(revision, 10)
	if had {
		if h := rs.Annotations[RevisionHistoryAnnotation]; h == "" {
			rs.Annotations[RevisionHistoryAnnotation] = old
		} else {
			rs.Annotations[RevisionHistoryAnnotation] = strings.Join([]string{h, old}, ",")
		}
	}
	return true
}

// setReplicasAnnotations is SetReplicasAnnotations: the Deployment's replicas, and
// those plus maxSurge (0 for Recreate), as the ReplicaSet's desired-replicas and
// max-replicas.
func setReplicasAnnotations(d *appsv1.Deployment, rs *appsv1.ReplicaSet) {
	want := ptrOr(d.Spec.Replicas, 1)
	var surge int32
	if d.Spec.Strategy.Type == appsv1.RollingUpdateDeploymentStrategyType && d.Spec.Strategy.RollingUpdate != nil {
		surge, _ = fenceposts(d, want)
	}
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	rs.Annotations[DesiredReplicasAnnotation] = strconv.FormatInt(int64(want), 10)
	rs.Annotations[MaxReplicasAnnotation] = strconv.FormatInt(int64(want+surge), 10)
}

// deploymentRef is how the Deployment controller's events point at a Deployment.
func deploymentRef(d *appsv1.Deployment) *corev1.ObjectReference {
	return &corev1.ObjectReference{Kind: "Deployment", APIVersion: "apps/v1", Namespace: d.Namespace, Name: d.Name, UID: d.UID, ResourceVersion: d.ResourceVersion}
}

// replicaSetRef is how the ReplicaSet controller's events point at a ReplicaSet.
func replicaSetRef(rs *appsv1.ReplicaSet) *corev1.ObjectReference {
	return &corev1.ObjectReference{Kind: "ReplicaSet", APIVersion: "apps/v1", Namespace: rs.Namespace, Name: rs.Name, UID: rs.UID, ResourceVersion: rs.ResourceVersion}
}
