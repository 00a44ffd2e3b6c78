package deployment

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	"k8s.io/client-go/tools/cache"

	"flinksim/sim/controller"
)

// HashLabel is the label that ties a ReplicaSet and its pods to a template version.
const HashLabel = appsv1.DefaultDeploymentUniqueLabelKey

// Config configures the Deployment controller.
type Config struct {
	Client  kubernetes.Interface
	Workers int
	// NoEvents switches off the ScalingReplicaSet events.
	NoEvents bool
	Log      *slog.Logger
}

// Controller rolls Deployments out as ReplicaSets.
type Controller struct {
	cfg     Config
	factory informers.SharedInformerFactory
	depInf  cache.SharedIndexInformer
	rsInf   cache.SharedIndexInformer
	depList appslisters.DeploymentLister
	rsList  appslisters.ReplicaSetLister
	loop    *controller.Loop
	events  *controller.Recorder
}

// New validates the configuration; it starts nothing.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("deployment controller: Config.Client is required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	f := informers.NewSharedInformerFactory(cfg.Client, 0)
	c := &Controller{
		cfg:     cfg,
		factory: f,
		depInf:  f.Apps().V1().Deployments().Informer(),
		rsInf:   f.Apps().V1().ReplicaSets().Informer(),
		depList: f.Apps().V1().Deployments().Lister(),
		rsList:  f.Apps().V1().ReplicaSets().Lister(),
		events:  &controller.Recorder{Client: cfg.Client, Component: "deployment-controller", Disabled: cfg.NoEvents, Log: cfg.Log},
	}
	c.loop = &controller.Loop{Name: "deployment", Workers: cfg.Workers, Reconcile: c.sync, Log: cfg.Log}
	if _, err := c.depInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.loop.EnqueueObject,
		UpdateFunc: func(_, n interface{}) { c.loop.EnqueueObject(n) },
		DeleteFunc: c.loop.EnqueueObject,
	}); err != nil {
		return nil, err
	}
	rsEvent := func(obj interface{}) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		if rs, ok := obj.(*appsv1.ReplicaSet); ok {
			if ref := metav1.GetControllerOf(rs); ref != nil && ref.Kind == "Deployment" {
				c.loop.Enqueue(rs.Namespace + "/" + ref.Name)
			}
		}
	}
	if _, err := c.rsInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: rsEvent, UpdateFunc: func(_, n interface{}) { rsEvent(n) }, DeleteFunc: rsEvent,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// Start runs the controller until ctx ends.
func (c *Controller) Start(ctx context.Context) error {
	c.factory.Start(ctx.Done())
	defer c.factory.Shutdown()
	return c.loop.Run(ctx, c.depInf.HasSynced, c.rsInf.HasSynced)
}

func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, _ := cache.SplitMetaNamespaceKey(key)
	d, err := c.depList.Deployments(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil || d.DeletionTimestamp != nil {
		return err
	}
	all, err := c.rsList.ReplicaSets(ns).List(labelsEverything())
	if err != nil {
		return err
	}
	var owned []*appsv1.ReplicaSet
	for _, rs := range all {
		if ref := metav1.GetControllerOf(rs); ref != nil && ref.UID == d.UID {
			owned = append(owned, rs)
		}
	}
	hash := PodTemplateHash(&d.Spec.Template, d.Status.CollisionCount)
	var newRS *appsv1.ReplicaSet
	var old []*appsv1.ReplicaSet
	for _, rs := range owned {
		if rs.Labels[HashLabel] == hash {
			newRS = rs
		} else {
			old = append(old, rs)
		}
	}
	want := ptrOr(d.Spec.Replicas, 1)
	created := false
	revision := maxRevision(old) + 1
	if newRS == nil {
		newRS, created, err = c.createReplicaSet(ctx, d, hash, c.initialReplicas(d, old, want), revision)
		if err != nil || newRS == nil {
			return err
		}
	} else if upd := newRS.DeepCopy(); setNewReplicaSetAnnotations(d, upd, revision) || upd.Spec.MinReadySeconds != d.Spec.MinReadySeconds {
		// getNewReplicaSet: the new ReplicaSet takes the Deployment's annotations, and
		// the next revision when it is an older template coming back (a rollback).
		upd.Spec.MinReadySeconds = d.Spec.MinReadySeconds
		_, err := c.cfg.Client.AppsV1().ReplicaSets(upd.Namespace).Update(ctx, upd, metav1.UpdateOptions{})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return nil // a newer version is on its way through the informer
		}
		return err // the update brings this Deployment back
	}
	if err := c.rollOut(ctx, d, newRS, old, want); err != nil {
		return err
	}
	return c.updateStatus(ctx, d, newRS, old, created)
}

