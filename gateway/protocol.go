package gateway

import (
	"time"

	"flinksim/resourcemanager"
	"flinksim/rpc"
)

// Methods of the resource manager.
const (
	RegisterTaskExecutor     = "ResourceManager.registerTaskExecutor"
	SendSlotReport           = "ResourceManager.sendSlotReport"
	HeartbeatFromTaskManager = "ResourceManager.heartbeatFromTaskManager"
	NotifySlotAvailable      = "ResourceManager.notifySlotAvailable"
	DisconnectTaskManager    = "ResourceManager.disconnectTaskManager"
)

// Methods of a JobMaster.
const (
	OfferSlots                     = "JobMaster.offerSlots"
	UpdateTaskExecutionState       = "JobMaster.updateTaskExecutionState"
	JobMasterDisconnectTaskManager = "JobMaster.disconnectTaskManager"
)

// Methods of a TaskExecutor.
const (
	RequestSlot               = "TaskExecutor.requestSlot"
	CanBeReleased             = "TaskExecutor.canBeReleased"
	DisconnectResourceManager = "TaskExecutor.disconnectResourceManager"
	SubmitTasks               = "TaskExecutor.submitTask"
	CancelTasks               = "TaskExecutor.cancelTask"
	FreeSlot                  = "TaskExecutor.freeSlot"
	HeartbeatFromJobManager   = "TaskExecutor.heartbeatFromJobManager"
	TriggerCheckpoint         = "TaskExecutor.triggerCheckpoint"
	DisconnectJobManager      = "TaskExecutor.disconnectJobManager"
)

// Error codes of the protocol.
const (
	// UnknownTaskManager: the resource manager holds no such registration; register
	// again.
	UnknownTaskManager rpc.Code = "UnknownTaskManager"
	// UnknownJob: no JobMaster of that job runs here.
	UnknownJob rpc.Code = "UnknownJob"
	// SlotOccupied: the requested slot is allocated to another allocation.
	SlotOccupied rpc.Code = "SlotOccupied"
	// SlotRefused: the TaskManager does not take the request (stale resource
	// manager, shutting down).
	SlotRefused rpc.Code = "SlotRefused"
)

// ExecutionState is the state of one task execution, as Flink names it.
type ExecutionState string

// Execution states.
const (
	Created      ExecutionState = "CREATED"
	Scheduled    ExecutionState = "SCHEDULED"
	Deploying    ExecutionState = "DEPLOYING"
	Initializing ExecutionState = "INITIALIZING"
	Running      ExecutionState = "RUNNING"
	Finished     ExecutionState = "FINISHED"
	Canceling    ExecutionState = "CANCELING"
	Canceled     ExecutionState = "CANCELED"
	Failed       ExecutionState = "FAILED"
	Reconciling  ExecutionState = "RECONCILING"
)

// ExecutionStates lists them in Flink's order (the REST API's count order).
var ExecutionStates = []ExecutionState{Created, Scheduled, Deploying, Running, Finished, Canceling, Canceled, Failed, Reconciling, Initializing}

// Terminal reports whether no further transition follows.
func (s ExecutionState) Terminal() bool { return s == Finished || s == Canceled || s == Failed }

// ---- resource manager ----------------------------------------------------------------

// RegistrationRequest registers a TaskManager.
type RegistrationRequest struct {
	ResourceID resourcemanager.ResourceID
	// Address is where the TaskExecutor endpoint listens ("ip:port").
	Address string
	// NodeID is the node the TaskManager runs on (_POD_NODE_ID).
	NodeID string
	Spec   resourcemanager.WorkerSpec
	// Hardware and memory, reported on /taskmanagers.
	Memory MemoryConfiguration
}

// MemoryConfiguration is the TaskManager's memory model, as /taskmanagers reports it.
type MemoryConfiguration struct {
	FrameworkHeap, TaskHeap, FrameworkOffHeap, TaskOffHeap, NetworkMemory, ManagedMemory int64
	JVMMetaspace, JVMOverhead, TotalFlinkMemory, TotalProcessMemory                      int64
}

// RegistrationResponse answers a registration.
type RegistrationResponse struct {
	Accepted  bool
	Instance  resourcemanager.InstanceID
	Rejection string
	// ResourceManagerID is the leader session to fence later calls with.
	ResourceManagerID string
	// Address is the JobManager's own address ("ip:port"). Later calls go there, as
	// they would over the connection the registration opened to the peer the
	// Service name resolved to; "" keeps using the address registered at.
	Address string `json:",omitempty"`
	// ClusterID names the cluster (informational).
	ClusterID string
}

