package ha

import (
	"errors"
	"fmt"
	"io/fs"
)

// Errors callers test with errors.Is.
var (
	// ErrConfigMapNotExist: the ConfigMap an operation needs is missing. Check-and-update
	// never retries it.
	ErrConfigMapNotExist = errors.New("ConfigMap does not exist")
	// ErrAlreadyExists: a state-handle store key already holds a different live entry.
	ErrAlreadyExists = errors.New("state handle already exists")
	// ErrNotExist: a state-handle store key is missing or marked for deletion.
	ErrNotExist = errors.New("state handle does not exist")
	// ErrNoLeadership: a leadership-checked write was refused because the lock
	// annotation does not name this process.
	ErrNoLeadership = errors.New("no leadership")
	// ErrConfigMapDeletedExternally: the cluster ConfigMap was deleted while this
	// process was the leader; Flink treats it as fatal.
	ErrConfigMapDeletedExternally = errors.New("ConfigMap has been deleted externally")
	// ErrProcessDied, as the cause of the context that stops the HA services, says
	// the process died rather than shut down: the lock is not released, so standbys
	// take over only once the lease expired (reference §5.7 step 2).
	ErrProcessDied = errors.New("the process died")
	// ErrFileNotExist and ErrFileExists are what FileSystem implementations wrap:
	// io/fs's errors, so any Go file system (package dfs among them) fits.
	ErrFileNotExist = fs.ErrNotExist
	ErrFileExists   = fs.ErrExist
)

// ClientError is a failed request to the Kubernetes API. Check-and-update retries
// only failures whose chain contains a ClientError, as Flink retries only
// KubernetesClientExceptions.
type ClientError struct {
	Op        string // "get", "create", "update", "delete"
	Namespace string
	Name      string
	Err       error
}

func (e *ClientError) Error() string {
	return fmt.Sprintf("kubernetes %s of ConfigMap %s/%s failed: %v", e.Op, e.Namespace, e.Name, e.Err)
}

func (e *ClientError) Unwrap() error { return e.Err }

// PossiblyInconsistentError says a write to a ConfigMap failed in a way that leaves
// open whether it happened (the response may have been lost after the server
// committed it). Callers must not discard state the write may have referenced.
type PossiblyInconsistentError struct{ Err error }

func (e *PossiblyInconsistentError) Error() string {
	return "possibly inconsistent state: the ConfigMap write may or may not have been applied: " + e.Err.Error()
}

func (e *PossiblyInconsistentError) Unwrap() error { return e.Err }

// RetriesExhaustedError is returned by check-and-update once every attempt failed
// with a retryable error; Err is the last failure.
type RetriesExhaustedError struct {
	Attempts int
	Err      error
}

func (e *RetriesExhaustedError) Error() string {
	return fmt.Sprintf("could not complete the ConfigMap update: the %d attempts are exhausted (raise kubernetes.transactional-operation.max-retries if the API server is busy): %v", e.Attempts, e.Err)
}

func (e *RetriesExhaustedError) Unwrap() error { return e.Err }