// initialReplicas: a first ReplicaSet starts at the full count; a new version of the
// template starts at what maxSurge allows.
func (c *Controller) initialReplicas(d *appsv1.Deployment, old []*appsv1.ReplicaSet, want int32) int32 {
	if len(old) == 0 || d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType && totalReplicas(old) > 0 {
			return 0
		}
		return want
	}
	surge, _ := fenceposts(d, want)
	n := want + surge - totalReplicas(old)
	if n < 0 {
		n = 0
	}
	if n > want {
		n = want
	}
	return n
}

// rollOut moves replicas from old ReplicaSets to the new one within maxSurge and
// maxUnavailable.
func (c *Controller) rollOut(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet, want int32) error {
	if totalReplicas(old) == 0 {
		return c.scale(ctx, d, newRS, want)
	}
	if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		for _, rs := range old {
			if err := c.scale(ctx, d, rs, 0); err != nil {
				return err
			}
		}
		if totalActive(old) == 0 {
			return c.scale(ctx, d, newRS, want)
		}
		return nil
	}
	surge, unavailable := fenceposts(d, want)
	// Scale up the new ReplicaSet within the surge.
	total := totalReplicas(old) + ptrOr(newRS.Spec.Replicas, 0)
	if room := want + surge - total; room > 0 && ptrOr(newRS.Spec.Replicas, 0) < want {
		n := ptrOr(newRS.Spec.Replicas, 0) + room
		if n > want {
			n = want
		}
		if err := c.scale(ctx, d, newRS, n); err != nil {
			return err
		}
	}
	// Scale down old ReplicaSets while enough pods stay available.
	available := newRS.Status.AvailableReplicas
	for _, rs := range old {
		available += rs.Status.AvailableReplicas
	}
	canRemove := available - (want - unavailable)
	for _, rs := range old {
		if canRemove <= 0 {
			break
		}
		cur := ptrOr(rs.Spec.Replicas, 0)
		if cur == 0 {
			continue
		}
		n := cur
		if n > canRemove {
			n = canRemove
		}
		if err := c.scale(ctx, d, rs, cur-n); err != nil {
			return err
		}
		canRemove -= n
	}
	return nil
}

func totalReplicas(rss []*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		n += ptrOr(rs.Spec.Replicas, 0)
	}
	return n
}

func totalActive(rss []*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		n += rs.Status.Replicas
	}
	return n
}

func scaledValue(v *intstr.IntOrString, total int32, roundUp bool) int32 {
	n, err := intstr.GetScaledValueFromIntOrPercent(v, int(total), roundUp)
	if err != nil {
		return 0
	}
	return int32(n)
}

