package network

import (
	"bufio"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

func echoServer(t *testing.T, n *Network, ip, port string) net.Listener {
	t.Helper()
	l, err := n.Host(ip).Listen(context.Background(), "tcp", ":"+port)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return l
}

func TestDialPodIPAndService(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(rand.New(rand.NewPCG(1, 2)))
		l := echoServer(t, n, "10.244.0.5", "6123")
		defer l.Close()
		n.SetResolver(func(host string, port int) ([]Backend, bool) {
			if (host == "my-cluster.default" || host == "my-cluster.default.svc.cluster.local" || host == "10.96.0.10") && port == 6123 {
				return []Backend{{IP: "10.244.0.5", Port: 6123}}, true
			}
			return nil, false
		})
		for _, target := range []string{"10.244.0.5:6123", "my-cluster.default:6123", "my-cluster.default.svc.cluster.local:6123", "10.96.0.10:6123"} {
			c, err := n.Host("10.244.1.7").DialContext(context.Background(), "tcp", target)
			if err != nil {
				t.Fatalf("dial %s: %v", target, err)
			}
			if _, err := c.Write([]byte("ping\n")); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil || line != "ping\n" {
				t.Fatalf("echo over %s: %q, %v", target, line, err)
			}
			c.Close()
		}
	})
}

func TestNothingListeningIsRefusedAndUnknownNameFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(rand.New(rand.NewPCG(1, 2)))
		_, err := n.Host("10.244.1.7").DialContext(context.Background(), "tcp", "10.244.0.5:6123")
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("want connection refused, got %v", err)
		}
		_, err = n.Host("10.244.1.7").DialContext(context.Background(), "tcp", "nope.default:80")
		var dnsErr *net.DNSError
		if !errors.As(err, &dnsErr) {
			t.Fatalf("want a DNS error, got %v", err)
		}
	})
}

func TestPartitionHangsDialsAndOpenConnectionsUntilDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(rand.New(rand.NewPCG(1, 2)))
		l := echoServer(t, n, "10.244.0.5", "6123")
		defer l.Close()
		c, err := n.Host("10.244.1.7").DialContext(context.Background(), "tcp", "10.244.0.5:6123")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		n.Partition("10.244.1.7", "10.244.0.5")

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		if _, err := n.Host("10.244.1.7").DialContext(ctx, "tcp", "10.244.0.5:6123"); err == nil {
			t.Fatal("dial across a partition succeeded")
		}
		if waited := time.Since(start); waited != 10*time.Second {
			t.Fatalf("dial gave up after %v, want the 10s deadline", waited)
		}
		c.SetReadDeadline(time.Now().Add(3 * time.Second))
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read across a partition: %v, want deadline exceeded", err)
		}
		n.Heal("")
		c.SetDeadline(time.Time{})
		if _, err := c.Write([]byte("x")); err != nil {
			t.Fatalf("write after heal: %v", err)
		}
		b := make([]byte, 1)
		if _, err := io.ReadFull(c, b); err != nil {
			t.Fatalf("read after heal: %v", err)
		}
	})
}

