package kubeserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"

	"flinksim/sim/apiserver"
)

// writeJSON writes v as the JSON body of a response.
func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		code = http.StatusInternalServerError
		body, _ = json.Marshal(statusOf(internalError(fmt.Errorf("encoding the response: %w", err))))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(body, '\n'))
}

// writeObject writes an object with its apiVersion and kind, as a real server does on
// the wire (the simulator keeps them empty).
func writeObject(w http.ResponseWriter, code int, obj runtime.Object) {
	writeJSON(w, code, withKind(obj))
}

// withKind returns obj with apiVersion and kind set; obj itself is left alone, since
// objects from watches are shared.
func withKind(obj runtime.Object) runtime.Object {
	if obj == nil {
		return nil
	}
	if st, ok := obj.(*metav1.Status); ok {
		st = st.DeepCopy()
		st.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
		return st
	}
	if !obj.GetObjectKind().GroupVersionKind().Empty() {
		return obj
	}
	gvks, _, err := scheme.Scheme.ObjectKinds(obj)
	if err != nil || len(gvks) == 0 {
		return obj
	}
	out := obj.DeepCopyObject()
	out.GetObjectKind().SetGroupVersionKind(gvks[0])
	return out
}

// writeError answers with the Status of err: an API error keeps its code and reason,
// anything else is a 500.
func writeError(w http.ResponseWriter, err error) {
	st := statusOf(err)
	writeJSON(w, int(st.Code), st)
}

func statusOf(err error) *metav1.Status {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		st := status.Status()
		st.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
		if st.Code == 0 {
			st.Code = http.StatusInternalServerError
		}
		if st.Status == "" {
			st.Status = metav1.StatusFailure
		}
		return &st
	}
	return statusOf(internalError(err))
}

func internalError(err error) error { return apierrors.NewInternalError(err) }

func badRequest(msg string) error { return apierrors.NewBadRequest(msg) }

func unauthorized() error {
	return apierrors.NewUnauthorized("Unauthorized: send the bearer token of the kubeconfig that flinksim up wrote " +
		"(kubectl --kubeconfig <that file>, or KUBECONFIG=<that file>)")
}

func notFound(path string) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusNotFound,
		Reason: metav1.StatusReasonNotFound, Message: fmt.Sprintf("the server could not find the requested resource (%s)", path),
		Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: metav1.CauseTypeUnexpectedServerResponse, Message: "404 page not found"}}}}}
}

func groupResource(group, res string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: group, Resource: res}
}

func forbiddenImpersonation(user, as string) error {
	return apierrors.NewForbidden(schema.GroupResource{Resource: "users"}, as,
		fmt.Errorf("User %q cannot impersonate resource \"users\" in API group \"\" at the cluster scope", user))
}

func forbiddenPath(user string, r *http.Request) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusForbidden,
		Reason: metav1.StatusReasonForbidden,
		Message: fmt.Sprintf("forbidden: User %q cannot %s path %q: the flinksim control endpoint is for cluster admins (the user of the kubeconfig flinksim up wrote)",
			user, r.Method, r.URL.Path)}}
}

func newStatus(code int, reason metav1.StatusReason, msg string) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: int32(code), Reason: reason, Message: msg}}
}

func schemeNew(gvk schema.GroupVersionKind) (runtime.Object, error) { return scheme.Scheme.New(gvk) }

// containsParam reports whether a media type list names a parameter, e.g. as=Table.
func containsParam(accept, param string) bool {
	for _, part := range strings.FieldsFunc(accept, func(r rune) bool { return r == ',' || r == ';' }) {
		if strings.TrimSpace(part) == param {
			return true
		}
	}
	return false
}

// forbidden words a denial as the real server does, e.g. `pods "x" is forbidden: User
// "u" cannot get resource "pods/log" in API group "" in the namespace "ns"`.
func forbidden(req apiserver.Request, reason string) error {
	res := req.Resource.Resource
	if req.Subresource != "" {
		res += "/" + req.Subresource
	}
	scope := "at the cluster scope"
	if req.Namespace != "" {
		scope = fmt.Sprintf("in the namespace %q", req.Namespace)
	}
	msg := fmt.Sprintf("User %q cannot %s resource %q in API group %q %s", req.User, req.Verb, res, req.Resource.Group, scope)
	if reason != "" {
		msg += ": " + reason
	}
	return apierrors.NewForbidden(req.Resource.GroupResource(), req.Name, errors.New(msg))
}
