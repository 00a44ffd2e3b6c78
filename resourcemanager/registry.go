package resourcemanager

import (
	"context"
	"errors"
	"fmt"

	"flinksim/mainloop"
)

// The TaskManager registrations (Flink's ResourceManager base class): who is
// registered under which instance, their heartbeats, and closing a registration.
// Everything here runs on the loop.

// taskExecutor is one registered TaskManager.
type taskExecutor struct {
	id        ResourceID
	instance  InstanceID
	reg       TaskManagerRegistration
	heartbeat *mainloop.Timer
}

// expectedError is the cause given to a TaskManager whose registration is closed on
// purpose.
func expectedError(why string) error { return errors.New(why) }

func (rm *ResourceManager) registerTaskManager(reg TaskManagerRegistration) RegistrationResponse {
	id := reg.ResourceID
	if !rm.acceptRegistration(id) {
		rm.log.Warn("rejecting the registration of a TaskManager the resource manager did not start", "taskmanager", id)
		return RegistrationResponse{Rejection: fmt.Sprintf("the resource manager does not recognize TaskManager %s: "+
			"it neither started nor recovered a pod of that name", id)}
	}
	if old := rm.taskExecutors[id]; old != nil {
		// The TaskManager itself asks again (an earlier answer did not reach it in
		// time): its old registration leaves the slot manager, but the TaskManager is
		// not told to disconnect — that would close the registration it is getting
		// now, and it would register again, and again. Flink does the same
		// (ResourceManager.registerTaskExecutorInternal).
		rm.log.Info("TaskManager registered again; replacing its old registration", "taskmanager", id, "old", old.instance)
		rm.dropRegistration(old)
	}
	te := &taskExecutor{id: id, instance: InstanceID(rm.newID()), reg: reg}
	rm.taskExecutors[id] = te
	rm.onWorkerRegistered(id, reg.Spec)
	rm.watchHeartbeat(te)
	return RegistrationResponse{Accepted: true, Instance: te.instance}
}

// lookup returns the registration (id, instance), or ErrUnknownTaskManager.
func (rm *ResourceManager) lookup(id ResourceID, instance InstanceID) (*taskExecutor, error) {
	te := rm.taskExecutors[id]
	if te == nil || te.instance != instance {
		return nil, unknownTaskManager(id, instance)
	}
	return te, nil
}

func (rm *ResourceManager) sendSlotReport(id ResourceID, instance InstanceID, report SlotReport) error {
	te, err := rm.lookup(id, instance)
	if err != nil {
		return err
	}
	if rm.sm.registerTaskManager(te, report) == registrationRejected {
		cause := fmt.Errorf("TaskManager %s was refused: with it the cluster would exceed its maximum resources (%s, %s, %s)",
			id, "slotmanager.number-of-slots.max", "slotmanager.max-total-resource.cpu", "slotmanager.max-total-resource.memory")
		rm.closeTaskManagerConnection(id, cause)
		rm.internalStopWorker(id)
		return cause
	}
	return nil
}

func (rm *ResourceManager) heartbeat(id ResourceID, instance InstanceID, report SlotReport) error {
	te, err := rm.lookup(id, instance)
	if err != nil {
		return err
	}
	rm.watchHeartbeat(te)
	rm.sm.reportSlotStatus(instance, report)
	return nil
}

// watchHeartbeat (re)starts the heartbeat timeout of a registration.
func (rm *ResourceManager) watchHeartbeat(te *taskExecutor) {
	te.heartbeat.Cancel()
	te.heartbeat = rm.loop.After(rm.s.heartbeatTimeout, func() {
		if rm.taskExecutors[te.id] != te {
			return
		}
		cause := fmt.Errorf("the heartbeat of TaskManager %s timed out (no heartbeat for %s, heartbeat.timeout)", te.id, rm.s.heartbeatTimeout)
		rm.log.Warn("TaskManager lost", "taskmanager", te.id, "error", cause)
		rm.active.lost++
		rm.closeTaskManagerConnection(te.id, cause)
		rm.internalStopWorker(te.id)
	})
}

// closeTaskManagerConnection closes a TaskManager's registration, if it has one: its
// slots leave the slot manager and the TaskManager is told why. It returns the closed
// registration.
func (rm *ResourceManager) closeTaskManagerConnection(id ResourceID, cause error) *taskExecutor {
	te := rm.taskExecutors[id]
	if te == nil {
		return nil
	}
	rm.dropRegistration(te)
	rm.log.Info("closing the TaskManager connection", "taskmanager", id, "cause", cause)
	gw := te.reg.Gateway
	rm.loop.Go(func(context.Context) { gw.DisconnectResourceManager(cause) })
	return te
}

// dropRegistration forgets a registration without telling the TaskManager: its
// heartbeat is no longer watched and its slots leave the slot manager.
func (rm *ResourceManager) dropRegistration(te *taskExecutor) {
	if rm.taskExecutors[te.id] == te {
		delete(rm.taskExecutors, te.id)
	}
	te.heartbeat.Cancel()
	rm.sm.unregisterTaskManager(te.instance)
}
