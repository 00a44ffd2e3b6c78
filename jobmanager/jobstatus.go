package jobmanager

import "flinksim/ha"

// jobTerminal: the JobMaster is done with the job — globally terminal, or SUSPENDED
// (this JobManager shut down or lost leadership; another one recovers the job).
func jobTerminal(s ha.JobStatus) bool { return s.IsGloballyTerminal() || s == ha.JobSuspended }

// applicationStatus is how a finished job ends an application.
func applicationStatus(s ha.JobStatus) string {
	switch s {
	case ha.JobFinished:
		return "SUCCEEDED"
	case ha.JobCanceled:
		return "CANCELED"
	case ha.JobFailed:
		return "FAILED"
	}
	return "UNKNOWN"
}
