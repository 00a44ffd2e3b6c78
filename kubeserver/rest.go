package kubeserver

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
	clienttesting "k8s.io/client-go/testing"
	"sigs.k8s.io/yaml"
)

// maxBody is the largest request body accepted, as a real server's 3 MiB limit.
const maxBody = 3 << 20

// serveResource answers a request for a resource: it turns it into the client-go
// action the simulated API server handles, so that every semantic of the simulator
// (validation, defaulting, conflicts, selectors, patches, apply, finalizers,
// propagation, authorization, faults) applies to HTTP clients as to in-process ones.
func (s *Server) serveResource(w http.ResponseWriter, r *http.Request, user string) {
	info, err := parseRequest(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if info.res.virtual {
		s.serveReview(w, r, user, info)
		return
	}
	q := r.URL.Query()
	if err := checkSelectors(q); err != nil {
		writeError(w, err)
		return
	}
	if len(q["dryRun"]) > 0 {
		writeError(w, badRequest("flinksim does not simulate server-side dry runs (dryRun=All would really change the cluster): "+
			"kubectl diff and --dry-run=server are not supported; use --dry-run=client"))
		return
	}
	switch {
	case info.subresource == "log":
		s.serveLogs(w, r, user, info)
	case info.verb == "watch":
		s.serveWatch(w, r, user, info)
	default:
		s.serveCRUD(w, r, user, info)
	}
}

func (s *Server) serveCRUD(w http.ResponseWriter, r *http.Request, user string, info *requestInfo) {
	q := r.URL.Query()
	gvr, ns, name, sub := info.res.gvr, info.namespace, info.name, info.subresource
	var action clienttesting.Action
	code := http.StatusOK
	var warnings []string
	switch info.verb {
	case "get":
		var opts metav1.GetOptions
		if err := decodeParams(q, &opts); err != nil {
			writeError(w, err)
			return
		}
		if sub == "" {
			action = clienttesting.NewGetActionWithOptions(gvr, ns, name, opts)
		} else {
			action = clienttesting.NewGetSubresourceActionWithOptions(gvr, ns, sub, name, opts)
		}
	case "list":
		var opts metav1.ListOptions
		if err := decodeParams(q, &opts); err != nil {
			writeError(w, err)
			return
		}
		action = clienttesting.NewListActionWithOptions(gvr, gvr.GroupVersion().WithKind(info.res.kind+"List"), ns, opts)
	case "create", "update":
		obj, warns, err := decodeBody(r, info.bodyKind(), q.Get("fieldValidation"))
		if err != nil {
			writeError(w, err)
			return
		}
		warnings = warns
		if info.verb == "create" {
			var opts metav1.CreateOptions
			if err := decodeParams(q, &opts); err != nil {
				writeError(w, err)
				return
			}
			if err := checkNamespace(obj, ns, info.res.namespaced); err != nil {
				writeError(w, err)
				return
			}
			code = http.StatusCreated
			if sub == "" {
				action = clienttesting.NewCreateActionWithOptions(gvr, ns, obj, opts)
			} else {
				action = clienttesting.NewCreateSubresourceActionWithOptions(gvr, name, sub, ns, obj, opts)
			}
			break
		}
		var opts metav1.UpdateOptions
		if err := decodeParams(q, &opts); err != nil {
			writeError(w, err)
			return
		}
		if err := checkName(obj, name, ns, info); err != nil {
			writeError(w, err)
			return
		}
		if sub == "" {
			action = clienttesting.NewUpdateActionWithOptions(gvr, ns, obj, opts)
		} else {
			action = clienttesting.NewUpdateSubresourceActionWithOptions(gvr, sub, ns, obj, opts)
		}
	case "patch":
		var opts metav1.PatchOptions
		if err := decodeParams(q, &opts); err != nil {
			writeError(w, err)
			return
		}
		body, err := readBody(r)
		if err != nil {
			writeError(w, err)
			return
		}
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		var subs []string
		if sub != "" {
			subs = []string{sub}
		}
		action = clienttesting.NewPatchSubresourceActionWithOptions(gvr, ns, name, types.PatchType(mt), body, opts, subs...)
	case "delete":
		opts, err := deleteOptions(r)
		if err != nil {
			writeError(w, err)
			return
		}
		action = clienttesting.NewDeleteActionWithOptions(gvr, ns, name, opts)
	case "deletecollection":
		opts, err := deleteOptions(r)
		if err != nil {
			writeError(w, err)
			return
		}
		var listOpts metav1.ListOptions
		if err := decodeParams(q, &listOpts); err != nil {
			writeError(w, err)
			return
		}
		action = clienttesting.NewDeleteCollectionActionWithOptions(gvr, ns, opts, listOpts)
	default:
		writeError(w, methodNotAllowed(r.Method, info))
		return
	}
	obj, err := s.cfg.API.HandleContext(r.Context(), user, action)
	if err != nil {
		s.cfg.Log.Debug("kubeserver: request failed", "user", user, "verb", info.verb, "resource", gvr.Resource, "namespace", ns, "name", name, "err", err)
		writeError(w, err)
		return
	}
	if obj == nil {
		obj = &metav1.Status{Status: metav1.StatusSuccess, Code: int32(code)}
	}
	for _, warn := range warnings {
		w.Header().Add("Warning", fmt.Sprintf("299 - %q", warn))
	}
	if info.verb == "get" || info.verb == "list" {
		if out, ok, err := s.transform(r, obj); err != nil {
			writeError(w, err)
			return
		} else if ok {
			writeJSON(w, code, out)
			return
		}
	}
	writeObject(w, code, obj)
}

// bodyKind is the kind a request body must have.
func (info *requestInfo) bodyKind() schema.GroupVersionKind {
	if info.subresource != "" {
		return info.res.subresources[info.subresource].gvk
	}
	return info.gv.WithKind(info.res.kind)
}

func decodeParams(q url.Values, into runtime.Object) error {
	if err := scheme.ParameterCodec.DecodeParameters(q, schema.GroupVersion{Version: "v1"}, into); err != nil {
		return badRequest(fmt.Sprintf("the query parameters are not valid: %v", err))
	}
	return nil
}

func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, badRequest(fmt.Sprintf("reading the request body: %v", err))
	}
	if len(body) > maxBody {
		return nil, newStatus(http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge,
			fmt.Sprintf("the request body is larger than %d bytes", maxBody))
	}
	return body, nil
}

