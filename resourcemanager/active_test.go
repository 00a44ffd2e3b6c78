package resourcemanager

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// Mirrors ActiveResourceManagerTest: the active resource manager with a fake driver.
func TestActiveResourceManager(t *testing.T) {
	t.Run("testStartNewWorker", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration("taskmanager.numberOfTaskSlots", "2"), nil)
			defer h.stop()
			h.declare(1)
			if n := h.requestCount(); n != 1 {
				t.Fatalf("%d requests, want 1", n)
			}
			want, err := processSpecOf(h.rm.s.effective, h.spec())
			mustf(t, err, "process spec")
			if got := h.request(0).spec; got.TotalProcess != want.TotalProcess || got.CPUCores != want.CPUCores ||
				got.NumSlots != 2 || WorkerSpecOf(got) != h.spec() {
				t.Fatalf("requested process spec %+v, want the one derived from %s", got, h.spec())
			}
			h.complete(0, "tm-1")
			if resp := h.register("tm-1", nil); !resp.Accepted {
				t.Fatalf("registration: %+v", resp)
			}
			if p, total := h.counts(); p != 0 || total != 1 {
				t.Fatalf("pending %d, total %d; want 0, 1", p, total)
			}
		})
	})

	t.Run("testLessThanDeclareResource", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(), nil)
			defer h.stop()
			h.on(func() { h.rm.requestNewWorker(h.spec()); h.rm.requestNewWorker(h.spec()) })
			h.declare(3)
			if n := h.requestCount(); n != 3 {
				t.Fatalf("%d requests, want exactly one more than the 2 made", n)
			}
		})
	})

	t.Run("testMoreThanDeclaredResource", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(), nil)
			defer h.stop()
			h.declare(4)
			gw1, gw2 := newFakeGateway(), newFakeGateway()
			h.complete(0, "tm-1")
			h.complete(1, "tm-2")
			h.complete(2, "tm-3")
			h.register("tm-1", gw1)
			h.register("tm-2", gw2)
			// tm-1, tm-2 registered; tm-3 allocated, not registered; request 3 pending.
			h.declare(3, "tm-1")
			if r := h.released(); !slices.Equal(r, []ResourceID{"tm-1"}) {
				t.Fatalf("released %v, want the unwanted tm-1", r)
			}
			synctest.Wait()
			if len(gw1.disconnected()) != 1 {
				t.Fatal("the released TaskManager's connection was not closed")
			}
			h.declare(2)
			if !h.request(3).cancelled || len(h.released()) != 1 {
				t.Fatalf("want the pending request cancelled first; released %v", h.released())
			}
			h.declare(1)
			if r := h.released(); !slices.Equal(r, []ResourceID{"tm-1", "tm-3"}) {
				t.Fatalf("released %v, want the allocated but unregistered tm-3 next", r)
			}
			h.declare(0)
			if r := h.released(); !slices.Equal(r, []ResourceID{"tm-1", "tm-3", "tm-2"}) {
				t.Fatalf("released %v, want the registered tm-2 last", r)
			}
			if p, total := h.counts(); p != 0 || total != 0 {
				t.Fatalf("pending %d, total %d after releasing everything", p, total)
			}
		})
	})

	t.Run("testStartNewWorkerFailedRequesting", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(), nil)
			defer h.stop()
			h.declare(1)
			h.failRequest(0, errInjected)
			if n := h.requestCount(); n != 2 {
				t.Fatalf("%d requests after a failed one, want a second", n)
			}
			if h.request(1).spec.TotalProcess != h.request(0).spec.TotalProcess {
				t.Fatal("the second request differs from the first")
			}
			h.complete(1, "tm-1")
			if !h.register("tm-1", nil).Accepted {
				t.Fatal("registration rejected")
			}
		})
	})

	t.Run("testWorkerTerminatedBeforeRegister", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(), nil)
			defer h.stop()
			h.declare(1)
			h.complete(0, "tm-1")
			h.terminate("tm-1")
			if n := h.requestCount(); n != 2 {
				t.Fatalf("%d requests, want a replacement", n)
			}
			h.complete(1, "tm-2")
			if !h.register("tm-2", nil).Accepted {
				t.Fatal("the replacement was rejected")
			}
			if h.register("tm-1", nil).Accepted {
				t.Fatal("the terminated worker may register")
			}
		})
	})

	t.Run("testWorkerTerminatedAfterRegister", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(), nil)
			defer h.stop()
			h.declare(1)
			h.complete(0, "tm-1")
			h.register("tm-1", nil)
			h.terminate("tm-1")
			if n := h.requestCount(); n != 2 {
				t.Fatalf("%d requests, want a replacement", n)
			}
			if s := h.snapshot(); s.StartFailureRate != 0 {
				t.Fatalf("a registered worker's end counted as a start failure (rate %v)", s.StartFailureRate)
			}
		})
	})

	t.Run("testWorkerTerminatedNoLongerRequired", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(), nil)
			defer h.stop()
			h.on(func() { h.rm.requestNewWorker(h.spec()) })
			h.complete(0, "tm-1")
			h.register("tm-1", nil)
			h.terminate("tm-1")
			if n := h.requestCount(); n != 1 {
				t.Fatalf("%d requests, want no replacement for a worker nobody declared", n)
			}
		})
	})

	t.Run("testCloseTaskManagerConnectionOnWorkerTerminated", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(), nil)
			defer h.stop()
			h.on(func() { h.rm.requestNewWorker(h.spec()) })
			h.complete(0, "tm-1")
			gw := newFakeGateway()
			resp := h.register("tm-1", gw)
			h.terminate("tm-1")
			synctest.Wait()
			if d := gw.disconnected(); len(d) != 1 || !strings.Contains(d[0].Error(), "exitCode=1") {
				t.Fatalf("disconnects %v, want one with the pod's diagnostics", d)
			}
			err := h.rm.Heartbeat(context.Background(), "tm-1", resp.Instance, nil)
			if !errors.Is(err, ErrUnknownTaskManager) {
				t.Fatalf("heartbeat after termination: %v, want ErrUnknownTaskManager", err)
			}
		})
	})

	t.Run("testRegisterAgainReplacesTheRegistrationWithoutDisconnecting", func(t *testing.T) {
		// A TaskManager whose registration answer came too late asks again. Flink
		// (ResourceManager.registerTaskExecutorInternal) drops the old registration
		// from the slot manager but does not tell the TaskManager to disconnect: the
		// notice would reach it after the new registration and close that one too.
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration("heartbeat.timeout", "10 h"), nil)
			defer h.stop()
			h.declare(1)
			h.complete(0, "tm-1")
			gw := newFakeGateway()
			first := h.register("tm-1", gw)
			mustf(t, h.rm.SendSlotReport(context.Background(), "tm-1", first.Instance, gw.report("tm-1", 1)), "slot report")
			second := h.register("tm-1", gw)
			if !second.Accepted || second.Instance == first.Instance {
				t.Fatalf("second registration %+v, want a new instance", second)
			}
			synctest.Wait()
			if d := gw.disconnected(); len(d) != 0 {
				t.Fatalf("the TaskManager was told to disconnect on registering again: %v", d)
			}
			if err := h.rm.Heartbeat(context.Background(), "tm-1", first.Instance, nil); !errors.Is(err, ErrUnknownTaskManager) {
				t.Fatalf("heartbeat of the replaced registration: %v, want ErrUnknownTaskManager", err)
			}
			mustf(t, h.rm.SendSlotReport(context.Background(), "tm-1", second.Instance, gw.report("tm-1", 1)), "slot report")
			mustf(t, h.rm.Heartbeat(context.Background(), "tm-1", second.Instance, gw.report("tm-1", 1)), "heartbeat")
			s := h.snapshot()
			if len(s.TaskManagers) != 1 || s.TaskManagers[0].Instance != second.Instance || len(s.TaskManagers[0].Slots) != 1 ||
				s.PendingWorkers != 0 || s.TotalWorkers != 1 {
				t.Fatalf("snapshot %+v, want tm-1 once, under its new registration", s)
			}
			if r := h.released(); len(r) != 0 {
				t.Fatalf("released %v", r)
			}
		})
	})

	t.Run("testStartWorkerIntervalOnWorkerTerminationExceedFailureRate", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration("resourcemanager.start-worker.max-failure-rate", "1",
				"resourcemanager.start-worker.retry-interval", "5 s"), nil)
			defer h.stop()
			h.declare(1)
			h.complete(0, "tm-1")
			t0 := time.Now()
			h.terminate("tm-1")
			if n := h.requestCount(); n != 1 {
				t.Fatalf("%d requests right after the failure, want none during the cool-down", n)
			}
			if !h.snapshot().StartCoolDown {
				t.Fatal("no cool-down")
			}
			eventually(t, time.Minute, "a new request", func() bool { return h.requestCount() == 2 })
			if d := h.request(1).at.Sub(t0); d != 5*time.Second {
				t.Fatalf("the next request came %v after the failure, want the retry interval 5 s", d)
			}
		})
	})

	t.Run("testStartWorkerIntervalOnRequestWorkerFailure", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration("resourcemanager.start-worker.max-failure-rate", "1",
				"resourcemanager.start-worker.retry-interval", "5 s"), nil)
			defer h.stop()
			h.declare(1)
			t0 := time.Now()
			h.failRequest(0, errInjected)
			eventually(t, time.Minute, "a new request", func() bool { return h.requestCount() == 2 })
			if d := h.request(1).at.Sub(t0); d != 5*time.Second {
				t.Fatalf("the next request came %v after the failure, want the retry interval 5 s", d)
			}
		})
	})

	t.Run("testStartWorkerCoolDownNotExtendedByFailuresDuringIt", func(t *testing.T) {
		// Reference §4.6: a cool-down starts only if none is running, so failures
		// during it (workers allocated before it that die unregistered) do not push
		// new requests further out.
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration("resourcemanager.start-worker.max-failure-rate", "1",
				"resourcemanager.start-worker.retry-interval", "5 s"), nil)
			defer h.stop()
			h.declare(2)
			h.complete(0, "tm-1")
			h.complete(1, "tm-2")
			t0 := time.Now()
			h.terminate("tm-1")
			time.Sleep(3 * time.Second)
			h.terminate("tm-2")
			eventually(t, time.Minute, "new requests", func() bool { return h.requestCount() == 4 })
			for i := 2; i < 4; i++ {
				if d := h.request(i).at.Sub(t0); d != 5*time.Second {
					t.Fatalf("request %d came %v after the first failure, want the end of the first cool-down (5 s)", i, d)
				}
			}
		})
	})

	t.Run("testDisconnectTaskManagerStopsTheWorker", func(t *testing.T) {
		// Reference §4.6: a TaskManager that disconnects has its connection closed and
		// its pod deleted through the driver; it is not a start failure.
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(), nil)
			defer h.stop()
			h.declare(1)
			h.complete(0, "tm-1")
			gw := newFakeGateway()
			resp := h.register("tm-1", gw)
			mustf(t, h.rm.DisconnectTaskManager(context.Background(), "tm-1", errors.New("shutting down")), "disconnect")
			if r := h.released(); !slices.Equal(r, []ResourceID{"tm-1"}) {
				t.Fatalf("released %v, want tm-1's pod deleted", r)
			}
			synctest.Wait()
			if d := gw.disconnected(); len(d) != 1 {
				t.Fatalf("disconnect notices %v, want the connection closed once", d)
			}
			if err := h.rm.Heartbeat(context.Background(), "tm-1", resp.Instance, nil); !errors.Is(err, ErrUnknownTaskManager) {
				t.Fatalf("heartbeat after the disconnect: %v", err)
			}
			if s := h.snapshot(); s.StartFailureRate != 0 || s.PendingWorkers != 0 || s.TotalWorkers != 0 {
				t.Fatalf("snapshot %+v, want no worker and no start failure", s)
			}
			if h.register("tm-1", gw).Accepted {
				t.Fatal("the stopped worker may register again")
			}
		})
	})

	t.Run("testRecoverWorkerFromPreviousAttempt", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(), &fakeDriver{recovered: []workerNode{{ID: "my-flink-taskmanager-1-1"}}})
			defer h.stop()
			if !h.register("my-flink-taskmanager-1-1", nil).Accepted {
				t.Fatal("a recovered worker was rejected")
			}
			if p, total := h.counts(); p != 0 || total != 1 {
				t.Fatalf("pending %d, total %d; want the recovered worker counted once registered", p, total)
			}
		})
	})

	t.Run("testRegisterUnknownWorker", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(), nil)
			defer h.stop()
			resp := h.register("stranger", nil)
			if resp.Accepted || !strings.Contains(resp.Rejection, "stranger") {
				t.Fatalf("registration of an unknown TaskManager: %+v, want a rejection", resp)
			}
		})
	})

	t.Run("testOnError", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(), nil)
			boom := errors.New("the watch broke")
			h.on(func() { h.fd.h.onError(boom) })
			if err := <-h.fatal; !errors.Is(err, boom) {
				t.Fatalf("fatal error handler got %v, want %v", err, boom)
			}
			if err := <-h.errc; !errors.Is(err, boom) {
				t.Fatalf("Start returned %v, want the fatal error", err)
			}
			h.stopF()
			if _, err := h.rm.Snapshot(context.Background()); !errors.Is(err, ErrStopped) {
				t.Fatalf("call after a fatal error: %v, want ErrStopped", err)
			}
		})
	})

	t.Run("testWorkerRegistrationTimeout", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration("resourcemanager.taskmanager-registration.timeout", "10 s"), nil)
			defer h.stop()
			h.declare(1)
			h.complete(0, "tm-1")
			time.Sleep(10*time.Second - time.Millisecond)
			if len(h.released()) != 0 {
				t.Fatal("released before the timeout")
			}
			time.Sleep(time.Millisecond)
			if r := h.released(); !slices.Equal(r, []ResourceID{"tm-1"}) {
				t.Fatalf("released %v, want tm-1 at the registration timeout", r)
			}
			if n := h.requestCount(); n != 2 {
				t.Fatalf("%d requests, want a replacement", n)
			}
			if s := h.snapshot(); s.StartFailureRate != 0 {
				t.Fatal("a registration timeout counted as a start failure")
			}
		})
	})

	t.Run("testWorkerRegistrationTimeoutNotCountingAllocationTime", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration("resourcemanager.taskmanager-registration.timeout", "10 s"), nil)
			defer h.stop()
			h.declare(1)
			time.Sleep(20 * time.Second) // a slow allocation
			h.complete(0, "tm-1")
			time.Sleep(5 * time.Second)
			h.register("tm-1", nil)
			time.Sleep(30 * time.Second) // past the timeout, within heartbeat.timeout
			if r := h.released(); len(r) != 0 {
				t.Fatalf("released %v: the timeout counted the allocation time", r)
			}
		})
	})

	t.Run("testWorkerRegistrationTimeoutRecoveredFromPreviousAttempt", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration("resourcemanager.taskmanager-registration.timeout", "10 s"),
				&fakeDriver{recovered: []workerNode{{ID: "my-flink-taskmanager-1-1"}}})
			defer h.stop()
			time.Sleep(10 * time.Second)
			if r := h.released(); !slices.Equal(r, []ResourceID{"my-flink-taskmanager-1-1"}) {
				t.Fatalf("released %v, want the recovered worker that never registered", r)
			}
			if h.register("my-flink-taskmanager-1-1", nil).Accepted {
				t.Fatal("a released worker may register")
			}
		})
	})

	t.Run("testResourceManagerRecoveredAfterAllTMRegistered", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration("resourcemanager.previous-worker.recovery.timeout", "1 min"),
				&fakeDriver{recovered: []workerNode{{ID: "a-taskmanager-1-1"}, {ID: "a-taskmanager-1-2"}}})
			defer h.stop()
			h.register("a-taskmanager-1-1", nil)
			if isClosed(h.rm.ReadyToServe()) {
				t.Fatal("ready with a recovered worker still unregistered")
			}
			h.register("a-taskmanager-1-2", nil)
			if !isClosed(h.rm.ReadyToServe()) {
				t.Fatal("not ready after every recovered worker registered")
			}
		})
	})

	t.Run("testResourceManagerRecoveredAfterReconcileTimeout", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration("resourcemanager.previous-worker.recovery.timeout", "10 s"),
				&fakeDriver{recovered: []workerNode{{ID: "a-taskmanager-1-1"}, {ID: "a-taskmanager-1-2"}}})
			defer h.stop()
			t0 := time.Now()
			h.register("a-taskmanager-1-1", nil)
			<-h.rm.ReadyToServe()
			if d := time.Since(t0); d != 10*time.Second {
				t.Fatalf("ready after %v, want the recovery timeout 10 s", d)
			}
		})
	})

	t.Run("testResourceManagerRecoveredWhenTheLastRecoveredWorkerTerminated", func(t *testing.T) {
		// Flink's clearStateForWorker → tryRemovePreviousPendingRecoveryTaskManager: a
		// recovered worker whose pod ends is no longer waited for; when it was the last
		// one, the resource manager serves at once, not at the recovery timeout.
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration("resourcemanager.previous-worker.recovery.timeout", "10 min"),
				&fakeDriver{recovered: []workerNode{{ID: "a-taskmanager-1-1"}, {ID: "a-taskmanager-1-2"}}})
			defer h.stop()
			h.register("a-taskmanager-1-1", nil)
			h.declare(1) // what the slot manager declares for the registered one
			h.terminate("a-taskmanager-1-2")
			if !isClosed(h.rm.ReadyToServe()) {
				t.Fatal("not ready after the only recovered worker still awaited terminated")
			}
			if n := h.requestCount(); n != 0 {
				t.Fatalf("%d requests: a recovered worker's end is not a loss to replace unless declared", n)
			}
		})
	})

	t.Run("testResourceManagerRecoveredAtRegistrationTimeoutOfRecoveredWorker", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration("resourcemanager.previous-worker.recovery.timeout", "10 min",
				"resourcemanager.taskmanager-registration.timeout", "1 min"),
				&fakeDriver{recovered: []workerNode{{ID: "a-taskmanager-1-1"}}})
			defer h.stop()
			t0 := time.Now()
			<-h.rm.ReadyToServe()
			if d := time.Since(t0); d != time.Minute {
				t.Fatalf("ready after %v, want the registration timeout (1 min) that released the recovered worker", d)
			}
			if r := h.released(); !slices.Equal(r, []ResourceID{"a-taskmanager-1-1"}) {
				t.Fatalf("released %v", r)
			}
		})
	})

	t.Run("testReadyAtOnceWithoutRecoveryTimeout", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(), &fakeDriver{recovered: []workerNode{{ID: "a-taskmanager-1-1"}}})
			defer h.stop()
			if !isClosed(h.rm.ReadyToServe()) {
				t.Fatal("resourcemanager.previous-worker.recovery.timeout 0 must not wait")
			}
		})
	})

	t.Run("testStartFailsWhenDriverCannotInitialize", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(), &fakeDriver{initErr: errInjected})
			if err := <-h.errc; !errors.Is(err, errInjected) || !strings.Contains(err.Error(), "could not start") {
				t.Fatalf("Start returned %v", err)
			}
			select {
			case err := <-h.fatal:
				if !errors.Is(err, errInjected) {
					t.Fatalf("OnFatalError got %v", err)
				}
			default:
				t.Fatal("a start failure must reach OnFatalError: the JobManager exits on it")
			}
			h.stopF()
		})
	})
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
