package conformance

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// deploymentCases: Deployment validation, defaulting and the scale subresource.
func deploymentCases() []Case {
	return []Case{
		{Name: "deployment/selector-required", Run: func(t *testing.T, env *Env) {
			d := deployment("no-selector")
			d.Spec.Selector = nil
			_, err := env.Client.AppsV1().Deployments(env.Namespace).Create(t.Context(), d, metav1.CreateOptions{})
			requireError(t, err, invalid, `Deployment.apps "no-selector" is invalid`, "spec.selector: Required value")
		}},
		{Name: "deployment/empty-selector-rejected", Run: func(t *testing.T, env *Env) {
			d := deployment("empty-selector")
			d.Spec.Selector = &metav1.LabelSelector{}
			_, err := env.Client.AppsV1().Deployments(env.Namespace).Create(t.Context(), d, metav1.CreateOptions{})
			requireError(t, err, invalid, "spec.selector: Invalid value:", "empty selector is invalid for deployment")
		}},
		{Name: "deployment/selector-must-match-template-labels", Run: func(t *testing.T, env *Env) {
			d := deployment("mismatch")
			d.Spec.Template.Labels = map[string]string{"app": "other"}
			_, err := env.Client.AppsV1().Deployments(env.Namespace).Create(t.Context(), d, metav1.CreateOptions{})
			requireError(t, err, invalid,
				`spec.template.metadata.labels: Invalid value: {"app":"other"}: `+"`selector` does not match template `labels`")
		}},
		{Name: "deployment/selector-is-immutable", Run: func(t *testing.T, env *Env) {
			ds := env.Client.AppsV1().Deployments(env.Namespace)
			_, err := ds.Create(t.Context(), deployment("pinned"), metav1.CreateOptions{})
			require.NoError(t, err)
			_, err = writeDeployment(t, env, "pinned", ds.Update, func(d *appsv1.Deployment) {
				d.Spec.Selector.MatchLabels["extra"] = "x"
				d.Spec.Template.Labels["extra"] = "x"
			})
			requireError(t, err, invalid, "spec.selector: Invalid value:", "field is immutable")
		}},
		{Name: "deployment/template-needs-a-valid-pod-spec", Run: func(t *testing.T, env *Env) {
			d := deployment("bad-template")
			d.Spec.Template.Spec.Containers[0].Image = ""
			_, err := env.Client.AppsV1().Deployments(env.Namespace).Create(t.Context(), d, metav1.CreateOptions{})
			requireError(t, err, invalid, "spec.template.spec.containers[0].image: Required value")
		}},
		{Name: "deployment/defaults", Run: func(t *testing.T, env *Env) {
			d, err := env.Client.AppsV1().Deployments(env.Namespace).Create(t.Context(), deployment("defaults"), metav1.CreateOptions{})
			require.NoError(t, err)
			assert.Equal(t, ptr(int32(1)), d.Spec.Replicas)
			assert.Equal(t, appsv1.RollingUpdateDeploymentStrategyType, d.Spec.Strategy.Type)
			if assert.NotNil(t, d.Spec.Strategy.RollingUpdate) {
				quarter := intstr.FromString("25%")
				assert.Equal(t, &quarter, d.Spec.Strategy.RollingUpdate.MaxSurge)
				assert.Equal(t, &quarter, d.Spec.Strategy.RollingUpdate.MaxUnavailable)
			}
			assert.Equal(t, ptr(int32(10)), d.Spec.RevisionHistoryLimit)
			assert.Equal(t, ptr(int32(600)), d.Spec.ProgressDeadlineSeconds)
			assert.Equal(t, "Always", string(d.Spec.Template.Spec.RestartPolicy), "the pod template is defaulted like a pod")
		}},
		{Name: "deployment/scale-subresource-reads-and-sets-replicas", Run: func(t *testing.T, env *Env) {
			ds := env.Client.AppsV1().Deployments(env.Namespace)
			_, err := ds.Create(t.Context(), deployment("scaled"), metav1.CreateOptions{})
			require.NoError(t, err)
			s, err := ds.GetScale(t.Context(), "scaled", metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, int32(1), s.Spec.Replicas)
			assert.Equal(t, "app=scaled", s.Status.Selector)
			_, err = ds.UpdateScale(t.Context(), "scaled", &autoscalingv1.Scale{
				ObjectMeta: metav1.ObjectMeta{Name: "scaled", Namespace: env.Namespace},
				Spec:       autoscalingv1.ScaleSpec{Replicas: 3},
			}, metav1.UpdateOptions{})
			require.NoError(t, err)
			d, err := ds.Get(t.Context(), "scaled", metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, ptr(int32(3)), d.Spec.Replicas)
			assert.Equal(t, int64(2), d.Generation)
		}},
		{Name: "deployment/status-update-ignores-spec-and-labels", Run: func(t *testing.T, env *Env) {
			// Unlike pods/status, deployments/status keeps the stored labels.
			ds := env.Client.AppsV1().Deployments(env.Namespace)
			_, err := ds.Create(t.Context(), deployment("status"), metav1.CreateOptions{})
			require.NoError(t, err)
			got, err := writeDeployment(t, env, "status", ds.UpdateStatus, func(d *appsv1.Deployment) {
				d.Spec.Replicas = ptr(int32(5))
				d.Labels = map[string]string{"via": "status"}
				d.Status.Replicas = 17 // no controller would write this: 1 replica is wanted
			})
			require.NoError(t, err)
			assert.Equal(t, int32(17), got.Status.Replicas)
			assert.Equal(t, ptr(int32(1)), got.Spec.Replicas)
			assert.Empty(t, got.Labels)
		}},
		{Name: "deployment/negative-replicas-rejected", Run: func(t *testing.T, env *Env) {
			d := deployment("negative")
			d.Spec.Replicas = ptr(int32(-1))
			_, err := env.Client.AppsV1().Deployments(env.Namespace).Create(t.Context(), d, metav1.CreateOptions{})
			requireError(t, err, invalid, "spec.replicas: Invalid value: -1: must be greater than or equal to 0")
		}},
	}
}

// writeDeployment reads Deployment name, changes it and writes it with write (Update or
// UpdateStatus), again while the write conflicts: the Deployment controller, which runs
// against every backend, writes the Deployment's status behind the case's back.
func writeDeployment(t *testing.T, env *Env, name string,
	write func(context.Context, *appsv1.Deployment, metav1.UpdateOptions) (*appsv1.Deployment, error),
	change func(*appsv1.Deployment)) (*appsv1.Deployment, error) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		d, err := env.Client.AppsV1().Deployments(env.Namespace).Get(t.Context(), name, metav1.GetOptions{})
		require.NoError(t, err)
		change(d)
		got, err := write(t.Context(), d, metav1.UpdateOptions{})
		if !apierrors.IsConflict(err) || attempt == 10 {
			return got, err
		}
	}
}
