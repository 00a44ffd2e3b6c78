package apiserver

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
)

func benchPod(i int) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p-%d", i), Namespace: "default", Labels: map[string]string{"app": "x"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "busybox:1.36"}}}}
}

func benchCRUD(b *testing.B, cs kubernetes.Interface) {
	ctx := context.Background()
	pods := cs.CoreV1().Pods("default")
	n := 0
	b.Run("create", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			n++
			if _, err := pods.Create(ctx, benchPod(n), metav1.CreateOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("get", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := pods.Get(ctx, "p-1", metav1.GetOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("update", func(b *testing.B) {
		p, _ := pods.Get(ctx, "p-1", metav1.GetOptions{})
		for i := 0; i < b.N; i++ {
			p.Labels["i"] = fmt.Sprint(i)
			np, err := pods.Update(ctx, p, metav1.UpdateOptions{})
			if err != nil {
				b.Fatal(err)
			}
			p = np
		}
	})
}

func BenchmarkTmpTracker(b *testing.B) { benchCRUD(b, fake.NewSimpleClientset()) }

func BenchmarkTmpSim(b *testing.B) {
	s, _ := New(Config{})
	benchCRUD(b, s.Clientset(AdminUser))
}
