package kubeobjects

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
)

var templates = memFS{
	"/templates/pod-template.yaml":        templateFile("pod-template.yaml"),
	"/templates/no-spec.yaml":             templateFile("no-spec.yaml"),
	"/templates/no-main-container.yaml":   templateFile("no-main-container.yaml"),
	"/templates/tm-pod-template.yaml":     templateFile("tm-pod-template.yaml"),
	"/templates/malformed.yaml":           "apiVersion: v1\nkind: Pod\nspec:\n  containers: {oops: [\n",
	"/templates/wrong-kind.yaml":          "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n",
	"/templates/wrong-type.yaml":          "kind: Pod\nspec:\n  containers: 5\n",
	"/templates/empty.yaml":               "\n",
	"/templates/two-main-containers.yaml": "kind: Pod\nspec:\n  containers:\n  - name: flink-main-container\n  - name: flink-main-container\n",
}

// Mirrors KubernetesUtilsTest#testLoadPodFromNoSpecTemplate.
func TestLoadPodFromNoSpecTemplate(t *testing.T) {
	fp, err := LoadPodTemplate("/templates/no-spec.yaml", templates.ReadFile)
	require.NoError(t, err)
	require.Equal(t, corev1.Container{}, *fp.MainContainer)
	require.Empty(t, fp.Pod.Spec.Containers)
}

// Mirrors KubernetesUtilsTest#testLoadPodFromTemplateWithNonExistPathShouldFail.
func TestLoadPodFromTemplateWithNonExistPathShouldFail(t *testing.T) {
	_, err := LoadPodTemplate("/templates/missing.yaml", templates.ReadFile)
	require.ErrorContains(t, err, `"/templates/missing.yaml" does not exist`)
	require.True(t, errors.Is(err, fs.ErrNotExist))
}

// Mirrors KubernetesUtilsTest#testLoadPodFromTemplateWithNoMainContainerShouldReturnEmptyMainContainer.
func TestLoadPodFromTemplateWithNoMainContainerShouldReturnEmptyMainContainer(t *testing.T) {
	fp, err := LoadPodTemplate("/templates/no-main-container.yaml", templates.ReadFile)
	require.NoError(t, err)
	require.Equal(t, corev1.Container{}, *fp.MainContainer)
	require.Len(t, fp.Pod.Spec.Containers, 2)
	require.Equal(t, "not-the-main-container", fp.Pod.Spec.Containers[0].Name)
	require.Equal(t, "another-sidecar", fp.Pod.Spec.Containers[1].Name)
}

// Mirrors KubernetesUtilsTest#testLoadPodFromTemplateAndCheck{MetaData,InitContainer,
// MainContainer,SideCarContainer,Volumes}.
func TestLoadPodFromTemplateAndCheckContent(t *testing.T) {
	fp, err := LoadPodTemplate("/templates/pod-template.yaml", templates.ReadFile)
	require.NoError(t, err)
	require.Equal(t, "pod-template", fp.Pod.Name)
	require.Len(t, fp.Pod.Spec.InitContainers, 1)
	require.Equal(t, "artifacts-fetcher", fp.Pod.Spec.InitContainers[0].Name)
	require.Equal(t, MainContainerName, fp.MainContainer.Name)
	require.Len(t, fp.MainContainer.VolumeMounts, 2)
	require.NotNil(t, fp.MainContainer.LivenessProbe)
	require.Len(t, fp.Pod.Spec.Containers, 1)
	require.Equal(t, "sidecar-log-collector", fp.Pod.Spec.Containers[0].Name)
	require.Len(t, fp.Pod.Spec.Volumes, 2)
}

func TestLoadPodTemplateRejectsBadInput(t *testing.T) {
	for file, want := range map[string]string{
		"malformed.yaml":           "not a valid YAML or JSON Pod",
		"wrong-kind.yaml":          `must be of kind Pod, this one is of kind "Deployment"`,
		"wrong-type.yaml":          "not a valid Pod",
		"empty.yaml":               "is empty",
		"two-main-containers.yaml": "more than one container named",
	} {
		t.Run(file, func(t *testing.T) {
			_, err := LoadPodTemplate("/templates/"+file, templates.ReadFile)
			require.Error(t, err)
			require.Contains(t, err.Error(), `"/templates/`+file+`"`, "the error names the file")
			require.Contains(t, err.Error(), want)
		})
	}
}

// Mirrors FlinkPodTest#testCopyFlinkPod.
func TestCopyFlinkPod(t *testing.T) {
	fp, err := LoadPodTemplate("/templates/pod-template.yaml", templates.ReadFile)
	require.NoError(t, err)
	cp := fp.DeepCopy()
	require.Equal(t, fp, cp)
	require.NotSame(t, fp.Pod, cp.Pod)
	require.NotSame(t, fp.MainContainer, cp.MainContainer)
	cp.Pod.Labels["x"] = "y"
	cp.MainContainer.Env[0].Value = "changed"
	require.NotContains(t, fp.Pod.Labels, "x")
	require.Equal(t, "template-value", fp.MainContainer.Env[0].Value)
}

func TestAssembleAppendsMainContainerLast(t *testing.T) {
	fp, err := LoadPodTemplate("/templates/pod-template.yaml", templates.ReadFile)
	require.NoError(t, err)
	pod := fp.Assemble()
	require.Len(t, pod.Spec.Containers, 2)
	require.Equal(t, MainContainerName, pod.Spec.Containers[1].Name)
	require.Len(t, fp.Pod.Spec.Containers, 1, "Assemble leaves the FlinkPod alone")
}

func TestParsePodTemplateAcceptsJSON(t *testing.T) {
	fp, err := ParsePodTemplate([]byte(`{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"flink-main-container","image":"x"}]}}`))
	require.NoError(t, err)
	require.Equal(t, "x", fp.MainContainer.Image)
	require.True(t, strings.HasPrefix(MainContainerName, "flink"))
}
