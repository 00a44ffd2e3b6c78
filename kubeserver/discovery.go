package kubeserver

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"
)

// Version is what /version reports: the Kubernetes version whose semantics the
// simulated API server follows.
var Version = version.Info{
	Major: "1", Minor: "37", GitVersion: "v1.37.2-flinksim", GitCommit: "flinksim", GitTreeState: "clean",
	BuildDate: "2026-01-01T00:00:00Z", GoVersion: "go1.26", Compiler: "gc", Platform: "linux/amd64",
}

// serveDiscovery answers the discovery and version paths; it reports false for any
// other path.
func (s *Server) serveDiscovery(w http.ResponseWriter, r *http.Request) bool {
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case path == "/version":
		writeJSON(w, http.StatusOK, Version)
	case path == "/api":
		writeJSON(w, http.StatusOK, &metav1.APIVersions{
			TypeMeta: metav1.TypeMeta{Kind: "APIVersions"},
			Versions: []string{"v1"},
			ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{
				{ClientCIDR: "0.0.0.0/0", ServerAddress: s.listener.Addr().String()},
			},
		})
	case path == "/apis":
		list := &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}}
		for _, gv := range groupVersions() {
			if gv.Group != "" {
				list.Groups = append(list.Groups, apiGroup(gv))
			}
		}
		writeJSON(w, http.StatusOK, list)
	case path == "/api/v1":
		writeJSON(w, http.StatusOK, apiResources(schema.GroupVersion{Version: "v1"}))
	case strings.HasPrefix(path, "/apis/") && strings.Count(path, "/") <= 3:
		parts := strings.Split(strings.TrimPrefix(path, "/apis/"), "/")
		for _, gv := range groupVersions() {
			if gv.Group != parts[0] {
				continue
			}
			if len(parts) == 1 {
				g := apiGroup(gv)
				g.TypeMeta = metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"}
				writeJSON(w, http.StatusOK, &g)
				return true
			}
			if parts[1] == gv.Version {
				writeJSON(w, http.StatusOK, apiResources(gv))
				return true
			}
		}
		writeError(w, notFound(r.URL.Path))
	case path == "/openapi/v3":
		writeJSON(w, http.StatusOK, openAPIV3Root())
	case strings.HasPrefix(path, "/openapi/v3/"):
		doc, ok := openAPIV3(strings.TrimPrefix(path, "/openapi/v3/"))
		if !ok {
			writeError(w, notFound(r.URL.Path))
			return true
		}
		writeJSON(w, http.StatusOK, doc)
	case path == "/openapi/v2":
		// kubectl falls back from v3 to v2 and then to its compiled-in types; a 404 here
		// ends that search quietly, as on a server without the v2 endpoint.
		writeError(w, notFound(r.URL.Path))
	case path == "/healthz" || path == "/livez" || path == "/readyz":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, "ok")
	default:
		return false
	}
	return true
}

func apiGroup(gv schema.GroupVersion) metav1.APIGroup {
	v := metav1.GroupVersionForDiscovery{GroupVersion: gv.String(), Version: gv.Version}
	return metav1.APIGroup{Name: gv.Group, Versions: []metav1.GroupVersionForDiscovery{v}, PreferredVersion: v}
}

// OpenAPI v3, as far as kubectl reads it: kubectl apply, create and edit validate with
// the fieldValidation query parameter when the PATCH operation of the kind declares it
// (the server then rejects unknown fields itself), and build their patches from the
// compiled-in types when the operation does not accept strategic merge patches. The
// documents carry no schemas: kubectl explain does not work.

func openAPIPrefix(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return "api/" + gv.Version
	}
	return "apis/" + gv.Group + "/" + gv.Version
}

func openAPIV3Root() map[string]any {
	paths := map[string]any{}
	for _, gv := range groupVersions() {
		p := openAPIPrefix(gv)
		paths[p] = map[string]string{"serverRelativeURL": "/openapi/v3/" + p + "?hash=flinksim"}
	}
	return map[string]any{"paths": paths}
}

func openAPIV3(prefix string) (map[string]any, bool) {
	for _, gv := range groupVersions() {
		if openAPIPrefix(gv) != prefix {
			continue
		}
		paths := map[string]any{}
		var names []string
		for gvr := range catalogue {
			if gvr.GroupVersion() == gv && !catalogue[gvr].virtual {
				names = append(names, gvr.Resource)
			}
		}
		sort.Strings(names)
		for _, name := range names {
			r := catalogue[gv.WithResource(name)]
			path := "/" + prefix + "/" + name + "/{name}"
			if r.namespaced {
				path = "/" + prefix + "/namespaces/{namespace}/" + name + "/{name}"
			}
			paths[path] = map[string]any{
				"patch": map[string]any{
					"operationId":                     "patch" + r.kind,
					"x-kubernetes-group-version-kind": map[string]string{"group": gv.Group, "version": gv.Version, "kind": r.kind},
					"x-kubernetes-action":             "patch",
					"parameters": []map[string]any{
						{"name": "fieldValidation", "in": "query", "schema": map[string]string{"type": "string"}},
						{"name": "fieldManager", "in": "query", "schema": map[string]string{"type": "string"}},
						{"name": "force", "in": "query", "schema": map[string]string{"type": "boolean"}},
					},
					"requestBody": map[string]any{"content": map[string]any{
						"application/json-patch+json":  map[string]any{},
						"application/merge-patch+json": map[string]any{},
						"application/apply-patch+yaml": map[string]any{},
					}},
					"responses": map[string]any{"200": map[string]any{"description": "OK"}},
				},
			}
		}
		return map[string]any{
			"openapi": "3.0.0",
			"info":    map[string]string{"title": "Kubernetes (flinksim)", "version": Version.GitVersion},
			"paths":   paths,
		}, true
	}
	return nil, false
}
