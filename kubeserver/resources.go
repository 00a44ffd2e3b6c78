package kubeserver

import (
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// resource is one resource type as discovery announces it and as the REST layer
// serves it.
type resource struct {
	gvr        schema.GroupVersionResource
	kind       string
	singular   string
	namespaced bool
	shortNames []string
	categories []string
	// verbs are the verbs of the main resource; virtual resources (the access reviews)
	// only take create.
	verbs []string
	// subresources by name.
	subresources map[string]subresource
	// virtual resources are not stored in the simulated API server: the REST layer
	// answers them itself (access and identity reviews).
	virtual bool
}

type subresource struct {
	gvk   schema.GroupVersionKind
	verbs []string
}

var (
	storedVerbs  = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
	statusVerbs  = []string{"get", "patch", "update"}
	createOnly   = []string{"create"}
	scaleKind    = schema.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"}
	evictionKind = schema.GroupVersionKind{Group: "policy", Version: "v1", Kind: "Eviction"}
)

func status(gv schema.GroupVersion, kind string) subresource {
	return subresource{gvk: gv.WithKind(kind), verbs: statusVerbs}
}

// catalogue lists every resource the server announces, by group version. Its stored
// resources are exactly apiserver.Resources() (a test checks that).
var catalogue = buildCatalogue()

func buildCatalogue() map[schema.GroupVersionResource]*resource {
	core := schema.GroupVersion{Version: "v1"}
	apps := schema.GroupVersion{Group: "apps", Version: "v1"}
	coordination := schema.GroupVersion{Group: "coordination.k8s.io", Version: "v1"}
	discovery := schema.GroupVersion{Group: "discovery.k8s.io", Version: "v1"}
	rbac := schema.GroupVersion{Group: "rbac.authorization.k8s.io", Version: "v1"}
	authz := schema.GroupVersion{Group: "authorization.k8s.io", Version: "v1"}
	authn := schema.GroupVersion{Group: "authentication.k8s.io", Version: "v1"}

	all := []string{"all"}
	list := []*resource{
		{gvr: core.WithResource("pods"), kind: "Pod", namespaced: true, shortNames: []string{"po"}, categories: all,
			subresources: map[string]subresource{
				"status":   status(core, "Pod"),
				"log":      {gvk: core.WithKind("Pod"), verbs: []string{"get"}},
				"binding":  {gvk: core.WithKind("Binding"), verbs: createOnly},
				"eviction": {gvk: evictionKind, verbs: createOnly},
			}},
		{gvr: core.WithResource("services"), kind: "Service", namespaced: true, shortNames: []string{"svc"}, categories: all,
			subresources: map[string]subresource{"status": status(core, "Service")}},
		{gvr: core.WithResource("endpoints"), kind: "Endpoints", namespaced: true, shortNames: []string{"ep"}},
		{gvr: core.WithResource("configmaps"), kind: "ConfigMap", namespaced: true, shortNames: []string{"cm"}},
		{gvr: core.WithResource("secrets"), kind: "Secret", namespaced: true},
		{gvr: core.WithResource("serviceaccounts"), kind: "ServiceAccount", namespaced: true, shortNames: []string{"sa"}},
		{gvr: core.WithResource("namespaces"), kind: "Namespace", shortNames: []string{"ns"},
			verbs: []string{"create", "delete", "get", "list", "patch", "update", "watch"},
			subresources: map[string]subresource{
				"status":   status(core, "Namespace"),
				"finalize": {gvk: core.WithKind("Namespace"), verbs: []string{"update"}},
			}},
		{gvr: core.WithResource("nodes"), kind: "Node", shortNames: []string{"no"},
			subresources: map[string]subresource{"status": status(core, "Node")}},
		{gvr: core.WithResource("events"), kind: "Event", namespaced: true, shortNames: []string{"ev"}},

		{gvr: apps.WithResource("deployments"), kind: "Deployment", namespaced: true, shortNames: []string{"deploy"}, categories: all,
			subresources: map[string]subresource{
				"status": status(apps, "Deployment"),
				"scale":  {gvk: scaleKind, verbs: statusVerbs},
			}},
		{gvr: apps.WithResource("replicasets"), kind: "ReplicaSet", namespaced: true, shortNames: []string{"rs"}, categories: all,
			subresources: map[string]subresource{
				"status": status(apps, "ReplicaSet"),
				"scale":  {gvk: scaleKind, verbs: statusVerbs},
			}},
		{gvr: coordination.WithResource("leases"), kind: "Lease", namespaced: true},
		{gvr: discovery.WithResource("endpointslices"), kind: "EndpointSlice", namespaced: true},
		{gvr: rbac.WithResource("roles"), kind: "Role", namespaced: true},
		{gvr: rbac.WithResource("rolebindings"), kind: "RoleBinding", namespaced: true},
		{gvr: rbac.WithResource("clusterroles"), kind: "ClusterRole"},
		{gvr: rbac.WithResource("clusterrolebindings"), kind: "ClusterRoleBinding"},

		{gvr: authz.WithResource("selfsubjectaccessreviews"), kind: "SelfSubjectAccessReview", verbs: createOnly, virtual: true},
		{gvr: authz.WithResource("selfsubjectrulesreviews"), kind: "SelfSubjectRulesReview", verbs: createOnly, virtual: true},
		{gvr: authz.WithResource("subjectaccessreviews"), kind: "SubjectAccessReview", verbs: createOnly, virtual: true},
		{gvr: authz.WithResource("localsubjectaccessreviews"), kind: "LocalSubjectAccessReview", namespaced: true, verbs: createOnly, virtual: true},
		{gvr: authn.WithResource("selfsubjectreviews"), kind: "SelfSubjectReview", verbs: createOnly, virtual: true},
	}
	out := map[schema.GroupVersionResource]*resource{}
	for _, r := range list {
		if r.verbs == nil {
			r.verbs = storedVerbs
		}
		r.singular = strings.ToLower(r.kind)
		out[r.gvr] = r
	}
	return out
}

// groupVersions are the group versions served, core first, then the groups by name
// (kubectl does not depend on the order).
func groupVersions() []schema.GroupVersion {
	seen := map[schema.GroupVersion]bool{}
	var out []schema.GroupVersion
	for gvr := range catalogue {
		gv := gvr.GroupVersion()
		if !seen[gv] {
			seen[gv] = true
			out = append(out, gv)
		}
	}
	// No policy/v1: it would hold no resource (PodDisruptionBudgets are not stored), and
	// discovery clients treat an empty group version as an error. kubectl drain then
	// deletes pods instead of evicting them; pods/eviction itself is served.
	sort.Slice(out, func(i, j int) bool { return out[i].Group < out[j].Group })
	return out
}

// lookup finds a resource by group, version and plural name.
func lookup(gv schema.GroupVersion, name string) *resource {
	return catalogue[gv.WithResource(name)]
}

// apiResources is the discovery document of one group version.
func apiResources(gv schema.GroupVersion) *metav1.APIResourceList {
	list := &metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: gv.String(), APIResources: []metav1.APIResource{}}
	var names []string
	for gvr := range catalogue {
		if gvr.GroupVersion() == gv {
			names = append(names, gvr.Resource)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		r := catalogue[gv.WithResource(name)]
		list.APIResources = append(list.APIResources, metav1.APIResource{
			Name: name, SingularName: r.singular, Namespaced: r.namespaced, Kind: r.kind,
			Verbs: r.verbs, ShortNames: r.shortNames, Categories: r.categories,
		})
		var subs []string
		for sub := range r.subresources {
			subs = append(subs, sub)
		}
		sort.Strings(subs)
		for _, sub := range subs {
			s := r.subresources[sub]
			list.APIResources = append(list.APIResources, metav1.APIResource{
				Name: name + "/" + sub, Namespaced: r.namespaced, Group: s.gvk.Group, Version: s.gvk.Version, Kind: s.gvk.Kind, Verbs: s.verbs,
			})
		}
	}
	return list
}
