package endpoints_test

import (
	"context"
	"sort"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"flinksim/sim"
	"flinksim/sim/simtest"
)

func webPod(name, image string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: image,
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}}}}
}

// addresses lists the pod names under addresses and notReadyAddresses.
func addresses(ep *corev1.Endpoints) (ready, notReady []string) {
	for _, s := range ep.Subsets {
		for _, a := range s.Addresses {
			ready = append(ready, a.TargetRef.Name)
		}
		for _, a := range s.NotReadyAddresses {
			notReady = append(notReady, a.TargetRef.Name)
		}
	}
	sort.Strings(ready)
	sort.Strings(notReady)
	return ready, notReady
}

func slicesOf(ctx context.Context, cs kubernetes.Interface, svc string) []discoveryv1.EndpointSlice {
	l, err := cs.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + svc})
	if err != nil {
		return nil
	}
	return l.Items
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestEndpointsFollowThePods: Endpoints and EndpointSlices appear for Services with a
// selector (headless ones included), list ready and unready pods apart, drop a pod that
// terminates and go with their Service; a Service without a selector keeps the
// Endpoints its user wrote.
func TestEndpointsFollowThePods(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simtest.Start(t, sim.Config{Seed: 3})
		ctx := t.Context()
		cs := c.Client()
		core := cs.CoreV1()
		for _, svc := range []*corev1.Service{
			{ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"tier": "front"}}, Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"},
				Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "web-headless"}, Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Selector: map[string]string{"app": "web"}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "manual"}, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 5432}}}},
		} {
			if _, err := core.Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		manual, err := core.Endpoints("default").Create(ctx, &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "manual"},
			Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "192.168.7.7"}}, Ports: []corev1.EndpointPort{{Port: 5432}}}}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// pause keeps running (Ready); busybox exits at once and crash-loops (not Ready).
		for _, p := range []*corev1.Pod{webPod("web-1", "registry.k8s.io/pause:3.10"), webPod("web-2", "registry.k8s.io/pause:3.10"), webPod("crashy", "busybox:1.36")} {
			if _, err := core.Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		simtest.Eventually(t, time.Minute, "Endpoints web: web-1 and web-2 ready, crashy not ready, at container port 8080", func() bool {
			ep, err := core.Endpoints("default").Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return false
			}
			ready, notReady := addresses(ep)
			return equalStrings(ready, []string{"web-1", "web-2"}) && equalStrings(notReady, []string{"crashy"}) &&
				ep.Subsets[0].Ports[0].Port == 8080 && ep.Subsets[0].Ports[0].Name == "http" &&
				ep.Labels["tier"] == "front" && ep.Labels["endpoints.kubernetes.io/managed-by"] == "endpoint-controller"
		})
		simtest.Eventually(t, time.Minute, "one EndpointSlice of web with the pods' conditions", func() bool {
			slices := slicesOf(ctx, cs, "web")
			if len(slices) != 1 || len(slices[0].Endpoints) != 3 {
				return false
			}
			s := slices[0]
			if s.Labels[discoveryv1.LabelManagedBy] != "endpointslice-controller.k8s.io" || s.Labels["tier"] != "front" ||
				len(s.OwnerReferences) != 1 || s.OwnerReferences[0].Kind != "Service" || s.OwnerReferences[0].Name != "web" ||
				len(s.Ports) != 1 || *s.Ports[0].Port != 8080 || s.GenerateName != "web-" {
				return false
			}
			for _, ep := range s.Endpoints {
				if *ep.Conditions.Ready != (ep.TargetRef.Name != "crashy") {
					return false
				}
			}
			return true
		})
		simtest.Eventually(t, time.Minute, "the headless Service's Endpoints and slice, without ports", func() bool {
			ep, err := core.Endpoints("default").Get(ctx, "web-headless", metav1.GetOptions{})
			if err != nil || len(ep.Subsets) != 1 || len(ep.Subsets[0].Ports) != 0 {
				return false
			}
			_, headless := ep.Labels[corev1.IsHeadlessService]
			slices := slicesOf(ctx, cs, "web-headless")
			return headless && len(slices) == 1 && len(slices[0].Endpoints) == 3 && len(slices[0].Ports) == 0
		})

		// A pod that goes leaves the Endpoints at once (terminating) and the slice when gone.
		if err := core.Pods("default").Delete(ctx, "web-1", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		simtest.Eventually(t, time.Minute, "web-1 out of the Endpoints and the slice", func() bool {
			ep, _ := core.Endpoints("default").Get(ctx, "web", metav1.GetOptions{})
			ready, _ := addresses(ep)
			slices := slicesOf(ctx, cs, "web")
			return equalStrings(ready, []string{"web-2"}) && len(slices) == 1 && len(slices[0].Endpoints) == 2
		})

		got, err := core.Endpoints("default").Get(ctx, "manual", metav1.GetOptions{})
		if err != nil || got.ResourceVersion != manual.ResourceVersion {
			t.Errorf("the Endpoints of a Service without a selector were touched: %v %+v", err, got)
		}
		if s := slicesOf(ctx, cs, "manual"); len(s) != 0 {
			t.Errorf("a Service without a selector got EndpointSlices: %+v", s)
		}

		// The Service goes: its Endpoints are deleted, its slices follow their owner.
		if err := core.Services("default").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		simtest.Eventually(t, time.Minute, "web's Endpoints and slices gone", func() bool {
			_, err := core.Endpoints("default").Get(ctx, "web", metav1.GetOptions{})
			return err != nil && len(slicesOf(ctx, cs, "web")) == 0
		})
	})
}
