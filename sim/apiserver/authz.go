package apiserver

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Authorizer decides whether a request is allowed. reason is used in the Forbidden
// message when it is not.
type Authorizer interface {
	Authorize(req Request) (allowed bool, reason string)
}

func (s *Server) authorize(req Request) error {
	if s.cfg.Authorizer == nil || req.User == AdminUser {
		return nil
	}
	ok, reason := s.cfg.Authorizer.Authorize(req)
	if ok {
		return nil
	}
	resource := req.Resource.Resource
	if req.Subresource != "" {
		resource += "/" + req.Subresource
	}
	scope := "at the cluster scope"
	if req.Namespace != "" {
		scope = fmt.Sprintf("in the namespace %q", req.Namespace)
	}
	msg := fmt.Sprintf("User %q cannot %s resource %q in API group %q %s", req.User, req.Verb, resource, req.Resource.Group, scope)
	if reason != "" {
		msg += ": " + reason
	}
	return apierrors.NewForbidden(schema.GroupResource{Group: req.Resource.Group, Resource: resource}, req.Name, fmt.Errorf("%s", msg))
}
