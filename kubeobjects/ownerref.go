package kubeobjects

import (
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// OwnerReference is the reference every object of the cluster (except the HA
// ConfigMaps) carries to the JobManager Deployment: apps/v1 Deployment, its name, the
// UID the API server assigned on create, controller and blockOwnerDeletion set, so that
// deleting the Deployment removes the whole cluster.
func OwnerReference(deployment *appsv1.Deployment) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion:         appsv1.SchemeGroupVersion.String(),
		Kind:               "Deployment",
		Name:               deployment.Name,
		UID:                deployment.UID,
		Controller:         boolPtr(true),
		BlockOwnerDeletion: boolPtr(true),
	}
}

// SetOwner replaces the owner references of each object with the single reference
// ref, as Flink does before creating the accompanying objects and TaskManager pods.
func SetOwner(ref metav1.OwnerReference, objects ...metav1.Object) {
	for _, o := range objects {
		o.SetOwnerReferences([]metav1.OwnerReference{*ref.DeepCopy()})
	}
}

func boolPtr(b bool) *bool { return &b }
