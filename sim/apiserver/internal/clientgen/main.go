// Command clientgen writes the typed clients of the simulated API server
// (zz_generated_clients.go in flinksim/sim/apiserver): for every resource the server
// stores, a client that implements client-go's typed interface method by method. Each
// method runs its call through the clientset's call function (context checks, client-side
// retries) and a fresh client-go fake (k8s.io/client-go/testing.Fake) whose reactors lead
// into the server, so that no lock or action log is shared between calls. The verbs on
// every controller's hot path (get, create, update, update of the status, delete) send
// the action client-go's fake would build straight to the server (the clientset's invoke)
// instead: the fake deep-copies every action twice, once for its log.
//
// The interfaces are read by reflection from the client-go version the module uses, so
// regenerating after a client-go upgrade picks up new methods:
//
//	go generate ./sim/apiserver
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"

	"k8s.io/client-go/kubernetes"
)

// group is one API group version whose resources the server stores.
type group struct {
	// accessor is the method of kubernetes.Interface, e.g. "CoreV1".
	accessor string
	// apiGroup and version name the group version ("" is the core group).
	apiGroup, version string
	// fakePkg is the import path of client-go's fake typed clients of the group; its
	// fake group type is "Fake" + accessor.
	fakePkg string
	// resources are the stored resources: accessor method and plural resource name.
	resources []resource
}

type resource struct {
	accessor, plural string
	// handwritten are methods clientset.go implements itself.
	handwritten []string
}

// served must list exactly the resources of the server (a test in the package checks it).
var served = []group{
	{accessor: "CoreV1", version: "v1", fakePkg: "k8s.io/client-go/kubernetes/typed/core/v1/fake", resources: []resource{
		{accessor: "ConfigMaps", plural: "configmaps"},
		{accessor: "Endpoints", plural: "endpoints"},
		{accessor: "Events", plural: "events"},
		{accessor: "Namespaces", plural: "namespaces"},
		{accessor: "Nodes", plural: "nodes"},
		{accessor: "Pods", plural: "pods", handwritten: []string{"GetLogs"}},
		{accessor: "Secrets", plural: "secrets"},
		{accessor: "ServiceAccounts", plural: "serviceaccounts"},
		{accessor: "Services", plural: "services"},
	}},
	{accessor: "AppsV1", apiGroup: "apps", version: "v1", fakePkg: "k8s.io/client-go/kubernetes/typed/apps/v1/fake", resources: []resource{
		{accessor: "Deployments", plural: "deployments"},
		{accessor: "ReplicaSets", plural: "replicasets"},
	}},
	{accessor: "CoordinationV1", apiGroup: "coordination.k8s.io", version: "v1", fakePkg: "k8s.io/client-go/kubernetes/typed/coordination/v1/fake", resources: []resource{
		{accessor: "Leases", plural: "leases"},
	}},
	{accessor: "DiscoveryV1", apiGroup: "discovery.k8s.io", version: "v1", fakePkg: "k8s.io/client-go/kubernetes/typed/discovery/v1/fake", resources: []resource{
		{accessor: "EndpointSlices", plural: "endpointslices"},
	}},
	{accessor: "RbacV1", apiGroup: "rbac.authorization.k8s.io", version: "v1", fakePkg: "k8s.io/client-go/kubernetes/typed/rbac/v1/fake", resources: []resource{
		{accessor: "ClusterRoleBindings", plural: "clusterrolebindings"},
		{accessor: "ClusterRoles", plural: "clusterroles"},
		{accessor: "RoleBindings", plural: "rolebindings"},
		{accessor: "Roles", plural: "roles"},
	}},
}

// aliases name the imported packages. A type from a package missing here stops the
// generator, which says which path to add.
var aliases = map[string]string{
	"context":                                                "context",
	"k8s.io/api/apps/v1":                                     "appsv1",
	"k8s.io/api/authentication/v1":                           "authenticationv1",
	"k8s.io/api/autoscaling/v1":                              "autoscalingv1",
	"k8s.io/api/coordination/v1":                             "coordinationv1",
	"k8s.io/api/core/v1":                                     "corev1",
	"k8s.io/api/discovery/v1":                                "discoveryv1",
	"k8s.io/api/policy/v1":                                   "policyv1",
	"k8s.io/api/policy/v1beta1":                              "policyv1beta1",
	"k8s.io/api/rbac/v1":                                     "rbacv1",
	"k8s.io/apimachinery/pkg/apis/meta/v1":                   "metav1",
	"k8s.io/apimachinery/pkg/fields":                         "fields",
	"k8s.io/apimachinery/pkg/runtime":                        "runtime",
	"k8s.io/apimachinery/pkg/runtime/schema":                 "schema",
	"k8s.io/apimachinery/pkg/types":                          "types",
	"k8s.io/apimachinery/pkg/watch":                          "watch",
	"k8s.io/client-go/applyconfigurations/apps/v1":           "appsv1ac",
	"k8s.io/client-go/applyconfigurations/autoscaling/v1":    "autoscalingv1ac",
	"k8s.io/client-go/applyconfigurations/coordination/v1":   "coordinationv1ac",
	"k8s.io/client-go/applyconfigurations/core/v1":           "corev1ac",
	"k8s.io/client-go/applyconfigurations/discovery/v1":      "discoveryv1ac",
	"k8s.io/client-go/applyconfigurations/rbac/v1":           "rbacv1ac",
	"k8s.io/client-go/kubernetes/typed/apps/v1":              "appsv1client",
	"k8s.io/client-go/kubernetes/typed/apps/v1/fake":         "fakeappsv1",
	"k8s.io/client-go/kubernetes/typed/coordination/v1":      "coordinationv1client",
	"k8s.io/client-go/kubernetes/typed/coordination/v1/fake": "fakecoordinationv1",
	"k8s.io/client-go/kubernetes/typed/core/v1":              "corev1client",
	"k8s.io/client-go/kubernetes/typed/core/v1/fake":         "fakecorev1",
	"k8s.io/client-go/kubernetes/typed/discovery/v1":         "discoveryv1client",
	"k8s.io/client-go/kubernetes/typed/discovery/v1/fake":    "fakediscoveryv1",
	"k8s.io/client-go/kubernetes/typed/rbac/v1":              "rbacv1client",
	"k8s.io/client-go/kubernetes/typed/rbac/v1/fake":         "fakerbacv1",
	"k8s.io/client-go/rest":                                  "restclient",
	"k8s.io/client-go/testing":                               "clienttesting",
}

var (
	errorType       = reflect.TypeFor[error]()
	listOptionsPath = "k8s.io/apimachinery/pkg/apis/meta/v1.ListOptions"
)

func main() {
	out := flag.String("out", "zz_generated_clients.go", "file to write")
	flag.Parse()
	src, err := generate()
	if err != nil {
		fmt.Fprintf(os.Stderr, "clientgen: %v\n", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "clientgen: %v\n", err)
		os.Exit(1)
	}
}

type generator struct {
	body    bytes.Buffer
	imports map[string]bool
}

func (g *generator) p(format string, args ...any) { fmt.Fprintf(&g.body, format, args...) }

// qualified renders a named type and records its import.
func (g *generator) qualified(pkg, name string) (string, error) {
	alias, ok := aliases[pkg]
	if !ok {
		return "", fmt.Errorf("no import alias for package %q (type %s): add it to the aliases table", pkg, name)
	}
	g.imports[pkg] = true
	return alias + "." + name, nil
}

// typeString renders t as Go source.
func (g *generator) typeString(t reflect.Type) (string, error) {
	if t == errorType {
		return "error", nil
	}
	if t.Name() != "" {
		if t.PkgPath() == "" {
			return t.Name(), nil
		}
		return g.qualified(t.PkgPath(), t.Name())
	}
	switch t.Kind() {
	case reflect.Pointer:
		e, err := g.typeString(t.Elem())
		return "*" + e, err
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && t.Elem().Name() == "uint8" {
			return "[]byte", nil
		}
		e, err := g.typeString(t.Elem())
		return "[]" + e, err
	case reflect.Map:
		k, err := g.typeString(t.Key())
		if err != nil {
			return "", err
		}
		v, err := g.typeString(t.Elem())
		return "map[" + k + "]" + v, err
	}
	return "", fmt.Errorf("type %s (kind %s) is not supported: extend typeString", t, t.Kind())
}

