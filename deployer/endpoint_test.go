package deployer

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The endpoint table of reference §1.8, mirroring Fabric8FlinkKubeClientTest's
// endpoint cases.
func TestRESTEndpoint(t *testing.T) {
	nodes := []runtime.Object{
		node("cordoned", true, "InternalIP", "10.0.0.9", "ExternalIP", "34.0.0.9"),
		node("node-1", false, "Hostname", "node-1", "InternalIP", "", "InternalIP", "10.0.0.1", "ExternalIP", "34.0.0.1"),
		node("node-2", false, "InternalIP", "10.0.0.2"),
	}
	cases := []struct {
		name     string
		objects  []runtime.Object
		options  []string
		wantURL  string
		noRESTEP bool   // expect ErrNoRESTEndpoint
		wantErr  string // expect another error
	}{
		{name: "testClusterIPService", objects: []runtime.Object{restService(corev1.ServiceTypeClusterIP, "10.96.0.1", 8081, 0)},
			wantURL: "http://my-flink-cluster1-rest.test:8081"},
		{name: "HeadlessClusterIP", objects: []runtime.Object{restService(corev1.ServiceTypeClusterIP, "None", 9000, 0)},
			wantURL: "http://my-flink-cluster1-rest.test:9000"},
		{name: "testNodePortServiceWithInternalIP", objects: append([]runtime.Object{restService(corev1.ServiceTypeNodePort, "10.96.0.1", 8081, 30081)}, nodes...),
			wantURL: "http://10.0.0.1:30081"},
		{name: "testNodePortServiceWithExternalIP", objects: append([]runtime.Object{restService(corev1.ServiceTypeNodePort, "10.96.0.1", 8081, 30081)}, nodes...),
			options: []string{"kubernetes.rest-service.exposed.node-port-address-type", "ExternalIP"}, wantURL: "http://34.0.0.1:30081"},
		{name: "testNodePortServiceWithNoMatchingIP", objects: []runtime.Object{restService(corev1.ServiceTypeNodePort, "10.96.0.1", 8081, 30081)},
			noRESTEP: true},
		{name: "NodePortOnlyUnschedulableNodes", objects: []runtime.Object{restService(corev1.ServiceTypeNodePort, "10.96.0.1", 8081, 30081), nodes[0]},
			noRESTEP: true},
		{name: "NodePortNotAllocatedYet", objects: append([]runtime.Object{restService(corev1.ServiceTypeNodePort, "10.96.0.1", 8081, 0)}, nodes...),
			noRESTEP: true},
		{name: "LoadBalancerWithIP", objects: []runtime.Object{restService(corev1.ServiceTypeLoadBalancer, "10.96.0.1", 8081, 30081,
			corev1.LoadBalancerIngress{IP: "1.2.3.4", Hostname: "lb.example.com"})}, wantURL: "http://1.2.3.4:8081"},
		{name: "testServiceLoadBalancerWithNoIP", objects: []runtime.Object{restService(corev1.ServiceTypeLoadBalancer, "10.96.0.1", 8081, 30081,
			corev1.LoadBalancerIngress{Hostname: "lb.example.com"})}, wantURL: "http://lb.example.com:8081"},
		{name: "testServiceLoadBalancerEmptyHostAndIP", objects: []runtime.Object{restService(corev1.ServiceTypeLoadBalancer, "10.96.0.1", 8081, 30081,
			corev1.LoadBalancerIngress{})}, noRESTEP: true},
		{name: "LoadBalancerWithoutIngressFallsBackToANodeWithTheServicePort", objects: append([]runtime.Object{
			restService(corev1.ServiceTypeLoadBalancer, "10.96.0.1", 8081, 30081)}, nodes...), wantURL: "http://10.0.0.1:8081"},
		{name: "LoadBalancerWithoutIngressOrNodes", objects: []runtime.Object{restService(corev1.ServiceTypeLoadBalancer, "10.96.0.1", 8081, 30081)},
			noRESTEP: true},
		{name: "NoRestService", noRESTEP: true},
		{name: "NoPortNamedRest", objects: []runtime.Object{func() runtime.Object {
			s := restService(corev1.ServiceTypeClusterIP, "10.96.0.1", 8081, 0)
			s.Spec.Ports[0].Name = "http"
			return s
		}()}, wantErr: `has no port named "rest"`},
		{name: "RestSSL", objects: []runtime.Object{restService(corev1.ServiceTypeClusterIP, "10.96.0.1", 8443, 0)},
			options: []string{"security.ssl.rest.enabled", "true"}, wantURL: "https://my-flink-cluster1-rest.test:8443"},
		{name: "IPv6 ingress", objects: []runtime.Object{restService(corev1.ServiceTypeLoadBalancer, "10.96.0.1", 8081, 30081,
			corev1.LoadBalancerIngress{IP: "fd00::1"})}, wantURL: "http://[fd00::1]:8081"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := newDescriptor(t, newClient(tc.objects...), testConfig(tc.options...))
			client, err := d.Retrieve(ctx, testClusterID)
			switch {
			case tc.noRESTEP:
				require.True(t, errors.Is(err, ErrNoRESTEndpoint), "got %v", err)
				require.ErrorContains(t, err, `could not retrieve the REST endpoint of Flink cluster "my-flink-cluster1"`)
			case tc.wantErr != "":
				require.ErrorContains(t, err, tc.wantErr)
			default:
				require.NoError(t, err)
				require.Equal(t, tc.wantURL, client.WebURL)
			}
		})
	}
}
