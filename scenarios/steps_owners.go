package scenarios

import (
	"context"
	"fmt"
	"strings"

	"github.com/cucumber/godog"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Owner-reference cleanup (Flink docs "Native Kubernetes" → Manual Resource Cleanup;
// reference §1.3, §7.10; Kubernetes garbage collection): every object of a Flink
// cluster but the Deployment is owned by the JobManager Deployment, so deleting the
// Deployment with background or foreground propagation removes the cluster and
// orphan propagation leaves its objects behind without owners.

func (w *World) registerOwnerSteps(sc *godog.ScenarioContext) {
	sc.Step(`^I delete the deployment "([^"]*)" with propagation (Background|Foreground|Orphan)$`, w.iDeleteTheDeploymentWithPropagation)
	sc.Step(`^I scale the deployment "([^"]*)" to (\d+) replicas?$`, w.iScaleTheDeployment)
	sc.Step(`^within (.+) the (deployment|replicaset|pod|service|configmap|secret) "([^"]*)" no longer exists$`, w.withinTheObjectNoLongerExists)
	sc.Step(`^the (deployment|replicaset|pod|service|configmap|secret) "([^"]*)" has no owner references$`, w.theObjectHasNoOwnerReferences)
	sc.Step(`^the (replicaset|pod) labelled "([^"]*)" (?:is|are) owned by the (deployment|replicaset) "([^"]*)"$`, w.theObjectsLabelledAreOwnedBy)
	sc.Step(`^the deployment "([^"]*)" is being deleted$`, w.theDeploymentIsBeingDeleted)
}

// anyObject reads an object of the kinds the owner steps know, in the current
// namespace.
func (w *World) anyObject(kind, name string) (metav1.Object, error) {
	cs, err := w.kube()
	if err != nil {
		return nil, err
	}
	ctx, ns := context.Background(), w.namespace
	switch kind {
	case "replicaset":
		return cs.AppsV1().ReplicaSets(ns).Get(ctx, name, metav1.GetOptions{})
	case "pod":
		return cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	}
	return w.object(kind, name)
}

// iDeleteTheDeploymentWithPropagation deletes a Deployment with a propagation policy
// (kubectl delete --cascade=background|foreground|orphan).
// Example: When I delete the deployment "my-session" with propagation Orphan
func (w *World) iDeleteTheDeploymentWithPropagation(name, policy string) error {
	cs, err := w.kube()
	if err != nil {
		return err
	}
	p := metav1.DeletionPropagation(policy)
	w.tracef("kubectl delete deployment/%s --cascade=%s", name, strings.ToLower(policy))
	return cs.AppsV1().Deployments(w.namespace).Delete(context.Background(), name, metav1.DeleteOptions{PropagationPolicy: &p})
}

// iScaleTheDeployment sets a Deployment's replicas (kubectl scale).
// Example: When I scale the deployment "my-session" to 0 replicas
func (w *World) iScaleTheDeployment(name string, n int) error {
	cs, err := w.kube()
	if err != nil {
		return err
	}
	s, err := cs.AppsV1().Deployments(w.namespace).GetScale(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	s.Spec.Replicas = int32(n)
	_, err = cs.AppsV1().Deployments(w.namespace).UpdateScale(context.Background(), name, s, metav1.UpdateOptions{})
	w.tracef("kubectl scale deployment/%s --replicas=%d: %v", name, n, err)
	return err
}

// withinTheObjectNoLongerExists waits until an object is gone from the API server
// (not only marked for deletion).
// Example: Then within a minute the deployment "my-session" no longer exists
func (w *World) withinTheObjectNoLongerExists(within, kind, name string) error {
	return waitUntil(within, fmt.Sprintf("the %s %q no longer exists", kind, name), func() (bool, string, error) {
		o, err := w.anyObject(kind, name)
		if apierrors.IsNotFound(err) {
			return true, "", nil
		}
		if err != nil {
			return false, err.Error(), nil
		}
		why := "it exists"
		if o.GetDeletionTimestamp() != nil {
			why = fmt.Sprintf("it is being deleted (finalizers %v)", o.GetFinalizers())
		}
		return false, why, nil
	})
}

// theObjectHasNoOwnerReferences checks that an object survived without owners (what
// orphan propagation leaves).
// Example: And the configmap "flink-config-my-session" has no owner references
func (w *World) theObjectHasNoOwnerReferences(kind, name string) error {
	settle()
	o, err := w.anyObject(kind, name)
	if err != nil {
		return err
	}
	if refs := o.GetOwnerReferences(); len(refs) > 0 {
		var owners []string
		for _, r := range refs {
			owners = append(owners, r.Kind+"/"+r.Name)
		}
		return fmt.Errorf("the %s %q is still owned by %s", kind, name, strings.Join(owners, ", "))
	}
	return nil
}

// theObjectsLabelledAreOwnedBy checks the controller owner of the pods or ReplicaSets
// a label selector finds.
// Example: And the pod labelled "app=my-session,component=taskmanager" are owned by the deployment "my-session"
func (w *World) theObjectsLabelledAreOwnedBy(kind, selector, ownerKind, owner string) error {
	cs, err := w.kube()
	if err != nil {
		return err
	}
	if _, err := labels.Parse(selector); err != nil {
		return fmt.Errorf("label selector %q: %w", selector, err)
	}
	var objs []metav1.Object
	opts := metav1.ListOptions{LabelSelector: selector}
	if kind == "pod" {
		list, err := cs.CoreV1().Pods(w.namespace).List(context.Background(), opts)
		if err != nil {
			return err
		}
		for i := range list.Items {
			objs = append(objs, &list.Items[i])
		}
	} else {
		list, err := cs.AppsV1().ReplicaSets(w.namespace).List(context.Background(), opts)
		if err != nil {
			return err
		}
		for i := range list.Items {
			objs = append(objs, &list.Items[i])
		}
	}
	if len(objs) == 0 {
		return fmt.Errorf("no %s is labelled %q", kind, selector)
	}
	for _, o := range objs {
		ref := metav1.GetControllerOf(o)
		if ref == nil || !strings.EqualFold(ref.Kind, ownerKind) || ref.Name != owner {
			return fmt.Errorf("the %s %q is not controlled by the %s %q (owner references %v)", kind, o.GetName(), ownerKind, owner, o.GetOwnerReferences())
		}
	}
	return nil
}

// theDeploymentIsBeingDeleted checks that a Deployment is marked for deletion but
// still there (foreground deletion waits for its dependents).
// Example: Then the deployment "my-session" is being deleted
func (w *World) theDeploymentIsBeingDeleted(name string) error {
	settle()
	o, err := w.anyObject("deployment", name)
	if err != nil {
		return err
	}
	if o.GetDeletionTimestamp() == nil {
		return fmt.Errorf("the deployment %q is not being deleted", name)
	}
	return nil
}
