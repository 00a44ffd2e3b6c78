package sim

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/process"
	"flinksim/sim/kubelet"
)

// apiClientImage runs "watcher": it watches ConfigMaps and reads one every 5 s with a
// 2 s timeout, recording what it saw.
func apiClientImage(seen *apiLog) *kubelet.Image {
	return &kubelet.Image{Name: "apiclient", Programs: map[string]process.Program{
		"watcher": func(ctx context.Context, env *process.Env) error {
			cs, err := env.Kube()
			if err != nil {
				return err
			}
			w, err := cs.CoreV1().ConfigMaps("default").Watch(ctx, metav1.ListOptions{})
			if err != nil {
				return err
			}
			defer w.Stop()
			tick := time.NewTicker(5 * time.Second)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return nil
				case ev := <-w.ResultChan():
					if cm, ok := ev.Object.(*corev1.ConfigMap); ok {
						seen.add("watch " + cm.Name)
					}
				case <-tick.C:
					callCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
					_, err := cs.CoreV1().ConfigMaps("default").Get(callCtx, "absent", metav1.GetOptions{})
					cancel()
					seen.add(fmt.Sprintf("get %v", err))
				}
			}
		},
	}}
}

type apiLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *apiLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
}

func (l *apiLog) last() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.lines) == 0 {
		return ""
	}
	return l.lines[len(l.lines)-1]
}

func (l *apiLog) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, x := range l.lines {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

// TestPodPartitionedFromTheAPIServer: a pod cut off from the API server has its requests
// time out and its watch fall silent; healed, the held events arrive and requests
// answer again. Other clients do not notice.
func TestPodPartitionedFromTheAPIServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		seen := &apiLog{}
		c, stop := runCluster(t, Config{Seed: 9, Images: []*kubelet.Image{apiClientImage(seen)}})
		defer stop()
		ctx := t.Context()
		cs := c.Client()
		if err := c.PartitionFromAPIServer(ctx, "default", "nope"); err == nil || !strings.Contains(err.Error(), `pod default/nope`) {
			t.Fatalf("partitioning a missing pod: %v", err)
		}
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "client", Namespace: "default"},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "apiclient:1", Command: []string{"watcher"}}}}}
		if _, err := cs.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, time.Minute, "the client's first read answered", func() bool { return seen.has(`get configmaps "absent" not found`) })

		if err := c.PartitionFromAPIServer(ctx, "default", "client"); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "during"}}, metav1.CreateOptions{}); err != nil {
			t.Fatalf("the admin is not partitioned: %v", err)
		}
		time.Sleep(11 * time.Second)
		if !strings.Contains(seen.last(), "context deadline exceeded") || seen.has("watch during") {
			t.Fatalf("partitioned, the pod's reads should time out and its watch stay silent: %q", seen.lines)
		}

		if err := c.HealAPIServer(ctx, "default", "client"); err != nil {
			t.Fatal(err)
		}
		eventually(t, time.Second, "the held watch event", func() bool { return seen.has("watch during") })
		eventually(t, 10*time.Second, "reads answer again", func() bool { return strings.Contains(seen.last(), "not found") })
	})
}
