package apiserver_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"

	"flinksim/sim/apiserver"
)

// The benchmarks compare the simulated API server with client-go's bare ObjectTracker
// (fake.NewSimpleClientset), the floor: same typed client, same objects. The floor is not
// fake.NewClientset: its field-managed tracker runs server-side apply's field manager on
// every write (about 3.8 ms per create), which would flatter the simulator.
// Reproduce (figures in BENCHMARKS.md):
//
//	go test ./sim/apiserver -run '^$' -bench . -benchmem
//
// and, as a quick check that they still run, with -benchtime 1x.

type backend struct {
	name string
	new  func(b *testing.B) kubernetes.Interface
}

var backends = []backend{
	{"tracker", func(*testing.B) kubernetes.Interface { return fake.NewSimpleClientset() }},
	{"sim", func(b *testing.B) kubernetes.Interface {
		s, err := apiserver.New(apiserver.Config{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		cs := s.Clientset(apiserver.AdminUser)
		if _, err := cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		return cs
	}},
}

func benchPod(i int) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("tm-%d", i), Namespace: "default",
			Labels: map[string]string{"app": fmt.Sprintf("cluster-%d", i%100), "component": "taskmanager", "type": "flink-native-kubernetes"}},
		Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{
			Name: "flink-main-container", Image: "apache/flink:2.0", Args: []string{"bash", "-c", "kubernetes-taskmanager.sh"},
			Env: []corev1.EnvVar{{Name: "_POD_NODE_ID", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}}},
		}}},
	}
}

func BenchmarkCreate(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			cs := be.new(b)
			ctx := context.Background()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := cs.CoreV1().Pods("default").Create(ctx, benchPod(i), metav1.CreateOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func fill(b *testing.B, cs kubernetes.Interface, n int) {
	b.Helper()
	for i := 0; i < n; i++ {
		if _, err := cs.CoreV1().Pods("default").Create(context.Background(), benchPod(i), metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			cs := be.new(b)
			fill(b, cs, 1000)
			ctx := context.Background()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := cs.CoreV1().Pods("default").Get(ctx, fmt.Sprintf("tm-%d", i%1000), metav1.GetOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUpdate(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			cs := be.new(b)
			ctx := context.Background()
			pod, err := cs.CoreV1().Pods("default").Create(ctx, benchPod(0), metav1.CreateOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				pod.Labels["round"] = fmt.Sprint(i)
				if pod, err = cs.CoreV1().Pods("default").Update(ctx, pod, metav1.UpdateOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkListSelector lists the 100 pods of one cluster out of 10,000.
func BenchmarkListSelector(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			cs := be.new(b)
			fill(b, cs, 10000)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				l, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=cluster-7,component=taskmanager"})
				if err != nil || len(l.Items) != 100 {
					b.Fatalf("%d items, %v", len(l.Items), err)
				}
			}
		})
	}
}

// BenchmarkWatchFanOut creates pods while 100 watchers receive every event.
func BenchmarkWatchFanOut(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			cs := be.new(b)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			const watchers = 100
			var wg sync.WaitGroup
			for w := 0; w < watchers; w++ {
				wi, err := cs.CoreV1().Pods("default").Watch(ctx, metav1.ListOptions{})
				if err != nil {
					b.Fatal(err)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range wi.ResultChan() {
					}
				}()
				defer wi.Stop()
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := cs.CoreV1().Pods("default").Create(ctx, benchPod(i), metav1.CreateOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			cancel()
		})
	}
}

// BenchmarkMemoryPerPod reports the heap each stored pod costs.
func BenchmarkMemoryPerPod(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				cs := be.new(b)
				fill(b, cs, 10000)
				runtime.GC()
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/10000, "B/pod")
				runtime.KeepAlive(cs)
			}
		})
	}
}