var strictSerializer = kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme.Scheme, scheme.Scheme, kjson.SerializerOptions{Strict: true})

// decodeBody decodes the JSON (or YAML) body of a create or update into the typed
// object of want. Unknown and duplicate fields are handled as the fieldValidation
// parameter says: Strict fails the request, Warn (the default) warns, Ignore drops them.
func decodeBody(r *http.Request, want schema.GroupVersionKind, validation string) (runtime.Object, []string, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, nil, err
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "", "application/json", "*/*":
	case "application/vnd.kubernetes.protobuf":
		// kubectl's typed clients send protobuf. It has no unknown fields to validate.
		into, err := scheme.Scheme.New(want)
		if err != nil {
			return nil, nil, internalError(err)
		}
		obj, gvk, err := scheme.Codecs.UniversalDeserializer().Decode(body, &want, into)
		if err != nil {
			return nil, nil, badRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", want.Kind, want.Version, want.Kind, err))
		}
		if gvk.Kind != want.Kind {
			return nil, nil, badRequest(fmt.Sprintf("the body is a %s, not a %s", gvk.Kind, want.Kind))
		}
		obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
		return obj, nil, nil
	case "application/yaml":
		if body, err = yaml.YAMLToJSON(body); err != nil {
			return nil, nil, badRequest(fmt.Sprintf("the YAML body is not valid: %v", err))
		}
	default:
		return nil, nil, newStatus(http.StatusUnsupportedMediaType, metav1.StatusReasonUnsupportedMediaType,
			fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (flinksim serves no %s)", mt))
	}
	var tm metav1.TypeMeta
	if err := json.Unmarshal(body, &tm); err != nil {
		return nil, nil, badRequest(fmt.Sprintf("the request body is not a JSON object: %v", err))
	}
	cannot := fmt.Sprintf("%s in version %q cannot be handled as a %s", want.Kind, want.Version, want.Kind)
	if tm.APIVersion != "" && tm.APIVersion != want.GroupVersion().String() && !(want.Kind == "Eviction" && tm.APIVersion == "policy/v1beta1") {
		return nil, nil, badRequest(fmt.Sprintf("%s: the API version in the data (%s) does not match the expected API version (%s)", cannot, tm.APIVersion, want.GroupVersion()))
	}
	if tm.Kind != "" && tm.Kind != want.Kind {
		return nil, nil, badRequest(fmt.Sprintf("%s: the kind in the data (%s) does not match the expected kind (%s)", cannot, tm.Kind, want.Kind))
	}
	into, err := scheme.Scheme.New(want)
	if err != nil {
		return nil, nil, internalError(err)
	}
	if tm.APIVersion != want.GroupVersion().String() || tm.Kind != want.Kind {
		// Let the serializer see the kind it is to decode.
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, nil, badRequest(fmt.Sprintf("%s: %v", cannot, err))
		}
		m["apiVersion"], m["kind"] = want.GroupVersion().String(), want.Kind
		body, _ = json.Marshal(m)
	}
	obj, _, err := strictSerializer.Decode(body, &want, into)
	var warnings []string
	if err != nil {
		if !runtime.IsStrictDecodingError(err) {
			return nil, nil, badRequest(fmt.Sprintf("%s: %v", cannot, err))
		}
		if strict, ok := runtime.AsStrictDecodingError(err); ok {
			switch strings.ToLower(validation) {
			case "strict":
				return nil, nil, badRequest(fmt.Sprintf("%s: %v", cannot, err))
			case "ignore":
			default:
				for _, e := range strict.Errors() {
					warnings = append(warnings, e.Error())
				}
			}
		}
	}
	obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	return obj, warnings, nil
}

