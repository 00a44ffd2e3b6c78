package conformance

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// serviceCases: Service defaulting, IP and port allocation, immutability.
func serviceCases() []Case {
	return []Case{
		{Name: "service/type-defaults-to-ClusterIP-with-allocated-ip", Run: func(t *testing.T, env *Env) {
			got, err := env.Client.CoreV1().Services(env.Namespace).Create(t.Context(), service("rest"), metav1.CreateOptions{})
			require.NoError(t, err)
			assert.Equal(t, corev1.ServiceTypeClusterIP, got.Spec.Type)
			ip, err := netip.ParseAddr(got.Spec.ClusterIP)
			require.NoError(t, err, "clusterIP %q", got.Spec.ClusterIP)
			assert.True(t, ip.IsValid())
			assert.Equal(t, []string{got.Spec.ClusterIP}, got.Spec.ClusterIPs)
			assert.Equal(t, corev1.ServiceAffinityNone, got.Spec.SessionAffinity)
		}},
		{Name: "service/port-protocol-and-targetPort-default", Run: func(t *testing.T, env *Env) {
			got, err := env.Client.CoreV1().Services(env.Namespace).Create(t.Context(), service("ports"), metav1.CreateOptions{})
			require.NoError(t, err)
			p := got.Spec.Ports[0]
			assert.Equal(t, corev1.ProtocolTCP, p.Protocol)
			assert.Equal(t, intstr.FromInt32(8081), p.TargetPort, "targetPort defaults to port")
			assert.Zero(t, p.NodePort, "a ClusterIP service gets no nodePort")
		}},
		{Name: "service/clusterIP-is-immutable", Run: func(t *testing.T, env *Env) {
			svcs := env.Client.CoreV1().Services(env.Namespace)
			s, err := svcs.Create(t.Context(), service("fixed"), metav1.CreateOptions{})
			require.NoError(t, err)
			other := "10.0.0.250"
			if s.Spec.ClusterIP == other {
				other = "10.0.0.251"
			}
			s.Spec.ClusterIP = other
			s.Spec.ClusterIPs = []string{other}
			_, err = svcs.Update(t.Context(), s, metav1.UpdateOptions{})
			requireError(t, err, invalid, `spec.clusterIPs[0]: Invalid value: ["`+other+`"]: may not change once set`)
		}},
		{Name: "service/update-without-clusterIP-keeps-it", Run: func(t *testing.T, env *Env) {
			svcs := env.Client.CoreV1().Services(env.Namespace)
			s, err := svcs.Create(t.Context(), service("keep-ip"), metav1.CreateOptions{})
			require.NoError(t, err)
			update := service("keep-ip")
			update.ResourceVersion = s.ResourceVersion
			update.Labels = map[string]string{"v": "2"}
			got, err := svcs.Update(t.Context(), update, metav1.UpdateOptions{})
			require.NoError(t, err, "an update that omits the allocated clusterIP keeps it")
			assert.Equal(t, s.Spec.ClusterIP, got.Spec.ClusterIP)
		}},
		{Name: "service/headless-keeps-clusterIP-None", Run: func(t *testing.T, env *Env) {
			s := service("headless")
			s.Spec.ClusterIP = corev1.ClusterIPNone
			got, err := env.Client.CoreV1().Services(env.Namespace).Create(t.Context(), s, metav1.CreateOptions{})
			require.NoError(t, err)
			assert.Equal(t, corev1.ClusterIPNone, got.Spec.ClusterIP)
			assert.Equal(t, []string{corev1.ClusterIPNone}, got.Spec.ClusterIPs)
			assert.Equal(t, corev1.ServiceTypeClusterIP, got.Spec.Type)
		}},
		{Name: "service/nodePort-allocated-in-range", Run: func(t *testing.T, env *Env) {
			s := service("node-port")
			s.Spec.Type = corev1.ServiceTypeNodePort
			got, err := env.Client.CoreV1().Services(env.Namespace).Create(t.Context(), s, metav1.CreateOptions{})
			require.NoError(t, err)
			np := got.Spec.Ports[0].NodePort
			assert.True(t, np >= 30000 && np <= 32767, "nodePort %d outside the default range 30000-32767", np)
			assert.Equal(t, corev1.ServiceExternalTrafficPolicyCluster, got.Spec.ExternalTrafficPolicy)
		}},
		{Name: "service/nodePort-out-of-range-rejected", Run: func(t *testing.T, env *Env) {
			s := service("low-port")
			s.Spec.Type = corev1.ServiceTypeNodePort
			s.Spec.Ports[0].NodePort = 20000
			_, err := env.Client.CoreV1().Services(env.Namespace).Create(t.Context(), s, metav1.CreateOptions{})
			requireError(t, err, invalid,
				"spec.ports[0].nodePort: Invalid value: 20000: provided port is not in the valid range. The range of valid ports is 30000-32767")
		}},
		{Name: "service/nodePort-on-ClusterIP-service-rejected", Run: func(t *testing.T, env *Env) {
			s := service("cip-port")
			s.Spec.Ports[0].NodePort = 30080
			_, err := env.Client.CoreV1().Services(env.Namespace).Create(t.Context(), s, metav1.CreateOptions{})
			requireError(t, err, invalid, "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'")
		}},
		{Name: "service/ports-required-unless-headless", Run: func(t *testing.T, env *Env) {
			s := service("no-ports")
			s.Spec.Ports = nil
			_, err := env.Client.CoreV1().Services(env.Namespace).Create(t.Context(), s, metav1.CreateOptions{})
			requireError(t, err, invalid, "spec.ports: Required value")
			s.Spec.ClusterIP = corev1.ClusterIPNone
			_, err = env.Client.CoreV1().Services(env.Namespace).Create(t.Context(), s, metav1.CreateOptions{})
			require.NoError(t, err)
		}},
		{Name: "service/multiple-ports-need-names", Run: func(t *testing.T, env *Env) {
			s := service("unnamed")
			s.Spec.Ports = []corev1.ServicePort{{Port: 6123}, {Port: 6124}}
			_, err := env.Client.CoreV1().Services(env.Namespace).Create(t.Context(), s, metav1.CreateOptions{})
			requireError(t, err, invalid, "spec.ports[0].name: Required value")
		}},
	}
}
