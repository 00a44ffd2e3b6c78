package conformance

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// listCases: label selectors (every operator), field selectors per kind, paging.
func listCases() []Case {
	return []Case{
		{Name: "list/label-selector-equality-and-inequality", Run: func(t *testing.T, env *Env) {
			createLabelledPods(t, env)
			assertPodSelection(t, env, "tier=jm", "jm-1", "jm-2")
			assertPodSelection(t, env, "tier==tm", "tm-1")
			// != also selects objects without the label.
			assertPodSelection(t, env, "tier!=jm", "bare", "tm-1")
		}},
		{Name: "list/label-selector-set-based", Run: func(t *testing.T, env *Env) {
			createLabelledPods(t, env)
			assertPodSelection(t, env, "tier in (jm,tm)", "jm-1", "jm-2", "tm-1")
			// notin also selects objects without the label.
			assertPodSelection(t, env, "tier notin (jm)", "bare", "tm-1")
		}},
		{Name: "list/label-selector-exists-and-does-not-exist", Run: func(t *testing.T, env *Env) {
			createLabelledPods(t, env)
			assertPodSelection(t, env, "leader", "jm-1")
			assertPodSelection(t, env, "!tier", "bare")
		}},
		{Name: "list/label-selector-requirements-are-ANDed", Run: func(t *testing.T, env *Env) {
			createLabelledPods(t, env)
			assertPodSelection(t, env, "tier=jm,!leader", "jm-2")
			assertPodSelection(t, env, "tier in (jm,tm),leader", "jm-1")
			assertPodSelection(t, env, "tier=tm,leader")
		}},
		{Name: "list/label-selector-malformed-is-BadRequest", Run: func(t *testing.T, env *Env) {
			_, err := env.Client.CoreV1().Pods(env.Namespace).List(t.Context(), metav1.ListOptions{LabelSelector: "tier in jm"})
			requireError(t, err, badRequest, "unable to parse requirement: found 'jm' expected: '('")
		}},
		{Name: "list/field-selector-pods-metadata.name", Run: func(t *testing.T, env *Env) {
			createLabelledPods(t, env)
			assertPodFieldSelection(t, env, "metadata.name=tm-1", "tm-1")
			assertPodFieldSelection(t, env, "metadata.name!=tm-1", "bare", "jm-1", "jm-2")
		}},
		{Name: "list/field-selector-pods-spec.nodeName", Run: func(t *testing.T, env *Env) {
			pods := env.Client.CoreV1().Pods(env.Namespace)
			for name, node := range map[string]string{"on-a": absentNode(env, "a"), "on-b": absentNode(env, "b"), "unscheduled": ""} {
				p := pod(name)
				p.Spec.NodeName = node
				_, err := pods.Create(t.Context(), p, metav1.CreateOptions{})
				require.NoError(t, err)
			}
			assertPodFieldSelection(t, env, "spec.nodeName="+absentNode(env, "a"), "on-a")
			assertPodFieldSelection(t, env, "spec.nodeName=", "unscheduled")
			assertPodFieldSelection(t, env, "spec.nodeName!=", "on-a", "on-b")
		}},
		{Name: "list/field-selector-pods-status.phase", Run: func(t *testing.T, env *Env) {
			pods := env.Client.CoreV1().Pods(env.Namespace)
			for name, phase := range map[string]corev1.PodPhase{"running": corev1.PodRunning, "failed": corev1.PodFailed} {
				p, err := pods.Create(t.Context(), pod(name), metav1.CreateOptions{})
				require.NoError(t, err)
				p.Status.Phase = phase
				_, err = pods.UpdateStatus(t.Context(), p, metav1.UpdateOptions{})
				require.NoError(t, err)
			}
			_, err := pods.Create(t.Context(), pod("pending"), metav1.CreateOptions{})
			require.NoError(t, err)
			assertPodFieldSelection(t, env, "status.phase=Running", "running")
			assertPodFieldSelection(t, env, "status.phase=Pending", "pending") // a new pod's phase is Pending
			assertPodFieldSelection(t, env, "status.phase!=Running,status.phase!=Failed", "pending")
		}},
		{Name: "list/field-selector-unsupported-field-is-BadRequest", Run: func(t *testing.T, env *Env) {
			_, err := env.Client.CoreV1().Pods(env.Namespace).List(t.Context(), metav1.ListOptions{FieldSelector: "spec.containers.image=busybox"})
			requireError(t, err, badRequest, `field label not supported: spec.containers.image`)
		}},
		{Name: "list/field-selector-malformed-is-BadRequest", Run: func(t *testing.T, env *Env) {
			_, err := env.Client.CoreV1().Pods(env.Namespace).List(t.Context(), metav1.ListOptions{FieldSelector: "spec.nodeName"})
			requireError(t, err, badRequest, `invalid selector: 'spec.nodeName'; can't understand 'spec.nodeName'`)
		}},
		{Name: "list/field-selector-secrets-type", Run: func(t *testing.T, env *Env) {
			secrets := env.Client.CoreV1().Secrets(env.Namespace)
			for name, typ := range map[string]corev1.SecretType{"opaque": corev1.SecretTypeOpaque, "custom": "flink.apache.org/token"} {
				_, err := secrets.Create(t.Context(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name}, Type: typ}, metav1.CreateOptions{})
				require.NoError(t, err)
			}
			l, err := secrets.List(t.Context(), metav1.ListOptions{FieldSelector: "type=flink.apache.org/token"})
			require.NoError(t, err)
			assert.Equal(t, []string{"custom"}, names(l.Items, func(s *corev1.Secret) string { return s.Name }))
			_, err = secrets.List(t.Context(), metav1.ListOptions{FieldSelector: "data.k=v"})
			requireError(t, err, badRequest, `field label not supported: data.k`)
		}},
		{Name: "list/field-selector-configmaps-and-deployments-support-only-metadata", Run: func(t *testing.T, env *Env) {
			_, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(t.Context(), configMap("fs", nil), metav1.CreateOptions{})
			require.NoError(t, err)
			l, err := env.Client.CoreV1().ConfigMaps(env.Namespace).List(t.Context(), metav1.ListOptions{FieldSelector: "metadata.name=fs"})
			require.NoError(t, err)
			assert.Equal(t, []string{"fs"}, configMapNames(l))
			_, err = env.Client.CoreV1().ConfigMaps(env.Namespace).List(t.Context(), metav1.ListOptions{FieldSelector: "data.k=v"})
			// Kinds without field selectors of their own word the rejection differently.
			requireError(t, err, badRequest, `"data.k" is not a known field selector: only "metadata.name", "metadata.namespace"`)
			_, err = env.Client.AppsV1().Deployments(env.Namespace).List(t.Context(), metav1.ListOptions{FieldSelector: "spec.replicas=1"})
			requireError(t, err, badRequest, `"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"`)
		}},
		{Name: "list/field-selector-metadata.namespace-across-namespaces", Run: func(t *testing.T, env *Env) {
			_, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(t.Context(), configMap("here", nil), metav1.CreateOptions{})
			require.NoError(t, err)
			l, err := env.Client.CoreV1().ConfigMaps(metav1.NamespaceAll).List(t.Context(), metav1.ListOptions{FieldSelector: "metadata.namespace=" + env.Namespace})
			require.NoError(t, err)
			assert.Equal(t, []string{"here"}, configMapNames(l))
		}},
		{Name: "list/limit-and-continue-page-through-everything", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			var want []string
			for _, n := range []string{"p0", "p1", "p2", "p3", "p4", "p5", "p6"} {
				_, err := cms.Create(t.Context(), configMap(n, nil), metav1.CreateOptions{})
				require.NoError(t, err)
				want = append(want, n)
			}
			var got []string
			opts := metav1.ListOptions{Limit: 3}
			pages := 0
			for {
				l, err := cms.List(t.Context(), opts)
				require.NoError(t, err)
				pages++
				require.LessOrEqual(t, len(l.Items), 3)
				got = append(got, configMapNames(l)...)
				if l.Continue == "" {
					assert.Nil(t, l.RemainingItemCount, "the last page has no remaining count")
					break
				}
				require.NotNil(t, l.RemainingItemCount)
				assert.Equal(t, int64(len(want)-len(got)), *l.RemainingItemCount)
				opts.Continue = l.Continue
			}
			assert.Equal(t, 3, pages)
			assert.Equal(t, want, got, "pages come in name order and never repeat")
		}},
		{Name: "list/results-are-sorted-by-name", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			for _, n := range []string{"zeta", "alpha", "mid"} {
				_, err := cms.Create(t.Context(), configMap(n, nil), metav1.CreateOptions{})
				require.NoError(t, err)
			}
			l, err := cms.List(t.Context(), metav1.ListOptions{})
			require.NoError(t, err)
			assert.Equal(t, []string{"alpha", "mid", "zeta"}, configMapNames(l))
		}},
		{Name: "list/resourceVersion-is-at-least-every-item", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			cm, err := cms.Create(t.Context(), configMap("rv-list", nil), metav1.CreateOptions{})
			require.NoError(t, err)
			l, err := cms.List(t.Context(), metav1.ListOptions{})
			require.NoError(t, err)
			assert.GreaterOrEqual(t, resourceVersion(t, l), resourceVersion(t, cm))
		}},
	}
}

