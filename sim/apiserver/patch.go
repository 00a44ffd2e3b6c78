package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	clienttesting "k8s.io/client-go/testing"
)

func (s *Server) patch(t *table, req Request, a clienttesting.PatchAction) (runtime.Object, error) {
	switch req.Subresource {
	case "", "status":
	default:
		return nil, methodNotSupported(req)
	}
	gr := req.Resource.GroupResource()
	cur := t.get(t.namespaceOf(req.Namespace), req.Name)
	if a.GetPatchType() == types.ApplyPatchType || a.GetPatchType() == types.ApplyCBORPatchType {
		return nil, apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, "patch", gr, req.Name,
			"server-side apply is not supported by the simulated API server: use update or a JSON merge, strategic merge or JSON patch", 0, false)
	}
	if cur == nil {
		return nil, apierrors.NewNotFound(gr, req.Name)
	}
	doc, err := json.Marshal(cur)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	var patched []byte
	switch a.GetPatchType() {
	case types.JSONPatchType:
		p, derr := jsonpatch.DecodePatch(a.GetPatch())
		if derr != nil {
			return nil, apierrors.NewBadRequest(derr.Error())
		}
		patched, err = p.Apply(doc)
		if err != nil {
			return nil, patchFailed(gr, req.Name, err)
		}
	case types.MergePatchType:
		patched, err = jsonpatch.MergePatch(doc, a.GetPatch())
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
	case types.StrategicMergePatchType:
		patched, err = strategicpatch.StrategicMergePatch(doc, a.GetPatch(), t.info.newObject())
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
	default:
		return nil, apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, "patch", gr, req.Name,
			fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s, %s, %s",
				types.JSONPatchType, types.MergePatchType, types.StrategicMergePatchType), 0, false)
	}
	obj := t.info.newObject()
	if err := json.Unmarshal(patched, obj); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the patched object is not a valid %s: %v", t.info.kind, err))
	}
	return s.update(t, req, obj, cur)
}

func patchFailed(gr interface{ String() string }, name string, err error) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusUnprocessableEntity,
		Reason:  metav1.StatusReasonInvalid,
		Message: err.Error(),
	}}
}
