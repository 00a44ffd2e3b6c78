package apiserver

import (
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Authorizer decides whether a request is allowed. reason, when not empty, is appended to
// the Forbidden message of a denied request, as the real server does.
type Authorizer interface {
	Authorize(req Request) (allowed bool, reason string)
}

// Well-known groups of the server's authentication.
const (
	GroupMasters         = "system:masters"
	GroupAuthenticated   = "system:authenticated"
	GroupServiceAccounts = "system:serviceaccounts"
	GroupNodes           = "system:nodes"
)

// serviceAccountPrefix starts the user name of a service account:
// system:serviceaccount:<namespace>:<name>.
const serviceAccountPrefix = "system:serviceaccount:"

var (
	adminGroups         = []string{GroupMasters, GroupAuthenticated}
	authenticatedGroups = []string{GroupAuthenticated}
	nodeGroups          = []string{GroupNodes, GroupAuthenticated}
)

// GroupsOf is what the server's authentication says user belongs to: the admin is in
// system:masters, a service account system:serviceaccount:<ns>:<name> in
// system:serviceaccounts and system:serviceaccounts:<ns>, a node system:node:<name> in
// system:nodes, and everybody in system:authenticated. The returned slice is shared:
// callers must not modify it.
func GroupsOf(user string) []string {
	switch {
	case user == AdminUser:
		return adminGroups
	case strings.HasPrefix(user, serviceAccountPrefix):
		ns, _, ok := strings.Cut(strings.TrimPrefix(user, serviceAccountPrefix), ":")
		if !ok || ns == "" {
			return authenticatedGroups
		}
		return []string{GroupServiceAccounts, GroupServiceAccounts + ":" + ns, GroupAuthenticated}
	case strings.HasPrefix(user, "system:node:"):
		return nodeGroups
	}
	return authenticatedGroups
}

// authorize asks the authorizer, except for system:masters, which the real server lets
// through before any other authorizer.
func (s *Server) authorize(req Request) error {
	box := s.authz.Load()
	if box == nil || slices.Contains(req.Groups, GroupMasters) {
		return nil
	}
	attrs := attributesOf(req)
	ok, reason := box.Authorize(attrs)
	if ok {
		return nil
	}
	return forbidden(attrs, reason)
}

// attributesOf is the request as an authorizer sees it: a create of a new object is a
// request to the collection and names nothing.
func attributesOf(req Request) Request {
	if req.Verb == "create" && req.Subresource == "" {
		req.Name = ""
	}
	return req
}

// forbidden words a denial as the real server does, e.g. `pods "x" is forbidden: User
// "u" cannot update resource "pods/status" in API group "" in the namespace "ns"`.
func forbidden(attrs Request, reason string) error {
	resource := attrs.Resource.Resource
	if attrs.Subresource != "" {
		resource += "/" + attrs.Subresource
	}
	scope := "at the cluster scope"
	if attrs.Namespace != "" {
		scope = fmt.Sprintf("in the namespace %q", attrs.Namespace)
	}
	msg := fmt.Sprintf("User %q cannot %s resource %q in API group %q %s", attrs.User, attrs.Verb, resource, attrs.Resource.Group, scope)
	if reason != "" {
		msg += ": " + reason
	}
	return apierrors.NewForbidden(schema.GroupResource{Group: attrs.Resource.Group, Resource: attrs.Resource.Resource}, attrs.Name, fmt.Errorf("%s", msg))
}
