package cli

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"flinksim/deployer"
	"flinksim/kubeclient"
)

// Env is everything a command takes from the world around it. Nil fields mean the
// operating system's, except Artifacts.
type Env struct {
	// Args are the command's arguments, without the program name.
	Args   []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// LookupEnv reads environment variables: FLINK_CONF_DIR, FLINK_HOME, KUBECONFIG,
	// HOME, KUBERNETES_SERVICE_HOST, KUBERNETES_MAX_CONCURRENT_REQUESTS.
	LookupEnv func(string) (string, bool)
	// ReadFile reads local files: the configuration directory, kubeconfigs, pod
	// templates, logging files, jars.
	ReadFile func(string) ([]byte, error)
	// Getwd is the working directory, against which relative jar paths resolve.
	Getwd func() (string, error)
	// Kubernetes makes the client of a resolved cluster. nil means
	// kubernetes.NewForConfig(target.Config).
	Kubernetes func(target *kubeclient.Target) (kubernetes.Interface, error)
	// InCluster builds the in-cluster configuration. nil means rest.InClusterConfig.
	InCluster func() (*rest.Config, error)
	// HTTP carries the calls to the JobManager's REST API. nil means a client with a
	// one-minute timeout.
	HTTP *http.Client
	// Artifacts is the remote file system local artifacts are uploaded to
	// (kubernetes.artifacts.local-upload-enabled). nil asks ArtifactsFor.
	Artifacts deployer.ArtifactStore
	// ArtifactsFor gives the remote file system of the Kubernetes cluster a command
	// talks to, when Artifacts is nil (the mains: flinksim up's object store). nil, or
	// a nil store, refuses uploads.
	ArtifactsFor func(target *kubeclient.Target) (deployer.ArtifactStore, error)
	// Rand draws a cluster id when none is given. nil means a random seed.
	Rand *rand.Rand
	// Location is the time zone of the times flink list prints. nil means time.Local.
	Location *time.Location
}

// OS is the environment of a real process: os.Args[1:], the standard streams, the
// process environment and files, and the Kubernetes cluster of the kubeconfig.
func OS() Env {
	return Env{Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
}

// withDefaults fills the nil fields.
func (e Env) withDefaults() Env {
	if e.Stdin == nil {
		e.Stdin = strings.NewReader("")
	}
	if e.Stdout == nil {
		e.Stdout = io.Discard
	}
	if e.Stderr == nil {
		e.Stderr = io.Discard
	}
	if e.LookupEnv == nil {
		e.LookupEnv = os.LookupEnv
	}
	if e.ReadFile == nil {
		e.ReadFile = os.ReadFile
	}
	if e.Getwd == nil {
		e.Getwd = os.Getwd
	}
	if e.Kubernetes == nil {
		e.Kubernetes = func(t *kubeclient.Target) (kubernetes.Interface, error) {
			return kubernetes.NewForConfig(t.Config)
		}
	}
	if e.HTTP == nil {
		e.HTTP = &http.Client{Timeout: time.Minute}
	}
	if e.Location == nil {
		e.Location = time.Local
	}
	return e
}

func (e Env) getenv(key string) string {
	v, _ := e.LookupEnv(key)
	return v
}

// usageError is a mistake in the command line: it is printed with a pointer to the
// help instead of as a failure of the program.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }
