package rbac

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"flinksim/sim/apiserver"
)

// Source is where the authorizer reads RBAC objects; *apiserver.Server is one. The
// objects it returns are read, never modified.
type Source interface {
	Object(gvr schema.GroupVersionResource, namespace, name string) runtime.Object
	Objects(gvr schema.GroupVersionResource, namespace string) []runtime.Object
}

// Config configures an Authorizer.
type Config struct {
	// Source holds the RBAC objects. Required.
	Source Source
}

// Authorizer decides requests by the RBAC objects of its source. It reads the objects
// at every request, so a grant takes effect at once.
type Authorizer struct {
	src Source
}

var _ apiserver.Authorizer = (*Authorizer)(nil)

// New validates cfg and builds the authorizer.
func New(cfg Config) (*Authorizer, error) {
	if cfg.Source == nil {
		return nil, errors.New("rbac: Config.Source is required (the API server whose RBAC objects decide requests)")
	}
	return &Authorizer{src: cfg.Source}, nil
}

var (
	rolesGVR               = rbacv1.SchemeGroupVersion.WithResource("roles")
	roleBindingsGVR        = rbacv1.SchemeGroupVersion.WithResource("rolebindings")
	clusterRolesGVR        = rbacv1.SchemeGroupVersion.WithResource("clusterroles")
	clusterRoleBindingsGVR = rbacv1.SchemeGroupVersion.WithResource("clusterrolebindings")
)

// Authorize implements apiserver.Authorizer: allowed when a ClusterRoleBinding, or a
// RoleBinding of the request's namespace, binds the user to a role with a rule that
// covers the request.
func (a *Authorizer) Authorize(req apiserver.Request) (bool, string) {
	var problems []string
	for _, obj := range a.src.Objects(clusterRoleBindingsGVR, "") {
		crb, ok := obj.(*rbacv1.ClusterRoleBinding)
		if !ok || !bindsUser(crb.Subjects, req.User, req.Groups, "") {
			continue
		}
		rules, err := a.rules(crb.RoleRef, "")
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if RulesAllow(rules, req) {
			return true, ""
		}
	}
	if req.Namespace != "" {
		for _, obj := range a.src.Objects(roleBindingsGVR, req.Namespace) {
			rb, ok := obj.(*rbacv1.RoleBinding)
			if !ok || !bindsUser(rb.Subjects, req.User, req.Groups, req.Namespace) {
				continue
			}
			rules, err := a.rules(rb.RoleRef, req.Namespace)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			if RulesAllow(rules, req) {
				return true, ""
			}
		}
	}
	return false, denialReason(problems)
}

// denialReason words the problems met on the way, as the real authorizer aggregates them.
func denialReason(problems []string) string {
	switch len(problems) {
	case 0:
		return ""
	case 1:
		return "RBAC: " + problems[0]
	}
	return "RBAC: [" + strings.Join(problems, ", ") + "]"
}

// rules are the rules of the role a binding refers to.
func (a *Authorizer) rules(ref rbacv1.RoleRef, namespace string) ([]rbacv1.PolicyRule, error) {
	switch ref.Kind {
	case "ClusterRole":
		if cr, ok := a.src.Object(clusterRolesGVR, "", ref.Name).(*rbacv1.ClusterRole); ok {
			return cr.Rules, nil
		}
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: rbacv1.GroupName, Resource: "clusterrole"}, ref.Name)
	case "Role":
		if r, ok := a.src.Object(rolesGVR, namespace, ref.Name).(*rbacv1.Role); ok {
			return r.Rules, nil
		}
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: rbacv1.GroupName, Resource: "role"}, ref.Name)
	}
	return nil, fmt.Errorf("unsupported role reference kind: %q", ref.Kind)
}

// bindsUser reports whether any subject is the user, one of its groups, or (for a
// service account subject without a namespace, in a RoleBinding) the service account
// of that name in the binding's namespace.
func bindsUser(subjects []rbacv1.Subject, user string, groups []string, namespace string) bool {
	for _, s := range subjects {
		switch s.Kind {
		case rbacv1.UserKind:
			if s.Name == user {
				return true
			}
		case rbacv1.GroupKind:
			if slices.Contains(groups, s.Name) {
				return true
			}
		case rbacv1.ServiceAccountKind:
			ns := namespace
			if s.Namespace != "" {
				ns = s.Namespace
			}
			if ns != "" && user == "system:serviceaccount:"+ns+":"+s.Name {
				return true
			}
		}
	}
	return false
}

// RulesAllow reports whether any rule covers the request.
func RulesAllow(rules []rbacv1.PolicyRule, req apiserver.Request) bool {
	for i := range rules {
		if RuleAllows(&rules[i], req) {
			return true
		}
	}
	return false
}

// RuleAllows reports whether a rule covers a resource request: its verb, API group,
// resource (or resource/subresource, or */subresource) and, when the rule names any,
// the object's name.
func RuleAllows(rule *rbacv1.PolicyRule, req apiserver.Request) bool {
	resource := req.Resource.Resource
	if req.Subresource != "" {
		resource += "/" + req.Subresource
	}
	return matchesOrAll(rule.Verbs, req.Verb) &&
		matchesOrAll(rule.APIGroups, req.Resource.Group) &&
		resourceMatches(rule.Resources, resource, req.Subresource) &&
		(len(rule.ResourceNames) == 0 || slices.Contains(rule.ResourceNames, req.Name))
}

func matchesOrAll(values []string, want string) bool {
	for _, v := range values {
		if v == "*" || v == want {
			return true
		}
	}
	return false
}

func resourceMatches(resources []string, combined, subresource string) bool {
	for _, r := range resources {
		switch {
		case r == rbacv1.ResourceAll, r == combined:
			return true
		case subresource != "" && r == "*/"+subresource:
			return true
		}
	}
	return false
}
