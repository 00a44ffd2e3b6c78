package kubeobjects

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// ReadFileFunc reads a local file. Builders take one so that a simulated container or
// a test can supply files from memory; nil means os.ReadFile.
//
// Where a builder needs to know whether a directory exists (the Hadoop configuration
// directory under HADOOP_HOME), it calls ReadFile on the directory: an error that is
// not fs.ErrNotExist (os.ReadFile says "is a directory") or a readable configuration
// file inside it both count as "exists".
type ReadFileFunc func(path string) ([]byte, error)

// LookupEnvFunc looks up a variable of the local environment; nil means os.LookupEnv.
type LookupEnvFunc func(key string) (string, bool)

func (f ReadFileFunc) orDefault() ReadFileFunc {
	if f == nil {
		return os.ReadFile
	}
	return f
}

func (f LookupEnvFunc) orDefault() LookupEnvFunc {
	if f == nil {
		return os.LookupEnv
	}
	return f
}

// FlinkPod is a pod under construction: everything but the main container in Pod,
// and the main container (flink-main-container) on its own. Assemble appends the main
// container after the template's other containers (sidecars).
type FlinkPod struct {
	Pod           *corev1.Pod
	MainContainer *corev1.Container
}

// NewFlinkPod is the starting point when no pod template is configured: an empty pod
// and an empty main container.
func NewFlinkPod() *FlinkPod {
	return &FlinkPod{Pod: &corev1.Pod{}, MainContainer: &corev1.Container{}}
}

// DeepCopy returns a copy that shares nothing with p.
func (p *FlinkPod) DeepCopy() *FlinkPod {
	return &FlinkPod{Pod: p.Pod.DeepCopy(), MainContainer: p.MainContainer.DeepCopy()}
}

// Assemble returns the finished pod: sidecars in template order, then the main
// container.
func (p *FlinkPod) Assemble() *corev1.Pod {
	pod := p.Pod.DeepCopy()
	pod.Spec.Containers = append(pod.Spec.Containers, *p.MainContainer.DeepCopy())
	return pod
}

// LoadPodTemplate reads a pod template file (a `kind: Pod` YAML or JSON document) and
// splits it into the pod and its main container (reference §3.1). A missing file is an
// error naming the file.
func LoadPodTemplate(path string, readFile ReadFileFunc) (*FlinkPod, error) {
	data, err := readFile.orDefault()(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("pod template file %q does not exist: %w", path, err)
		}
		return nil, fmt.Errorf("reading pod template file %q: %w", path, err)
	}
	pod, err := ParsePodTemplate(data)
	if err != nil {
		return nil, fmt.Errorf("pod template file %q: %w", path, err)
	}
	return pod, nil
}

// ParsePodTemplate parses the content of a pod template file. Fields the Pod type does
// not know are ignored, as Flink's client ignores them; everything else is kept.
func ParsePodTemplate(data []byte) (*FlinkPod, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("the pod template is empty; it must be a Pod (apiVersion: v1, kind: Pod)")
	}
	var tm metav1.TypeMeta
	if err := utilyaml.Unmarshal(data, &tm); err != nil {
		return nil, fmt.Errorf("not a valid YAML or JSON Pod: %w", err)
	}
	if tm.Kind != "" && tm.Kind != "Pod" {
		return nil, fmt.Errorf("a pod template must be of kind Pod, this one is of kind %q", tm.Kind)
	}
	if tm.APIVersion != "" && tm.APIVersion != "v1" {
		return nil, fmt.Errorf("a pod template must have apiVersion v1, this one has %q", tm.APIVersion)
	}
	pod := &corev1.Pod{}
	if err := utilyaml.Unmarshal(data, pod); err != nil {
		return nil, fmt.Errorf("not a valid Pod: %w", err)
	}
	return splitMainContainer(pod)
}

// splitMainContainer takes the container named flink-main-container out of the pod.
// Without one, the main container starts empty and all containers stay sidecars.
func splitMainContainer(pod *corev1.Pod) (*FlinkPod, error) {
	main := &corev1.Container{}
	found := false
	var others []corev1.Container
	for _, c := range pod.Spec.Containers {
		if c.Name != MainContainerName {
			others = append(others, c)
			continue
		}
		if found {
			return nil, fmt.Errorf("the pod template has more than one container named %q", MainContainerName)
		}
		found = true
		main = c.DeepCopy()
	}
	pod.Spec.Containers = others
	return &FlinkPod{Pod: pod, MainContainer: main}, nil
}