func generate() ([]byte, error) {
	g := &generator{imports: map[string]bool{
		"context":                                true,
		"k8s.io/apimachinery/pkg/runtime/schema": true,
		"k8s.io/client-go/testing":               true,
	}}
	ki := reflect.TypeFor[kubernetes.Interface]()

	var servedGVRs []string
	for _, grp := range served {
		m, ok := ki.MethodByName(grp.accessor)
		if !ok {
			return nil, fmt.Errorf("kubernetes.Interface has no method %s: fix the served table", grp.accessor)
		}
		groupIface := m.Type.Out(0)
		groupType, err := g.qualified(groupIface.PkgPath(), groupIface.Name())
		if err != nil {
			return nil, err
		}
		fakeGroup, err := g.qualified(grp.fakePkg, "Fake"+grp.accessor)
		if err != nil {
			return nil, err
		}
		wrapper := lowerFirst(grp.accessor) + "Client"
		g.p("\n// %s is the %s group client: the stored resources get clients of their own, the\n", wrapper, grp.accessor)
		g.p("// others answer through the shared fake (the server does not serve them).\n")
		g.p("type %s struct {\n\t%s\n\tc *clientset\n}\n\n", wrapper, groupType)
		g.p("// %s implements kubernetes.Interface.\n", grp.accessor)
		g.p("func (c *clientset) %s() %s {\n\treturn %s{%s: c.Clientset.%s(), c: c}\n}\n", grp.accessor, groupType, wrapper, groupIface.Name(), grp.accessor)

		for _, res := range grp.resources {
			acc, ok := groupIface.MethodByName(res.accessor)
			if !ok {
				return nil, fmt.Errorf("%s has no method %s: fix the served table", groupIface, res.accessor)
			}
			namespaced := acc.Type.NumIn() == 1
			resIface := acc.Type.Out(0)
			resType, err := g.qualified(resIface.PkgPath(), resIface.Name())
			if err != nil {
				return nil, err
			}
			client := lowerFirst(res.accessor) + "Client"
			gvrVar := lowerFirst(res.accessor) + "Resource"
			servedGVRs = append(servedGVRs, gvrVar)
			g.p("\nvar %s = schema.GroupVersionResource{Group: %q, Version: %q, Resource: %q}\n", gvrVar, grp.apiGroup, grp.version, res.plural)
			g.p("\n// %s is the typed client of %s.\n", client, res.plural)
			if namespaced {
				g.p("type %s struct {\n\tc  *clientset\n\tns string\n}\n\n", client)
				g.p("func (g %s) %s(namespace string) %s {\n\treturn %s{c: g.c, ns: namespace}\n}\n\n", wrapper, res.accessor, resType, client)
				g.p("func (x %s) fake(f *clienttesting.Fake) %s {\n\treturn (&%s{Fake: f}).%s(x.ns)\n}\n", client, resType, fakeGroup, res.accessor)
			} else {
				g.p("type %s struct {\n\tc *clientset\n}\n\n", client)
				g.p("func (g %s) %s() %s {\n\treturn %s{c: g.c}\n}\n\n", wrapper, res.accessor, resType, client)
				g.p("func (x %s) fake(f *clienttesting.Fake) %s {\n\treturn (&%s{Fake: f}).%s()\n}\n", client, resType, fakeGroup, res.accessor)
			}
			ns := `""`
			if namespaced {
				ns = "x.ns"
			}
			for i := 0; i < resIface.NumMethod(); i++ {
				method := resIface.Method(i)
				if slices.Contains(res.handwritten, method.Name) {
					continue
				}
				if err := g.method(client, gvrVar, ns, method); err != nil {
					return nil, fmt.Errorf("%s.%s: %w", resIface, method.Name, err)
				}
			}
		}
	}
	g.p("\n// generatedResources are the resources with a generated client.\nvar generatedResources = []schema.GroupVersionResource{\n")
	for _, v := range servedGVRs {
		g.p("\t%s,\n", v)
	}
	g.p("}\n")

	var out bytes.Buffer
	out.WriteString("// Code generated by internal/clientgen; DO NOT EDIT.\n\npackage apiserver\n\nimport (\n")
	paths := make([]string, 0, len(g.imports))
	for p := range g.imports {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if last := p[strings.LastIndex(p, "/")+1:]; last == aliases[p] {
			fmt.Fprintf(&out, "\t%q\n", p)
		} else {
			fmt.Fprintf(&out, "\t%s %q\n", aliases[p], p)
		}
	}
	out.WriteString(")\n")
	out.Write(g.body.Bytes())
	src, err := format.Source(out.Bytes())
	if err != nil {
		return out.Bytes(), fmt.Errorf("formatting the generated code: %w", err)
	}
	return src, nil
}

