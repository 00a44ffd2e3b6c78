package proxy_test

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/sim/apiserver"
	"flinksim/sim/network"
	"flinksim/sim/proxy"
)

func ptr[T any](v T) *T { return &v }

func endpoint(ip string, ready, serving, terminating bool) discoveryv1.Endpoint {
	return discoveryv1.Endpoint{Addresses: []string{ip}, Conditions: discoveryv1.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &terminating}}
}

func slice(name string, ports []discoveryv1.EndpointPort, eps ...discoveryv1.Endpoint) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{discoveryv1.LabelServiceName: "svc"}},
		AddressType: discoveryv1.AddressTypeIPv4, Ports: ports, Endpoints: eps}
}

func TestBackends(t *testing.T) {
	rest := []discoveryv1.EndpointPort{{Name: ptr("rest"), Port: ptr(int32(8081))}}
	unnamed := []discoveryv1.EndpointPort{{Port: ptr(int32(9000))}}
	slices := []*discoveryv1.EndpointSlice{
		slice("a", rest, endpoint("10.0.0.1", true, true, false), endpoint("10.0.0.2", false, false, false), endpoint("10.0.0.3", false, true, true)),
		slice("b", rest, endpoint("10.0.0.1", true, true, false), discoveryv1.Endpoint{Addresses: []string{"10.0.0.4"}}),
		slice("c", unnamed, endpoint("10.0.0.5", true, true, false)),
	}
	for _, tc := range []struct {
		name        string
		portName    *string
		terminating bool
		want        []network.Backend
	}{
		{"ready endpoints at the named port, each once, nil conditions count as ready", ptr("rest"), false,
			[]network.Backend{{IP: "10.0.0.1", Port: 8081}, {IP: "10.0.0.4", Port: 8081}}},
		{"the terminating fallback: serving and terminating", ptr("rest"), true, []network.Backend{{IP: "10.0.0.3", Port: 8081}}},
		{"an unnamed Service port", ptr(""), false, []network.Backend{{IP: "10.0.0.5", Port: 9000}}},
		{"headless (DNS): every ready endpoint at the port dialed", nil, false,
			[]network.Backend{{IP: "10.0.0.1", Port: 7000}, {IP: "10.0.0.4", Port: 7000}, {IP: "10.0.0.5", Port: 7000}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, proxy.Backends(slices, 7000, tc.portName, tc.terminating))
		})
	}
}

// TestResolveReadsEndpointSlices: a Service resolves through its EndpointSlices, a
// Service without a selector too (through the slices its user wrote), by ClusterIP and
// DNS name; when no endpoint is ready, the terminating ones that still serve are used.
func TestResolveReadsEndpointSlices(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		server, err := apiserver.New(apiserver.Config{Seed: 1})
		require.NoError(t, err)
		cs := server.Clientset(apiserver.AdminUser)
		ctx, cancel := context.WithCancel(context.Background())
		_, err = cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{})
		require.NoError(t, err)
		px, err := proxy.New(proxy.Config{Client: cs})
		require.NoError(t, err)
		done := make(chan error, 1)
		go func() { done <- px.Start(ctx) }()
		defer func() {
			cancel()
			require.NoError(t, <-done)
		}()

		svc, err := cs.CoreV1().Services("default").Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "svc"},
			Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "rest", Port: 80}}}}, metav1.CreateOptions{})
		require.NoError(t, err)
		s, err := cs.DiscoveryV1().EndpointSlices("default").Create(ctx, slice("svc-1", []discoveryv1.EndpointPort{{Name: ptr("rest"), Port: ptr(int32(8081))}},
			endpoint("10.244.0.7", true, true, false), endpoint("10.244.0.8", false, true, true)), metav1.CreateOptions{})
		require.NoError(t, err)
		synctest.Wait() // the informers have caught up

		for _, host := range []string{svc.Spec.ClusterIP, "svc.default", "svc.default.svc", "svc.default.svc.cluster.local"} {
			got, ok := px.Resolve(host, 80)
			assert.True(t, ok, host)
			assert.Equal(t, []network.Backend{{IP: "10.244.0.7", Port: 8081}}, got, host)
		}
		got, ok := px.Resolve(svc.Spec.ClusterIP, 81)
		assert.True(t, ok)
		assert.Empty(t, got, "no such Service port")
		_, ok = px.Resolve("nope.default", 80)
		assert.False(t, ok)

		s.Endpoints[0].Conditions.Ready = ptr(false)
		_, err = cs.DiscoveryV1().EndpointSlices("default").Update(ctx, s, metav1.UpdateOptions{})
		require.NoError(t, err)
		synctest.Wait()
		got, _ = px.Resolve("svc.default", 80)
		assert.Equal(t, []network.Backend{{IP: "10.244.0.8", Port: 8081}}, got, "no ready endpoint: the serving terminating one")
	})
}
