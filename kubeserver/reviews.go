package kubeserver

import (
	"fmt"
	"net/http"
	"slices"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"flinksim/sim/apiserver"
)

// The access and identity reviews are answered here, not stored: kubectl auth can-i
// (SelfSubjectAccessReview, and SelfSubjectRulesReview for --list), kubectl auth whoami
// (SelfSubjectReview), and the SubjectAccessReviews an admin may ask about anyone.
// They are decided by the same authorizer the simulated API server enforces.

func (s *Server) serveReview(w http.ResponseWriter, r *http.Request, user string, info *requestInfo) {
	if info.verb != "create" {
		writeError(w, methodNotAllowed(r.Method, info))
		return
	}
	obj, _, err := decodeBody(r, info.bodyKind(), "Ignore")
	if err != nil {
		writeError(w, err)
		return
	}
	groups := apiserver.GroupsOf(user)
	switch review := obj.(type) {
	case *authorizationv1.SelfSubjectAccessReview:
		review.Status = s.review(user, groups, review.Spec.ResourceAttributes, review.Spec.NonResourceAttributes)
		writeObject(w, http.StatusCreated, review)
	case *authorizationv1.SubjectAccessReview, *authorizationv1.LocalSubjectAccessReview:
		var spec *authorizationv1.SubjectAccessReviewSpec
		var status *authorizationv1.SubjectAccessReviewStatus
		switch rv := review.(type) {
		case *authorizationv1.SubjectAccessReview:
			spec, status = &rv.Spec, &rv.Status
		case *authorizationv1.LocalSubjectAccessReview:
			spec, status = &rv.Spec, &rv.Status
			if spec.ResourceAttributes != nil {
				spec.ResourceAttributes.Namespace = info.namespace
			}
		}
		if !s.allowed(apiserver.Request{User: user, Groups: groups, Verb: "create", Resource: info.res.gvr, Namespace: info.namespace}) {
			writeError(w, forbiddenReview(user, info))
			return
		}
		if spec.User == "" {
			writeError(w, badRequest("spec.user is required: name the user to review (flinksim derives the groups from the user name)"))
			return
		}
		*status = s.review(spec.User, apiserver.GroupsOf(spec.User), spec.ResourceAttributes, spec.NonResourceAttributes)
		writeObject(w, http.StatusCreated, review)
	case *authorizationv1.SelfSubjectRulesReview:
		review.Status = s.rules(user, groups, review.Spec.Namespace)
		writeObject(w, http.StatusCreated, review)
	case *authenticationv1.SelfSubjectReview:
		review.Status.UserInfo = authenticationv1.UserInfo{Username: user, Groups: groups}
		writeObject(w, http.StatusCreated, review)
	default:
		writeError(w, methodNotAllowed(r.Method, info))
	}
}

func forbiddenReview(user string, info *requestInfo) error {
	scope := "at the cluster scope"
	if info.namespace != "" {
		scope = fmt.Sprintf("in the namespace %q", info.namespace)
	}
	return newStatus(http.StatusForbidden, metav1.StatusReasonForbidden, fmt.Sprintf("%s.%s is forbidden: User %q cannot create resource %q in API group %q %s",
		info.res.gvr.Resource, info.res.gvr.Group, user, info.res.gvr.Resource, info.res.gvr.Group, scope))
}

