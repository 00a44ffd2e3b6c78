package taskmanager

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"testing/synctest"
	"time"

	"flinksim/gateway"
	"flinksim/internal/syncbuf"
	"flinksim/process"
	"flinksim/resourcemanager"
	"flinksim/rpc"
	"flinksim/sim/network"
)

const jmIP, tmIP = "10.0.0.1", "10.0.0.2"

// fakeJobManager is a resource manager endpoint that records what TaskManagers do.
type fakeJobManager struct {
	mu            sync.Mutex
	registrations int
	heartbeats    int
	forget        bool // answer heartbeats with UnknownTaskManager
	token         string
}

func (f *fakeJobManager) serve(t *testing.T, n *network.Network) func() {
	register := func(_, _ context.Context, req gateway.RegistrationRequest) (gateway.RegistrationResponse, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.registrations++
		f.forget = false
		return gateway.RegistrationResponse{Accepted: true, Instance: resourcemanager.InstanceID("i" + string(rune('0'+f.registrations))), ResourceManagerID: f.token}, nil
	}
	heartbeat := func() error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.heartbeats++
		if f.forget {
			return rpc.Errorf(gateway.UnknownTaskManager, "who are you")
		}
		return nil
	}
	return serveResourceManager(t, n, register, heartbeat)
}

// serveResourceManager runs a resource manager endpoint at jmIP:6123 until the returned
// function is called: registrations are answered by register (given the endpoint's
// serving context, which ends when it stops, and the call's), heartbeats by heartbeat
// (nil: accepted); slot reports and disconnects are accepted.
func serveResourceManager(t *testing.T, n *network.Network,
	register func(serving, call context.Context, req gateway.RegistrationRequest) (gateway.RegistrationResponse, error),
	heartbeat func() error) func() {
	t.Helper()
	serving, cancel := context.WithCancel(context.Background())
	srv := rpc.NewServer(nil)
	rpc.Handle(srv, gateway.RegisterTaskExecutor, func(ctx context.Context, req gateway.RegistrationRequest) (gateway.RegistrationResponse, error) {
		return register(serving, ctx, req)
	})
	acceptReport := func(ctx context.Context, req gateway.SlotReportRequest) (gateway.Empty, error) {
		return gateway.Empty{}, nil
	}
	rpc.Handle(srv, gateway.SendSlotReport, acceptReport)
	rpc.Handle(srv, gateway.HeartbeatFromTaskManager, func(ctx context.Context, req gateway.SlotReportRequest) (gateway.Empty, error) {
		if heartbeat == nil {
			return gateway.Empty{}, nil
		}
		return gateway.Empty{}, heartbeat()
	})
	rpc.Handle(srv, gateway.DisconnectTaskManager, func(ctx context.Context, req gateway.DisconnectRequest) (gateway.Empty, error) {
		return gateway.Empty{}, nil
	})
	l, err := n.Host(jmIP).Listen(context.Background(), "tcp", ":6123")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(serving, l) }()
	return func() { cancel(); <-done }
}

func (f *fakeJobManager) counts() (int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.registrations, f.heartbeats
}

func taskManagerEnv(n *network.Network, out *syncbuf.Buffer, environ map[string]string, extra ...string) *process.Env {
	args := append([]string{"-Dtaskmanager.resource-id=my-flink-taskmanager-1-1", "-Djobmanager.rpc.address=" + jmIP,
		"-D", "taskmanager.numberOfTaskSlots=2", "-D", "taskmanager.memory.process.size=1728m"}, extra...)
	if environ == nil {
		environ = map[string]string{"_POD_NODE_ID": "node-1"}
	}
	return &process.Env{Args: args, Environ: environ, Hostname: "my-flink-taskmanager-1-1", Network: n.Host(tmIP),
		Files:  fstest.MapFS{"opt/flink/conf/log4j-console.properties": {Data: []byte("rootLogger.level = DEBUG\n")}},
		Stdout: out, Stderr: out}
}

func newNetwork() *network.Network { return network.New(rand.New(rand.NewPCG(1, 1))) }

func TestTaskManagerExitsWhenItCannotRegister(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out syncbuf.Buffer
		t0 := time.Now()
		err := Main(context.Background(), taskManagerEnv(newNetwork(), &out, nil, "-Dtaskmanager.registration.timeout=2 min"))
		if process.ExitCode(err) != 1 {
			t.Fatalf("exit %v, want code 1", err)
		}
		if d := time.Since(t0); d != 2*time.Minute {
			t.Fatalf("exited after %v, want taskmanager.registration.timeout", d)
		}
		if !strings.Contains(out.String(), "Could not register at the ResourceManager within the specified maximum registration duration 2m0s") {
			t.Fatalf("log:\n%s", out.String())
		}
	})
}

func TestTaskManagerNeedsItsNode(t *testing.T) {
	var out syncbuf.Buffer
	err := Main(context.Background(), taskManagerEnv(newNetwork(), &out, map[string]string{}))
	if process.ExitCode(err) != 1 || !strings.Contains(err.Error(), "_POD_NODE_ID is not set") {
		t.Fatalf("exit %v", err)
	}
}

func TestTaskManagerRegistersHeartbeatsAndRegistersAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := newNetwork()
		jm := &fakeJobManager{token: "session-1"}
		stop := jm.serve(t, n)
		defer stop()
		var out syncbuf.Buffer
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- Main(ctx, taskManagerEnv(n, &out, nil)) }()
		time.Sleep(35 * time.Second)
		if r, h := jm.counts(); r != 1 || h != 3 {
			t.Fatalf("%d registrations, %d heartbeats after 35 s; want 1 and 3 (heartbeat.interval 10 s)", r, h)
		}
		jm.mu.Lock()
		jm.forget = true // a new JobManager
		jm.mu.Unlock()
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if r, _ := jm.counts(); r != 2 {
			t.Fatalf("%d registrations after the resource manager forgot the TaskManager, want 2", r)
		}
		cancel()
		if err := <-done; process.ExitCode(err) != 143 {
			t.Fatalf("exit %v after SIGTERM", err)
		}
		log := out.String()
		for _, want := range []string{"Successful registration at resource manager", "DEBUG", "Close ResourceManager connection: the resource manager no longer knows this TaskManager"} {
			if !strings.Contains(log, want) {
				t.Errorf("the log lacks %q:\n%s", want, log)
			}
		}
	})
}
