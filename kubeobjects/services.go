package kubeobjects

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"flinksim/config"
)

// ClassifyService returns the exposed type of a live Service: its type, and a
// ClusterIP Service with clusterIP None counts as Headless_ClusterIP.
func ClassifyService(svc *corev1.Service) config.ServiceExposedType {
	switch svc.Spec.Type {
	case corev1.ServiceTypeNodePort:
		return config.ServiceExposedNodePort
	case corev1.ServiceTypeLoadBalancer:
		return config.ServiceExposedLoadBalancer
	case corev1.ServiceTypeExternalName:
		return config.ServiceExposedType(corev1.ServiceTypeExternalName)
	}
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		return config.ServiceExposedHeadlessClusterIP
	}
	return config.ServiceExposedClusterIP
}

// internalService is the headless Service <cid> through which TaskManagers reach the
// JobManager RPC and blob ports; only without HA. No targetPort is set: the API
// server makes it equal to the port.
func (p *jobManagerParams) internalService() *corev1.Service {
	return &corev1.Service{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        InternalServiceName(p.clusterID),
			Labels:      CommonLabels(p.clusterID),
			Annotations: p.internalServiceAnnotations,
		},
		Spec: corev1.ServiceSpec{
			ClusterIP: corev1.ClusterIPNone,
			Selector:  p.selector(),
			Ports: []corev1.ServicePort{
				{Name: PortNameJobManagerRPC, Port: p.rpcPort},
				{Name: PortNameBlobServer, Port: p.blobPort},
			},
		},
	}
}

// restService is <cid>-rest: port rest.port, targetPort rest.bind-port.
func (p *jobManagerParams) restService() *corev1.Service {
	svc := &corev1.Service{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        RestServiceName(p.clusterID),
			Labels:      CommonLabels(p.clusterID),
			Annotations: p.restServiceAnnotations,
		},
		Spec: corev1.ServiceSpec{
			Selector: p.selector(),
			Ports: []corev1.ServicePort{{
				Name:       PortNameRest,
				Port:       p.restPort,
				TargetPort: intstr.FromInt32(p.restBindPort),
			}},
		},
	}
	switch p.exposedType {
	case config.ServiceExposedHeadlessClusterIP:
		svc.Spec.Type = corev1.ServiceTypeClusterIP
		svc.Spec.ClusterIP = corev1.ClusterIPNone
	default:
		svc.Spec.Type = corev1.ServiceType(p.exposedType)
	}
	return svc
}