// method writes one method of a typed client.
func (g *generator) method(client, gvrVar, ns string, m reflect.Method) error {
	t := m.Type
	var params, args []string
	hasContext := false
	var listOptions string
	for i := 0; i < t.NumIn(); i++ {
		in := t.In(i)
		name := fmt.Sprintf("p%d", i)
		if i == 0 && in.PkgPath() == "context" && in.Name() == "Context" {
			name, hasContext = "ctx", true
		}
		var typ string
		var err error
		if t.IsVariadic() && i == t.NumIn()-1 {
			typ, err = g.typeString(in.Elem())
			typ = "..." + typ
			args = append(args, name+"...")
		} else {
			typ, err = g.typeString(in)
			args = append(args, name)
		}
		if err != nil {
			return err
		}
		if in.PkgPath()+"."+in.Name() == listOptionsPath {
			listOptions = name
		}
		params = append(params, name+" "+typ)
	}
	var results []string
	for i := 0; i < t.NumOut(); i++ {
		typ, err := g.typeString(t.Out(i))
		if err != nil {
			return err
		}
		results = append(results, typ)
	}
	resultList := strings.Join(results, ", ")
	if len(results) > 1 {
		resultList = "(" + resultList + ")"
	}
	g.p("\nfunc (x %s) %s(%s) %s {\n", client, m.Name, strings.Join(params, ", "), resultList)
	if action := directAction(m, gvrVar, ns); action != "" {
		if t.NumOut() == 1 {
			g.p("\t_, err := x.c.invoke(ctx, %s)\n\treturn err\n}\n", action)
			return nil
		}
		elem := strings.TrimPrefix(results[0], "*")
		g.p("\tobj, err := x.c.invoke(ctx, %s)\n", action)
		g.p("\tr0, _ := obj.(%s)\n\tif r0 == nil {\n\t\tr0 = new(%s)\n\t}\n\treturn r0, err\n}\n", results[0], elem)
		return nil
	}
	call := fmt.Sprintf("x.fake(f).%s(%s)", m.Name, strings.Join(args, ", "))
	returnsError := t.NumOut() > 0 && t.Out(t.NumOut()-1) == errorType
	if !hasContext {
		g.p("\tctx := context.Background()\n")
	}
	if !returnsError {
		// Not a request (a field selector, a request builder): the fake answers.
		g.p("\tf := x.c.newCallFake(ctx)\n\treturn %s\n}\n", call)
		return nil
	}
	check := ""
	if listOptions != "" {
		check = fmt.Sprintf("\t\tif err := x.c.checkSelectors(ctx, %q, %s, %s, %s); err != nil {\n\t\t\treturn err\n\t\t}\n",
			strings.ToLower(m.Name), gvrVar, ns, listOptions)
	}
	switch t.NumOut() {
	case 1:
		g.p("\treturn x.c.call(ctx, func(f *clienttesting.Fake) error {\n%s\t\treturn %s\n\t})\n}\n", check, call)
	case 2:
		g.p("\tvar r0 %s\n", results[0])
		g.p("\terr := x.c.call(ctx, func(f *clienttesting.Fake) (err error) {\n%s\t\tr0, err = %s\n\t\treturn err\n\t})\n", check, call)
		if out := t.Out(0); out.Kind() == reflect.Pointer && out.Elem().Kind() == reflect.Struct {
			// As client-go's typed clients, never a nil object, even with an error.
			g.p("\tif r0 == nil {\n\t\tr0 = new(%s)\n\t}\n", strings.TrimPrefix(results[0], "*"))
		}
		g.p("\treturn r0, err\n}\n")
	default:
		return fmt.Errorf("%d results are not supported", t.NumOut())
	}
	return nil
}

// directAction is the client-go testing action a hot-path method sends, built as
// client-go's fake typed client (k8s.io/client-go/gentype) builds it; "" for the
// methods that go through the fake.
func directAction(m reflect.Method, gvrVar, ns string) string {
	t := m.Type
	if t.NumIn() != 3 || t.NumOut() < 1 || t.Out(t.NumOut()-1) != errorType {
		return ""
	}
	object := t.NumOut() == 2 && t.Out(0).Kind() == reflect.Pointer && t.Out(0).Elem().Kind() == reflect.Struct && t.In(1) == t.Out(0)
	name := t.In(1).Kind() == reflect.String
	options := t.In(2).PkgPath() == "k8s.io/apimachinery/pkg/apis/meta/v1"
	switch {
	case !options:
		return ""
	case m.Name == "Get" && name && t.In(2).Name() == "GetOptions" && t.NumOut() == 2:
		return fmt.Sprintf("clienttesting.NewGetActionWithOptions(%s, %s, p1, p2)", gvrVar, ns)
	case m.Name == "Create" && object && t.In(2).Name() == "CreateOptions":
		return fmt.Sprintf("clienttesting.NewCreateActionWithOptions(%s, %s, p1, p2)", gvrVar, ns)
	case m.Name == "Update" && object && t.In(2).Name() == "UpdateOptions":
		return fmt.Sprintf("clienttesting.NewUpdateActionWithOptions(%s, %s, p1, p2)", gvrVar, ns)
	case m.Name == "UpdateStatus" && object && t.In(2).Name() == "UpdateOptions":
		return fmt.Sprintf("clienttesting.NewUpdateSubresourceActionWithOptions(%s, \"status\", %s, p1, p2)", gvrVar, ns)
	case m.Name == "Delete" && name && t.In(2).Name() == "DeleteOptions" && t.NumOut() == 1:
		return fmt.Sprintf("clienttesting.NewDeleteActionWithOptions(%s, %s, p1, p2)", gvrVar, ns)
	}
	return ""
}

func lowerFirst(s string) string { return strings.ToLower(s[:1]) + s[1:] }