func TestHTTPOverTheSimulatedNetwork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(rand.New(rand.NewPCG(1, 2)))
		l, err := n.Host("10.244.0.5").Listen(context.Background(), "tcp", ":8081")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"taskmanagers":2}`)) })}
		go func() { _ = srv.Serve(l) }()
		tr := &http.Transport{DialContext: n.Host("10.244.1.7").DialContext}
		resp, err := (&http.Client{Transport: tr}).Get("http://10.244.0.5:8081/overview")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != `{"taskmanagers":2}` {
			t.Fatalf("body %q", body)
		}
		tr.CloseIdleConnections()
		_ = srv.Close()
	})
}

func TestRemoveHostClosesListenersAndConnections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(rand.New(rand.NewPCG(1, 2)))
		echoServer(t, n, "10.244.0.5", "6123")
		c, err := n.Host("10.244.1.7").DialContext(context.Background(), "tcp", "10.244.0.5:6123")
		if err != nil {
			t.Fatal(err)
		}
		n.RemoveHost("10.244.0.5")
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Fatal("read from a removed host succeeded")
		}
		c.Close()
		if _, err := n.Host("10.244.1.7").DialContext(context.Background(), "tcp", "10.244.0.5:6123"); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("dial to removed host: %v", err)
		}
	})
}

// TestHangHoldsEverythingOfTheHostUntilResume: a hung host answers nothing — open
// connections, dials to it, its own dials and localhost — until the deadlines; Heal does
// not end a hang, Resume does, and held traffic then goes on.
func TestHangHoldsEverythingOfTheHostUntilResume(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(rand.New(rand.NewPCG(1, 2)))
		defer echoServer(t, n, "10.244.0.5", "6123").Close()
		defer echoServer(t, n, "10.244.1.7", "7000").Close()
		c, err := n.Host("10.244.1.7").DialContext(context.Background(), "tcp", "10.244.0.5:6123")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		n.Hang("10.244.0.5")
		n.Heal("")
		if !n.Hung("10.244.0.5") || !n.Partitioned("10.244.0.5", "10.244.0.5") {
			t.Fatal("Heal ended a hang, or the host's own traffic is not held")
		}

		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read from a hung host: %v, want deadline exceeded", err)
		}
		for _, d := range []struct{ from, to string }{
			{"10.244.1.7", "10.244.0.5:6123"}, // to it
			{"10.244.0.5", "10.244.1.7:7000"}, // from it
			{"10.244.0.5", "localhost:6123"},  // inside it
		} {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			start := time.Now()
			_, err := n.Host(d.from).DialContext(ctx, "tcp", d.to)
			cancel()
			if err == nil || time.Since(start) != 3*time.Second {
				t.Fatalf("dial %s → %s: %v after %v, want a hang until the 3 s deadline", d.from, d.to, err, time.Since(start))
			}
		}

		// A read waiting without a deadline goes on when the host resumes.
		c.SetDeadline(time.Time{})
		got := make(chan error, 1)
		go func() {
			_, err := io.ReadFull(c, make([]byte, 1))
			got <- err
		}()
		other, err := n.Host("10.244.1.7").DialContext(context.Background(), "tcp", "10.244.1.7:7000")
		if err != nil {
			t.Fatalf("the other hosts keep working: %v", err)
		}
		other.Close()
		time.Sleep(time.Minute)
		n.Resume("10.244.0.5")
		if _, err := c.Write([]byte("x")); err != nil {
			t.Fatalf("write after resume: %v", err)
		}
		if err := <-got; err != nil {
			t.Fatalf("held read after resume: %v", err)
		}
	})
}

func TestUnpartitionAndRoute(t *testing.T) {
	n := New(rand.New(rand.NewPCG(1, 2)))
	route := n.Route("10.244.0.5", "10.96.0.1")
	cut, changed := route.Cut()
	if cut {
		t.Fatal("a fresh network cuts a route")
	}
	n.Partition("10.244.0.5", "10.96.0.1")
	n.Partition("10.244.0.5", "10.244.0.6")
	select {
	case <-changed:
	default:
		t.Fatal("a partition did not signal the route's change")
	}
	if cut, _ := route.Cut(); !cut {
		t.Fatal("the partition does not cut the route")
	}
	n.Unpartition("10.96.0.1", "10.244.0.5")
	if cut, _ := route.Cut(); cut || !n.Partitioned("10.244.0.5", "10.244.0.6") {
		t.Fatal("Unpartition healed the wrong pair")
	}
	n.Hang("10.244.0.5")
	if cut, _ := route.Cut(); !cut {
		t.Fatal("a hung host's route is not cut")
	}
	n.RemoveHost("10.244.0.5")
	if n.Hung("10.244.0.5") {
		t.Fatal("the hang outlived the host")
	}
}