// scale is scaleReplicaSet: the ReplicaSet takes n replicas and the Deployment's
// desired-replicas and max-replicas annotations, and the Deployment a
// ScalingReplicaSet event.
func (c *Controller) scale(ctx context.Context, d *appsv1.Deployment, rs *appsv1.ReplicaSet, n int32) error {
	cur := ptrOr(rs.Spec.Replicas, 0)
	if cur == n {
		return nil
	}
	upd := rs.DeepCopy()
	upd.Spec.Replicas = &n
	setReplicasAnnotations(d, upd)
	if _, err := c.cfg.Client.AppsV1().ReplicaSets(rs.Namespace).Update(ctx, upd, metav1.UpdateOptions{}); err != nil {
		return err
	}
	op := "up"
	if n < cur {
		op = "down"
	}
	c.events.Eventf(ctx, deploymentRef(d), corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled %s replica set %s from %d to %d", op, rs.Name, cur, n)
	return nil
}

// createReplicaSet creates the ReplicaSet of the Deployment's current template at the
// given revision (true: this call made it); nil without an error when the Deployment is
// gone or being deleted.
func (c *Controller) createReplicaSet(ctx context.Context, d *appsv1.Deployment, hash string, replicas int32, revision int64) (*appsv1.ReplicaSet, bool, error) {
	tmpl := d.Spec.Template.DeepCopy()
	tmpl.Labels = maps.Clone(tmpl.Labels)
	if tmpl.Labels == nil {
		tmpl.Labels = map[string]string{}
	}
	tmpl.Labels[HashLabel] = hash
	sel := d.Spec.Selector.DeepCopy()
	if sel.MatchLabels == nil {
		sel.MatchLabels = map[string]string{}
	}
	sel.MatchLabels[HashLabel] = hash
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name:      d.Name + "-" + hash,
			Namespace: d.Namespace,
			Labels:    tmpl.Labels,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID,
				Controller: ptr(true), BlockOwnerDeletion: ptr(true),
			}},
		},
		Spec: appsv1.ReplicaSetSpec{Replicas: &replicas, Selector: sel, Template: *tmpl, MinReadySeconds: d.Spec.MinReadySeconds},
	}
	setNewReplicaSetAnnotations(d, rs, revision)
	setReplicasAnnotations(d, rs)
	// A cache that has not seen the Deployment's deletion yet would have a ReplicaSet
	// made for a Deployment that is gone (which the garbage collector then removes); the
	// real controller rechecks its Deployment with a quorum read before adopting, and
	// this one does before creating, so that whether such a ReplicaSet appears does not
	// depend on which of two informers delivered first.
	if fresh, err := c.cfg.Client.AppsV1().Deployments(d.Namespace).Get(ctx, d.Name, metav1.GetOptions{}); err != nil || fresh.UID != d.UID || fresh.DeletionTimestamp != nil {
		if err == nil || apierrors.IsNotFound(err) {
			return nil, false, nil // gone or going: its deletion event is on its way
		}
		return nil, false, err
	}
	created, err := c.cfg.Client.AppsV1().ReplicaSets(d.Namespace).Create(ctx, rs, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		existing, gerr := c.cfg.Client.AppsV1().ReplicaSets(d.Namespace).Get(ctx, rs.Name, metav1.GetOptions{})
		if gerr != nil {
			return nil, false, gerr
		}
		if ref := metav1.GetControllerOf(existing); ref != nil && ref.UID == d.UID {
			return existing, false, nil
		}
		// A foreign ReplicaSet has our name: bump the collision count and retry.
		upd := d.DeepCopy()
		cc := ptrOr(d.Status.CollisionCount, 0) + 1
		upd.Status.CollisionCount = &cc
		_, uerr := c.cfg.Client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, upd, metav1.UpdateOptions{})
		if uerr != nil {
			return nil, false, uerr
		}
		return nil, false, fmt.Errorf("replicaset name %s collides, retrying with collision count %d", rs.Name, cc)
	}
	if err != nil {
		return nil, false, err
	}
	if replicas > 0 {
		c.events.Eventf(ctx, deploymentRef(d), corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled up replica set %s from 0 to %d", created.Name, replicas)
	}
	return created, true, nil
}

// Reasons of the Progressing condition, as the Deployment controller words them.
const (
	reasonNewRSCreated   = "NewReplicaSetCreated"
	reasonRSUpdated      = "ReplicaSetUpdated"
	reasonNewRSAvailable = "NewReplicaSetAvailable"
	reasonTimedOut       = "ProgressDeadlineExceeded"
)

