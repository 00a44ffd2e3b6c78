package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	clienttesting "k8s.io/client-go/testing"
	"sigs.k8s.io/yaml"
)

func (s *Server) patch(t *table, req Request, a clienttesting.PatchAction) (runtime.Object, error) {
	var opts metav1.PatchOptions
	if p, ok := a.(clienttesting.PatchActionImpl); ok {
		opts = p.PatchOptions
	}
	pt := a.GetPatchType()
	if errs := metavalidation.ValidatePatchOptions(&opts, pt); len(errs) > 0 {
		return nil, apierrors.NewInvalid(schema.GroupKind{Group: metav1.GroupName, Kind: "PatchOptions"}, "", errs)
	}
	if err := validatePatchBody(a.GetPatch(), pt); err != nil {
		return nil, err
	}
	switch req.Subresource {
	case "", "status":
	case "scale":
		return s.patchScale(t, req, pt, a.GetPatch(), opts)
	default:
		return nil, methodNotSupported(req)
	}
	if pt == types.ApplyYAMLPatchType || pt == types.ApplyCBORPatchType {
		return s.apply(t, req, a.GetPatch(), opts)
	}
	gr := req.Resource.GroupResource()
	cur := t.get(t.namespaceOf(req.Namespace), req.Name)
	if cur == nil {
		return nil, apierrors.NewNotFound(gr, req.Name)
	}
	patched, err := applyPatch(cur, pt, a.GetPatch(), t.info.newObject())
	if err != nil {
		return nil, err
	}
	obj := t.info.newObject()
	if err := json.Unmarshal(patched, obj); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the patched object is not a valid %s: %v", t.info.kind, err))
	}
	return s.update(t, req, obj, updateOptions{manager: opts.FieldManager})
}

// validatePatchBody rejects a body that is not JSON (or YAML, for apply) before anything
// else, as the real server does.
func validatePatchBody(patch []byte, pt types.PatchType) error {
	switch pt {
	case types.ApplyCBORPatchType:
		return nil
	case types.ApplyYAMLPatchType:
		if _, err := yaml.YAMLToJSON(patch); err != nil {
			return apierrors.NewBadRequest(fmt.Sprintf("error encoding patch: %v", err))
		}
		return nil
	}
	if !json.Valid(patch) {
		return apierrors.NewBadRequest("invalid JSON patch")
	}
	return nil
}

// applyPatch applies a JSON, JSON merge or strategic merge patch to the JSON of cur,
// with the real server's answers for a patch that does not apply. typed is an empty
// value of cur's type, for the strategic merge patch's merge keys.
func applyPatch(cur runtime.Object, pt types.PatchType, patch []byte, typed runtime.Object) ([]byte, error) {
	doc, err := json.Marshal(cur)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	switch pt {
	case types.JSONPatchType:
		p, err := jsonpatch.DecodePatch(patch)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		out, err := p.Apply(doc)
		if err != nil {
			// A patch that does not apply (a failed test, a missing path) is the
			// request's fault: 422 without a resource or name.
			return nil, apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "", schema.GroupResource{}, "", err.Error(), 0, false)
		}
		return out, nil
	case types.MergePatchType:
		out, err := jsonpatch.MergePatch(doc, patch)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		return out, nil
	case types.StrategicMergePatchType:
		out, err := strategicpatch.StrategicMergePatch(doc, patch, typed)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		return out, nil
	}
	return nil, apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, "patch", schema.GroupResource{}, "",
		fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s, %s, %s, %s",
			types.JSONPatchType, types.MergePatchType, types.StrategicMergePatchType, types.ApplyYAMLPatchType), 0, false)
}

// patchScale patches the Scale of a workload and writes the result as an update of
// the scale.
func (s *Server) patchScale(t *table, req Request, pt types.PatchType, patch []byte, opts metav1.PatchOptions) (runtime.Object, error) {
	if pt == types.ApplyYAMLPatchType || pt == types.ApplyCBORPatchType {
		return nil, methodNotSupported(req)
	}
	cur, err := s.getScale(t, req)
	if err != nil {
		return nil, err
	}
	patched, err := applyPatch(cur, pt, patch, &autoscalingv1.Scale{})
	if err != nil {
		return nil, err
	}
	scale := &autoscalingv1.Scale{}
	if err := json.Unmarshal(patched, scale); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the patched object is not a valid Scale: %v", err))
	}
	return s.updateScale(t, req, scale, opts.FieldManager)
}
