package jobmanager

// JobStatus is a job's state, as Flink names it.
type JobStatus string

// The job states.
const (
	JobInitializing JobStatus = "INITIALIZING"
	JobCreated      JobStatus = "CREATED"
	JobRunning      JobStatus = "RUNNING"
	JobFailing      JobStatus = "FAILING"
	JobFailed       JobStatus = "FAILED"
	JobCancelling   JobStatus = "CANCELLING"
	JobCanceled     JobStatus = "CANCELED"
	JobFinished     JobStatus = "FINISHED"
	JobRestarting   JobStatus = "RESTARTING"
	JobSuspended    JobStatus = "SUSPENDED"
	JobReconciling  JobStatus = "RECONCILING"
)

// jobStatuses lists the states in Flink's order (the timestamps of /jobs/<id>).
var jobStatuses = []JobStatus{JobInitializing, JobCreated, JobRunning, JobFailing, JobFailed, JobCancelling,
	JobCanceled, JobFinished, JobRestarting, JobSuspended, JobReconciling}

// GloballyTerminal: the job is over for the whole cluster (FINISHED, CANCELED,
// FAILED); SUSPENDED is terminal only for this JobManager.
func (s JobStatus) GloballyTerminal() bool {
	return s == JobFinished || s == JobCanceled || s == JobFailed
}

// Terminal: the JobMaster is done with the job.
func (s JobStatus) Terminal() bool { return s.GloballyTerminal() || s == JobSuspended }

// applicationStatus is how a finished job ends an application.
func (s JobStatus) applicationStatus() string {
	switch s {
	case JobFinished:
		return "SUCCEEDED"
	case JobCanceled:
		return "CANCELED"
	case JobFailed:
		return "FAILED"
	}
	return "UNKNOWN"
}