func (c *Controller) updateStatus(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet, created bool) error {
	now := metav1.Now()
	st := appsv1.DeploymentStatus{ObservedGeneration: d.Generation, CollisionCount: d.Status.CollisionCount}
	var specReplicas int32
	for _, rs := range append([]*appsv1.ReplicaSet{newRS}, old...) {
		st.Replicas += rs.Status.Replicas
		st.ReadyReplicas += rs.Status.ReadyReplicas
		st.AvailableReplicas += rs.Status.AvailableReplicas
		specReplicas += ptrOr(rs.Spec.Replicas, 0)
	}
	st.UpdatedReplicas = newRS.Status.Replicas
	want := ptrOr(d.Spec.Replicas, 1)
	// calculateStatus: unavailable against what the ReplicaSets ask for.
	st.UnavailableReplicas = max(specReplicas-st.AvailableReplicas, 0)
	st.Conditions = append([]appsv1.DeploymentCondition(nil), d.Status.Conditions...)
	if created && hasProgressDeadline(d) {
		// getNewReplicaSet records the new ReplicaSet before the rollout goes on.
		setCondition(&st, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonNewRSCreated,
			fmt.Sprintf("Created new replica set %q", newRS.Name), now))
	}
	if st.AvailableReplicas >= want-maxUnavailable(d) {
		setCondition(&st, newCondition(appsv1.DeploymentAvailable, corev1.ConditionTrue, "MinimumReplicasAvailable", "Deployment has minimum availability.", now))
	} else {
		setCondition(&st, newCondition(appsv1.DeploymentAvailable, corev1.ConditionFalse, "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", now))
	}
	c.estimateProgress(d, newRS, &st, want, now)
	// SetDeploymentRevision: the Deployment's revision is its new ReplicaSet's (the
	// status update carries the annotation, as the real one does).
	revision, hasRevision := newRS.Annotations[RevisionAnnotation]
	if equality.Semantic.DeepEqual(d.Status, st) && (!hasRevision || d.Annotations[RevisionAnnotation] == revision) {
		return nil
	}
	upd := d.DeepCopy()
	upd.Status = st
	if hasRevision {
		if upd.Annotations == nil {
			upd.Annotations = map[string]string{}
		}
		upd.Annotations[RevisionAnnotation] = revision
	}
	_, err := c.cfg.Client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, upd, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// estimateProgress is syncRolloutStatus's Progressing condition: NewReplicaSetAvailable
// once the rollout is complete, ReplicaSetUpdated (with a fresh lastUpdateTime) whenever
// it moved, ProgressDeadlineExceeded when it did not move for progressDeadlineSeconds; a
// deployment still waiting is looked at again when its deadline is up.
func (c *Controller) estimateProgress(d *appsv1.Deployment, newRS *appsv1.ReplicaSet, st *appsv1.DeploymentStatus, want int32, now metav1.Time) {
	if !hasProgressDeadline(d) {
		st.Conditions = withoutCondition(st.Conditions, appsv1.DeploymentProgressing)
		return
	}
	current := findCondition(d.Status.Conditions, appsv1.DeploymentProgressing)
	if st.Replicas == st.UpdatedReplicas && current != nil && current.Reason == reasonNewRSAvailable {
		return // a resync of a finished rollout: nothing to estimate
	}
	old := d.Status
	switch {
	case st.UpdatedReplicas == want && st.Replicas == want && st.AvailableReplicas == want && st.ObservedGeneration >= d.Generation:
		setCondition(st, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonNewRSAvailable,
			fmt.Sprintf("ReplicaSet %q has successfully progressed.", newRS.Name), now))
	case st.UpdatedReplicas > old.UpdatedReplicas || st.Replicas-st.UpdatedReplicas < old.Replicas-old.UpdatedReplicas ||
		st.ReadyReplicas > old.ReadyReplicas || st.AvailableReplicas > old.AvailableReplicas:
		cond := newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonRSUpdated,
			fmt.Sprintf("ReplicaSet %q is progressing.", newRS.Name), now)
		if current != nil && current.Status == corev1.ConditionTrue {
			cond.LastTransitionTime = current.LastTransitionTime
		}
		st.Conditions = append(withoutCondition(st.Conditions, appsv1.DeploymentProgressing), cond)
	default:
		cond := findCondition(st.Conditions, appsv1.DeploymentProgressing)
		if cond == nil || cond.Reason == reasonNewRSAvailable || cond.Reason == reasonTimedOut {
			return
		}
		deadline := cond.LastUpdateTime.Add(time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second)
		if deadline.Before(now.Time) {
			setCondition(st, newCondition(appsv1.DeploymentProgressing, corev1.ConditionFalse, reasonTimedOut,
				fmt.Sprintf("ReplicaSet %q has timed out progressing.", newRS.Name), now))
			return
		}
		// requeueStuckDeployment: look again when the deadline is up.
		c.loop.EnqueueAfter(d.Namespace+"/"+d.Name, deadline.Sub(now.Time)+time.Second)
	}
}

