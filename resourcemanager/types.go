package resourcemanager

import (
	"context"
	"errors"
	"fmt"
	"strconv"
)

// ResourceID identifies a TaskManager. For a TaskManager pod it is the pod name,
// `<cluster-id>-taskmanager-<attempt>-<index>`, which the pod receives as
// taskmanager.resource-id; registrations are matched to pods through it.
type ResourceID string

// InstanceID identifies one registration of a TaskManager: a TaskManager that
// registers again (after a lost connection) gets a new one.
type InstanceID string

// JobID identifies a job whose JobMaster declares slot requirements.
type JobID string

// AllocationID identifies the allocation of one slot to one job.
type AllocationID string

// SlotID names a slot: its TaskManager and its index there (0 … slots-1).
type SlotID struct {
	ResourceID ResourceID
	Index      int
}

func (s SlotID) String() string { return string(s.ResourceID) + "_" + strconv.Itoa(s.Index) }

// SlotStatus is one slot of a slot report: free when Allocation is empty.
type SlotStatus struct {
	Slot       SlotID
	Allocation AllocationID
	Job        JobID
}

// SlotReport is what a TaskManager says about its slots: every slot, free or not.
type SlotReport []SlotStatus

func (r SlotReport) hasAllocatedSlot() bool {
	for _, s := range r {
		if s.Allocation != "" {
			return true
		}
	}
	return false
}

// SlotRequest asks a TaskManager to allocate one of its slots to a job and offer it to
// the job's JobMaster at TargetAddress.
type SlotRequest struct {
	Slot          SlotID
	Job           JobID
	Allocation    AllocationID
	TargetAddress string
}

// TaskExecutorGateway is how the resource manager reaches a registered TaskManager.
// The TaskManager (or the network layer that stands for it) implements it. The
// resource manager calls it from its own goroutines, never from its main loop, so an
// implementation may block (a remote call) and may call back into the resource
// manager.
type TaskExecutorGateway interface {
	// RequestSlot allocates a slot for a job; the TaskManager then offers it to the
	// JobMaster. An error leaves the slot free.
	RequestSlot(ctx context.Context, req SlotRequest) error
	// CanBeReleased reports whether the TaskManager may be stopped: false while it
	// still holds result partitions that are not consumed.
	CanBeReleased(ctx context.Context) (bool, error)
	// DisconnectResourceManager tells the TaskManager that the resource manager closed
	// its registration; cause says why. A TaskManager whose pod is still alive
	// registers again. It must return promptly: a resource manager that stops waits
	// for the calls it made (the others honour their context).
	DisconnectResourceManager(cause error)
}

// TaskManagerRegistration is what a TaskManager sends to register.
type TaskManagerRegistration struct {
	// ResourceID is the TaskManager's taskmanager.resource-id (its pod name).
	ResourceID ResourceID
	// Address is where the TaskManager can be reached (informational).
	Address string
	// NodeID is the node the TaskManager runs on (its _POD_NODE_ID), used by the node
	// blocklist.
	NodeID string
	// Spec is the TaskManager's resources: what WorkerSpecOf gives for the process
	// specification it started with.
	Spec WorkerSpec
	// Gateway is how the resource manager calls the TaskManager. Required.
	Gateway TaskExecutorGateway
}

// RegistrationResponse answers a registration. Exactly one of Accepted or a non-empty
// Rejection is set.
type RegistrationResponse struct {
	Accepted bool
	// Instance identifies this registration; slot reports and heartbeats carry it.
	Instance InstanceID
	// Rejection says why the registration was refused.
	Rejection string
}

// JobRequirements are the slots a job's JobMaster needs. Slots = 0 clears them.
type JobRequirements struct {
	Job JobID
	// TargetAddress is the JobMaster's address; TaskManagers offer slots there.
	TargetAddress string
	// Slots is the number of (default-profile) slots the job needs.
	Slots int
	// NotEnoughResources, when set, is called (from a goroutine of the resource
	// manager) when the requirements cannot be fulfilled because the cluster would
	// exceed its maximum resources; acquired is the number of slots the job holds.
	NotEnoughResources func(acquired int)
}

// ApplicationStatus is the final status of a cluster that deregisters.
type ApplicationStatus string

// The final statuses of a Flink application.
const (
	ApplicationSucceeded ApplicationStatus = "SUCCEEDED"
	ApplicationFailed    ApplicationStatus = "FAILED"
	ApplicationCanceled  ApplicationStatus = "CANCELED"
	ApplicationUnknown   ApplicationStatus = "UNKNOWN"
)

// Errors the API returns.
var (
	// ErrStopped: the resource manager is not running (Start has returned).
	ErrStopped = errors.New("the resource manager is not running; start it (ResourceManager.Start) or connect to the new leader")
	// ErrUnknownTaskManager: the call names a TaskManager registration the resource
	// manager does not hold (never registered, or closed since); register again.
	ErrUnknownTaskManager = errors.New("the resource manager holds no registration for this TaskManager; register again")
)

// unknownTaskManager wraps ErrUnknownTaskManager with the ids the caller gave.
func unknownTaskManager(id ResourceID, instance InstanceID) error {
	return fmt.Errorf("TaskManager %s (registration %s): %w", id, instance, ErrUnknownTaskManager)
}
