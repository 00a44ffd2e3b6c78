package taskmanager

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"flinksim/gateway"
	"flinksim/internal/syncbuf"
	"flinksim/process"
	"flinksim/sim/network"
)

// answer is what the scripted resource manager does with one registration attempt.
type answer int

const (
	hang    answer = iota // no answer: the attempt times out
	fail                  // an error
	decline               // a refusal
	accept
)

// scriptedJobManager answers registration attempts in turn as its script says and
// records when each arrived.
type scriptedJobManager struct {
	script []answer
	mu     sync.Mutex
	times  []time.Time
}

func (f *scriptedJobManager) serve(t *testing.T, n *network.Network) func() {
	return serveResourceManager(t, n, func(serving, call context.Context, req gateway.RegistrationRequest) (gateway.RegistrationResponse, error) {
		f.mu.Lock()
		f.times = append(f.times, time.Now())
		a := accept
		if i := len(f.times) - 1; i < len(f.script) {
			a = f.script[i]
		}
		f.mu.Unlock()
		switch a {
		case hang:
			select {
			case <-call.Done():
			case <-serving.Done():
			}
			return gateway.RegistrationResponse{}, errors.New("gave up")
		case fail:
			return gateway.RegistrationResponse{}, errors.New("the resource manager is not ready")
		case decline:
			return gateway.RegistrationResponse{Rejection: "not now"}, nil
		}
		return gateway.RegistrationResponse{Accepted: true, Instance: "i1", ResourceManagerID: "session-1"}, nil
	}, nil)
}

// gaps are the times between consecutive attempts.
func (f *scriptedJobManager) gaps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var d []time.Duration
	for i := 1; i < len(f.times); i++ {
		d = append(d, f.times[i].Sub(f.times[i-1]))
	}
	return d
}

// TestRegistrationRetries checks the attempt times of Flink's RetryingRegistration:
// attempt timeouts from cluster.registration.initial-timeout (100 ms) doubling to
// cluster.registration.max-timeout, cluster.registration.error-delay (10 s) after an
// error and cluster.registration.refused-registration-delay (30 s) after a refusal,
// the attempt after either starting again from the initial timeout.
func TestRegistrationRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := newNetwork()
		jm := &scriptedJobManager{script: []answer{hang, hang, hang, fail, hang, hang, decline, hang, hang}}
		stop := jm.serve(t, n)
		defer stop()
		var out syncbuf.Buffer
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- Main(ctx, taskManagerEnv(n, &out, nil)) }()
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		const ms = time.Millisecond
		want := []time.Duration{
			100 * ms, 200 * ms, 400 * ms, // timeouts: 100 ms doubling
			10 * time.Second,   // error-delay after the error
			100 * ms, 200 * ms, // from the initial timeout again
			30 * time.Second,   // refused-registration-delay after the refusal
			100 * ms, 200 * ms, // from the initial timeout again
		}
		got := jm.gaps()
		cancel()
		if err := <-done; process.ExitCode(err) != 143 {
			t.Errorf("exit %v after SIGTERM", err)
		}
		if n := strings.Count(out.String(), "Connecting to ResourceManager"); n != 1 {
			t.Errorf("%d times Connecting to ResourceManager, want 1 (one connection):\n%s", n, out.String())
		}
		if len(got) != len(want) {
			t.Fatalf("gaps between attempts %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("gaps between attempts %v, want %v", got, want)
			}
		}
	})
}
