package resourcemanager

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// startTaskManager completes request i with id, registers the TaskManager and sends
// its slot report, as a TaskManager does after its pod started.
func (h *rmHarness) startTaskManager(i int, id ResourceID, node string) (*fakeGateway, InstanceID) {
	h.t.Helper()
	h.complete(i, id)
	return h.connectTaskManager(id, node)
}

func (h *rmHarness) connectTaskManager(id ResourceID, node string) (*fakeGateway, InstanceID) {
	h.t.Helper()
	gw := newFakeGateway()
	resp, err := h.rm.RegisterTaskManager(context.Background(), TaskManagerRegistration{ResourceID: id, NodeID: node, Spec: h.spec(), Gateway: gw})
	mustf(h.t, err, "register %s", id)
	if !resp.Accepted {
		h.t.Fatalf("registration of %s rejected: %s", id, resp.Rejection)
	}
	mustf(h.t, h.rm.SendSlotReport(context.Background(), id, resp.Instance, gw.report(id, h.spec().NumSlots)), "slot report of %s", id)
	synctest.Wait()
	return gw, resp.Instance
}

func (h *rmHarness) require(job JobID, slots int) {
	h.t.Helper()
	mustf(h.t, h.rm.DeclareRequirements(context.Background(), JobRequirements{Job: job, TargetAddress: "jobmaster-" + string(job), Slots: slots}), "declare")
	time.Sleep(200 * time.Millisecond) // the 50 ms batching delays
}

func slotsOf(gw *fakeGateway, job JobID) int {
	n := 0
	for _, r := range gw.requests() {
		if r.Job == job {
			n++
		}
	}
	return n
}

// smConf: slots per TaskManager, and a heartbeat timeout long enough not to matter.
func smConf(slots string, kv ...string) []string {
	return append([]string{"taskmanager.numberOfTaskSlots", slots, "heartbeat.timeout", "10 h"}, kv...)
}