// review decides the attributes of an access review.
func (s *Server) review(user string, groups []string, res *authorizationv1.ResourceAttributes, nonRes *authorizationv1.NonResourceAttributes) authorizationv1.SubjectAccessReviewStatus {
	if res == nil {
		if nonRes == nil {
			return authorizationv1.SubjectAccessReviewStatus{EvaluationError: "the review names neither resourceAttributes nor nonResourceAttributes"}
		}
		if slices.Contains(groups, apiserver.GroupMasters) || s.cfg.Authorizer == nil {
			return authorizationv1.SubjectAccessReviewStatus{Allowed: true}
		}
		return authorizationv1.SubjectAccessReviewStatus{EvaluationError: "flinksim's authorizer decides resource requests only, not paths like " + nonRes.Path}
	}
	ok, reason := s.decide(apiserver.Request{User: user, Groups: groups, Verb: res.Verb,
		Resource:    schema.GroupVersionResource{Group: res.Group, Version: res.Version, Resource: res.Resource},
		Subresource: res.Subresource, Namespace: res.Namespace, Name: res.Name})
	return authorizationv1.SubjectAccessReviewStatus{Allowed: ok, Reason: reason}
}

// rules lists what a user may do in a namespace (kubectl auth can-i --list), from the
// RBAC objects of the simulated cluster.
func (s *Server) rules(user string, groups []string, namespace string) authorizationv1.SubjectRulesReviewStatus {
	everything := authorizationv1.SubjectRulesReviewStatus{
		ResourceRules:    []authorizationv1.ResourceRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}},
		NonResourceRules: []authorizationv1.NonResourceRule{{Verbs: []string{"*"}, NonResourceURLs: []string{"*"}}},
	}
	if slices.Contains(groups, apiserver.GroupMasters) || s.cfg.Authorizer == nil {
		return everything
	}
	var status authorizationv1.SubjectRulesReviewStatus
	add := func(rules []rbacv1.PolicyRule) {
		for _, r := range rules {
			if len(r.NonResourceURLs) > 0 {
				status.NonResourceRules = append(status.NonResourceRules, authorizationv1.NonResourceRule{Verbs: r.Verbs, NonResourceURLs: r.NonResourceURLs})
				continue
			}
			status.ResourceRules = append(status.ResourceRules, authorizationv1.ResourceRule{Verbs: r.Verbs, APIGroups: r.APIGroups, Resources: r.Resources, ResourceNames: r.ResourceNames})
		}
	}
	roleRules := func(ref rbacv1.RoleRef, ns string) []rbacv1.PolicyRule {
		switch ref.Kind {
		case "ClusterRole":
			if cr, ok := s.cfg.API.Object(rbacv1.SchemeGroupVersion.WithResource("clusterroles"), "", ref.Name).(*rbacv1.ClusterRole); ok {
				return cr.Rules
			}
		case "Role":
			if r, ok := s.cfg.API.Object(rbacv1.SchemeGroupVersion.WithResource("roles"), ns, ref.Name).(*rbacv1.Role); ok {
				return r.Rules
			}
		}
		return nil
	}
	for _, obj := range s.cfg.API.Objects(rbacv1.SchemeGroupVersion.WithResource("clusterrolebindings"), "") {
		if b, ok := obj.(*rbacv1.ClusterRoleBinding); ok && binds(b.Subjects, user, groups, "") {
			add(roleRules(b.RoleRef, ""))
		}
	}
	if namespace != "" {
		for _, obj := range s.cfg.API.Objects(rbacv1.SchemeGroupVersion.WithResource("rolebindings"), namespace) {
			if b, ok := obj.(*rbacv1.RoleBinding); ok && binds(b.Subjects, user, groups, namespace) {
				add(roleRules(b.RoleRef, namespace))
			}
		}
	}
	return status
}

// binds reports whether a subject of a binding is the user or one of its groups.
func binds(subjects []rbacv1.Subject, user string, groups []string, namespace string) bool {
	for _, sub := range subjects {
		switch sub.Kind {
		case rbacv1.UserKind:
			if sub.Name == user {
				return true
			}
		case rbacv1.GroupKind:
			if slices.Contains(groups, sub.Name) {
				return true
			}
		case rbacv1.ServiceAccountKind:
			ns := sub.Namespace
			if ns == "" {
				ns = namespace
			}
			if ns != "" && user == "system:serviceaccount:"+ns+":"+sub.Name {
				return true
			}
		}
	}
	return false
}
