package kubeobjects

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"flinksim/config"
)

const (
	testClusterID = "my-flink-cluster1"
	testNamespace = "test"
)

// buildJM builds the JobManager objects from the base options plus kv, with the
// client files and the given environment.
func buildJM(t *testing.T, e env, kv ...string) *JobManagerSpec {
	t.Helper()
	spec, err := BuildJobManager(confWith(kv...), Local{ReadFile: clientFiles.ReadFile, LookupEnv: e.LookupEnv})
	require.NoError(t, err)
	return spec
}

func buildJMErr(kv ...string) error {
	_, err := BuildJobManager(confWith(kv...), Local{ReadFile: clientFiles.ReadFile, LookupEnv: env{}.LookupEnv})
	return err
}

// buildJMWithLog builds and returns what was logged.
func buildJMWithLog(t *testing.T, kv ...string) (*JobManagerSpec, string) {
	t.Helper()
	var log bytes.Buffer
	spec, err := BuildJobManager(confWith(kv...), Local{ReadFile: clientFiles.ReadFile, LookupEnv: env{}.LookupEnv, Log: &log})
	require.NoError(t, err)
	return spec, log.String()
}

// tmPodFiles are the files inside a JobManager pod, where TaskManager pods are built.
var tmPodFiles = memFS{
	"/opt/flink/conf/config.yaml": "",
}

// tmConf is the configuration as a JobManager pod has it: without the client's
// configuration directory (not shipped).
func tmConf(kv ...string) *config.Configuration {
	return confWith(append([]string{"$internal.deployment.config-dir", "<unset>"}, kv...)...)
}

func buildTM(t *testing.T, opts TaskManagerPodOptions, kv ...string) *corev1.Pod {
	t.Helper()
	if opts.PodName == "" {
		opts.PodName = TaskManagerPodName(testClusterID, 1, 1)
	}
	if opts.ReadFile == nil {
		opts.ReadFile = tmPodFiles.ReadFile
	}
	if opts.LookupEnv == nil {
		opts.LookupEnv = env{}.LookupEnv
	}
	pod, err := BuildTaskManagerPod(tmConf(kv...), opts)
	require.NoError(t, err)
	return pod
}

func buildTMErr(opts TaskManagerPodOptions, kv ...string) error {
	if opts.PodName == "" {
		opts.PodName = TaskManagerPodName(testClusterID, 1, 1)
	}
	opts.ReadFile, opts.LookupEnv = tmPodFiles.ReadFile, env{}.LookupEnv
	_, err := BuildTaskManagerPod(tmConf(kv...), opts)
	return err
}

// mainContainer returns the last container of a pod spec, where Flink puts its own.
func mainContainer(t *testing.T, spec corev1.PodSpec) corev1.Container {
	t.Helper()
	require.NotEmpty(t, spec.Containers)
	c := spec.Containers[len(spec.Containers)-1]
	require.Equal(t, MainContainerName, c.Name)
	return c
}

func jmPodSpec(spec *JobManagerSpec) corev1.PodSpec { return spec.Deployment.Spec.Template.Spec }

func jmMain(t *testing.T, spec *JobManagerSpec) corev1.Container {
	return mainContainer(t, jmPodSpec(spec))
}

func envNamed(c corev1.Container, name string) (corev1.EnvVar, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e, true
		}
	}
	return corev1.EnvVar{}, false
}

func envNames(c corev1.Container) []string {
	var out []string
	for _, e := range c.Env {
		out = append(out, e.Name)
	}
	return out
}

func volumeNames(spec corev1.PodSpec) []string {
	var out []string
	for _, v := range spec.Volumes {
		out = append(out, v.Name)
	}
	return out
}

func volumeNamed(t *testing.T, spec corev1.PodSpec, name string) corev1.Volume {
	t.Helper()
	for _, v := range spec.Volumes {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("no volume %q among %v", name, volumeNames(spec))
	return corev1.Volume{}
}

func mountPaths(c corev1.Container) map[string]string {
	out := map[string]string{}
	for _, m := range c.VolumeMounts {
		out[m.Name] = m.MountPath
	}
	return out
}

func portsOf(c corev1.Container) map[string]int32 {
	out := map[string]int32{}
	for _, p := range c.Ports {
		out[p.Name] = p.ContainerPort
	}
	return out
}

func portNames(c corev1.Container) []string {
	var out []string
	for _, p := range c.Ports {
		out = append(out, p.Name)
	}
	return out
}

func accompanying[T Object](spec *JobManagerSpec, name string) (T, bool) {
	var zero T
	for _, o := range spec.Accompanying {
		if t, ok := o.(T); ok && o.GetName() == name {
			return t, true
		}
	}
	return zero, false
}

func objectNames(spec *JobManagerSpec) []string {
	var out []string
	for _, o := range spec.Accompanying {
		out = append(out, o.GetObjectKind().GroupVersionKind().Kind+"/"+o.GetName())
	}
	return out
}

func quantity(t *testing.T, l corev1.ResourceList, name corev1.ResourceName) string {
	t.Helper()
	q, ok := l[name]
	require.True(t, ok, "no %s in %v", name, l)
	return q.String()
}

func mustQuantity(s string) resource.Quantity { return resource.MustParse(s) }
