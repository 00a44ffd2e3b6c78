package conformance

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// metaCases: object metadata the server assigns (uid, timestamps, resourceVersion,
// generation, generateName) and the name and label rules it enforces.
func metaCases() []Case {
	return []Case{
		{Name: "create/assigns-uid-creationTimestamp-and-resourceVersion", Run: func(t *testing.T, env *Env) {
			cm, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(t.Context(), configMap("meta", nil), metav1.CreateOptions{})
			require.NoError(t, err)
			assert.NotEmpty(t, cm.UID, "uid")
			assert.False(t, cm.CreationTimestamp.IsZero(), "creationTimestamp")
			assert.NotEmpty(t, cm.ResourceVersion, "resourceVersion")
			assert.Nil(t, cm.DeletionTimestamp, "deletionTimestamp")

			got, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Get(t.Context(), "meta", metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, cm.UID, got.UID, "a get returns the uid the create returned")
			assert.Equal(t, cm.ResourceVersion, got.ResourceVersion)
		}},
		{Name: "create/ignores-client-supplied-uid-and-creationTimestamp", Run: func(t *testing.T, env *Env) {
			in := configMap("client-meta", nil)
			in.UID = "00000000-0000-0000-0000-000000000001"
			in.CreationTimestamp = metav1.Date(2001, 1, 1, 0, 0, 0, 0, metav1.Now().Location())
			cm, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(t.Context(), in, metav1.CreateOptions{})
			require.NoError(t, err)
			assert.NotEqual(t, in.UID, cm.UID)
			assert.NotEqual(t, 2001, cm.CreationTimestamp.Year())
		}},
		{Name: "create/client-supplied-resourceVersion-is-InternalError", Run: func(t *testing.T, env *Env) {
			// Not a 400: the storage layer refuses it and the server reports a 500.
			in := configMap("client-rv", nil)
			in.ResourceVersion = "12345"
			_, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(t.Context(), in, metav1.CreateOptions{})
			requireError(t, err, internalError, "resourceVersion should not be set on objects to be created")
		}},
		{Name: "update/resourceVersion-increases", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			cm, err := cms.Create(t.Context(), configMap("rv", map[string]string{"k": "1"}), metav1.CreateOptions{})
			require.NoError(t, err)
			before := resourceVersion(t, cm)
			cm.Data["k"] = "2"
			cm, err = cms.Update(t.Context(), cm, metav1.UpdateOptions{})
			require.NoError(t, err)
			assert.Greater(t, resourceVersion(t, cm), before)
		}},
		{Name: "update/no-op-update-keeps-resourceVersion", Run: func(t *testing.T, env *Env) {
			// The real server compares the new object with the stored one and skips the
			// write (and the watch event) when nothing changed.
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			cm, err := cms.Create(t.Context(), configMap("noop", map[string]string{"k": "1"}), metav1.CreateOptions{})
			require.NoError(t, err)
			again, err := cms.Update(t.Context(), cm.DeepCopy(), metav1.UpdateOptions{})
			require.NoError(t, err)
			assert.Equal(t, cm.ResourceVersion, again.ResourceVersion)
		}},
		{Name: "update/resourceVersion-is-cluster-wide", Run: func(t *testing.T, env *Env) {
			a, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(t.Context(), configMap("a", nil), metav1.CreateOptions{})
			require.NoError(t, err)
			b, err := env.Client.CoreV1().Secrets(env.Namespace).Create(t.Context(),
				&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "b"}}, metav1.CreateOptions{})
			require.NoError(t, err)
			assert.Greater(t, resourceVersion(t, b), resourceVersion(t, a),
				"a later write of another kind gets a larger resourceVersion")
		}},
		{Name: "meta/generation-starts-at-1-and-bumps-on-spec-change", Run: func(t *testing.T, env *Env) {
			ds := env.Client.AppsV1().Deployments(env.Namespace)
			d, err := ds.Create(t.Context(), deployment("gen"), metav1.CreateOptions{})
			require.NoError(t, err)
			assert.Equal(t, int64(1), d.Generation)
			d, err = writeDeployment(t, env, "gen", ds.Update, func(d *appsv1.Deployment) { d.Spec.Replicas = ptr(int32(3)) })
			require.NoError(t, err)
			assert.Equal(t, int64(2), d.Generation)
		}},
		{Name: "meta/generation-unchanged-on-label-change", Run: func(t *testing.T, env *Env) {
			ds := env.Client.AppsV1().Deployments(env.Namespace)
			_, err := ds.Create(t.Context(), deployment("gen-meta"), metav1.CreateOptions{})
			require.NoError(t, err)
			d, err := writeDeployment(t, env, "gen-meta", ds.Update, func(d *appsv1.Deployment) { d.Labels = map[string]string{"touched": "yes"} })
			require.NoError(t, err)
			assert.Equal(t, int64(1), d.Generation)
		}},
		{Name: "meta/deployment-annotation-change-bumps-generation", Run: func(t *testing.T, env *Env) {
			// Deployments are the exception: annotations are copied to ReplicaSets, so a
			// change of them counts like a spec change.
			ds := env.Client.AppsV1().Deployments(env.Namespace)
			_, err := ds.Create(t.Context(), deployment("gen-annotation"), metav1.CreateOptions{})
			require.NoError(t, err)
			d, err := writeDeployment(t, env, "gen-annotation", ds.Update, func(d *appsv1.Deployment) {
				d.Annotations = map[string]string{"note": "metadata only"}
			})
			require.NoError(t, err)
			assert.Equal(t, int64(2), d.Generation)
		}},
		{Name: "meta/generation-unchanged-on-status-update", Run: func(t *testing.T, env *Env) {
			ds := env.Client.AppsV1().Deployments(env.Namespace)
			_, err := ds.Create(t.Context(), deployment("gen-status"), metav1.CreateOptions{})
			require.NoError(t, err)
			d, err := writeDeployment(t, env, "gen-status", ds.UpdateStatus, func(d *appsv1.Deployment) {
				d.Status = appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 1}
			})
			require.NoError(t, err)
			assert.Equal(t, int64(1), d.Generation)
			assert.Equal(t, int32(1), d.Status.Replicas)
		}},
		{Name: "create/generateName-assigns-unique-suffix", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			seen := map[string]bool{}
			for range 5 {
				cm, err := cms.Create(t.Context(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "flink-"}}, metav1.CreateOptions{})
				require.NoError(t, err)
				assert.Regexp(t, `^flink-[a-z0-9]{5}$`, cm.Name, "prefix plus five random characters")
				assert.Equal(t, "flink-", cm.GenerateName, "generateName is kept")
				assert.False(t, seen[cm.Name], "generated name %q repeated", cm.Name)
				seen[cm.Name] = true
			}
		}},
		{Name: "create/generateName-ignored-when-name-set", Run: func(t *testing.T, env *Env) {
			in := configMap("explicit", nil)
			in.GenerateName = "prefix-"
			cm, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(t.Context(), in, metav1.CreateOptions{})
			require.NoError(t, err)
			assert.Equal(t, "explicit", cm.Name)
		}},
		{Name: "create/generateName-prefix-is-truncated-to-fit", Run: func(t *testing.T, env *Env) {
			// A prefix too long for name+suffix is cut so the generated name is 63
			// characters (the base is kept to 58 characters).
			prefix := repeat("g", 70)
			cm, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(t.Context(),
				&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix}}, metav1.CreateOptions{})
			require.NoError(t, err)
			assert.Len(t, cm.Name, 63)
			assert.True(t, strings.HasPrefix(cm.Name, prefix[:58]), "name %q", cm.Name)
		}},
		{Name: "create/name-or-generateName-required", Run: func(t *testing.T, env *Env) {
			_, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(t.Context(), &corev1.ConfigMap{}, metav1.CreateOptions{})
			requireError(t, err, invalid, "metadata.name: Required value: name or generateName is required")
		}},
		{Name: "create/duplicate-name-is-AlreadyExists", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			_, err := cms.Create(t.Context(), configMap("twice", nil), metav1.CreateOptions{})
			require.NoError(t, err)
			_, err = cms.Create(t.Context(), configMap("twice", nil), metav1.CreateOptions{})
			requireError(t, err, alreadyExists, `configmaps "twice" already exists`)
		}},
		{Name: "validation/name-must-be-dns1123-subdomain", Run: func(t *testing.T, env *Env) {
			_, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(t.Context(), configMap("Bad_Name", nil), metav1.CreateOptions{})
			requireError(t, err, invalid,
				`metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`)
		}},
		{Name: "validation/name-longer-than-253-rejected", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			_, err := cms.Create(t.Context(), configMap(repeat("a", 253), nil), metav1.CreateOptions{})
			require.NoError(t, err, "253 characters is the limit")
			_, err = cms.Create(t.Context(), configMap(repeat("b", 254), nil), metav1.CreateOptions{})
			requireError(t, err, invalid, "metadata.name: Invalid value:", "must be no more than 253 characters")
		}},
		{Name: "validation/dotted-name-allowed-for-configmaps-not-services", Run: func(t *testing.T, env *Env) {
			_, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(t.Context(), configMap("flink.conf", nil), metav1.CreateOptions{})
			require.NoError(t, err, "a DNS-1123 subdomain may contain dots")
			_, err = env.Client.CoreV1().Services(env.Namespace).Create(t.Context(), service("flink.rest"), metav1.CreateOptions{})
			requireError(t, err, invalid, `Service "flink.rest" is invalid: metadata.name: Invalid value: "flink.rest": must not contain dots`)
		}},
		{Name: "validation/service-name-must-be-dns1123-label", Run: func(t *testing.T, env *Env) {
			_, err := env.Client.CoreV1().Services(env.Namespace).Create(t.Context(), service("Flink_Rest"), metav1.CreateOptions{})
			requireError(t, err, invalid,
				`metadata.name: Invalid value: "Flink_Rest": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`)
		}},
		{Name: "validation/service-name-may-start-with-digit", Run: func(t *testing.T, env *Env) {
			// Since RelaxedServiceNameValidation (on in v1.37) Service names are DNS-1123
			// labels, no longer DNS-1035 labels.
			_, err := env.Client.CoreV1().Services(env.Namespace).Create(t.Context(), service("1rest"), metav1.CreateOptions{})
			require.NoError(t, err)
			_, err = env.Client.CoreV1().Services(env.Namespace).Create(t.Context(), service(repeat("s", 64)), metav1.CreateOptions{})
			requireError(t, err, invalid, `metadata.name: Invalid value: "`+repeat("s", 64)+`": must be no more than 63 characters`)
		}},
		{Name: "validation/namespace-name-must-be-dns1123-label", Run: func(t *testing.T, env *Env) {
			nss := env.Client.CoreV1().Namespaces()
			_, err := nss.Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "flink.ns"}}, metav1.CreateOptions{})
			requireError(t, err, invalid, `Namespace "flink.ns" is invalid: metadata.name: Invalid value: "flink.ns": must not contain dots`)
			_, err = nss.Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "Flink"}}, metav1.CreateOptions{})
			requireError(t, err, invalid,
				`metadata.name: Invalid value: "Flink": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`)
		}},
		{Name: "validation/label-value-longer-than-63-rejected", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			ok := configMap("label-63", nil)
			ok.Labels = map[string]string{"v": repeat("x", validation.LabelValueMaxLength)}
			_, err := cms.Create(t.Context(), ok, metav1.CreateOptions{})
			require.NoError(t, err, "63 characters is the limit")

			long := configMap("label-64", nil)
			long.Labels = map[string]string{"v": repeat("x", 64)}
			_, err = cms.Create(t.Context(), long, metav1.CreateOptions{})
			requireError(t, err, invalid, "metadata.labels: Invalid value: \""+repeat("x", 64)+"\": must be no more than 63 bytes")
		}},
		{Name: "validation/label-key-must-be-qualified-name", Run: func(t *testing.T, env *Env) {
			in := configMap("label-key", nil)
			in.Labels = map[string]string{"bad key": "v"}
			_, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(t.Context(), in, metav1.CreateOptions{})
			requireError(t, err, invalid, `metadata.labels: Invalid value: "bad key": name part must consist of alphanumeric characters`)
		}},
		{Name: "create/cluster-scoped-object-drops-namespace", Run: func(t *testing.T, env *Env) {
			in := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{GenerateName: "conformance-", Namespace: env.Namespace}}
			cr, err := env.Client.RbacV1().ClusterRoles().Create(t.Context(), in, metav1.CreateOptions{})
			require.NoError(t, err)
			t.Cleanup(func() {
				_ = env.Client.RbacV1().ClusterRoles().Delete(context.Background(), cr.Name, metav1.DeleteOptions{})
			})
			assert.Empty(t, cr.Namespace)
		}},
		{Name: "get/missing-object-is-NotFound", Run: func(t *testing.T, env *Env) {
			_, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Get(t.Context(), "absent", metav1.GetOptions{})
			requireError(t, err, notFound, `configmaps "absent" not found`)
		}},
	}
}
