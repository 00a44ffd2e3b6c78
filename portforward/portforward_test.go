package portforward

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"flinksim/process"
	"flinksim/sim"
	"flinksim/sim/kubelet"
)

// helloImage serves "hello from <pod>" over HTTP on port 8080.
var helloImage = &kubelet.Image{Name: "hello", Entrypoint: []string{"/hello"}, Programs: map[string]process.Program{
	"/hello": func(ctx context.Context, env *process.Env) error {
		l, err := env.Network.Listen(ctx, "tcp", ":8080")
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, "hello from %s", env.Hostname)
		})}
		go func() { <-ctx.Done(); srv.Close() }()
		srv.Serve(l)
		return ctx.Err()
	},
}}

// start runs a cluster with a Deployment "hello" of one pod behind Service "hello"
// (port 80, ClusterIP unless lb) and a Forwarder over it.
func start(t *testing.T, cfg Config, lb bool) (*sim.Cluster, *Forwarder) {
	t.Helper()
	c, err := sim.New(sim.Config{Seed: 1, Images: []*kubelet.Image{helloImage}, PodStartLatency: 10 * time.Millisecond, PodStartJitter: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Client, cfg.Network = c.Client(), c.Network()
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.Start(ctx) }()
	go func() { defer wg.Done(); f.Start(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })

	labels := map[string]string{"app": "hello"}
	one := int32(1)
	if _, err := c.Client().AppsV1().Deployments("default").Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "hello"},
		Spec: appsv1.DeploymentSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "hello"}}}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "hello", Labels: labels},
		Spec: corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}}}}
	if lb {
		svc.Spec.Type = corev1.ServiceTypeLoadBalancer
	}
	if _, err := c.Client().CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return c, f
}

// get fetches a URL until it answers, for up to 20 s (the pod is starting).
func get(t *testing.T, url string) string {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := client.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return string(body)
			}
			err = fmt.Errorf("%s", resp.Status)
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v", url, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSelectedServicesAreForwardedAndClosedWithTheirService(t *testing.T) {
	opened := make(chan Forward, 10)
	closed := make(chan Forward, 10)
	c, f := start(t, Config{
		Select: func(svc *corev1.Service) []corev1.ServicePort {
			if svc.Name == "hello" {
				return svc.Spec.Ports
			}
			return nil
		},
		OnChange: func(fw Forward, open bool) {
			if open {
				opened <- fw
			} else {
				closed <- fw
			}
		},
	}, false)
	var fw Forward
	select {
	case fw = <-opened:
	case <-time.After(10 * time.Second):
		t.Fatal("the selected Service was not forwarded within 10 s")
	}
	if fw.Service != "hello" || fw.Port != 80 || !strings.HasPrefix(fw.Local, "127.0.0.1:") {
		t.Errorf("forward %+v", fw)
	}
	if body := get(t, fw.URL()); !strings.HasPrefix(body, "hello from hello-") {
		t.Errorf("through the forward: %q", body)
	}
	if got := f.List(); len(got) != 1 || got[0] != fw {
		t.Errorf("List() = %v, want [%v]", got, fw)
	}
	if err := c.Client().CoreV1().Services("default").Delete(context.Background(), "hello", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the forward stayed open after its Service was deleted")
	}
	if _, err := net.DialTimeout("tcp", fw.Local, time.Second); err == nil {
		t.Errorf("%s still accepts connections after the Service is gone", fw.Local)
	}
}

func TestAddForwardsOnRequest(t *testing.T) {
	_, f := start(t, Config{}, false)
	ctx := context.Background()
	var fw Forward
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		fw, err = f.Add(ctx, "default", "hello", 80, 0)
		if err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if body := get(t, fw.URL()); !strings.HasPrefix(body, "hello from") {
		t.Errorf("through the forward: %q", body)
	}
	if again, err := f.Add(ctx, "default", "hello", 80, 0); err != nil || again != fw {
		t.Errorf("adding the same forward again: %v, %v; want the open one", again, err)
	}
	if _, err := f.Add(ctx, "default", "hello", 81, 0); err == nil || !strings.Contains(err.Error(), "has no port 81 (its ports: [80])") {
		t.Errorf("a port the Service lacks: %v", err)
	}
	if _, err := f.Add(ctx, "default", "nope", 80, 0); err == nil || !strings.Contains(err.Error(), `"nope" not found`) {
		t.Errorf("a missing Service: %v", err)
	}
}

func TestLoadBalancerServicesGetALoopbackIngress(t *testing.T) {
	c, _ := start(t, Config{LoadBalancers: "127.0.78.0/24"}, true)
	var ip string
	for deadline := time.Now().Add(10 * time.Second); ip == ""; time.Sleep(20 * time.Millisecond) {
		svc, err := c.Client().CoreV1().Services("default").Get(context.Background(), "hello", metav1.GetOptions{})
		if err == nil && len(svc.Status.LoadBalancer.Ingress) == 1 {
			ip = svc.Status.LoadBalancer.Ingress[0].IP
		}
		if time.Now().After(deadline) {
			t.Fatal("the LoadBalancer Service got no ingress within 10 s")
		}
	}
	if !strings.HasPrefix(ip, "127.0.78.") {
		t.Errorf("ingress IP %s, want one of 127.0.78.0/24", ip)
	}
	if body := get(t, "http://"+ip+":80"); !strings.HasPrefix(body, "hello from") {
		t.Errorf("through the load balancer: %q", body)
	}
}

func TestConfigIsValidated(t *testing.T) {
	c, err := sim.New(sim.Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Network: c.Network()}, "Config.Client is required"},
		{Config{Client: c.Client()}, "Config.Network is required"},
		{Config{Client: c.Client(), Network: c.Network(), LoadBalancers: "10.0.0.0/24"}, "not an IPv4 loopback range"},
		{Config{Client: c.Client(), Network: c.Network(), LoadBalancers: "nonsense"}, "not an IPv4 loopback range"},
	} {
		if _, err := New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want an error with %q", tc.cfg, err, tc.want)
		}
	}
}
