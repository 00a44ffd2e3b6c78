package apiserver

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestGeneratedNamesAndUIDsDoNotDependOnRequestOrder: clients that race each other
// reach the server in any order; the names generated for each generateName, and the
// UIDs of each name, stay those of the seed.
func TestGeneratedNamesAndUIDsDoNotDependOnRequestOrder(t *testing.T) {
	create := func(seed int64, prefixes ...string) map[string][]string {
		s, err := New(Config{Seed: seed})
		require.NoError(t, err)
		cs := s.Clientset(AdminUser)
		_, err = cs.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{})
		require.NoError(t, err)
		got := map[string][]string{}
		for _, p := range prefixes {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: p, Namespace: "default"},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
			created, err := cs.CoreV1().Pods("default").Create(t.Context(), pod, metav1.CreateOptions{})
			require.NoError(t, err)
			got[p] = append(got[p], fmt.Sprintf("%s %s", created.Name, created.UID))
		}
		return got
	}
	one := create(7, "web-", "web-", "db-", "web-")
	other := create(7, "db-", "web-", "web-", "web-")
	assert.Equal(t, one, other, "the same seed in another request order")
	assert.Len(t, one["web-"], 3)
	assert.NotEqual(t, one["web-"][0], one["web-"][1], "each name from a prefix is new")
	assert.NotEqual(t, one, create(8, "web-", "web-", "db-", "web-"), "another seed")
}