// createLabelledPods creates jm-1 {tier=jm, leader}, jm-2 {tier=jm}, tm-1 {tier=tm} and
// bare {} in env.Namespace.
func createLabelledPods(t *testing.T, env *Env) {
	t.Helper()
	for name, labels := range map[string]map[string]string{
		"jm-1": {"tier": "jm", "leader": ""},
		"jm-2": {"tier": "jm"},
		"tm-1": {"tier": "tm"},
		"bare": nil,
	} {
		_, err := env.Client.CoreV1().Pods(env.Namespace).Create(t.Context(), podWithLabels(name, labels), metav1.CreateOptions{})
		require.NoError(t, err)
	}
}

func assertPodSelection(t *testing.T, env *Env, selector string, want ...string) {
	t.Helper()
	l, err := env.Client.CoreV1().Pods(env.Namespace).List(t.Context(), metav1.ListOptions{LabelSelector: selector})
	require.NoError(t, err, "label selector %q", selector)
	assert.Equal(t, orEmpty(want), podNames(l), "label selector %q", selector)
}

func assertPodFieldSelection(t *testing.T, env *Env, selector string, want ...string) {
	t.Helper()
	l, err := env.Client.CoreV1().Pods(env.Namespace).List(t.Context(), metav1.ListOptions{FieldSelector: selector})
	require.NoError(t, err, "field selector %q", selector)
	assert.Equal(t, orEmpty(want), podNames(l), "field selector %q", selector)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
