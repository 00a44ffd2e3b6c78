package faults

import (
	"fmt"
	"path"
	"strings"

	"flinksim/sim/apiserver"
)

// Match selects requests. A field left empty matches anything; otherwise it holds one
// or more comma-separated patterns in path.Match syntax ("*", "?", "[a-z]"), e.g.
// Verb: "create,update,patch" or Name: "*-leader".
type Match struct {
	// User is the identity, e.g. "system:serviceaccount:flink:*".
	User string
	// Verb is get, list, watch, create, update, patch, delete or deletecollection.
	Verb string
	// Resource is the plural resource name, with "/<subresource>" for a subresource:
	// "pods" matches requests on pods themselves, "pods/status" on their status,
	// "pods/*" on any of their subresources.
	Resource  string
	Namespace string
	Name      string
}

// All matches every request.
var All = Match{}

// Matches reports whether req is selected. A malformed pattern matches nothing (see
// Validate).
func (m Match) Matches(req apiserver.Request) bool {
	resource := req.Resource.Resource
	if req.Subresource != "" {
		resource += "/" + req.Subresource
	}
	return matches(m.User, req.User) && matches(m.Verb, req.Verb) && matches(m.Resource, resource) &&
		matches(m.Namespace, req.Namespace) && matches(m.Name, req.Name)
}

func matches(patterns, value string) bool {
	if patterns == "" {
		return true
	}
	for _, p := range strings.Split(patterns, ",") {
		if ok, err := path.Match(strings.TrimSpace(p), value); ok && err == nil {
			return true
		}
	}
	return false
}

// Validate reports the first malformed pattern.
func (m Match) Validate() error {
	for _, f := range []struct{ field, patterns string }{
		{"User", m.User}, {"Verb", m.Verb}, {"Resource", m.Resource}, {"Namespace", m.Namespace}, {"Name", m.Name},
	} {
		if f.patterns == "" {
			continue
		}
		for _, p := range strings.Split(f.patterns, ",") {
			if _, err := path.Match(strings.TrimSpace(p), ""); err != nil {
				return fmt.Errorf("faults: Match.%s pattern %q is malformed (path.Match syntax: *, ?, [a-z]): %w", f.field, p, err)
			}
		}
	}
	return nil
}

// String renders the match as "verb resource namespace/name by user", with "*" for
// what it leaves open.
func (m Match) String() string {
	or := func(s string) string {
		if s == "" {
			return "*"
		}
		return s
	}
	s := or(m.Verb) + " " + or(m.Resource) + " " + or(m.Namespace) + "/" + or(m.Name)
	if m.User != "" {
		s += " by " + m.User
	}
	return s
}
