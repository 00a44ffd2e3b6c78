package faults

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"

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
	// Labels is a label selector (labels.Parse syntax, e.g. "app=my-session"; unlike
	// the other fields, one selector, not a list of patterns). A request matches when
	// the object it is about carries matching labels (apiserver.Request.Labels: the
	// object a create or an update sends, the stored object of a get, patch, delete or
	// watch by name), or when it lists or watches only such objects: its own label
	// selector asks for no more than the selector allows, e.g. a watch of
	// "app=my-session,component=taskmanager" is about objects labelled "app=my-session".
	// A request about no object and without a label selector does not match.
	Labels string
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
		matches(m.Namespace, req.Namespace) && matches(m.Name, req.Name) && labelsMatch(m.Labels, req)
}

// labelsMatch reports whether req is about objects the selector selects (see
// Match.Labels).
func labelsMatch(selector string, req apiserver.Request) bool {
	if selector == "" {
		return true
	}
	sel, err := labels.Parse(selector)
	if err != nil {
		return false
	}
	if l := req.Labels(); l != nil {
		return sel.Matches(labels.Set(l))
	}
	if req.LabelSelector == "" {
		return false
	}
	asked, err := labels.Parse(req.LabelSelector)
	if err != nil {
		return false
	}
	want, _ := sel.Requirements()
	have, _ := asked.Requirements()
	for _, w := range want {
		if !slices.ContainsFunc(have, func(h labels.Requirement) bool { return implies(h, w) }) {
			return false
		}
	}
	return true
}

// implies reports whether every label set that meets h meets w too (for requirements
// on the same key; a conservative answer: false when in doubt).
func implies(h, w labels.Requirement) bool {
	if h.Key() != w.Key() {
		return false
	}
	positive := func(op selection.Operator) bool {
		return op == selection.Equals || op == selection.DoubleEquals || op == selection.In
	}
	hv, wv := h.Values(), w.Values()
	switch op := w.Operator(); {
	case positive(op):
		return positive(h.Operator()) && wv.IsSuperset(hv)
	case op == selection.Exists:
		return positive(h.Operator()) || h.Operator() == selection.Exists
	case op == selection.NotEquals || op == selection.NotIn:
		if positive(h.Operator()) {
			return !wv.HasAny(hv.UnsortedList()...)
		}
		return (h.Operator() == selection.NotEquals || h.Operator() == selection.NotIn) && hv.IsSuperset(wv)
	case op == selection.DoesNotExist:
		return h.Operator() == selection.DoesNotExist
	}
	return false
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
	if _, err := labels.Parse(m.Labels); err != nil {
		return fmt.Errorf("faults: Match.Labels %q is not a label selector (e.g. \"app=my-session\"): %w", m.Labels, err)
	}
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

// String renders the match as "verb resource namespace/name [labels] by user", with
// "*" for what it leaves open.
func (m Match) String() string {
	or := func(s string) string {
		if s == "" {
			return "*"
		}
		return s
	}
	s := or(m.Verb) + " " + or(m.Resource) + " " + or(m.Namespace) + "/" + or(m.Name)
	if m.Labels != "" {
		s += " [" + m.Labels + "]"
	}
	if m.User != "" {
		s += " by " + m.User
	}
	return s
}
