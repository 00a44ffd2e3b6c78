package sim

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestEndpointsColumn(t *testing.T) {
	e := &corev1.Endpoints{Subsets: []corev1.EndpointSubset{{
		Ports:             []corev1.EndpointPort{{Port: 8081}},
		NotReadyAddresses: []corev1.EndpointAddress{{IP: "10.244.0.9", TargetRef: &corev1.ObjectReference{Name: "tm-2"}}},
	}}}
	for i := 1; i <= 5; i++ {
		e.Subsets[0].Addresses = append(e.Subsets[0].Addresses, corev1.EndpointAddress{IP: fmt.Sprintf("10.244.0.%d", i)})
	}
	ready, notReady := endpointsColumn(e)
	if ready != "10.244.0.1:8081,10.244.0.2:8081,10.244.0.3:8081 + 2 more..." || notReady != "tm-2" {
		t.Errorf("got %q, %q", ready, notReady)
	}
	ready, notReady = endpointsColumn(&corev1.Endpoints{})
	if ready != "<none>" || notReady != "<none>" {
		t.Errorf("empty: got %q, %q", ready, notReady)
	}
}

func TestDescribeListsEndpoints(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, stop := runCluster(t, Config{Seed: 2})
		defer stop()
		ctx := t.Context()
		if _, err := c.Client().AppsV1().Deployments("default").Create(ctx, deploymentOf("web", 1), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
			Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}}}
		if _, err := c.Client().CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, time.Minute, "an endpoint", func() bool {
			e, err := c.Client().CoreV1().Endpoints("default").Get(ctx, "web", metav1.GetOptions{})
			return err == nil && len(e.Subsets) == 1 && len(e.Subsets[0].Addresses) == 1
		})
		out := c.Describe(ctx)
		if !strings.Contains(out, "ENDPOINTS") || !strings.Contains(out, ":80") {
			t.Errorf("no endpoints in the description:\n%s", out)
		}
	})
}
