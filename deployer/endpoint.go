package deployer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"flinksim/config"
	"flinksim/kubeobjects"
)

// ErrNoRESTEndpoint means the REST endpoint of a cluster cannot be told (yet): the
// REST Service is missing, or it has no address to report (no node address of the
// wanted type, no load-balancer ingress with an address, no node port allocated).
var ErrNoRESTEndpoint = errors.New("no REST endpoint")

// endpoint is where the REST Service of a cluster can be reached.
type endpoint struct {
	host        string
	port        int32
	exposedType config.ServiceExposedType // classified from the live Service
}

// restEndpoint computes the endpoint of <cid>-rest as Flink does (reference §1.8):
//
//	ClusterIP, Headless_ClusterIP  <cid>-rest.<ns> : service port
//	NodePort                       a schedulable node's address : node port
//	LoadBalancer                   first ingress ip, else its hostname : service port;
//	                               without ingress, a node's address : service port
func restEndpoint(ctx context.Context, client kubernetes.Interface, namespace, clusterID string, nodeAddressType corev1.NodeAddressType) (endpoint, error) {
	name := kubeobjects.RestServiceName(clusterID)
	svc, err := client.CoreV1().Services(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return endpoint{}, fmt.Errorf("%w: Service %q does not exist in namespace %q", ErrNoRESTEndpoint, name, namespace)
	}
	if err != nil {
		return endpoint{}, explain(err, "get", "Service", name, namespace)
	}
	var restPort *corev1.ServicePort
	for i := range svc.Spec.Ports {
		if svc.Spec.Ports[i].Name == kubeobjects.PortNameRest {
			restPort = &svc.Spec.Ports[i]
			break
		}
	}
	if restPort == nil {
		return endpoint{}, fmt.Errorf("Service %q in namespace %q has no port named %q", name, namespace, kubeobjects.PortNameRest)
	}

	ep := endpoint{exposedType: kubeobjects.ClassifyService(svc), port: restPort.Port}
	switch ep.exposedType {
	case config.ServiceExposedClusterIP, config.ServiceExposedHeadlessClusterIP:
		ep.host = name + "." + namespace
	case config.ServiceExposedNodePort:
		if restPort.NodePort == 0 {
			return endpoint{}, fmt.Errorf("%w: NodePort Service %q has no node port allocated yet", ErrNoRESTEndpoint, name)
		}
		ep.port = restPort.NodePort
		if ep.host, err = nodeAddress(ctx, client, nodeAddressType); err != nil {
			return endpoint{}, err
		}
	case config.ServiceExposedLoadBalancer:
		ingress := svc.Status.LoadBalancer.Ingress
		if len(ingress) == 0 {
			// As Flink: fall back to a node address, but keep the service port.
			if ep.host, err = nodeAddress(ctx, client, nodeAddressType); err != nil {
				return endpoint{}, err
			}
			break
		}
		ep.host = ingress[0].IP
		if ep.host == "" {
			ep.host = ingress[0].Hostname
		}
		if ep.host == "" {
			return endpoint{}, fmt.Errorf("%w: the load-balancer ingress of Service %q has neither an IP nor a hostname", ErrNoRESTEndpoint, name)
		}
	default:
		return endpoint{}, fmt.Errorf("%w: Service %q is of type %s, which Flink does not expose", ErrNoRESTEndpoint, name, svc.Spec.Type)
	}
	return ep, nil
}

// nodeAddress is the first address of the wanted type of the first schedulable node.
func nodeAddress(ctx context.Context, client kubernetes.Interface, addressType corev1.NodeAddressType) (string, error) {
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", explain(err, "list", "nodes", "", "")
	}
	for _, n := range nodes.Items {
		if n.Spec.Unschedulable {
			continue
		}
		for _, a := range n.Status.Addresses {
			if a.Type == addressType && a.Address != "" {
				return a.Address, nil
			}
		}
	}
	return "", fmt.Errorf("%w: no schedulable node has an address of type %s "+
		"(kubernetes.rest-service.exposed.node-port-address-type)", ErrNoRESTEndpoint, addressType)
}

// url renders the endpoint as Flink's web interface URL.
func (e endpoint) url(tls bool) string {
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(e.host, strconv.Itoa(int(e.port)))
}