// The slot manager part of reference §4.6.
func TestSlotManager(t *testing.T) {
	t.Run("parallelism 4 with 2 slots per TaskManager gets exactly 2 TaskManagers", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(smConf("2")...), nil)
			defer h.stop()
			h.require("job", 4)
			if n := h.requestCount(); n != 2 {
				t.Fatalf("%d worker requests, want 2", n)
			}
			gw1, _ := h.startTaskManager(0, "tm-1", "node-1")
			gw2, _ := h.startTaskManager(1, "tm-2", "node-2")
			if slotsOf(gw1, "job") != 2 || slotsOf(gw2, "job") != 2 {
				t.Fatalf("slot requests %v and %v, want 2 of the job on each", gw1.requests(), gw2.requests())
			}
			if r := gw1.requests()[0]; r.TargetAddress != "jobmaster-job" || r.Allocation == "" {
				t.Fatalf("slot request %+v, want the JobMaster's address and an allocation id", r)
			}
			time.Sleep(10 * time.Minute)
			if n := h.requestCount(); n != 2 {
				t.Fatalf("%d worker requests after 10 min, want still 2", n)
			}
			s := h.snapshot()
			if len(s.TaskManagers) != 2 || s.TaskManagers[0].FreeSlots != 0 || s.PendingTaskManagers != 0 || s.TotalWorkers != 2 {
				t.Fatalf("snapshot %+v", s)
			}
		})
	})

	t.Run("without batching delays", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(smConf("2", "slotmanager.requirement-check.delay", "0 ms",
				"slotmanager.declare-needed-resource.delay", "0 ms")...), nil)
			defer h.stop()
			h.require("job", 4)
			if n := h.requestCount(); n != 2 {
				t.Fatalf("%d worker requests, want 2", n)
			}
			h.startTaskManager(0, "tm-1", "node-1")
			h.startTaskManager(1, "tm-2", "node-1")
			h.terminate("tm-1")
			h.require("job", 2)
			time.Sleep(2 * time.Minute)
			if n := h.requestCount(); n != 3 {
				t.Fatalf("%d worker requests, want one replacement", n)
			}
		})
	})

	t.Run("free slots of registered TaskManagers are used before new ones", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(smConf("2")...), nil)
			defer h.stop()
			h.require("a", 1)
			gw, instance := h.startTaskManager(0, "tm-1", "node-1")
			h.require("b", 1)
			if n := h.requestCount(); n != 1 {
				t.Fatalf("%d worker requests, want the free slot of tm-1 used", n)
			}
			if slotsOf(gw, "b") != 1 {
				t.Fatalf("slot requests %v, want one for b on tm-1", gw.requests())
			}
			// a's slot is freed and a needs it no more: c gets it.
			a := gw.requests()[0]
			mustf(t, h.rm.NotifySlotAvailable(context.Background(), instance, a.Slot, a.Allocation), "free")
			h.require("a", 0)
			h.require("c", 1)
			if n := h.requestCount(); n != 1 || slotsOf(gw, "c") != 1 {
				t.Fatalf("%d worker requests, slot requests %v", n, gw.requests())
			}
		})
	})

	t.Run("pending TaskManagers are used before new ones", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(smConf("2")...), nil)
			defer h.stop()
			h.require("a", 1)
			h.require("b", 1)
			if n := h.requestCount(); n != 1 {
				t.Fatalf("%d worker requests, want b planned on the pending TaskManager of a", n)
			}
			gw, _ := h.startTaskManager(0, "tm-1", "node-1")
			if slotsOf(gw, "a") != 1 || slotsOf(gw, "b") != 1 {
				t.Fatalf("slot requests %v, want one for a and one for b", gw.requests())
			}
		})
	})

	t.Run("idle TaskManagers are released after resourcemanager.taskmanager-timeout", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(smConf("1")...), nil)
			defer h.stop()
			h.require("job", 2)
			gw1, in1 := h.startTaskManager(0, "tm-1", "node-1")
			gw2, _ := h.startTaskManager(1, "tm-2", "node-1")
			gw2.mu.Lock()
			gw2.canBeReleased = false // it still holds result partitions
			gw2.mu.Unlock()
			r := gw1.requests()[0]
			t0 := time.Now()
			mustf(t, h.rm.NotifySlotAvailable(context.Background(), in1, r.Slot, r.Allocation), "free")
			h.require("job", 1)
			eventually(t, 2*time.Minute, "tm-1 released", func() bool { return slices.Contains(h.released(), "tm-1") })
			if d := time.Since(t0); d < 30*time.Second || d > 60*time.Second+time.Second {
				t.Fatalf("released %v after becoming idle, want between the timeout (30 s) and twice it", d)
			}
			synctest.Wait()
			if len(gw1.disconnected()) != 1 {
				t.Fatal("the released TaskManager was not disconnected")
			}
			// tm-2 is idle too once its slot is freed, but refuses to go.
			r2 := gw2.requests()[0]
			s := h.snapshot()
			mustf(t, h.rm.NotifySlotAvailable(context.Background(), s.TaskManagers[0].Instance, r2.Slot, r2.Allocation), "free")
			h.require("job", 0)
			time.Sleep(5 * time.Minute)
			if slices.Contains(h.released(), "tm-2") {
				t.Fatal("a TaskManager that cannot be released was released")
			}
			if n := h.requestCount(); n != 2 {
				t.Fatalf("%d worker requests, want no new ones", n)
			}
		})
	})

	t.Run("slotmanager.redundant-taskmanager-num", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(smConf("1", "slotmanager.redundant-taskmanager-num", "1")...), nil)
			defer h.stop()
			time.Sleep(200 * time.Millisecond)
			if n := h.requestCount(); n != 1 {
				t.Fatalf("%d worker requests without any job, want the redundant one", n)
			}
			h.require("job", 1)
			if n := h.requestCount(); n != 2 {
				t.Fatalf("%d worker requests, want the job's and the redundant one", n)
			}
		})
	})

	t.Run("a pending redundant TaskManager is not requested again and again (FLINK-31498)", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(smConf("1", "slotmanager.redundant-taskmanager-num", "2")...), nil)
			defer h.stop()
			h.require("job", 1)
			h.startTaskManager(0, "tm-1", "node-1")
			// The two redundant pods stay Pending: their requests never complete.
			time.Sleep(30 * time.Minute)
			if n := h.requestCount(); n != 3 {
				t.Fatalf("%d worker requests after 30 min with Pending pods, want 3", n)
			}
		})
	})

	t.Run("slotmanager.number-of-slots.max", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(smConf("2", "slotmanager.number-of-slots.max", "2")...), nil)
			defer h.stop()
			var mu sync.Mutex
			var notified []int
			mustf(t, h.rm.DeclareRequirements(context.Background(), JobRequirements{Job: "job", Slots: 4,
				NotEnoughResources: func(acquired int) { mu.Lock(); notified = append(notified, acquired); mu.Unlock() }}), "declare")
			time.Sleep(200 * time.Millisecond)
			if n := h.requestCount(); n != 1 {
				t.Fatalf("%d worker requests, want 1: a second TaskManager would exceed 2 slots", n)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(notified) == 0 || notified[0] != 0 {
				t.Fatalf("not-enough-resources notifications %v, want one with 0 acquired slots", notified)
			}
		})
	})

	t.Run("slotmanager.number-of-slots.min", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(smConf("2", "slotmanager.number-of-slots.min", "3")...), nil)
			defer h.stop()
			time.Sleep(200 * time.Millisecond)
			if n := h.requestCount(); n != 2 {
				t.Fatalf("%d worker requests, want 2 TaskManagers for at least 3 slots", n)
			}
			h.startTaskManager(0, "tm-1", "node-1")
			h.startTaskManager(1, "tm-2", "node-1")
			time.Sleep(5 * time.Minute)
			if r := h.released(); len(r) != 0 {
				t.Fatalf("released %v: idle TaskManagers needed for the minimum must stay", r)
			}
		})
	})

	t.Run("a crashed TaskManager is replaced and its slots given to the new one", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(smConf("1")...), nil)
			defer h.stop()
			h.require("job", 2)
			h.startTaskManager(0, "tm-1", "node-1")
			h.startTaskManager(1, "tm-2", "node-1")
			h.terminate("tm-1")
			time.Sleep(200 * time.Millisecond)
			if n := h.requestCount(); n != 3 {
				t.Fatalf("%d worker requests, want one replacement", n)
			}
			gw, _ := h.startTaskManager(2, "tm-3", "node-1")
			if slotsOf(gw, "job") != 1 {
				t.Fatalf("slot requests of the replacement: %v", gw.requests())
			}
			if s := h.snapshot(); s.StartFailureRate != 0 || s.TotalWorkers != 2 {
				t.Fatalf("snapshot %+v", s)
			}
		})
	})

	t.Run("a TaskManager without heartbeats is lost after heartbeat.timeout", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration("taskmanager.numberOfTaskSlots", "1"), nil)
			defer h.stop()
			h.require("job", 1)
			gw, instance := h.startTaskManager(0, "tm-1", "node-1")
			time.Sleep(40 * time.Second)
			mustf(t, h.rm.Heartbeat(context.Background(), "tm-1", instance, gw.report("tm-1", 1)), "heartbeat")
			time.Sleep(50*time.Second - time.Millisecond)
			if len(h.released()) != 0 {
				t.Fatal("released while heartbeats arrived in time")
			}
			time.Sleep(time.Millisecond)
			if r := h.released(); !slices.Equal(r, []ResourceID{"tm-1"}) {
				t.Fatalf("released %v, want tm-1 after 50 s without heartbeat", r)
			}
			time.Sleep(200 * time.Millisecond)
			if n := h.requestCount(); n != 2 {
				t.Fatalf("%d worker requests, want a replacement for the lost TaskManager", n)
			}
		})
	})

	t.Run("the deletion of a lost TaskManager's pod requests no new one", func(t *testing.T) {
		// An idle TaskManager is lost by heartbeat: the resource manager deletes its
		// pod, and the slot manager (the TaskManager held no slots) declares nothing
		// new. The pod's DELETED event then reports a worker the resource manager has
		// already forgotten; Flink's onWorkerTerminated re-checks the declarations only
		// for a worker it knew, so no pod is started for the stale declaration.
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration("taskmanager.numberOfTaskSlots", "1", "resourcemanager.taskmanager-timeout", "10 min"), nil)
			defer h.stop()
			h.require("job", 1)
			gw, instance := h.startTaskManager(0, "tm-1", "node-1")
			h.require("job", 0)
			gw.free()
			mustf(t, h.rm.Heartbeat(context.Background(), "tm-1", instance, gw.report("tm-1", 1)), "heartbeat")
			time.Sleep(time.Minute) // past heartbeat.timeout (50 s)
			if r := h.released(); !slices.Equal(r, []ResourceID{"tm-1"}) {
				t.Fatalf("released %v, want tm-1 lost by heartbeat", r)
			}
			h.terminate("tm-1") // the DELETED event of the pod the resource manager deleted
			time.Sleep(time.Second)
			if n := h.requestCount(); n != 1 {
				t.Fatalf("%d worker requests, want no new one: nothing needs a TaskManager", n)
			}
		})
	})

	t.Run("a refused slot request is made again", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(smConf("1")...), nil)
			defer h.stop()
			h.require("job", 1)
			h.complete(0, "tm-1")
			gw := newFakeGateway()
			gw.refuseSlots = errInjected
			resp, err := h.rm.RegisterTaskManager(context.Background(), TaskManagerRegistration{ResourceID: "tm-1", Spec: h.spec(), Gateway: gw})
			mustf(t, err, "register")
			mustf(t, h.rm.SendSlotReport(context.Background(), "tm-1", resp.Instance, gw.report("tm-1", 1)), "report")
			time.Sleep(time.Second)
			gw.mu.Lock()
			gw.refuseSlots = nil
			gw.mu.Unlock()
			time.Sleep(time.Second)
			if slotsOf(gw, "job") != 1 {
				t.Fatalf("slot requests %v, want the job's slot once the TaskManager accepts", gw.requests())
			}
		})
	})

	t.Run("TaskManagers on blocked nodes get no new slots", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(smConf("1")...), nil)
			defer h.stop()
			h.on(func() { h.rm.requestNewWorker(h.spec()); h.rm.requestNewWorker(h.spec()) })
			gwA, _ := h.startTaskManager(0, "tm-a", "node-a")
			gwB, _ := h.startTaskManager(1, "tm-b", "node-b")
			mustf(t, h.rm.SetBlockedNodes(context.Background(), []string{"node-a"}), "block")
			h.require("job", 1)
			if slotsOf(gwA, "job") != 0 || slotsOf(gwB, "job") != 1 {
				t.Fatalf("slot requests: node-a %v, node-b %v", gwA.requests(), gwB.requests())
			}
			// Reference §4.9: TaskManagers already on a blocked node are not evicted.
			if r := h.released(); len(r) != 0 {
				t.Fatalf("released %v after blocking node-a", r)
			}
		})
	})

	t.Run("requirements are held back until recovered TaskManagers registered", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(smConf("1", "resourcemanager.previous-worker.recovery.timeout", "1 min")...),
				&fakeDriver{recovered: []workerNode{{ID: "my-flink-taskmanager-1-1"}}})
			defer h.stop()
			h.require("job", 1)
			if n := h.requestCount(); n != 0 {
				t.Fatalf("%d worker requests before the recovered TaskManager registered", n)
			}
			gw, _ := h.connectTaskManager("my-flink-taskmanager-1-1", "node-1")
			time.Sleep(200 * time.Millisecond)
			if n := h.requestCount(); n != 0 || slotsOf(gw, "job") != 1 {
				t.Fatalf("%d worker requests, slot requests %v; want the recovered TaskManager reused", n, gw.requests())
			}
		})
	})

	t.Run("a recovered TaskManager keeps the slots it reports", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(smConf("1")...), &fakeDriver{recovered: []workerNode{{ID: "my-flink-taskmanager-1-1"}}})
			defer h.stop()
			gw := newFakeGateway()
			resp := h.register("my-flink-taskmanager-1-1", gw)
			report := SlotReport{{Slot: SlotID{ResourceID: "my-flink-taskmanager-1-1"}, Allocation: "alloc-1", Job: "job"}}
			mustf(t, h.rm.SendSlotReport(context.Background(), "my-flink-taskmanager-1-1", resp.Instance, report), "report")
			h.require("job", 1)
			if n := h.requestCount(); n != 0 || len(gw.requests()) != 0 {
				t.Fatalf("%d worker requests, slot requests %v; the job already holds its slot", n, gw.requests())
			}
		})
	})

	t.Run("a TaskManager beyond the maximum is refused and released", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRMHarness(t, testConfiguration(smConf("1", "slotmanager.number-of-slots.max", "1")...),
				&fakeDriver{recovered: []workerNode{{ID: "old-taskmanager-1-1"}, {ID: "old-taskmanager-1-2"}}})
			defer h.stop()
			h.connectTaskManager("old-taskmanager-1-1", "node-1")
			resp := h.register("old-taskmanager-1-2", nil)
			err := h.rm.SendSlotReport(context.Background(), "old-taskmanager-1-2", resp.Instance, nil)
			if err == nil {
				t.Fatal("a TaskManager beyond slotmanager.number-of-slots.max was accepted")
			}
			if r := h.released(); !slices.Equal(r, []ResourceID{"old-taskmanager-1-2"}) {
				t.Fatalf("released %v", r)
			}
		})
	})
}
