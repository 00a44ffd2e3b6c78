package kubelet_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"flinksim/process"
	"flinksim/sim"
	"flinksim/sim/apiserver"
	"flinksim/sim/kubelet"
)

// testImage runs the programs the tests need.
func testImage() *kubelet.Image {
	return &kubelet.Image{Name: "test", Programs: kubelet.WithToolbox(map[string]process.Program{
		"exit": func(ctx context.Context, env *process.Env) error {
			var code int
			fmt.Sscan(env.Args[0], &code)
			fmt.Fprintf(env.Stdout, "exiting with %d\n", code)
			return process.Exit(code, nil)
		},
		"serve": func(ctx context.Context, env *process.Env) error {
			l, err := env.Network.Listen(ctx, "tcp", ":"+env.Args[0])
			if err != nil {
				return err
			}
			go func() { <-ctx.Done(); l.Close() }()
			for {
				c, err := l.Accept()
				if err != nil {
					return ctx.Err()
				}
				fmt.Fprintf(c, "hello from %s\n", env.Hostname)
				c.Close()
			}
		},
		"show": func(ctx context.Context, env *process.Env) error {
			last := ""
			for {
				b, _ := fs.ReadFile(env.Files, strings.TrimPrefix(env.Args[0], "/"))
				if string(b) != last {
					fmt.Fprintf(env.Stdout, "%s=%s env=%s\n", env.Args[0], b, env.Getenv("SECRET"))
					last = string(b)
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(time.Second):
				}
			}
		},
		"podip": func(ctx context.Context, env *process.Env) error {
			fmt.Fprintf(env.Stdout, "ip=%s\n", env.Getenv("MY_IP"))
			return nil
		},
		// kubeget reads a ConfigMap every 5 s with a 2 s timeout and logs the outcome.
		"kubeget": func(ctx context.Context, env *process.Env) error {
			cs, err := env.Kube()
			if err != nil {
				return err
			}
			for {
				callCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
				_, err := cs.CoreV1().ConfigMaps("default").Get(callCtx, "x", metav1.GetOptions{})
				cancel()
				fmt.Fprintf(env.Stdout, "get at %s: %v\n", time.Now().UTC().Format("15:04:05"), err)
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(5 * time.Second):
				}
			}
		},
		"stubborn": func(ctx context.Context, env *process.Env) error {
			<-ctx.Done()
			fmt.Fprintln(env.Stdout, "shutting down slowly")
			time.Sleep(5 * time.Second)
			return nil
		},
	})}
}

func run(t *testing.T) (*sim.Cluster, kubernetes.Interface, func()) {
	t.Helper()
	c, err := sim.New(sim.Config{Seed: 7, Images: []*kubelet.Image{testImage()}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Start(ctx) }()
	return c, c.Client(), func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func pod(name string, restart corev1.RestartPolicy, containers ...corev1.Container) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": name}},
		Spec: corev1.PodSpec{RestartPolicy: restart, Containers: containers}}
}

func container(name string, command ...string) corev1.Container {
	return corev1.Container{Name: name, Image: "test:1", Command: command}
}

func waitFor(t *testing.T, cs kubernetes.Interface, name string, within time.Duration, what string, cond func(*corev1.Pod) bool) *corev1.Pod {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		p, err := cs.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
		if err == nil && cond(p) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod %s: not within %v: %s (status %+v, err %v)", name, within, what, p.Status, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func logsOf(t *testing.T, cs kubernetes.Interface, name string, opts *corev1.PodLogOptions) string {
	t.Helper()
	b, err := cs.CoreV1().Pods("default").GetLogs(name, opts).DoRaw(context.Background())
	if err != nil {
		t.Fatalf("logs of %s: %v", name, err)
	}
	return string(b)
}

func TestCompletedPodSucceedsAndKeepsItsLog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, cs, stop := run(t)
		defer stop()
		if _, err := cs.CoreV1().Pods("default").Create(context.Background(), pod("job", corev1.RestartPolicyNever, container("main", "exit", "0")), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		p := waitFor(t, cs, "job", time.Minute, "Succeeded", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodSucceeded })
		st := p.Status.ContainerStatuses[0].State.Terminated
		if st == nil || st.ExitCode != 0 || st.Reason != "Completed" {
			t.Fatalf("container state %+v, want terminated Completed 0", p.Status.ContainerStatuses[0].State)
		}
		if got := logsOf(t, cs, "job", nil); got != "exiting with 0\n" {
			t.Fatalf("log %q", got)
		}
	})
}

