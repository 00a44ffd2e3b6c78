// Package rbac is the simulated API server's RBAC authorizer and its bootstrap policy.
//
// The authorizer (apiserver.Authorizer) decides each request from the Roles,
// ClusterRoles, RoleBindings and ClusterRoleBindings stored in the server, by the real
// authorizer's rules: a binding applies to a user, a group of the user or a service
// account; a rule matches by verb, API group, resource (with "resource/subresource" and
// "*/subresource" forms), and resourceNames; a RoleBinding grants only in its namespace.
// A denial's reason names the roles a binding refers to that do not exist, as the real
// server's does. Members of system:masters are let through by the server before any
// authorizer runs.
//
// The bootstrap policy is the part of the real server's default roles and bindings that
// the simulated cluster uses: cluster-admin, admin, edit, view (with the rules aggregated
// into them), system:basic-user, system:discovery, system:public-info-viewer, the roles
// of the scheduler, the nodes and the controllers the simulator runs, labelled
// kubernetes.io/bootstrapping=rbac-defaults.
//
// What it does not model: escalation checks on creating roles and bindings (a real
// server lets a user grant only what the user holds), the ClusterRole aggregation
// controller (aggregated roles carry their rules as created), non-resource URLs (the
// simulator serves none), and the Node authorizer: kubelets (group system:nodes) are
// bound to ClusterRole system:node, as clusters before v1.8 did.
package rbac
