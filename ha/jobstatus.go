package ha

// JobStatus is the part of Flink's job status the HA stores care about.
type JobStatus string

// Flink's job statuses.
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

// IsGloballyTerminal reports whether the job is over for the whole cluster
// (FINISHED, CANCELED, FAILED), so its HA data may go; SUSPENDED is only locally
// terminal (another JobManager will recover the job).
func (s JobStatus) IsGloballyTerminal() bool {
	return s == JobFinished || s == JobCanceled || s == JobFailed
}

// JobStatuses lists the states in Flink's order (the order of the timestamps in
// /jobs/<id>).
var JobStatuses = []JobStatus{JobInitializing, JobCreated, JobRunning, JobFailing, JobFailed, JobCancelling,
	JobCanceled, JobFinished, JobRestarting, JobSuspended, JobReconciling}