func TestCrashingContainerBacksOffExponentially(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, cs, stop := run(t)
		defer stop()
		if _, err := cs.CoreV1().Pods("default").Create(context.Background(), pod("crash", corev1.RestartPolicyAlways, container("main", "exit", "3")), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		p := waitFor(t, cs, "crash", time.Minute, "CrashLoopBackOff", func(p *corev1.Pod) bool {
			return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Waiting != nil &&
				p.Status.ContainerStatuses[0].State.Waiting.Reason == "CrashLoopBackOff"
		})
		cs0 := p.Status.ContainerStatuses[0]
		if cs0.LastTerminationState.Terminated == nil || cs0.LastTerminationState.Terminated.ExitCode != 3 || cs0.LastTerminationState.Terminated.Reason != "Error" {
			t.Fatalf("last state %+v, want terminated Error 3", cs0.LastTerminationState)
		}
		if p.Status.Phase != corev1.PodRunning {
			t.Fatalf("phase %s, want Running while restarting under restartPolicy Always", p.Status.Phase)
		}
		// Restarts: immediately, then after 10 s, 20 s, 40 s.
		start := time.Now()
		waitFor(t, cs, "crash", 5*time.Minute, "4 restarts", func(p *corev1.Pod) bool { return p.Status.ContainerStatuses[0].RestartCount >= 4 })
		if took := time.Since(start); took < 60*time.Second || took > 80*time.Second {
			t.Fatalf("4 restarts took %v, want about 10+20+40 s of back-off", took)
		}
		if got := logsOf(t, cs, "crash", &corev1.PodLogOptions{Previous: true}); got != "exiting with 3\n" {
			t.Fatalf("previous log %q", got)
		}
	})
}

func TestMissingConfigMapKeepsPodCreatingUntilItAppearsAndUpdatesReachTheProcess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, cs, stop := run(t)
		defer stop()
		ctx := context.Background()
		p := pod("cfg", corev1.RestartPolicyAlways, container("main", "show", "/etc/app/level"))
		p.Spec.Volumes = []corev1.Volume{{Name: "conf", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "app"}}}}}
		p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "conf", MountPath: "/etc/app"}}
		p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "SECRET", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Key: "k"}}}}
		if _, err := cs.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Second)
		got, _ := cs.CoreV1().Pods("default").Get(ctx, "cfg", metav1.GetOptions{})
		if got.Status.Phase != corev1.PodPending || got.Status.ContainerStatuses[0].State.Waiting == nil || got.Status.ContainerStatuses[0].State.Waiting.Reason != "ContainerCreating" {
			t.Fatalf("without its ConfigMap the pod is %s %+v, want Pending ContainerCreating", got.Status.Phase, got.Status.ContainerStatuses)
		}
		evs, err := cs.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=cfg,reason=FailedMount"})
		if err != nil {
			t.Fatal(err)
		}
		if all, _ := cs.CoreV1().Events("default").List(ctx, metav1.ListOptions{}); len(evs.Items) == 0 {
			for _, e := range all.Items {
				t.Logf("event %s %s %s %s", e.Name, e.InvolvedObject.Name, e.Reason, e.Message)
			}
		}
		if len(evs.Items) == 0 || !strings.Contains(evs.Items[0].Message, `MountVolume.SetUp failed for volume "conf" : configmap "app" not found`) {
			t.Fatalf("FailedMount events: %+v", evs.Items)
		}
		if _, err := cs.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "default"}, Data: map[string]string{"level": "INFO"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, cs, "cfg", time.Minute, "CreateContainerConfigError for the missing secret", func(p *corev1.Pod) bool {
			return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Waiting != nil && p.Status.ContainerStatuses[0].State.Waiting.Reason == "CreateContainerConfigError"
		})
		if _, err := cs.CoreV1().Secrets("default").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "default"}, Data: map[string][]byte{"k": []byte("pw")}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, cs, "cfg", time.Minute, "Running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
		time.Sleep(2 * time.Second)
		if got := logsOf(t, cs, "cfg", nil); got != "/etc/app/level=INFO env=pw\n" {
			t.Fatalf("log %q", got)
		}
		cm, _ := cs.CoreV1().ConfigMaps("default").Get(ctx, "app", metav1.GetOptions{})
		cm.Data["level"] = "DEBUG"
		if _, err := cs.CoreV1().ConfigMaps("default").Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		changed := time.Now()
		for !strings.Contains(logsOf(t, cs, "cfg", nil), "DEBUG") {
			if time.Since(changed) > 2*time.Minute {
				t.Fatal("the updated ConfigMap never reached the running process")
			}
			time.Sleep(time.Second)
		}
		if d := time.Since(changed); d < 10*time.Second || d > 91*time.Second {
			t.Fatalf("the change arrived after %v; a kubelet resync comes 60 to 90 s after the last", d)
		}
	})
}

