package conformance

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxDataSize is the limit on the summed size of a ConfigMap's or Secret's values.
const maxDataSize = 1 << 20

// configMapCases: ConfigMap keys, size and immutability.
func configMapCases() []Case {
	return []Case{
		{Name: "configmap/immutable-data-cannot-change", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			in := configMap("frozen", map[string]string{"k": "1"})
			in.Immutable = ptr(true)
			cm, err := cms.Create(t.Context(), in, metav1.CreateOptions{})
			require.NoError(t, err)
			cm.Data["k"] = "2"
			_, err = cms.Update(t.Context(), cm, metav1.UpdateOptions{})
			requireError(t, err, invalid, `ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `+"`immutable`"+` is set`)
		}},
		{Name: "configmap/immutable-cannot-be-unset-but-metadata-can-change", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			in := configMap("frozen-flag", map[string]string{"k": "1"})
			in.Immutable = ptr(true)
			cm, err := cms.Create(t.Context(), in, metav1.CreateOptions{})
			require.NoError(t, err)
			cm.Labels = map[string]string{"still": "editable"}
			cm, err = cms.Update(t.Context(), cm, metav1.UpdateOptions{})
			require.NoError(t, err, "metadata of an immutable ConfigMap may change")
			cm.Immutable = ptr(false)
			_, err = cms.Update(t.Context(), cm, metav1.UpdateOptions{})
			requireError(t, err, invalid, "immutable: Forbidden: field is immutable when `immutable` is set")
		}},
		{Name: "configmap/data-key-must-be-valid", Run: func(t *testing.T, env *Env) {
			_, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(t.Context(),
				configMap("bad-key", map[string]string{"flink conf.yaml": "x"}), metav1.CreateOptions{})
			requireError(t, err, invalid,
				`data[flink conf.yaml]: Invalid value: "flink conf.yaml": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`)
		}},
		{Name: "configmap/key-in-data-and-binaryData-rejected", Run: func(t *testing.T, env *Env) {
			in := configMap("both", map[string]string{"k": "text"})
			in.BinaryData = map[string][]byte{"k": {0xff}}
			_, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(t.Context(), in, metav1.CreateOptions{})
			requireError(t, err, invalid, `data[k]: Invalid value: "k": duplicate of key present in binaryData`)
		}},
		{Name: "configmap/larger-than-1MiB-rejected", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			_, err := cms.Create(t.Context(), configMap("at-limit", map[string]string{
				"a": repeat("x", maxDataSize/2), "b": repeat("y", maxDataSize/2),
			}), metav1.CreateOptions{})
			require.NoError(t, err, "exactly 1 MiB of values is allowed")
			_, err = cms.Create(t.Context(), configMap("over-limit", map[string]string{
				"a": repeat("x", maxDataSize/2), "b": repeat("y", maxDataSize/2+1),
			}), metav1.CreateOptions{})
			requireError(t, err, invalid, `ConfigMap "over-limit" is invalid: []: Too long: may not be more than 1048576 bytes`)
		}},
	}
}

// secretCases: Secret defaulting, stringData, size and immutability.
func secretCases() []Case {
	return []Case{
		{Name: "secret/type-defaults-to-Opaque-and-is-immutable", Run: func(t *testing.T, env *Env) {
			secrets := env.Client.CoreV1().Secrets(env.Namespace)
			s, err := secrets.Create(t.Context(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "opaque"}}, metav1.CreateOptions{})
			require.NoError(t, err)
			assert.Equal(t, corev1.SecretTypeOpaque, s.Type)
			s.Type = "example.com/other"
			_, err = secrets.Update(t.Context(), s, metav1.UpdateOptions{})
			requireError(t, err, invalid, `type: Invalid value: "example.com/other": field is immutable`)
		}},
		{Name: "secret/stringData-is-merged-into-data", Run: func(t *testing.T, env *Env) {
			in := &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: "strings"},
				Data:       map[string][]byte{"a": []byte("from-data"), "b": []byte("from-data")},
				StringData: map[string]string{"b": "from-stringData"},
			}
			s, err := env.Client.CoreV1().Secrets(env.Namespace).Create(t.Context(), in, metav1.CreateOptions{})
			require.NoError(t, err)
			assert.Equal(t, map[string][]byte{"a": []byte("from-data"), "b": []byte("from-stringData")}, s.Data)
			assert.Empty(t, s.StringData, "stringData is write-only")
		}},
		{Name: "secret/immutable-data-cannot-change", Run: func(t *testing.T, env *Env) {
			secrets := env.Client.CoreV1().Secrets(env.Namespace)
			s, err := secrets.Create(t.Context(), &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: "sealed"},
				Data:       map[string][]byte{"k": []byte("1")},
				Immutable:  ptr(true),
			}, metav1.CreateOptions{})
			require.NoError(t, err)
			s.Data["k"] = []byte("2")
			_, err = secrets.Update(t.Context(), s, metav1.UpdateOptions{})
			requireError(t, err, invalid, "data: Forbidden: field is immutable when `immutable` is set")
		}},
		{Name: "secret/larger-than-1MiB-rejected", Run: func(t *testing.T, env *Env) {
			_, err := env.Client.CoreV1().Secrets(env.Namespace).Create(t.Context(), &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: "huge"},
				Data:       map[string][]byte{"blob": []byte(repeat("z", maxDataSize+1))},
			}, metav1.CreateOptions{})
			requireError(t, err, invalid, `Secret "huge" is invalid: data: Too long: may not be more than 1048576 bytes`)
		}},
		{Name: "secret/data-key-must-be-valid", Run: func(t *testing.T, env *Env) {
			_, err := env.Client.CoreV1().Secrets(env.Namespace).Create(t.Context(), &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: "bad-key"},
				Data:       map[string][]byte{"../escape": []byte("x")},
			}, metav1.CreateOptions{})
			requireError(t, err, invalid, `data[../escape]: Invalid value: "../escape": a valid config key must consist of alphanumeric characters`)
		}},
	}
}
