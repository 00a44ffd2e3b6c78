package gateway

import (
	"context"

	"flinksim/rpc"
)

// ResourceManager calls a resource manager.
type ResourceManager struct {
	Client  *rpc.Client
	Address string
	// Token is the resource manager's leader session ("" before registering).
	Token string
}

// RegisterTaskExecutor registers a TaskManager.
func (g ResourceManager) RegisterTaskExecutor(ctx context.Context, req RegistrationRequest) (RegistrationResponse, error) {
	var out RegistrationResponse
	err := g.Client.Call(ctx, g.Address, RegisterTaskExecutor, g.Token, req, &out)
	return out, err
}

// SendSlotReport sends the first slot report after registering.
func (g ResourceManager) SendSlotReport(ctx context.Context, req SlotReportRequest) error {
	return g.Client.Call(ctx, g.Address, SendSlotReport, g.Token, req, nil)
}

// Heartbeat sends a heartbeat with the current slot report.
func (g ResourceManager) Heartbeat(ctx context.Context, req SlotReportRequest) error {
	return g.Client.Call(ctx, g.Address, HeartbeatFromTaskManager, g.Token, req, nil)
}

// NotifySlotAvailable says a slot is free again.
func (g ResourceManager) NotifySlotAvailable(ctx context.Context, req SlotAvailableRequest) error {
	return g.Client.Call(ctx, g.Address, NotifySlotAvailable, g.Token, req, nil)
}

// DisconnectTaskManager closes the TaskManager's registration.
func (g ResourceManager) DisconnectTaskManager(ctx context.Context, req DisconnectRequest) error {
	return g.Client.Call(ctx, g.Address, DisconnectTaskManager, g.Token, req, nil)
}

// JobMaster calls the JobMaster of a job.
type JobMaster struct {
	Client  *rpc.Client
	Address string
	Token   string
}

// OfferSlots offers slots to the job.
func (g JobMaster) OfferSlots(ctx context.Context, req OfferSlotsRequest) (OfferSlotsResponse, error) {
	var out OfferSlotsResponse
	err := g.Client.Call(ctx, g.Address, OfferSlots, g.Token, req, &out)
	return out, err
}

// UpdateTaskExecutionState reports task state changes.
func (g JobMaster) UpdateTaskExecutionState(ctx context.Context, req UpdateTaskExecutionStateRequest) error {
	return g.Client.Call(ctx, g.Address, UpdateTaskExecutionState, g.Token, req, nil)
}

// DisconnectTaskManager tells the JobMaster the TaskManager is gone.
func (g JobMaster) DisconnectTaskManager(ctx context.Context, req DisconnectRequest) error {
	return g.Client.Call(ctx, g.Address, JobMasterDisconnectTaskManager, g.Token, req, nil)
}

// TaskExecutor calls a TaskManager.
type TaskExecutor struct {
	Client  *rpc.Client
	Address string
	// Token is the caller's leader session, which the TaskManager checks.
	Token string
}

// RequestSlot asks for a slot for a job.
func (g TaskExecutor) RequestSlot(ctx context.Context, req RequestSlotRequest) error {
	return g.Client.Call(ctx, g.Address, RequestSlot, g.Token, req, nil)
}

// CanBeReleased asks whether the TaskManager may be stopped.
func (g TaskExecutor) CanBeReleased(ctx context.Context) (bool, error) {
	var out CanBeReleasedResponse
	err := g.Client.Call(ctx, g.Address, CanBeReleased, g.Token, Empty{}, &out)
	return out.CanBeReleased, err
}

// DisconnectResourceManager tells the TaskManager its registration was closed.
func (g TaskExecutor) DisconnectResourceManager(ctx context.Context, cause string) error {
	return g.Client.Call(ctx, g.Address, DisconnectResourceManager, g.Token, DisconnectRequest{Cause: cause}, nil)
}

// SubmitTasks deploys tasks into a slot.
func (g TaskExecutor) SubmitTasks(ctx context.Context, req SubmitTasksRequest) error {
	return g.Client.Call(ctx, g.Address, SubmitTasks, g.Token, req, nil)
}

// CancelTasks cancels executions.
func (g TaskExecutor) CancelTasks(ctx context.Context, req CancelTasksRequest) error {
	return g.Client.Call(ctx, g.Address, CancelTasks, g.Token, req, nil)
}

// FreeSlot releases a slot.
func (g TaskExecutor) FreeSlot(ctx context.Context, req FreeSlotRequest) error {
	return g.Client.Call(ctx, g.Address, FreeSlot, g.Token, req, nil)
}

// Heartbeat is the JobMaster's heartbeat for a job.
func (g TaskExecutor) Heartbeat(ctx context.Context, req JobHeartbeatRequest) (JobHeartbeatResponse, error) {
	var out JobHeartbeatResponse
	err := g.Client.Call(ctx, g.Address, HeartbeatFromJobManager, g.Token, req, &out)
	return out, err
}

// TriggerCheckpoint asks the job's tasks there to checkpoint.
func (g TaskExecutor) TriggerCheckpoint(ctx context.Context, req TriggerCheckpointRequest) (TriggerCheckpointResponse, error) {
	var out TriggerCheckpointResponse
	err := g.Client.Call(ctx, g.Address, TriggerCheckpoint, g.Token, req, &out)
	return out, err
}

// DisconnectJobManager tells the TaskManager the job's JobMaster is gone.
func (g TaskExecutor) DisconnectJobManager(ctx context.Context, req DisconnectRequest) error {
	return g.Client.Call(ctx, g.Address, DisconnectJobManager, g.Token, req, nil)
}
