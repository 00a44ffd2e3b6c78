package deployer

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestExplain(t *testing.T) {
	gr := schema.GroupResource{Group: "apps", Resource: "deployments"}
	cases := []struct {
		name    string
		err     error
		want    []string
		created bool // whether the create may have been committed
	}{
		{"forbidden", apierrors.NewForbidden(gr, "c", errors.New("no")), []string{"RBAC", `"edit" ClusterRole`}, false},
		{"unauthorized", apierrors.NewUnauthorized("bad token"), []string{"credentials", "kubernetes.context"}, false},
		{"namespace missing", apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "test"), []string{`namespace "test" does not exist`}, false},
		{"invalid", apierrors.NewInvalid(schema.GroupKind{Group: "apps", Kind: "Deployment"}, "c", nil), []string{"invalid", "pod template"}, false},
		{"throttled", apierrors.NewTooManyRequests("slow down", 1), []string{"too busy", "try again"}, false},
		{"server timeout", apierrors.NewTimeoutError("took too long", 1), []string{"too busy"}, true},
		{"internal error", apierrors.NewInternalError(errors.New("etcd")), []string{"could not create"}, true},
		{"not an API error", serverError, []string{"could not create", "connection reset"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := explain(tc.err, "create", "Deployment", "c", "test")
			require.True(t, errors.Is(err, tc.err), "wrapped with %%w")
			containsAll(t, err.Error(), tc.want...)
			require.Equal(t, !tc.created, definitelyNotCreated(tc.err))
		})
	}
}