// SlotReportRequest is the slot report after registering, and a heartbeat.
type SlotReportRequest struct {
	ResourceID resourcemanager.ResourceID
	Instance   resourcemanager.InstanceID
	Report     resourcemanager.SlotReport
}

// SlotAvailableRequest says a slot became free.
type SlotAvailableRequest struct {
	Instance   resourcemanager.InstanceID
	Slot       resourcemanager.SlotID
	Allocation resourcemanager.AllocationID
}

// DisconnectRequest closes a connection; Cause says why.
type DisconnectRequest struct {
	ResourceID resourcemanager.ResourceID `json:",omitempty"`
	Job        resourcemanager.JobID      `json:",omitempty"`
	Cause      string
}

// Empty is an answer without content.
type Empty struct{}

// ---- JobMaster -----------------------------------------------------------------------

// SlotOffer is one slot a TaskManager offers a job.
type SlotOffer struct {
	Allocation resourcemanager.AllocationID
	Index      int
}

// OfferSlotsRequest offers slots to a job's JobMaster.
type OfferSlotsRequest struct {
	Job        resourcemanager.JobID
	ResourceID resourcemanager.ResourceID
	Address    string
	Slots      []SlotOffer
}

// OfferSlotsResponse lists the slots the JobMaster took; the others are free again.
type OfferSlotsResponse struct {
	Accepted []resourcemanager.AllocationID
}

// TaskExecutionState is one task's new state.
type TaskExecutionState struct {
	ExecutionID string
	State       ExecutionState
	// Error is the failure cause of a FAILED task.
	Error string `json:",omitempty"`
}

// UpdateTaskExecutionStateRequest reports state changes of a job's tasks.
type UpdateTaskExecutionStateRequest struct {
	Job        resourcemanager.JobID
	ResourceID resourcemanager.ResourceID
	Updates    []TaskExecutionState
}

// ---- TaskExecutor --------------------------------------------------------------------

// RequestSlotRequest is the resource manager asking for a slot.
type RequestSlotRequest struct {
	resourcemanager.SlotRequest
	ResourceManagerID string
}

// CanBeReleasedResponse answers whether the TaskManager may stop.
type CanBeReleasedResponse struct {
	CanBeReleased bool
}

// TaskDeployment is one task to run.
type TaskDeployment struct {
	ExecutionID string
	VertexID    string
	VertexName  string
	Subtask     int
	Parallelism int
	Attempt     int
	// Duration is how long the task runs once RUNNING (0: until cancelled).
	Duration time.Duration
	// FailAfter makes the task fail after that long in RUNNING (0: never), with
	// FailMessage.
	FailAfter   time.Duration `json:",omitempty"`
	FailMessage string        `json:",omitempty"`
}

// SubmitTasksRequest deploys tasks into an allocated slot.
type SubmitTasksRequest struct {
	Job         resourcemanager.JobID
	JobName     string
	JobMasterID string
	Allocation  resourcemanager.AllocationID
	Tasks       []TaskDeployment
}

// CancelTasksRequest cancels executions of a job.
type CancelTasksRequest struct {
	Job        resourcemanager.JobID
	Executions []string
}

// FreeSlotRequest releases a slot a job holds.
type FreeSlotRequest struct {
	Allocation resourcemanager.AllocationID
	Cause      string
}

// JobHeartbeatRequest is the JobMaster's heartbeat.
type JobHeartbeatRequest struct {
	Job resourcemanager.JobID
}

// JobHeartbeatResponse is what the TaskManager holds of the job.
type JobHeartbeatResponse struct {
	Allocations []resourcemanager.AllocationID
	Executions  []TaskExecutionState
}

// TriggerCheckpointRequest asks the tasks of a job on a TaskManager to take a
// checkpoint.
type TriggerCheckpointRequest struct {
	Job          resourcemanager.JobID
	CheckpointID int64
	Timestamp    int64
	Executions   []string
}

// TriggerCheckpointResponse lists the tasks that acknowledged; Declined says why the
// others did not.
type TriggerCheckpointResponse struct {
	Acknowledged []string
	Declined     string `json:",omitempty"`
}