// checkNamespace rejects a body whose namespace disagrees with the URL's.
func checkNamespace(obj runtime.Object, ns string, namespaced bool) error {
	m, err := metaOf(obj)
	if err != nil || !namespaced {
		return nil
	}
	if m.GetNamespace() != "" && m.GetNamespace() != ns {
		return badRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	return nil
}

// checkName rejects an update whose body names another object than the URL.
func checkName(obj runtime.Object, name, ns string, info *requestInfo) error {
	m, err := metaOf(obj)
	if err != nil {
		return nil
	}
	if info.subresource == "scale" {
		return nil
	}
	if m.GetName() != name {
		return badRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", m.GetName(), name))
	}
	return checkNamespace(obj, ns, info.res.namespaced)
}

// deleteOptions are the DeleteOptions of the body (kubectl sends them there) with the
// query parameters on top.
func deleteOptions(r *http.Request) (metav1.DeleteOptions, error) {
	var opts metav1.DeleteOptions
	body, err := readBody(r)
	if err != nil {
		return opts, err
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		want := schema.GroupVersionKind{Version: "v1", Kind: "DeleteOptions"}
		if _, _, err := scheme.Codecs.UniversalDeserializer().Decode(body, &want, &opts); err != nil {
			return opts, badRequest(fmt.Sprintf("the body is not DeleteOptions: %v", err))
		}
	}
	opts.TypeMeta = metav1.TypeMeta{}
	// The parameter codec resets what the query leaves out, so merge field by field.
	var fromQuery metav1.DeleteOptions
	if err := decodeParams(r.URL.Query(), &fromQuery); err != nil {
		return opts, err
	}
	if fromQuery.GracePeriodSeconds != nil {
		opts.GracePeriodSeconds = fromQuery.GracePeriodSeconds
	}
	if fromQuery.PropagationPolicy != nil {
		opts.PropagationPolicy = fromQuery.PropagationPolicy
	}
	if fromQuery.OrphanDependents != nil {
		opts.OrphanDependents = fromQuery.OrphanDependents
	}
	if fromQuery.Preconditions != nil {
		opts.Preconditions = fromQuery.Preconditions
	}
	if len(fromQuery.DryRun) > 0 {
		opts.DryRun = fromQuery.DryRun
	}
	if len(opts.DryRun) > 0 {
		return opts, badRequest("flinksim does not simulate server-side dry runs: use --dry-run=client instead of --dry-run=server")
	}
	return opts, nil
}

// checkSelectors answers a malformed selector with 400, as the real server does,
// before the selectors reach client-go's action constructors (which panic on them).
func checkSelectors(q url.Values) error {
	if sel := q.Get("labelSelector"); sel != "" {
		if _, err := labels.Parse(sel); err != nil {
			return badRequest(fmt.Sprintf("unable to parse requested label selector %q: %v", sel, err))
		}
	}
	if sel := q.Get("fieldSelector"); sel != "" {
		if _, err := fields.ParseSelector(sel); err != nil {
			return badRequest(fmt.Sprintf("invalid field selector %q: %v", sel, err))
		}
	}
	return nil
}

func metaOf(obj runtime.Object) (metav1.Object, error) { return meta.Accessor(obj) }
