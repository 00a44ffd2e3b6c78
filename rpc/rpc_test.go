package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"flinksim/sim/network"
)

type echoReq struct{ Text string }
type echoResp struct{ Text, Token string }

// serve runs a server with an echo method and a fenced one on ip:6123 of a fresh
// network; it returns the network and a stop function.
func serve(t *testing.T, block chan struct{}) (*network.Network, *Server, func()) {
	t.Helper()
	n := network.New(rand.New(rand.NewPCG(1, 2)))
	s := NewServer(nil)
	Handle(s, "Echo", func(ctx context.Context, r echoReq) (echoResp, error) {
		if r.Text == "fail" {
			return echoResp{}, Errorf("UnknownTaskManager", "register again")
		}
		if r.Text == "plain" {
			return echoResp{}, errors.New("plain failure")
		}
		if r.Text == "block" {
			select {
			case <-block:
			case <-ctx.Done():
				return echoResp{}, ctx.Err()
			}
		}
		return echoResp{Text: r.Text, Token: CallerToken(ctx)}, nil
	})
	HandleFenced(s, "Fenced", func(ctx context.Context, r echoReq) (echoResp, error) { return echoResp{Text: r.Text}, nil })
	l, err := n.Host("10.0.0.1").Listen(context.Background(), "tcp", ":6123")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, l) }()
	return n, s, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}
}

func TestCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, _, stop := serve(t, nil)
		defer stop()
		c := NewClient(n.Host("10.0.0.2"), 10*time.Second)
		var out echoResp
		if err := c.Call(context.Background(), "10.0.0.1:6123", "Echo", "tok", echoReq{Text: "hi"}, &out); err != nil {
			t.Fatal(err)
		}
		if out.Text != "hi" || out.Token != "tok" {
			t.Fatalf("answer %+v", out)
		}
		err := c.Call(context.Background(), "10.0.0.1:6123", "Echo", "", echoReq{Text: "fail"}, &out)
		if CodeOf(err) != "UnknownTaskManager" || !errors.As(err, new(*Error)) {
			t.Fatalf("error %v, want code UnknownTaskManager", err)
		}
		if err := c.Call(context.Background(), "10.0.0.1:6123", "Echo", "", echoReq{Text: "plain"}, &out); CodeOf(err) != Failed {
			t.Fatalf("error %v, want Failed", err)
		}
		if err := c.Call(context.Background(), "10.0.0.1:6123", "Nope", "", nil, nil); CodeOf(err) != NoSuchMethod {
			t.Fatalf("error %v, want NoSuchMethod", err)
		}
	})
}

func TestUnreachable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, _, stop := serve(t, nil)
		c := NewClient(n.Host("10.0.0.2"), 10*time.Second)
		if err := c.Call(context.Background(), "10.0.0.1:7777", "Echo", "", echoReq{}, nil); !IsUnreachable(err) {
			t.Fatalf("no listener: %v, want Unreachable", err)
		}
		stop()
		t0 := time.Now()
		if err := c.Call(context.Background(), "10.0.0.1:6123", "Echo", "", echoReq{}, nil); !IsUnreachable(err) {
			t.Fatalf("stopped server: %v, want Unreachable", err)
		}
		if time.Since(t0) != 0 {
			t.Fatalf("a refused call took %v of simulated time", time.Since(t0))
		}
	})
}

func TestTimeoutBehindAPartition(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, _, stop := serve(t, nil)
		defer stop()
		c := NewClient(n.Host("10.0.0.2"), 10*time.Second)
		n.Partition("10.0.0.1", "10.0.0.2")
		t0 := time.Now()
		err := c.Call(context.Background(), "10.0.0.1:6123", "Echo", "", echoReq{Text: "x"}, nil)
		if !IsTimeout(err) {
			t.Fatalf("partitioned call: %v, want Timeout", err)
		}
		if d := time.Since(t0); d != 10*time.Second {
			t.Fatalf("the call failed after %v, want the 10s timeout", d)
		}
		n.Heal("")
		if err := c.Call(context.Background(), "10.0.0.1:6123", "Echo", "", echoReq{Text: "x"}, nil); err != nil {
			t.Fatalf("after healing: %v", err)
		}
	})
}

func TestHandlerGetsTheCallersDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		block := make(chan struct{})
		n, _, stop := serve(t, block)
		defer stop()
		c := NewClient(n.Host("10.0.0.2"), 3*time.Second)
		t0 := time.Now()
		if err := c.Call(context.Background(), "10.0.0.1:6123", "Echo", "", echoReq{Text: "block"}, nil); !IsTimeout(err) {
			t.Fatalf("blocked handler: %v, want Timeout", err)
		}
		if d := time.Since(t0); d != 3*time.Second {
			t.Fatalf("took %v", d)
		}
		synctest.Wait() // the handler saw its deadline too and returned
	})
}

// A callee that gives up at the caller's deadline (it is told what is left of it) may
// close the connection at that very instant, before the caller's own timer fires: the
// caller still sees a Timeout, whichever goroutine runs first.
func TestAConnectionClosedAtTheDeadlineIsATimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := network.New(rand.New(rand.NewPCG(1, 2)))
		l, err := n.Host("10.0.0.1").Listen(context.Background(), "tcp", ":6123")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				go func() {
					var req request
					_ = json.NewDecoder(c).Decode(&req)
					time.Sleep(time.Duration(req.TimeoutMillis) * time.Millisecond)
					c.Close()
				}()
			}
		}()
		c := NewClient(n.Host("10.0.0.2"), 3*time.Second)
		for i := range 50 {
			if err := c.Call(context.Background(), "10.0.0.1:6123", "Echo", "", echoReq{}, nil); !IsTimeout(err) {
				t.Fatalf("call %d: %v, want Timeout", i, err)
			}
		}
	})
}

func TestFencing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, s, stop := serve(t, nil)
		defer stop()
		c := NewClient(n.Host("10.0.0.2"), time.Second)
		if err := c.Call(context.Background(), "10.0.0.1:6123", "Fenced", "a", echoReq{}, nil); CodeOf(err) != FencingTokenMismatch {
			t.Fatalf("no leader session: %v", err)
		}
		s.SetFencingToken("a")
		if err := c.Call(context.Background(), "10.0.0.1:6123", "Fenced", "a", echoReq{}, nil); err != nil {
			t.Fatalf("current token: %v", err)
		}
		if err := c.Call(context.Background(), "10.0.0.1:6123", "Fenced", "b", echoReq{}, nil); CodeOf(err) != FencingTokenMismatch {
			t.Fatalf("stale token: %v", err)
		}
	})
}

func TestServeStopsOpenCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		block := make(chan struct{})
		n, _, stop := serve(t, block)
		c := NewClient(n.Host("10.0.0.2"), time.Minute)
		errc := make(chan error, 1)
		go func() { errc <- c.Call(context.Background(), "10.0.0.1:6123", "Echo", "", echoReq{Text: "block"}, nil) }()
		synctest.Wait()
		stop()
		if err := <-errc; err == nil {
			t.Fatal("a call open while the server stopped succeeded")
		}
	})
}

func TestURLRoundTrip(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{URL("10.0.0.7:6123", "resourcemanager_0"), "10.0.0.7:6123"},
		{"akka.tcp://flink@10.0.0.7:6123/user/rpc/dispatcher_1", "10.0.0.7:6123"},
		{"my-cluster.default:6123", "my-cluster.default:6123"},
	} {
		got, err := HostPort(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("HostPort(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := HostPort("pekko.tcp://flink@nohost/user/rpc/x"); err == nil {
		t.Error("HostPort accepted an address without a port")
	}
}
