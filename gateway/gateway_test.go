package gateway

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"
	"testing/synctest"
	"time"

	"flinksim/resourcemanager"
	"flinksim/rpc"
	"flinksim/sim/network"
)

// TestMessagesTravel sends every kind of payload through the transport and checks
// that nothing is lost on the way (exported fields, JSON-friendly types).
func TestMessagesTravel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := network.New(rand.New(rand.NewPCG(1, 1)))
		srv := rpc.NewServer(nil)
		var gotSlots OfferSlotsRequest
		var gotTasks SubmitTasksRequest
		rpc.HandleFenced(srv, OfferSlots, func(ctx context.Context, req OfferSlotsRequest) (OfferSlotsResponse, error) {
			gotSlots = req
			return OfferSlotsResponse{Accepted: []resourcemanager.AllocationID{req.Slots[0].Allocation}}, nil
		})
		rpc.Handle(srv, SubmitTasks, func(ctx context.Context, req SubmitTasksRequest) (Empty, error) {
			gotTasks = req
			return Empty{}, nil
		})
		srv.SetFencingToken("s")
		l, _ := n.Host("10.0.0.1").Listen(context.Background(), "tcp", ":6123")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- srv.Serve(ctx, l) }()
		defer func() { cancel(); <-done }()
		c := rpc.NewClient(n.Host("10.0.0.2"), time.Second)
		offer := OfferSlotsRequest{Job: "j", ResourceID: "tm", Address: "10.0.0.2:6122", Slots: []SlotOffer{{Allocation: "a", Index: 1}}}
		resp, err := JobMaster{Client: c, Address: "10.0.0.1:6123", Token: "s"}.OfferSlots(context.Background(), offer)
		if err != nil || len(resp.Accepted) != 1 || !reflect.DeepEqual(gotSlots, offer) {
			t.Fatalf("offer: %v %+v %+v", err, resp, gotSlots)
		}
		if _, err := (JobMaster{Client: c, Address: "10.0.0.1:6123", Token: "old"}).OfferSlots(context.Background(), offer); rpc.CodeOf(err) != rpc.FencingTokenMismatch {
			t.Fatalf("stale token: %v", err)
		}
		sub := SubmitTasksRequest{Job: "j", JobName: "n", JobMasterID: "s", Allocation: "a", Tasks: []TaskDeployment{{ExecutionID: "e", VertexID: "v",
			VertexName: "Source", Subtask: 1, Parallelism: 2, Attempt: 3, Duration: 5 * time.Second, FailAfter: time.Second, FailMessage: "boom"}}}
		if err := (TaskExecutor{Client: c, Address: "10.0.0.1:6123"}).SubmitTasks(context.Background(), sub); err != nil || !reflect.DeepEqual(gotTasks, sub) {
			t.Fatalf("submit: %v %+v", err, gotTasks)
		}
	})
}