func TestUnknownImageAndUnknownCommand(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, cs, stop := run(t)
		defer stop()
		ctx := context.Background()
		bad := pod("noimage", corev1.RestartPolicyAlways, corev1.Container{Name: "main", Image: "nosuch/image:1"})
		if _, err := cs.CoreV1().Pods("default").Create(ctx, bad, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, cs, "noimage", time.Minute, "ImagePullBackOff", func(p *corev1.Pod) bool {
			return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Waiting != nil && p.Status.ContainerStatuses[0].State.Waiting.Reason == "ImagePullBackOff"
		})
		if _, err := cs.CoreV1().Pods("default").Create(ctx, pod("nocmd", corev1.RestartPolicyNever, container("main", "no-such-command")), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		p := waitFor(t, cs, "nocmd", time.Minute, "Failed", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
		term := p.Status.ContainerStatuses[0].State.Terminated
		if term.ExitCode != 128 || term.Reason != "StartError" || !strings.Contains(term.Message, `exec: "no-such-command": executable file not found in $PATH`) || !term.StartedAt.Equal(&metav1.Time{Time: time.Unix(0, 0)}) {
			t.Fatalf("a command the runtime cannot exec ended %+v, want containerd's StartError: exit 128, never started", term)
		}
		if got := logsOf(t, cs, "nocmd", nil); got != "" {
			t.Fatalf("a container that never started has the log %q, want none", got)
		}
		evs, err := cs.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=nocmd,reason=Failed"})
		if err != nil || len(evs.Items) != 1 || !strings.HasPrefix(evs.Items[0].Message, "Error: failed to create containerd task") {
			t.Fatalf("Failed events %+v (%v), want one saying the task could not be created", evs, err)
		}
		if started, _ := cs.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=nocmd,reason=Started"}); len(started.Items) != 0 {
			t.Fatalf("a Started event for a container that never started: %+v", started.Items)
		}
		if _, err := cs.CoreV1().Pods("default").Create(ctx, pod("bashmiss", corev1.RestartPolicyNever, container("main", "bash", "-c", "kubernetes-nothing.sh arg")), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		p = waitFor(t, cs, "bashmiss", time.Minute, "Failed", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
		if code := p.Status.ContainerStatuses[0].State.Terminated.ExitCode; code != 127 {
			t.Fatalf("bash -c of a missing script: exit %d, want 127", code)
		}
	})
}

func TestInitContainersRunFirstAndAFailedOneFailsThePod(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, cs, stop := run(t)
		defer stop()
		ctx := context.Background()
		ok := pod("init-ok", corev1.RestartPolicyNever, container("main", "sh", "-c", "cat /work/fetched"))
		ok.Spec.InitContainers = []corev1.Container{container("fetch", "sh", "-c", "echo fetching; sleep 3")}
		ok.Spec.Volumes = []corev1.Volume{{Name: "work", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
		if _, err := cs.CoreV1().Pods("default").Create(ctx, ok, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		p := waitFor(t, cs, "init-ok", time.Minute, "finished", func(p *corev1.Pod) bool {
			return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
		})
		if len(p.Status.InitContainerStatuses) != 1 || p.Status.InitContainerStatuses[0].State.Terminated == nil || p.Status.InitContainerStatuses[0].State.Terminated.ExitCode != 0 {
			t.Fatalf("init container status %+v", p.Status.InitContainerStatuses)
		}
		failing := pod("init-bad", corev1.RestartPolicyNever, container("main", "exit", "0"))
		failing.Spec.InitContainers = []corev1.Container{container("fetch", "exit", "1")}
		if _, err := cs.CoreV1().Pods("default").Create(ctx, failing, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		p = waitFor(t, cs, "init-bad", time.Minute, "Failed", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
		if p.Status.ContainerStatuses[0].State.Running != nil || p.Status.ContainerStatuses[0].State.Terminated != nil {
			t.Fatalf("main container ran after a failed init container: %+v", p.Status.ContainerStatuses[0].State)
		}
	})
}

func TestGracefulDeletionWaitsForTheProcessUpToTheGracePeriod(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, cs, stop := run(t)
		defer stop()
		ctx := context.Background()
		if _, err := cs.CoreV1().Pods("default").Create(ctx, pod("slow", corev1.RestartPolicyAlways, container("main", "stubborn")), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, cs, "slow", time.Minute, "Running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
		start := time.Now()
		if err := cs.CoreV1().Pods("default").Delete(ctx, "slow", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		for {
			_, err := cs.CoreV1().Pods("default").Get(ctx, "slow", metav1.GetOptions{})
			if err != nil {
				break
			}
			if time.Since(start) > time.Minute {
				t.Fatal("pod not gone")
			}
			time.Sleep(100 * time.Millisecond)
		}
		if d := time.Since(start); d < 5*time.Second || d > 7*time.Second {
			t.Fatalf("pod went after %v; its process takes 5 s to stop", d)
		}
	})
}

func TestOOMKillAndEviction(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, cs, stop := run(t)
		defer stop()
		ctx := context.Background()
		for _, name := range []string{"oom", "evict"} {
			if _, err := cs.CoreV1().Pods("default").Create(ctx, pod(name, corev1.RestartPolicyNever, container("main", "sleep", "infinity")), metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, cs, name, time.Minute, "Running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
		}
		if err := c.Kubelet().OOMKill("default", "oom", "main"); err != nil {
			t.Fatal(err)
		}
		p := waitFor(t, cs, "oom", time.Minute, "Failed", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
		if st := p.Status.ContainerStatuses[0].State.Terminated; st == nil || st.Reason != "OOMKilled" || st.ExitCode != 137 {
			t.Fatalf("state %+v, want OOMKilled 137", p.Status.ContainerStatuses[0].State)
		}
		if err := c.Kubelet().Evict("default", "evict", "The node was low on resource: memory."); err != nil {
			t.Fatal(err)
		}
		p = waitFor(t, cs, "evict", time.Minute, "Failed", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
		if p.Status.Reason != "Evicted" || p.Status.Message != "The node was low on resource: memory." {
			t.Fatalf("reason %q message %q", p.Status.Reason, p.Status.Message)
		}
	})
}

func TestPodsReachEachOtherThroughAService(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, cs, stop := run(t)
		defer stop()
		ctx := context.Background()
		srv := pod("server", corev1.RestartPolicyAlways, container("main", "serve", "7000"))
		srv.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "talk", ContainerPort: 7000}}
		if _, err := cs.CoreV1().Pods("default").Create(ctx, srv, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "talk", Namespace: "default"}, Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "server"}, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromString("talk")}}}}
		created, err := cs.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, cs, "server", time.Minute, "Running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
		for _, addr := range []string{"talk.default:80", "talk.default.svc.cluster.local:80", created.Spec.ClusterIP + ":80"} {
			conn, err := c.Network().Host("10.244.9.9").DialContext(ctx, "tcp", addr)
			if err != nil {
				t.Fatalf("dial %s: %v", addr, err)
			}
			line, _ := bufio.NewReader(conn).ReadString('\n')
			conn.Close()
			if line != "hello from server\n" {
				t.Fatalf("via %s: %q", addr, line)
			}
		}
		_ = io.EOF
	})
}

