package process

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"

	"k8s.io/client-go/kubernetes"
)

// Env is everything a program sees of the container it runs in.
type Env struct {
	// Args are the program's arguments, without the program name.
	Args []string
	// Environ is the container's environment.
	Environ map[string]string
	// Files is the container's file system: image layers and mounted volumes, paths
	// without the leading slash ("opt/flink/conf/config.yaml").
	Files fs.FS
	// Write stores a file in a writable place of the container (an emptyDir volume or
	// the container's own layer). Absolute paths.
	Write func(path string, data []byte) error
	// Kube returns a client acting as the pod's service account (the in-cluster
	// configuration of a real pod).
	Kube func() (kubernetes.Interface, error)
	// Network is how the process listens and dials.
	Network Network
	// Hostname is the pod's host name (its name).
	Hostname string
	// Stdout and Stderr become the container's log.
	Stdout, Stderr io.Writer
}

// Getenv returns an environment variable ("" when unset).
func (e *Env) Getenv(key string) string { return e.Environ[key] }

// Network is the process's view of the cluster network.
type Network interface {
	// Listen announces on the local address, e.g. ":8081" or "10.244.0.5:6123".
	Listen(ctx context.Context, network, address string) (net.Listener, error)
	// DialContext connects to a pod IP, a Service ClusterIP or a Service DNS name
	// (<svc>.<ns>, <svc>.<ns>.svc.cluster.local) with a port.
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Program is an executable: it runs until it is done or ctx is cancelled (the
// container got SIGTERM), and its error decides the exit code.
type Program func(ctx context.Context, env *Env) error

// ExitError ends a program with a given exit code.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return fmt.Sprintf("exit status %d: %v", e.Code, e.Err)
}

func (e *ExitError) Unwrap() error { return e.Err }

// Exit returns an error that ends the program with code (nil for 0).
func Exit(code int, err error) error {
	if code == 0 && err == nil {
		return nil
	}
	return &ExitError{Code: code, Err: err}
}

// ExitCode maps a program's result to its exit code: nil → 0, an ExitError → its code,
// a cancelled context (SIGTERM honoured) → 143, anything else → 1.
func ExitCode(err error) int {
	var ee *ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.Code
	case errors.Is(err, context.Canceled):
		return 143
	}
	return 1
}

// ErrKilled is the cause of a program's context when its process is killed rather
// than asked to stop (SIGKILL, the OOM killer, a crash): a program that sees it must
// not do its graceful shutdown's work — a dead process sends nothing more.
var ErrKilled = errors.New("the process was killed")

// Killed reports whether ctx ended because the process was killed.
func Killed(ctx context.Context) bool { return errors.Is(context.Cause(ctx), ErrKilled) }
