package conformance

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// errorKind is a class of API error as apierrors classifies it.
type errorKind struct {
	name string
	is   func(error) bool
}

var (
	invalid       = errorKind{"Invalid (422)", apierrors.IsInvalid}
	conflict      = errorKind{"Conflict (409)", apierrors.IsConflict}
	notFound      = errorKind{"NotFound (404)", apierrors.IsNotFound}
	alreadyExists = errorKind{"AlreadyExists (409)", apierrors.IsAlreadyExists}
	badRequest    = errorKind{"BadRequest (400)", apierrors.IsBadRequest}
	forbidden     = errorKind{"Forbidden (403)", apierrors.IsForbidden}
	internalError = errorKind{"InternalError (500)", apierrors.IsInternalError}
	expired       = errorKind{"Expired or Gone (410)", func(err error) bool {
		return apierrors.IsResourceExpired(err) || apierrors.IsGone(err)
	}}
)

// requireError fails t unless err is of the given kind and its message contains every
// fragment, worded as the real server words it.
func requireError(t testing.TB, err error, kind errorKind, fragments ...string) {
	t.Helper()
	require.Error(t, err, "want a %s error", kind.name)
	require.Truef(t, kind.is(err), "want a %s error, got %s: %v", kind.name, describeError(err), err)
	for _, f := range fragments {
		require.Containsf(t, err.Error(), f, "error message of the %s error", kind.name)
	}
}

// describeError names the HTTP code and reason of an API error.
func describeError(err error) string {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return "a non-API error"
	}
	st := status.Status()
	return "code " + strconv.Itoa(int(st.Code)) + " reason " + string(st.Reason)
}

// waitTimeout bounds every wait of the suite: long enough for a loaded real server,
// instant in simulated time.
const waitTimeout = 30 * time.Second

// resourceVersion returns obj's resourceVersion as a number. Clients must treat
// resourceVersions as opaque strings; the suite compares them only where the issue
// requires a monotonic cluster-wide counter, which both backends provide.
func resourceVersion(t testing.TB, obj runtime.Object) uint64 {
	t.Helper()
	var rv string
	if meta.IsListType(obj) {
		l, err := meta.ListAccessor(obj)
		require.NoError(t, err)
		rv = l.GetResourceVersion()
	} else {
		m, err := meta.Accessor(obj)
		require.NoError(t, err)
		rv = m.GetResourceVersion()
	}
	v, err := strconv.ParseUint(rv, 10, 64)
	require.NoErrorf(t, err, "resourceVersion %q is not a number", rv)
	return v
}

// nextEvent returns the next event of w, failing t when none arrives within waitTimeout or
// the stream ends.
func nextEvent(t testing.TB, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		require.True(t, ok, "watch closed before the next event")
		return ev
	case <-time.After(waitTimeout):
		require.FailNow(t, "no watch event within "+waitTimeout.String())
		return watch.Event{}
	}
}

// eventSummary is "TYPE name" for an event about an object, or the error status for
// watch.Error events.
func eventSummary(ev watch.Event) string {
	if ev.Type == watch.Error {
		if st, ok := ev.Object.(*metav1.Status); ok {
			return "ERROR " + strconv.Itoa(int(st.Code)) + " " + string(st.Reason) + ": " + st.Message
		}
		return "ERROR"
	}
	m, err := meta.Accessor(ev.Object)
	if err != nil {
		return string(ev.Type) + " ?"
	}
	return string(ev.Type) + " " + m.GetName()
}

// --- fixtures ---------------------------------------------------------------------------

func configMap(name string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: data}
}

// unservedScheduler is a scheduler name no scheduler serves. Controllers run against
// every backend, in real time on envtest: a pod of this scheduler is not bound behind
// the case's back, so it stays as the case leaves it (unless the case binds it).
const unservedScheduler = "conformance-no-scheduler"

// pod returns a minimal valid pod with one container "main" (image busybox:1.36) that
// no scheduler binds (see unservedScheduler).
func pod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{
			SchedulerName: unservedScheduler,
			Containers:    []corev1.Container{{Name: "main", Image: "busybox:1.36"}},
		},
	}
}

// podWithLabels is pod(name) with labels.
func podWithLabels(name string, labels map[string]string) *corev1.Pod {
	p := pod(name)
	p.Labels = labels
	return p
}

// deployment returns a valid Deployment whose selector and template carry app=<name>.
func deployment(name string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{Name: "main", Image: "busybox:1.36"}},
				},
			},
		},
	}
}

// service returns a ClusterIP-by-default Service with one TCP port 8081.
func service(name string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": name},
			Ports:    []corev1.ServicePort{{Name: "rest", Port: 8081}},
		},
	}
}

// ownerRef returns a controller reference to a ConfigMap owner.
func ownerRef(owner *corev1.ConfigMap) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID}
}

func names[T any](items []T, name func(*T) string) []string {
	out := make([]string, 0, len(items))
	for i := range items {
		out = append(out, name(&items[i]))
	}
	return out
}

func podNames(l *corev1.PodList) []string {
	return names(l.Items, func(p *corev1.Pod) string { return p.Name })
}

func configMapNames(l *corev1.ConfigMapList) []string {
	return names(l.Items, func(c *corev1.ConfigMap) string { return c.Name })
}

func ptr[T any](v T) *T { return &v }

// absentNode is the name of a node that does not exist, for the pods a case binds itself:
// no kubelet runs them, and the pod garbage collector leaves them alone for its
// quarantine (40 s) after it first sees them. The name is the case's own (it carries the
// case's namespace), so no earlier case has started that quarantine.
func absentNode(env *Env, suffix string) string { return "absent-" + env.Namespace + "-" + suffix }

// repeat returns s repeated to length n.
func repeat(s string, n int) string { return strings.Repeat(s, n/len(s)+1)[:n] }