func TestDownwardAPIPodIPIsSetAtFirstStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, cs, stop := run(t)
		defer stop()
		p := pod("ip", corev1.RestartPolicyNever, container("main", "podip"))
		p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "MY_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}}}
		if _, err := cs.CoreV1().Pods("default").Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		got := waitFor(t, cs, "ip", time.Minute, "Succeeded", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodSucceeded })
		if log := logsOf(t, cs, "ip", nil); log != "ip="+got.Status.PodIP+"\n" || got.Status.PodIP == "" {
			t.Fatalf("log %q, pod IP %q", log, got.Status.PodIP)
		}
	})
}

func TestLogsReadableByTheAdminWithRBACEnforced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, err := sim.New(sim.Config{Seed: 8, RBAC: true, Images: []*kubelet.Image{testImage()}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- c.Start(ctx) }()
		defer func() { cancel(); <-done }()
		cs := c.Client()
		if _, err := cs.CoreV1().Pods("default").Create(context.Background(), pod("job", corev1.RestartPolicyNever, container("main", "exit", "0")), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, cs, "job", time.Minute, "Succeeded", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodSucceeded })
		if got := logsOf(t, cs, "job", nil); got != "exiting with 0\n" {
			t.Fatalf("log %q", got)
		}
	})
}

// TestHungProcessAnswersNothingUntilResumedAndIgnoresSIGTERM: a hung pod stays Running and
// Ready, but its listener answers nothing, its API calls time out; resumed it answers
// again; hung, a deletion has to wait for the grace period to kill it.
func TestHungProcessAnswersNothingUntilResumedAndIgnoresSIGTERM(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, cs, stop := run(t)
		defer stop()
		ctx := context.Background()
		p := pod("hangs", corev1.RestartPolicyAlways, container("server", "serve", "7000"), container("client", "kubeget"))
		p.Spec.TerminationGracePeriodSeconds = ptr(int64(20))
		if _, err := cs.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		running := waitFor(t, cs, "hangs", time.Minute, "Running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
		addr := running.Status.PodIP + ":7000"
		dial := func() error {
			dctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			conn, err := c.Network().Host("10.244.9.9").DialContext(dctx, "tcp", addr)
			if err != nil {
				return err
			}
			defer conn.Close()
			conn.SetReadDeadline(time.Now().Add(3 * time.Second))
			_, err = bufio.NewReader(conn).ReadString('\n')
			return err
		}
		if err := dial(); err != nil {
			t.Fatalf("before the hang: %v", err)
		}

		if err := c.Kubelet().Hang("default", "hangs", ""); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		start := time.Now()
		if err := dial(); err == nil || time.Since(start) != 3*time.Second {
			t.Fatalf("a hung pod answered (%v) or the dial did not wait for its deadline (%v)", err, time.Since(start))
		}
		time.Sleep(10 * time.Second)
		got := waitFor(t, cs, "hangs", time.Second, "Running and Ready", func(p *corev1.Pod) bool {
			return p.Status.Phase == corev1.PodRunning && p.Status.ContainerStatuses[0].Ready
		})
		if got.Status.ContainerStatuses[0].RestartCount != 0 {
			t.Fatal("the hung process was restarted")
		}
		if log := logsOf(t, cs, "hangs", &corev1.PodLogOptions{Container: "client"}); !strings.Contains(log, "context deadline exceeded") {
			t.Fatalf("the hung process's API calls did not time out:\n%s", log)
		}

		if err := c.Kubelet().Resume("default", "hangs", ""); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if err := dial(); err != nil {
			t.Fatalf("after resume: %v", err)
		}
		time.Sleep(6 * time.Second)
		log := logsOf(t, cs, "hangs", &corev1.PodLogOptions{Container: "client"})
		if lines := strings.Split(strings.TrimSpace(log), "\n"); !strings.Contains(lines[len(lines)-1], "not found") {
			t.Fatalf("after resume the API answers again (NotFound), got:\n%s", log)
		}

		if err := c.Kubelet().Hang("default", "hangs", ""); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		start = time.Now()
		if err := cs.CoreV1().Pods("default").Delete(ctx, "hangs", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := cs.CoreV1().Pods("default").Get(ctx, "hangs", metav1.GetOptions{}); err != nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if d := time.Since(start); d < 20*time.Second || d > 21*time.Second {
			t.Fatalf("the hung pod went after %v, want the 20 s grace period (SIGTERM ignored, then killed)", d)
		}
		if c.Network().Hung(running.Status.PodIP) {
			t.Fatal("the pod's IP is still hung after the pod went")
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestKubeletConfirmsEachDeletionOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, cs, stop := run(t)
		defer stop()
		ctx := context.Background()
		const n = 20
		for i := range n {
			if _, err := cs.CoreV1().Pods("default").Create(ctx, pod(fmt.Sprintf("p%d", i), corev1.RestartPolicyAlways, container("main", "serve", "80")), metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range n {
			waitFor(t, cs, fmt.Sprintf("p%d", i), time.Minute, "Running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
		}
		if err := cs.CoreV1().Pods("default").DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(time.Minute)
		for {
			pods, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
			if err == nil && len(pods.Items) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("pods not gone within a minute")
			}
			time.Sleep(100 * time.Millisecond)
		}
		synctest.Wait()
		// Each pod's worker stops the containers, reports the final status and deletes the
		// pod with grace 0; the updates that follow (that status, the pod gone) ask for
		// nothing more.
		deletes := c.Server().RequestLog().Entries(func(e apiserver.Entry) bool {
			return e.Verb == "delete" && e.Resource.Resource == "pods" && strings.HasPrefix(e.User, "system:node:")
		})
		if len(deletes) != n {
			var codes []int32
			for _, e := range deletes {
				codes = append(codes, e.Code)
			}
			t.Fatalf("the kubelet sent %d deletes for %d pods (codes %v), want one each", len(deletes), n, codes)
		}
	})
}

// TestDeletedPodEndsInATerminalPhase: once a graceful deletion has stopped every
// container, the kubelet reports the pod's phase as terminal before it confirms the
// deletion — Failed when a container exited non-zero (SIGTERM's 143), Succeeded when
// all exited 0 — whatever the restart policy, with Ready and ContainersReady False for
// reason PodFailed or PodCompleted (their transition time kept from when the containers
// stopped being ready) and PodReadyToStartContainers False, as the sandbox is gone.
func TestDeletedPodEndsInATerminalPhase(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, cs, stop := run(t)
		defer stop()
		ctx := context.Background()
		pods := cs.CoreV1().Pods("default")
		for name, want := range map[string]struct {
			command []string
			phase   corev1.PodPhase
			reason  string
		}{
			"server":   {[]string{"serve", "8080"}, corev1.PodFailed, "PodFailed"},
			"stubborn": {[]string{"stubborn"}, corev1.PodSucceeded, "PodCompleted"},
		} {
			if _, err := pods.Create(ctx, pod(name, corev1.RestartPolicyAlways, container("main", want.command...)), metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, cs, name, time.Minute, "Running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
			w, err := pods.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
			if err != nil {
				t.Fatal(err)
			}
			if err := pods.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
			var last *corev1.Pod
			for ev := range w.ResultChan() {
				if ev.Type == "DELETED" {
					break
				}
				last = ev.Object.(*corev1.Pod)
			}
			w.Stop()
			if last == nil || last.Status.Phase != want.phase {
				t.Fatalf("pod %s: last status before it was gone %+v, want phase %s", name, last.Status, want.phase)
			}
			conds := map[corev1.PodConditionType]corev1.PodCondition{}
			for _, c := range last.Status.Conditions {
				conds[c.Type] = c
			}
			for _, typ := range []corev1.PodConditionType{corev1.PodReady, corev1.ContainersReady} {
				if c := conds[typ]; c.Status != corev1.ConditionFalse || c.Reason != want.reason {
					t.Errorf("pod %s: condition %s %s reason %q, want False %q", name, typ, c.Status, c.Reason, want.reason)
				}
			}
			if c := conds["PodReadyToStartContainers"]; c.Status != corev1.ConditionFalse {
				t.Errorf("pod %s: PodReadyToStartContainers %s, want False", name, c.Status)
			}
		}
	})
}
