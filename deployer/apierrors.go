package deployer

import (
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// explain wraps an error of the API server in words that say what was refused and
// what to do about it. The original error stays reachable with errors.Is/As.
func explain(err error, verb, resource, name, namespace string) error {
	what := fmt.Sprintf("%s %s %q in namespace %q", verb, resource, name, namespace)
	if name == "" {
		what = fmt.Sprintf("%s %s in namespace %q", verb, resource, namespace)
	}
	if namespace == "" {
		what = fmt.Sprintf("%s %s", verb, resource)
	}
	switch {
	case apierrors.IsForbidden(err):
		return fmt.Errorf("the Kubernetes API server does not allow the client to %s (RBAC); "+
			"give the identity of your kubeconfig context the rights to manage Deployments, Services, "+
			"ConfigMaps and Secrets there, e.g. bind the built-in \"edit\" ClusterRole to it in that namespace: %w",
			what, err)
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("the Kubernetes API server did not accept the client's credentials when trying to %s; "+
			"check the user of your kubeconfig context (kubernetes.config.file, kubernetes.context): %w", what, err)
	case apierrors.IsNotFound(err) && verb == "create" && isNamespaceNotFound(err):
		return fmt.Errorf("cannot %s: namespace %q does not exist; create it "+
			"(kubectl create namespace %s) or set kubernetes.namespace to an existing one: %w",
			what, namespace, namespace, err)
	case apierrors.IsInvalid(err):
		return fmt.Errorf("the Kubernetes API server rejected the request to %s as invalid; "+
			"check the configuration options and pod template that shape it: %w", what, err)
	case apierrors.IsTooManyRequests(err), apierrors.IsServerTimeout(err), apierrors.IsTimeout(err):
		return fmt.Errorf("the Kubernetes API server was too busy to %s; try again later: %w", what, err)
	default:
		return fmt.Errorf("could not %s: %w", what, err)
	}
}

func isNamespaceNotFound(err error) bool {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return false
	}
	d := status.Status().Details
	return d != nil && d.Kind == "namespaces"
}

// definitelyNotCreated reports whether a failed create certainly left nothing behind:
// the API server refused the request with a client error (4xx: forbidden, invalid,
// throttled, ...), so nothing was stored. Anything else (a timeout, a 5xx, a lost
// connection) may have been committed.
func definitelyNotCreated(err error) bool {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return false
	}
	code := status.Status().Code
	return status.Status().Status == metav1.StatusFailure && code >= 400 && code < 500 && code != 408
}
