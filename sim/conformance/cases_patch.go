package conformance

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// patchCases: JSON merge, strategic merge, JSON patch and server-side apply.
func patchCases() []Case {
	return []Case{
		{Name: "patch/json-merge-sets-and-removes-keys", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			_, err := cms.Create(t.Context(), configMap("merge", map[string]string{"keep": "1", "drop": "2"}), metav1.CreateOptions{})
			require.NoError(t, err)
			got, err := cms.Patch(t.Context(), "merge", types.MergePatchType,
				[]byte(`{"metadata":{"labels":{"new":"label"}},"data":{"drop":null,"add":"3"}}`), metav1.PatchOptions{})
			require.NoError(t, err)
			assert.Equal(t, map[string]string{"keep": "1", "add": "3"}, got.Data)
			assert.Equal(t, map[string]string{"new": "label"}, got.Labels)
		}},
		{Name: "patch/json-merge-replaces-lists-whole", Run: func(t *testing.T, env *Env) {
			ds := env.Client.AppsV1().Deployments(env.Namespace)
			d := deployment("merge-list")
			d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, corev1.Container{Name: "sidecar", Image: "busybox:1.36"})
			_, err := ds.Create(t.Context(), d, metav1.CreateOptions{})
			require.NoError(t, err)
			got, err := ds.Patch(t.Context(), d.Name, types.MergePatchType,
				[]byte(`{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"busybox:1.37"}]}}}}`), metav1.PatchOptions{})
			require.NoError(t, err)
			require.Len(t, got.Spec.Template.Spec.Containers, 1, "a merge patch replaces a list")
			assert.Equal(t, "busybox:1.37", got.Spec.Template.Spec.Containers[0].Image)
		}},
		{Name: "patch/strategic-merge-merges-containers-by-name", Run: func(t *testing.T, env *Env) {
			ds := env.Client.AppsV1().Deployments(env.Namespace)
			d := deployment("smp")
			d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, corev1.Container{Name: "sidecar", Image: "busybox:1.36"})
			_, err := ds.Create(t.Context(), d, metav1.CreateOptions{})
			require.NoError(t, err)
			got, err := ds.Patch(t.Context(), d.Name, types.StrategicMergePatchType,
				[]byte(`{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.37"}]}}}}`), metav1.PatchOptions{})
			require.NoError(t, err)
			require.Len(t, got.Spec.Template.Spec.Containers, 2, "containers merge by name")
			assert.Equal(t, "main", got.Spec.Template.Spec.Containers[0].Name)
			assert.Equal(t, "busybox:1.36", got.Spec.Template.Spec.Containers[0].Image)
			assert.Equal(t, "busybox:1.37", got.Spec.Template.Spec.Containers[1].Image)
		}},
		{Name: "patch/strategic-merge-delete-directive-removes-list-item", Run: func(t *testing.T, env *Env) {
			ds := env.Client.AppsV1().Deployments(env.Namespace)
			d := deployment("smp-delete")
			d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, corev1.Container{Name: "sidecar", Image: "busybox:1.36"})
			_, err := ds.Create(t.Context(), d, metav1.CreateOptions{})
			require.NoError(t, err)
			got, err := ds.Patch(t.Context(), d.Name, types.StrategicMergePatchType,
				[]byte(`{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}`), metav1.PatchOptions{})
			require.NoError(t, err)
			require.Len(t, got.Spec.Template.Spec.Containers, 1)
			assert.Equal(t, "main", got.Spec.Template.Spec.Containers[0].Name)
		}},
		{Name: "patch/json-patch-applies-operations-in-order", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			_, err := cms.Create(t.Context(), configMap("jsonpatch", map[string]string{"a": "1"}), metav1.CreateOptions{})
			require.NoError(t, err)
			got, err := cms.Patch(t.Context(), "jsonpatch", types.JSONPatchType, []byte(`[
				{"op":"test","path":"/data/a","value":"1"},
				{"op":"add","path":"/data/b","value":"2"},
				{"op":"replace","path":"/data/a","value":"10"},
				{"op":"remove","path":"/data/b"},
				{"op":"add","path":"/data/c","value":"3"}]`), metav1.PatchOptions{})
			require.NoError(t, err)
			assert.Equal(t, map[string]string{"a": "10", "c": "3"}, got.Data)
		}},
		{Name: "patch/json-patch-failing-test-op-is-rejected-and-changes-nothing", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			cm, err := cms.Create(t.Context(), configMap("jsonpatch-test", map[string]string{"a": "1"}), metav1.CreateOptions{})
			require.NoError(t, err)
			_, err = cms.Patch(t.Context(), cm.Name, types.JSONPatchType, []byte(`[
				{"op":"replace","path":"/data/a","value":"2"},
				{"op":"test","path":"/data/a","value":"1"}]`), metav1.PatchOptions{})
			// The real server gives no detail: not the failing path, not "test failed".
			requireError(t, err, invalid, "the server rejected our request due to an error in our request")
			got, err := cms.Get(t.Context(), cm.Name, metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, "1", got.Data["a"], "a patch applies all its operations or none")
			assert.Equal(t, cm.ResourceVersion, got.ResourceVersion)
		}},
		{Name: "patch/json-patch-remove-missing-path-is-rejected", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			_, err := cms.Create(t.Context(), configMap("jsonpatch-missing", map[string]string{"a": "1"}), metav1.CreateOptions{})
			require.NoError(t, err)
			_, err = cms.Patch(t.Context(), "jsonpatch-missing", types.JSONPatchType,
				[]byte(`[{"op":"remove","path":"/data/nope"}]`), metav1.PatchOptions{})
			requireError(t, err, invalid, "the server rejected our request due to an error in our request")
		}},
		{Name: "patch/malformed-patch-is-BadRequest", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			_, err := cms.Create(t.Context(), configMap("malformed", nil), metav1.CreateOptions{})
			require.NoError(t, err)
			_, err = cms.Patch(t.Context(), "malformed", types.MergePatchType, []byte(`{"data":`), metav1.PatchOptions{})
			requireError(t, err, badRequest, "invalid JSON patch")
		}},
		{Name: "patch/missing-object-is-NotFound", Run: func(t *testing.T, env *Env) {
			_, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Patch(t.Context(), "ghost", types.MergePatchType,
				[]byte(`{"data":{"k":"v"}}`), metav1.PatchOptions{})
			requireError(t, err, notFound, `configmaps "ghost" not found`)
		}},
		{Name: "patch/apply-creates-missing-object", Run: func(t *testing.T, env *Env) {
			cm, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Patch(t.Context(), "applied", types.ApplyYAMLPatchType,
				[]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"applied"},"data":{"k":"v"}}`),
				metav1.PatchOptions{FieldManager: "flink"})
			require.NoError(t, err)
			assert.Equal(t, "v", cm.Data["k"])
			assert.NotEmpty(t, cm.UID)
		}},
		{Name: "patch/apply-requires-fieldManager", Run: func(t *testing.T, env *Env) {
			_, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Patch(t.Context(), "applied", types.ApplyYAMLPatchType,
				[]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"applied"},"data":{"k":"v"}}`),
				metav1.PatchOptions{})
			requireError(t, err, invalid, `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`)
		}},
		{Name: "patch/apply-by-second-manager-conflicts", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			body := func(v string) []byte {
				return []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"owned"},"data":{"k":"` + v + `"}}`)
			}
			_, err := cms.Patch(t.Context(), "owned", types.ApplyYAMLPatchType, body("1"), metav1.PatchOptions{FieldManager: "first"})
			require.NoError(t, err)
			_, err = cms.Patch(t.Context(), "owned", types.ApplyYAMLPatchType, body("2"), metav1.PatchOptions{FieldManager: "second"})
			requireError(t, err, conflict, `Apply failed with 1 conflict: conflict with "first": .data.k`)

			got, err := cms.Patch(t.Context(), "owned", types.ApplyYAMLPatchType, body("2"),
				metav1.PatchOptions{FieldManager: "second", Force: ptr(true)})
			require.NoError(t, err, "force takes the field over")
			assert.Equal(t, "2", got.Data["k"])
		}},
	}
}
