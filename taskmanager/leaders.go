package taskmanager

import (
	"context"
	"fmt"
	"log/slog"

	"flinksim/flinklog"
	"flinksim/flinkprocess"
	"flinksim/gateway"
	"flinksim/ha"
	"flinksim/process"
	"flinksim/resourcemanager"
	"flinksim/rpc"
)

const retrievalLogger = "org.apache.flink.kubernetes.highavailability.KubernetesLeaderRetrievalDriver"

// leaderServices are a TaskManager's Kubernetes HA services: retrieval only (a
// TaskManager never contends and writes nothing).
func leaderServices(env *process.Env, s settings, log *slog.Logger) (*ha.Services, error) {
	kube, err := env.Kube()
	if err != nil {
		return nil, fmt.Errorf("no Kubernetes client for the TaskManager's service account: %w", err)
	}
	return ha.New(ha.ServicesConfig{
		Client: kube, Configuration: s.conf,
		Rand:              flinkprocess.Rand(env),
		FatalErrorHandler: func(error) {},
		Log:               log.With(flinklog.LoggerKey, retrievalLogger),
	})
}

// startLeaderRetrieval follows the resource manager's leader (reference §5.5).
func (te *taskExecutor) startLeaderRetrieval() {
	r, err := te.leaders.LeaderRetriever(ha.ResourceManagerComponent, func(info ha.LeaderInformation) {
		te.loop.Post(func() { te.onResourceManagerLeader(info) })
	})
	if err != nil {
		te.fail(err)
		return
	}
	te.loop.Go(func(ctx context.Context) { _ = r.Start(ctx) })
}

// onResourceManagerLeader connects to a new leader, or drops the connection when the
// leader is gone, as Flink's TaskExecutor does on a leader notification.
func (te *taskExecutor) onResourceManagerLeader(info ha.LeaderInformation) {
	if info == te.rmLeader {
		return
	}
	te.rmLeader = info
	if info.IsEmpty() {
		te.log.Info("The ResourceManager lost its leadership; waiting for a new leader.")
		te.closeResourceManager()
		return
	}
	addr, err := rpc.HostPort(info.Address)
	if err != nil {
		te.log.Warn("Ignoring the ResourceManager leader information: " + err.Error())
		return
	}
	te.log.Info("New ResourceManager leader found under: " + info.Address + "(" + info.SessionID.String() + ")")
	te.closeResourceManager()
	te.s.rmAddress, te.rmDirect = addr, ""
	te.connect(0)
}

// closeResourceManager drops the connection or registration under way; stale
// answers are ignored by generation.
func (te *taskExecutor) closeResourceManager() {
	te.generation++
	te.attemptTimer.Cancel()
	te.attemptTimer = nil
	te.hbTimer.Cancel()
	te.hbTimer = nil
	if te.state != disconnected {
		te.state, te.instance = disconnected, ""
		te.startRegistrationTimeout()
	}
}

// leaderToken is the fencing token of registration: the retrieved leader session
// with HA; without HA the registration is how the session is learned.
func (te *taskExecutor) leaderToken() string {
	if te.rmLeader.IsEmpty() {
		return ""
	}
	return te.rmLeader.SessionID.String()
}

// followJob watches the leader of a job whose slots this TaskManager holds, so that a
// new JobMaster (after a failover) is offered the slots at once.
func (te *taskExecutor) followJob(jc *jobConnection) {
	if te.leaders == nil {
		return
	}
	id, err := ha.ParseJobID(string(jc.job))
	if err != nil {
		return
	}
	job := jc.job
	r, err := te.leaders.LeaderRetriever(ha.JobMasterComponent(id), func(info ha.LeaderInformation) {
		te.loop.Post(func() { te.onJobLeader(job, info) })
	})
	if err != nil {
		return
	}
	ctx, cancel := context.WithCancel(te.loop.Context())
	jc.stopFollowing = cancel
	te.loop.Go(func(context.Context) { _ = r.Start(ctx) })
}

// onJobLeader hands a job's slots to its new JobMaster: the old attempt's tasks fail
// and the slots are offered to the new leader (Flink's JobLeaderService).
func (te *taskExecutor) onJobLeader(job resourcemanager.JobID, info ha.LeaderInformation) {
	jc := te.jobs[job]
	if jc == nil || info.IsEmpty() || info.SessionID.String() == jc.token {
		return
	}
	addr, err := rpc.HostPort(info.Address)
	if err != nil {
		return
	}
	te.log.Info(fmt.Sprintf("JobManager for job %s with leader id %s lost leadership; establishing a connection to the new leader %s.", job, jc.token, info.Address))
	jc.address, jc.token = addr, info.SessionID.String()
	jc.pending = nil
	te.jobHeard(jc)
	var offers []gateway.SlotOffer
	for i := range te.slots {
		s := &te.slots[i]
		if s.job != job || s.alloc == "" {
			continue
		}
		for _, t := range te.tasksOf(s.alloc) {
			te.failTask(t, "the JobManager of the job changed")
		}
		s.active = false
		offers = append(offers, gateway.SlotOffer{Allocation: s.alloc, Index: i})
	}
	jc.pending = nil
	if len(offers) == 0 {
		return
	}
	te.log.Info("Offer reserved slots to the leader of job " + string(job) + ".")
	jm := gateway.JobMaster{Client: te.client, Address: jc.address, Token: jc.token}
	req := gateway.OfferSlotsRequest{Job: job, ResourceID: te.s.resourceID, Address: te.s.address, Slots: offers}
	te.loop.Go(func(ctx context.Context) {
		resp, err := jm.OfferSlots(ctx, req)
		te.loop.Post(func() {
			for _, o := range offers {
				te.onOfferResult(o.Allocation, resp, err)
			}
		})
	})
}
