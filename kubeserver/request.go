package kubeserver

import (
	"fmt"
	"net/http"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// requestInfo is what a resource path and method ask for, found as the real server's
// RequestInfoFactory finds it.
type requestInfo struct {
	res         *resource
	gv          schema.GroupVersion
	namespace   string
	name        string
	subresource string
	// verb is the Kubernetes verb: get, list, watch, create, update, patch, delete,
	// deletecollection.
	verb string
}

// namespaceSubresources are the subresources of a Namespace itself: a path
// namespaces/<name>/<one of these> is not a resource inside the namespace.
var namespaceSubresources = map[string]bool{"status": true, "finalize": true}

// streaming are the pod subresources that upgrade the connection to a stream, which
// flinksim does not serve.
var streaming = map[string]bool{"exec": true, "attach": true, "portforward": true}

func parseRequest(r *http.Request) (*requestInfo, error) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	info := &requestInfo{}
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		info.gv = schema.GroupVersion{Version: parts[1]}
		parts = parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		info.gv = schema.GroupVersion{Group: parts[1], Version: parts[2]}
		parts = parts[3:]
	default:
		return nil, notFound(r.URL.Path)
	}
	watchPath := false
	if parts[0] == "watch" {
		// The deprecated /watch/ paths; client-go and kubectl use ?watch=true.
		watchPath = true
		parts = parts[1:]
		if len(parts) == 0 {
			return nil, notFound(r.URL.Path)
		}
	}
	if parts[0] == "namespaces" && len(parts) > 1 {
		info.namespace = parts[1]
		if len(parts) > 2 && !namespaceSubresources[parts[2]] {
			parts = parts[2:]
		}
	}
	if len(parts) > 3 {
		return nil, notFound(r.URL.Path)
	}
	info.res = lookup(info.gv, parts[0])
	if info.res == nil {
		return nil, notFound(r.URL.Path)
	}
	if len(parts) > 1 {
		info.name = parts[1]
	}
	if len(parts) > 2 {
		info.subresource = parts[2]
		if _, ok := info.res.subresources[info.subresource]; !ok {
			if streaming[info.subresource] && info.res.kind == "Pod" || info.subresource == "proxy" {
				return nil, badRequest(fmt.Sprintf("flinksim does not serve %s/%s: its containers are Go programs without a shell or "+
					"a stream to attach to; for a pod's port use `flinksim port-forward service/<name> <port>` (Services only), "+
					"for its output kubectl logs", info.res.gvr.Resource, info.subresource))
			}
			return nil, notFound(r.URL.Path)
		}
	}
	if !info.res.namespaced && parts[0] != "namespaces" {
		if info.namespace != "" {
			return nil, notFound(r.URL.Path)
		}
	}
	if parts[0] == "namespaces" {
		info.namespace = ""
	}
	watch := watchPath || r.URL.Query().Get("watch") == "true" || r.URL.Query().Get("watch") == "1"
	switch r.Method {
	case http.MethodGet:
		switch {
		case watch:
			info.verb = "watch"
		case info.name == "":
			info.verb = "list"
		default:
			info.verb = "get"
		}
	case http.MethodPost:
		info.verb = "create"
	case http.MethodPut:
		info.verb = "update"
	case http.MethodPatch:
		info.verb = "patch"
	case http.MethodDelete:
		info.verb = "delete"
		if info.name == "" {
			info.verb = "deletecollection"
		}
	default:
		return nil, methodNotAllowed(r.Method, info)
	}
	if err := info.check(r); err != nil {
		return nil, err
	}
	return info, nil
}

// check rejects a verb the resource or subresource does not serve, as the real server
// answers 405 Method Not Allowed.
func (info *requestInfo) check(r *http.Request) error {
	verbs := info.res.verbs
	if info.subresource != "" {
		verbs = info.res.subresources[info.subresource].verbs
	}
	for _, v := range verbs {
		if v == info.verb {
			if info.verb == "create" && info.name != "" && info.subresource == "" {
				return methodNotAllowed(r.Method, info)
			}
			if (info.verb == "update" || info.verb == "patch") && info.name == "" {
				return methodNotAllowed(r.Method, info)
			}
			return nil
		}
	}
	return methodNotAllowed(r.Method, info)
}

func methodNotAllowed(method string, info *requestInfo) error {
	what := info.res.gvr.Resource
	if info.subresource != "" {
		what += "/" + info.subresource
	}
	return newStatus(http.StatusMethodNotAllowed, "MethodNotAllowed",
		fmt.Sprintf("the server does not allow this method on the requested resource: %s %s", method, what))
}
