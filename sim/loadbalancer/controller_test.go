package loadbalancer_test

import (
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/sim"
	"flinksim/sim/simtest"
)

func TestLoadBalancerGetsAnIngressIPAfterTheDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simtest.Start(t, sim.Config{Seed: 1, LoadBalancerDelay: 20 * time.Second})
		cs := c.Client()
		svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeLoadBalancer, Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Name: "rest", Port: 8081}}}}
		if _, err := cs.CoreV1().Services("default").Create(t.Context(), svc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		simtest.Eventually(t, time.Minute, "an ingress IP", func() bool {
			got, _ := cs.CoreV1().Services("default").Get(t.Context(), "web", metav1.GetOptions{})
			return len(got.Status.LoadBalancer.Ingress) == 1 && got.Status.LoadBalancer.Ingress[0].IP == "172.18.255.1"
		})
		if d := time.Since(start); d < 20*time.Second || d > 21*time.Second {
			t.Fatalf("ingress after %v, want the 20 s provisioning delay", d)
		}
	})
}
