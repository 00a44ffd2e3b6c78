package conformance

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podCases: Pod validation and defaulting.
func podCases() []Case {
	create := func(t *testing.T, env *Env, p *corev1.Pod) (*corev1.Pod, error) {
		return env.Client.CoreV1().Pods(env.Namespace).Create(t.Context(), p, metav1.CreateOptions{})
	}
	return []Case{
		{Name: "pod/containers-required", Run: func(t *testing.T, env *Env) {
			p := pod("empty")
			p.Spec.Containers = nil
			_, err := create(t, env, p)
			requireError(t, err, invalid, `Pod "empty" is invalid`, "spec.containers: Required value")
		}},
		{Name: "pod/image-required", Run: func(t *testing.T, env *Env) {
			p := pod("no-image")
			p.Spec.Containers[0].Image = ""
			_, err := create(t, env, p)
			requireError(t, err, invalid, "spec.containers[0].image: Required value")
		}},
		{Name: "pod/container-name-must-be-dns1123-label", Run: func(t *testing.T, env *Env) {
			p := pod("bad-container")
			p.Spec.Containers[0].Name = "Main_Container"
			_, err := create(t, env, p)
			requireError(t, err, invalid, `spec.containers[0].name: Invalid value: "Main_Container": a lowercase RFC 1123 label must consist of`)
		}},
		{Name: "pod/duplicate-container-names-rejected", Run: func(t *testing.T, env *Env) {
			p := pod("twins")
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "main", Image: "busybox:1.36"})
			_, err := create(t, env, p)
			requireError(t, err, invalid, `spec.containers[1].name: Duplicate value: "main"`)
		}},
		{Name: "pod/duplicate-volume-names-rejected", Run: func(t *testing.T, env *Env) {
			p := pod("dup-volumes")
			p.Spec.Volumes = []corev1.Volume{emptyDir("conf"), emptyDir("conf")}
			_, err := create(t, env, p)
			requireError(t, err, invalid, `spec.volumes[1].name: Duplicate value: "conf"`)
		}},
		{Name: "pod/mount-of-unknown-volume-rejected", Run: func(t *testing.T, env *Env) {
			p := pod("unknown-volume")
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "nope", MountPath: "/opt/flink/conf"}}
			_, err := create(t, env, p)
			requireError(t, err, invalid, `spec.containers[0].volumeMounts[0].name: Not found: "nope"`)
		}},
		{Name: "pod/duplicate-mount-paths-rejected", Run: func(t *testing.T, env *Env) {
			p := pod("dup-mounts")
			p.Spec.Volumes = []corev1.Volume{emptyDir("a"), emptyDir("b")}
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{
				{Name: "a", MountPath: "/data"},
				{Name: "b", MountPath: "/data"},
			}
			_, err := create(t, env, p)
			requireError(t, err, invalid, `spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique`)
		}},
		{Name: "pod/container-port-out-of-range-rejected", Run: func(t *testing.T, env *Env) {
			p := pod("bad-port")
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "rpc", ContainerPort: 70000}}
			_, err := create(t, env, p)
			requireError(t, err, invalid, "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive")
		}},
		{Name: "pod/default-toleration-seconds-added-unless-tolerated", Run: func(t *testing.T, env *Env) {
			// The DefaultTolerationSeconds admission plugin: 300 s for the not-ready and
			// unreachable NoExecute taints, unless the pod tolerates them already.
			got, err := create(t, env, pod("default-tolerations"))
			require.NoError(t, err)
			assert.Equal(t, []corev1.Toleration{
				{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))},
				{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))},
			}, got.Spec.Tolerations)
			own := pod("own-toleration")
			own.Spec.Tolerations = []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(10))}}
			got, err = create(t, env, own)
			require.NoError(t, err)
			assert.Equal(t, []corev1.Toleration{
				{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(10))},
				{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))},
			}, got.Spec.Tolerations)
		}},
		{Name: "pod/defaults-restartPolicy-dnsPolicy-and-grace-period", Run: func(t *testing.T, env *Env) {
			p := pod("defaults")
			p.Spec.SchedulerName = ""
			got, err := create(t, env, p)
			require.NoError(t, err)
			assert.Equal(t, corev1.RestartPolicyAlways, got.Spec.RestartPolicy)
			assert.Equal(t, corev1.DNSClusterFirst, got.Spec.DNSPolicy)
			assert.Equal(t, ptr(int64(corev1.DefaultTerminationGracePeriodSeconds)), got.Spec.TerminationGracePeriodSeconds)
			assert.Equal(t, corev1.DefaultSchedulerName, got.Spec.SchedulerName)
			assert.Equal(t, ptr(true), got.Spec.EnableServiceLinks)
			assert.NotNil(t, got.Spec.SecurityContext, "an empty pod securityContext is defaulted")
			c := got.Spec.Containers[0]
			assert.Equal(t, corev1.TerminationMessagePathDefault, c.TerminationMessagePath)
			assert.Equal(t, corev1.TerminationMessageReadFile, c.TerminationMessagePolicy)
		}},
		{Name: "pod/imagePullPolicy-defaults-by-tag", Run: func(t *testing.T, env *Env) {
			p := pod("pull")
			p.Spec.Containers = []corev1.Container{
				{Name: "tagged", Image: "flink:1.20"},
				{Name: "latest", Image: "flink:latest"},
				{Name: "untagged", Image: "flink"},
				{Name: "digest", Image: "flink@sha256:" + repeat("ab", 64)},
			}
			got, err := create(t, env, p)
			require.NoError(t, err)
			var policies []corev1.PullPolicy
			for _, c := range got.Spec.Containers {
				policies = append(policies, c.ImagePullPolicy)
			}
			assert.Equal(t, []corev1.PullPolicy{corev1.PullIfNotPresent, corev1.PullAlways, corev1.PullAlways, corev1.PullIfNotPresent}, policies)
		}},
		{Name: "pod/port-protocol-defaults-to-TCP", Run: func(t *testing.T, env *Env) {
			p := pod("ports")
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "rpc", ContainerPort: 6123}}
			got, err := create(t, env, p)
			require.NoError(t, err)
			assert.Equal(t, corev1.ProtocolTCP, got.Spec.Containers[0].Ports[0].Protocol)
		}},
		{Name: "pod/new-pod-is-Pending-with-generation-1", Run: func(t *testing.T, env *Env) {
			p := pod("fresh")
			p.Status.Phase = corev1.PodRunning // ignored: status is the kubelet's
			got, err := create(t, env, p)
			require.NoError(t, err)
			assert.Equal(t, corev1.PodPending, got.Status.Phase)
			assert.Equal(t, corev1.PodQOSBestEffort, got.Status.QOSClass)
			assert.Equal(t, int64(1), got.Generation)
		}},
		{Name: "pod/spec-is-immutable-except-image", Run: func(t *testing.T, env *Env) {
			pods := env.Client.CoreV1().Pods(env.Namespace)
			p, err := create(t, env, pod("frozen"))
			require.NoError(t, err)
			p.Spec.Containers[0].Image = "busybox:1.37"
			p, err = pods.Update(t.Context(), p, metav1.UpdateOptions{})
			require.NoError(t, err, "a container image may change")
			assert.Equal(t, int64(2), p.Generation, "a spec change bumps a pod's generation")

			p.Spec.Containers[0].Command = []string{"sleep", "1"}
			_, err = pods.Update(t.Context(), p, metav1.UpdateOptions{})
			requireError(t, err, invalid, "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`")
		}},
		{Name: "pod/name-must-be-dns1123-subdomain", Run: func(t *testing.T, env *Env) {
			_, err := create(t, env, pod("TaskManager_1"))
			requireError(t, err, invalid, `metadata.name: Invalid value: "TaskManager_1": a lowercase RFC 1123 subdomain must consist of`)
		}},
	}
}

func emptyDir(name string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
}
