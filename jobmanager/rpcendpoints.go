package jobmanager

import (
	"context"
	"errors"
	"fmt"

	"flinksim/gateway"
	"flinksim/mainloop"
	"flinksim/resourcemanager"
	"flinksim/rpc"
)

// registerRPC binds the resource manager's and the JobMasters' methods on the
// JobManager's RPC endpoint. All but the registration are fenced with the leader
// session id the TaskManager got when it registered.
func (jm *JobManager) registerRPC() {
	srv := jm.rpc
	rpc.Handle(srv, gateway.RegisterTaskExecutor, func(ctx context.Context, req gateway.RegistrationRequest) (gateway.RegistrationResponse, error) {
		s, err := jm.leader(ctx)
		if err != nil {
			return gateway.RegistrationResponse{}, err
		}
		resp, err := s.rm.RegisterTaskManager(ctx, resourcemanager.TaskManagerRegistration{
			ResourceID: req.ResourceID, Address: req.Address, NodeID: req.NodeID, Spec: req.Spec,
			Gateway: taskExecutorGateway{s: s, address: req.Address},
		})
		if err != nil {
			return gateway.RegistrationResponse{}, rmError(err)
		}
		if resp.Accepted {
			s.mu.Lock()
			s.memories[req.ResourceID] = req.Memory
			s.mu.Unlock()
		}
		return gateway.RegistrationResponse{Accepted: resp.Accepted, Instance: resp.Instance, Rejection: resp.Rejection,
			ResourceManagerID: s.id, ClusterID: jm.clusterID(), Address: jm.directAddress}, nil
	})
	rpc.HandleFenced(srv, gateway.SendSlotReport, func(ctx context.Context, req gateway.SlotReportRequest) (gateway.Empty, error) {
		return withLeader(ctx, jm, func(s *session) error { return s.rm.SendSlotReport(ctx, req.ResourceID, req.Instance, req.Report) })
	})
	rpc.HandleFenced(srv, gateway.HeartbeatFromTaskManager, func(ctx context.Context, req gateway.SlotReportRequest) (gateway.Empty, error) {
		return withLeader(ctx, jm, func(s *session) error { return s.rm.Heartbeat(ctx, req.ResourceID, req.Instance, req.Report) })
	})
	rpc.HandleFenced(srv, gateway.NotifySlotAvailable, func(ctx context.Context, req gateway.SlotAvailableRequest) (gateway.Empty, error) {
		return withLeader(ctx, jm, func(s *session) error { return s.rm.NotifySlotAvailable(ctx, req.Instance, req.Slot, req.Allocation) })
	})
	rpc.HandleFenced(srv, gateway.DisconnectTaskManager, func(ctx context.Context, req gateway.DisconnectRequest) (gateway.Empty, error) {
		return withLeader(ctx, jm, func(s *session) error {
			return s.rm.DisconnectTaskManager(ctx, req.ResourceID, fmt.Errorf("the TaskManager disconnected: %s", req.Cause))
		})
	})
	rpc.HandleFenced(srv, gateway.OfferSlots, func(ctx context.Context, req gateway.OfferSlotsRequest) (gateway.OfferSlotsResponse, error) {
		m, err := jm.jobMasterOf(ctx, req.Job)
		if err != nil {
			return gateway.OfferSlotsResponse{}, err
		}
		return mainloop.Do(ctx, m.loop, func() (gateway.OfferSlotsResponse, error) { return m.offerSlots(req), nil })
	})
	rpc.HandleFenced(srv, gateway.UpdateTaskExecutionState, func(ctx context.Context, req gateway.UpdateTaskExecutionStateRequest) (gateway.Empty, error) {
		m, err := jm.jobMasterOf(ctx, req.Job)
		if err != nil {
			return gateway.Empty{}, err
		}
		return gateway.Empty{}, loopErr(m.loop.Call(ctx, func() { m.updateStates(req.Updates) }))
	})
	rpc.HandleFenced(srv, gateway.JobMasterDisconnectTaskManager, func(ctx context.Context, req gateway.DisconnectRequest) (gateway.Empty, error) {
		m, err := jm.jobMasterOf(ctx, req.Job)
		if err != nil {
			return gateway.Empty{}, err
		}
		return gateway.Empty{}, loopErr(m.loop.Call(ctx, func() {
			m.taskManagerLost(req.ResourceID, fmt.Errorf("TaskManager %s disconnected: %s", req.ResourceID, req.Cause))
		}))
	})
}

// leader returns the current leadership term whose session the call is fenced with.
func (jm *JobManager) leader(ctx context.Context) (*session, error) {
	s := jm.current()
	if s == nil {
		return nil, rpc.Errorf(rpc.FencingTokenMismatch, "%v", errNotLeader)
	}
	if t := rpc.CallerToken(ctx); t != "" && t != s.id {
		return nil, rpc.Errorf(rpc.FencingTokenMismatch, "fencing token %q is not the current leader session %q", t, s.id)
	}
	return s, nil
}

func withLeader(ctx context.Context, jm *JobManager, f func(s *session) error) (gateway.Empty, error) {
	s, err := jm.leader(ctx)
	if err != nil {
		return gateway.Empty{}, err
	}
	return gateway.Empty{}, rmError(f(s))
}

func (jm *JobManager) jobMasterOf(ctx context.Context, job resourcemanager.JobID) (*jobMaster, error) {
	s, err := jm.leader(ctx)
	if err != nil {
		return nil, err
	}
	m := s.dispatcher.jobMaster(job)
	if m == nil {
		return nil, rpc.Errorf(gateway.UnknownJob, "no JobMaster of job %s runs on this JobManager", job)
	}
	return m, nil
}

// rmError keeps the meaning of the resource manager's errors across the wire.
func rmError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, resourcemanager.ErrUnknownTaskManager):
		return rpc.Errorf(gateway.UnknownTaskManager, "%v", err)
	case errors.Is(err, resourcemanager.ErrStopped):
		return rpc.Errorf(rpc.FencingTokenMismatch, "%v", err)
	}
	return err
}

func loopErr(err error) error {
	if errors.Is(err, mainloop.ErrStopped) {
		return rpc.Errorf(gateway.UnknownJob, "the JobMaster has stopped")
	}
	return err
}
