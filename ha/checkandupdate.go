package ha

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"flinksim/config"
)

// createConfigMapAttempts bounds CreateConfigMapIfNotExist, as Flink's
// KubernetesUtils.createConfigMapIfItDoesNotExist.
const createConfigMapAttempts = 10

// MaxRetriesFrom reads kubernetes.transactional-operation.max-retries.
func MaxRetriesFrom(conf *config.Configuration) (int, error) {
	n, err := config.Get(conf, config.KubernetesTransactionalOperationMaxRetries)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, fmt.Errorf("ha: %s is %d; it must not be negative", config.KubernetesTransactionalOperationMaxRetries.Key(), n)
	}
	return n, nil
}

// UpdateFunc changes a ConfigMap in place (Data is never nil) and reports whether
// it should be written. Returning false writes nothing.
type UpdateFunc func(cm *corev1.ConfigMap) (bool, error)

// CheckAndUpdateConfigMap is Flink's check-and-update (reference §5.6): GET the
// ConfigMap, apply update, and write the result conditional on the resourceVersion
// that was read. It returns whether it wrote.
//
//   - A missing ConfigMap fails at once with ErrConfigMapNotExist, never retried.
//   - A failed write is a *PossiblyInconsistentError around a *ClientError: the write
//     may have been applied (a lost response) or not (409 Conflict).
//   - Attempts are repeated immediately, up to maxRetries more times, while the
//     failure contains a *ClientError (an error of a Kubernetes request, which
//     includes a 409 on the write); errors of update itself are returned as they are.
//     When all attempts failed the result is a *RetriesExhaustedError around the
//     last failure.
//   - Once a write may have been applied, the outcome stays unknown until an attempt
//     settles it: if the attempts after it only fail with Kubernetes client errors (a
//     GET that fails, the caller's context ending), the result is a
//     *PossiblyInconsistentError too, even though the last failure was not a write.
//     Callers rely on this to keep the state a committed write may point at.
func CheckAndUpdateConfigMap(ctx context.Context, client kubernetes.Interface, namespace, name string, maxRetries int, update UpdateFunc) (bool, error) {
	var last error
	uncertain := false // an earlier attempt's write may have been applied
	for attempt := 0; attempt <= maxRetries; attempt++ {
		updated, err := checkAndUpdateOnce(ctx, client, namespace, name, update)
		if err == nil {
			return updated, nil
		}
		var pie *PossiblyInconsistentError
		if errors.As(err, &pie) {
			uncertain = true
		}
		var ce *ClientError
		if !errors.As(err, &ce) {
			return false, err
		}
		if ctx.Err() != nil {
			return false, stillUncertain(uncertain, err)
		}
		last = err
	}
	return false, stillUncertain(uncertain, &RetriesExhaustedError{Attempts: maxRetries + 1, Err: last})
}

// stillUncertain marks err as possibly inconsistent when an earlier write may have
// been applied and err does not say so already.
func stillUncertain(uncertain bool, err error) error {
	var pie *PossiblyInconsistentError
	if !uncertain || errors.As(err, &pie) {
		return err
	}
	return &PossiblyInconsistentError{Err: err}
}

func checkAndUpdateOnce(ctx context.Context, client kubernetes.Interface, namespace, name string, update UpdateFunc) (bool, error) {
	cms := client.CoreV1().ConfigMaps(namespace)
	cm, err := cms.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, fmt.Errorf("cannot check and update ConfigMap %s/%s because it does not exist: %w", namespace, name, ErrConfigMapNotExist)
	}
	if err != nil {
		return false, &ClientError{Op: "get", Namespace: namespace, Name: name, Err: err}
	}
	cm = cm.DeepCopy()
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	write, err := update(cm)
	if err != nil || !write {
		return false, err
	}
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		return false, &PossiblyInconsistentError{Err: &ClientError{Op: "update", Namespace: namespace, Name: name, Err: err}}
	}
	return true, nil
}

// CreateConfigMapIfNotExist creates an empty ConfigMap with the COMMON labels of
// clusterID (and no owner reference) unless it exists, trying up to 10 times. It is
// how job ConfigMaps come to be.
func CreateConfigMapIfNotExist(ctx context.Context, client kubernetes.Interface, namespace, name, clusterID string) error {
	cms := client.CoreV1().ConfigMaps(namespace)
	var last error
	for range createConfigMapAttempts {
		_, err := cms.Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			return nil
		}
		if !apierrors.IsNotFound(err) {
			return &ClientError{Op: "get", Namespace: namespace, Name: name, Err: err}
		}
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: Labels(clusterID)}}
		_, err = cms.Create(ctx, cm, metav1.CreateOptions{})
		if err == nil || apierrors.IsAlreadyExists(err) {
			return nil
		}
		last = &ClientError{Op: "create", Namespace: namespace, Name: name, Err: err}
		if ctx.Err() != nil {
			break
		}
	}
	return fmt.Errorf("ha: could not create ConfigMap %s/%s after %d attempts: %w", namespace, name, createConfigMapAttempts, last)
}

// deleteConfigMap deletes a ConfigMap; a missing one is not an error.
func deleteConfigMap(ctx context.Context, client kubernetes.Interface, namespace, name string) error {
	err := client.CoreV1().ConfigMaps(namespace).Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return &ClientError{Op: "delete", Namespace: namespace, Name: name, Err: err}
	}
	return nil
}
