package deployer

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/config"
	"flinksim/kubeobjects"
)

// cleanupTimeout bounds the deletion of a half-created cluster, which runs even when
// the deploy's context is already cancelled.
const cleanupTimeout = 30 * time.Second

// deploy is Flink's deploy procedure (reference §1.7): build every object, create the
// Deployment, stamp its server-assigned UID on the other objects as their owner,
// create-or-replace them, then report the REST endpoint. A failure while creating
// deletes the Deployment again, so the garbage collector takes whatever was created;
// a failure to report the endpoint leaves the (complete) cluster running.
func (d *Descriptor) deploy(ctx context.Context, conf *config.Configuration) (*ClusterClient, error) {
	spec, err := kubeobjects.BuildJobManager(conf, d.local)
	if err != nil {
		return nil, fmt.Errorf("could not deploy Flink cluster %q: %w", d.clusterID, err)
	}
	if err := d.createJobManagerComponent(ctx, spec); err != nil {
		return nil, err
	}
	client, err := d.clusterClient(ctx, d.clusterID, spec.Configuration)
	if err != nil {
		return nil, fmt.Errorf("Flink cluster %q was created, but %w; it keeps running: "+
			"retrieve it later, or kill it with `kubectl delete deployment/%s -n %s`",
			d.clusterID, err, kubeobjects.DeploymentName(d.clusterID), d.namespace)
	}
	fmt.Fprintf(d.log, "INFO created Flink cluster %s in namespace %s, JobManager web interface: %s\n",
		d.clusterID, d.namespace, client.WebURL)
	return client, nil
}

func (d *Descriptor) createJobManagerComponent(ctx context.Context, spec *kubeobjects.JobManagerSpec) error {
	deployments := d.client.AppsV1().Deployments(d.namespace)
	created, err := deployments.Create(ctx, spec.Deployment, metav1.CreateOptions{})
	if err != nil {
		cause := explain(err, "create", "Deployment", spec.Deployment.Name, d.namespace)
		if apierrors.IsAlreadyExists(err) {
			// Flink deletes the existing Deployment here, killing whatever cluster runs
			// under this id. flinksim leaves it alone: it is not ours.
			return fmt.Errorf("could not deploy Flink cluster %q: a Deployment with that name already exists "+
				"in namespace %q, so a cluster with this id probably runs already; attach to it, kill it, "+
				"or choose another kubernetes.cluster-id: %w", d.clusterID, d.namespace, err)
		}
		if definitelyNotCreated(err) {
			return fmt.Errorf("could not deploy Flink cluster %q: %w", d.clusterID, cause)
		}
		// The create may have been committed although the call failed.
		return d.failAndCleanup(ctx, cause)
	}

	owner := kubeobjects.OwnerReference(created)
	for _, obj := range spec.Accompanying {
		kubeobjects.SetOwner(owner, obj)
		if err := d.createOrReplace(ctx, obj); err != nil {
			return d.failAndCleanup(ctx, err)
		}
	}
	return nil
}

// failAndCleanup deletes the Deployment (and so, through the garbage collector,
// everything stamped with its UID) and returns the deploy error.
func (d *Descriptor) failAndCleanup(ctx context.Context, cause error) error {
	fmt.Fprintf(d.log, "WARN failed to create Flink cluster %s, deleting what was created: %v\n", d.clusterID, cause)
	cleanupCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err := d.deleteDeployment(cleanupCtx, d.clusterID); err != nil {
		return fmt.Errorf("could not deploy Flink cluster %q: %w; removing the half-created cluster failed too, "+
			"delete it with `kubectl delete deployment/%s -n %s`: %w",
			d.clusterID, cause, kubeobjects.DeploymentName(d.clusterID), d.namespace, err)
	}
	return fmt.Errorf("could not deploy Flink cluster %q (what was created has been deleted again): %w", d.clusterID, cause)
}

// createOrReplace creates an accompanying object; when one of that name exists, it is
// replaced (as Flink's client does), keeping what the API server allocated for a
// Service (cluster IPs, node ports).
func (d *Descriptor) createOrReplace(ctx context.Context, obj kubeobjects.Object) error {
	ns := d.namespace
	switch o := obj.(type) {
	case *corev1.Service:
		return createOrReplace(ctx, d.client.CoreV1().Services(ns), o, "Service", ns, keepAllocated)
	case *corev1.ConfigMap:
		return createOrReplace(ctx, d.client.CoreV1().ConfigMaps(ns), o, "ConfigMap", ns, nil)
	case *corev1.Secret:
		return createOrReplace(ctx, d.client.CoreV1().Secrets(ns), o, "Secret", ns, nil)
	default:
		return fmt.Errorf("deployer: no client for %T %q", obj, obj.GetName())
	}
}

type typedClient[T kubeobjects.Object] interface {
	Create(context.Context, T, metav1.CreateOptions) (T, error)
	Update(context.Context, T, metav1.UpdateOptions) (T, error)
	Get(context.Context, string, metav1.GetOptions) (T, error)
}

func createOrReplace[T kubeobjects.Object](ctx context.Context, c typedClient[T], obj T, kind, ns string, merge func(obj, existing T)) error {
	_, err := c.Create(ctx, obj, metav1.CreateOptions{})
	if err == nil {
		return nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return explain(err, "create", kind, obj.GetName(), ns)
	}
	existing, err := c.Get(ctx, obj.GetName(), metav1.GetOptions{})
	if err != nil {
		return explain(err, "get", kind, obj.GetName(), ns)
	}
	obj.SetResourceVersion(existing.GetResourceVersion())
	if merge != nil {
		merge(obj, existing)
	}
	if _, err := c.Update(ctx, obj, metav1.UpdateOptions{}); err != nil {
		return explain(err, "replace", kind, obj.GetName(), ns)
	}
	return nil
}

// keepAllocated carries the cluster IPs and node ports the API server allocated to an
// existing Service over to its replacement, which the API server would otherwise
// refuse (cluster IPs are immutable).
func keepAllocated(svc, existing *corev1.Service) {
	if svc.Spec.ClusterIP == "" && existing.Spec.ClusterIP != corev1.ClusterIPNone {
		svc.Spec.ClusterIP = existing.Spec.ClusterIP
		svc.Spec.ClusterIPs = existing.Spec.ClusterIPs
	}
	if svc.Spec.Type != corev1.ServiceTypeNodePort && svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
		return
	}
	for i := range svc.Spec.Ports {
		for _, old := range existing.Spec.Ports {
			if svc.Spec.Ports[i].NodePort == 0 && old.Name == svc.Spec.Ports[i].Name {
				svc.Spec.Ports[i].NodePort = old.NodePort
			}
		}
	}
}