func hasProgressDeadline(d *appsv1.Deployment) bool {
	return d.Spec.ProgressDeadlineSeconds != nil && *d.Spec.ProgressDeadlineSeconds != math.MaxInt32
}

// maxUnavailable is the Deployment's resolved maxUnavailable (MaxUnavailable in the
// deployment util): 0 for Recreate, at most the replicas, 1 when both fenceposts are 0.
func maxUnavailable(d *appsv1.Deployment) int32 {
	want := ptrOr(d.Spec.Replicas, 1)
	if d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || want == 0 || d.Spec.Strategy.RollingUpdate == nil {
		return 0
	}
	_, unavailable := fenceposts(d, want)
	return min(unavailable, want)
}

// fenceposts resolves maxSurge (rounded up) and maxUnavailable (rounded down) against
// the replicas, as the deployment util's ResolveFenceposts: an unavailability of 1 when
// both come to 0, so that a rollout can move. The API server defaults both to 25% for a
// RollingUpdate Deployment.
func fenceposts(d *appsv1.Deployment, want int32) (surge, unavailable int32) {
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
		if ru.MaxSurge != nil {
			surge = scaledValue(ru.MaxSurge, want, true)
		}
		if ru.MaxUnavailable != nil {
			unavailable = scaledValue(ru.MaxUnavailable, want, false)
		}
	}
	if surge == 0 && unavailable == 0 {
		unavailable = 1
	}
	return surge, unavailable
}

func newCondition(t appsv1.DeploymentConditionType, s corev1.ConditionStatus, reason, msg string, now metav1.Time) appsv1.DeploymentCondition {
	return appsv1.DeploymentCondition{Type: t, Status: s, Reason: reason, Message: msg, LastUpdateTime: now, LastTransitionTime: now}
}

// setCondition is the deployment util's SetDeploymentCondition: nothing changes when
// status and reason are the same; otherwise the condition moves to the end, keeping its
// transition time while its status is unchanged.
func setCondition(st *appsv1.DeploymentStatus, c appsv1.DeploymentCondition) {
	cur := findCondition(st.Conditions, c.Type)
	if cur != nil && cur.Status == c.Status && cur.Reason == c.Reason {
		return
	}
	if cur != nil && cur.Status == c.Status {
		c.LastTransitionTime = cur.LastTransitionTime
	}
	st.Conditions = append(withoutCondition(st.Conditions, c.Type), c)
}

func findCondition(conds []appsv1.DeploymentCondition, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}

func withoutCondition(conds []appsv1.DeploymentCondition, t appsv1.DeploymentConditionType) []appsv1.DeploymentCondition {
	var out []appsv1.DeploymentCondition
	for _, c := range conds {
		if c.Type != t {
			out = append(out, c)
		}
	}
	return out
}
