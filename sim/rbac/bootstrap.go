package rbac

import (
	"context"
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"flinksim/sim/apiserver"
)

// Identities of the simulated cluster's own components. The controllers use service
// accounts of kube-system, as kube-controller-manager does with
// --use-service-account-credentials.
const (
	SchedulerUser            = "system:kube-scheduler"
	ControllerManagerUser    = "system:kube-controller-manager"
	GarbageCollectorUser     = "system:serviceaccount:kube-system:generic-garbage-collector"
	DeploymentControllerUser = "system:serviceaccount:kube-system:deployment-controller"
	ReplicaSetControllerUser = "system:serviceaccount:kube-system:replicaset-controller"
	NamespaceControllerUser  = "system:serviceaccount:kube-system:namespace-controller"
	NodeControllerUser       = "system:serviceaccount:kube-system:node-controller"
	EndpointControllerUser   = "system:serviceaccount:kube-system:endpoint-controller"
	// EndpointSliceControllerUser is the EndpointSlice controller's identity.
	EndpointSliceControllerUser = "system:serviceaccount:kube-system:endpointslice-controller"
	// ProxyUser is kube-proxy's identity: the simulator's service proxy (and DNS) reads
	// Services and EndpointSlices as it.
	ProxyUser = "system:kube-proxy"
)

const (
	controllerRolePrefix = "system:controller:"
	bootstrapLabel       = "kubernetes.io/bootstrapping"
	bootstrapLabelValue  = "rbac-defaults"
	autoupdateAnnotation = "rbac.authorization.kubernetes.io/autoupdate"
	aggregateToAdmin     = "rbac.authorization.k8s.io/aggregate-to-admin"
	aggregateToEdit      = "rbac.authorization.k8s.io/aggregate-to-edit"
	aggregateToView      = "rbac.authorization.k8s.io/aggregate-to-view"
	systemNodeRole       = "system:node"
	issuerDiscoveryRole  = "system:service-account-issuer-discovery"
)

// API groups the policy names.
const (
	legacyGroup         = ""
	appsGroup           = "apps"
	autoscalingGroup    = "autoscaling"
	batchGroup          = "batch"
	coordinationGroup   = "coordination.k8s.io"
	discoveryGroup      = "discovery.k8s.io"
	eventsGroup         = "events.k8s.io"
	extensionsGroup     = "extensions"
	networkingGroup     = "networking.k8s.io"
	policyGroup         = "policy"
	authenticationGroup = "authentication.k8s.io"
	authorizationGroup  = "authorization.k8s.io"
	rbacGroup           = rbacv1.GroupName
)

var (
	read       = []string{"get", "list", "watch"}
	write      = []string{"create", "update", "patch", "delete", "deletecollection"}
	readWrite  = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}
	eventsRule = rule([]string{"create", "update", "patch"}, []string{legacyGroup, eventsGroup}, "events")
)

func rule(verbs, groups []string, resources ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: verbs, APIGroups: groups, Resources: resources}
}

func named(r rbacv1.PolicyRule, names ...string) rbacv1.PolicyRule {
	r.ResourceNames = names
	return r
}

func urls(verbs []string, paths ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: verbs, NonResourceURLs: paths}
}

func groups(gs ...string) []string { return gs }

func viewRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		rule(read, groups(legacyGroup), "pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
			"services", "services/status", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "configmaps"),
		rule(read, groups(legacyGroup), "limitranges", "resourcequotas", "bindings",
			"pods/status", "resourcequotas/status", "namespaces/status", "replicationcontrollers/status", "pods/log"),
		rule(read, groups(legacyGroup), "namespaces"),
		rule(read, groups(legacyGroup, eventsGroup), "events"),
		rule(read, groups(discoveryGroup), "endpointslices"),
		rule(read, groups(appsGroup), "controllerrevisions", "statefulsets", "statefulsets/status", "statefulsets/scale",
			"daemonsets", "daemonsets/status", "deployments", "deployments/status", "deployments/scale",
			"replicasets", "replicasets/status", "replicasets/scale"),
		rule(read, groups(autoscalingGroup), "horizontalpodautoscalers", "horizontalpodautoscalers/status"),
		rule(read, groups(batchGroup), "jobs", "cronjobs", "cronjobs/status", "jobs/status"),
		rule(read, groups(extensionsGroup), "daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status",
			"ingresses", "ingresses/status", "replicasets", "replicasets/scale", "replicasets/status", "replicationcontrollers/scale",
			"networkpolicies"),
		rule(read, groups(policyGroup), "poddisruptionbudgets", "poddisruptionbudgets/status"),
		rule(read, groups(networkingGroup), "networkpolicies", "ingresses", "ingresses/status"),
	}
}

func editRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		rule(read, groups(legacyGroup), "pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy"),
		rule([]string{"impersonate"}, groups(legacyGroup), "serviceaccounts"),
		rule(write, groups(legacyGroup), "pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"),
		rule([]string{"create"}, groups(legacyGroup), "pods/eviction"),
		rule(write, groups(legacyGroup), "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
			"services", "services/proxy", "persistentvolumeclaims", "configmaps", "secrets"),
		rule([]string{"create"}, groups(legacyGroup), "serviceaccounts/token"),
		rule(write, groups(legacyGroup, eventsGroup), "events"),
		rule(write, groups(appsGroup), "statefulsets", "statefulsets/scale", "daemonsets",
			"deployments", "deployments/scale", "deployments/rollback", "replicasets", "replicasets/scale"),
		rule(write, groups(autoscalingGroup), "horizontalpodautoscalers"),
		rule(write, groups(batchGroup), "jobs", "cronjobs"),
		rule(write, groups(extensionsGroup), "daemonsets", "deployments", "deployments/scale", "deployments/rollback", "ingresses",
			"replicasets", "replicasets/scale", "replicationcontrollers/scale", "networkpolicies"),
		rule(write, groups(policyGroup), "poddisruptionbudgets"),
		rule(write, groups(networkingGroup), "networkpolicies", "ingresses"),
		rule(readWrite, groups(coordinationGroup), "leases"),
	}
}

func adminRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		rule([]string{"create"}, groups(authorizationGroup), "localsubjectaccessreviews"),
		rule(readWrite, groups(rbacGroup), "roles", "rolebindings"),
	}
}

func nodeRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		rule([]string{"create"}, groups(authenticationGroup), "tokenreviews"),
		rule([]string{"create"}, groups(authorizationGroup), "subjectaccessreviews", "localsubjectaccessreviews"),
		rule(read, groups(legacyGroup), "services"),
		rule([]string{"create", "get", "list", "watch"}, groups(legacyGroup), "nodes"),
		rule([]string{"update", "patch"}, groups(legacyGroup), "nodes/status"),
		rule([]string{"update", "patch"}, groups(legacyGroup), "nodes"),
		rule([]string{"create", "update", "patch"}, groups(legacyGroup, eventsGroup), "events"),
		rule(read, groups(legacyGroup), "pods"),
		rule([]string{"create", "delete"}, groups(legacyGroup), "pods"),
		rule([]string{"update", "patch"}, groups(legacyGroup), "pods/status"),
		rule([]string{"create"}, groups(legacyGroup), "pods/eviction"),
		rule([]string{"get", "list", "watch"}, groups(legacyGroup), "secrets", "configmaps"),
		rule([]string{"get"}, groups(legacyGroup), "persistentvolumeclaims", "persistentvolumes"),
		rule([]string{"get"}, groups(legacyGroup), "endpoints"),
		rule([]string{"get", "create", "update", "patch", "delete"}, groups(coordinationGroup), "leases"),
		rule([]string{"create"}, groups(legacyGroup), "serviceaccounts/token"),
	}
}

func schedulerRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		eventsRule,
		rule([]string{"create"}, groups(coordinationGroup), "leases"),
		named(rule([]string{"get", "update", "list", "watch"}, groups(coordinationGroup), "leases"), "kube-scheduler"),
		rule(readWrite, groups(coordinationGroup), "leasecandidates"),
		rule(read, groups(legacyGroup), "nodes"),
		rule([]string{"get", "list", "watch", "delete"}, groups(legacyGroup), "pods"),
		rule([]string{"create"}, groups(legacyGroup), "pods/binding", "bindings"),
		rule([]string{"patch", "update"}, groups(legacyGroup), "pods/status"),
		rule(read, groups(legacyGroup), "services", "replicationcontrollers"),
		rule(read, groups(appsGroup, extensionsGroup), "replicasets"),
		rule(read, groups(appsGroup), "statefulsets"),
		rule(read, groups(policyGroup), "poddisruptionbudgets"),
		rule(read, groups(legacyGroup), "persistentvolumeclaims", "persistentvolumes"),
		rule([]string{"create"}, groups(authenticationGroup), "tokenreviews"),
		rule([]string{"create"}, groups(authorizationGroup), "subjectaccessreviews"),
		rule(read, groups(legacyGroup), "namespaces"),
	}
}

func controllerManagerRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		eventsRule,
		rule([]string{"create"}, groups(coordinationGroup), "leases"),
		named(rule([]string{"get", "update"}, groups(coordinationGroup), "leases"), "kube-controller-manager"),
		rule([]string{"create"}, groups(legacyGroup), "secrets", "serviceaccounts"),
		rule([]string{"delete"}, groups(legacyGroup), "secrets"),
		rule([]string{"get"}, groups(legacyGroup), "namespaces", "secrets", "serviceaccounts", "configmaps"),
		rule([]string{"update"}, groups(legacyGroup), "secrets", "serviceaccounts"),
		rule([]string{"create"}, groups(authenticationGroup), "tokenreviews"),
		rule([]string{"create"}, groups(authorizationGroup), "subjectaccessreviews"),
		rule([]string{"list", "watch"}, groups("*"), "*"),
		rule([]string{"create"}, groups(legacyGroup), "serviceaccounts/token"),
	}
}

// controllerRoles are the roles of the controllers the simulator runs, as the real
// bootstrap policy grants them.
func controllerRoles() map[string][]rbacv1.PolicyRule {
	return map[string][]rbacv1.PolicyRule{
		"deployment-controller": {
			rule([]string{"get", "list", "watch", "update"}, groups(extensionsGroup, appsGroup), "deployments"),
			rule([]string{"update"}, groups(extensionsGroup, appsGroup), "deployments/status"),
			rule([]string{"update"}, groups(extensionsGroup, appsGroup), "deployments/finalizers"),
			rule([]string{"get", "list", "watch", "create", "update", "patch", "delete"}, groups(appsGroup, extensionsGroup), "replicasets"),
			rule([]string{"get", "list", "watch", "update"}, groups(legacyGroup), "pods"),
			eventsRule,
		},
		"replicaset-controller": {
			rule([]string{"get", "list", "watch", "update"}, groups(appsGroup, extensionsGroup), "replicasets"),
			rule([]string{"update"}, groups(appsGroup, extensionsGroup), "replicasets/status"),
			rule([]string{"update"}, groups(appsGroup, extensionsGroup), "replicasets/finalizers"),
			rule([]string{"list", "watch", "patch", "create", "delete"}, groups(legacyGroup), "pods"),
			eventsRule,
		},
		"namespace-controller": {
			rule([]string{"get", "list", "watch", "delete"}, groups(legacyGroup), "namespaces"),
			rule([]string{"update"}, groups(legacyGroup), "namespaces/finalize", "namespaces/status"),
			rule([]string{"get", "list", "watch", "delete", "deletecollection"}, groups("*"), "*"),
		},
		"endpoint-controller": {
			rule(read, groups(legacyGroup), "services", "pods"),
			rule([]string{"get", "list", "watch", "create", "update", "delete"}, groups(legacyGroup), "endpoints"),
			rule([]string{"create"}, groups(legacyGroup), "endpoints/restricted"),
			eventsRule,
		},
		"endpointslice-controller": {
			rule(read, groups(legacyGroup), "services", "pods", "nodes"),
			// To create slices owned by the Service with blockOwnerDeletion=true.
			rule([]string{"update"}, groups(legacyGroup), "services/finalizers"),
			rule([]string{"get", "list", "watch", "create", "update", "delete"}, groups(discoveryGroup), "endpointslices"),
			eventsRule,
		},
		"node-controller": {
			rule([]string{"get", "list", "watch", "update", "delete", "patch"}, groups(legacyGroup), "nodes"),
			rule([]string{"patch", "update"}, groups(legacyGroup), "nodes/status"),
			rule([]string{"patch", "update"}, groups(legacyGroup), "pods/status"),
			rule([]string{"list", "watch", "get", "delete"}, groups(legacyGroup), "pods"),
			rule([]string{"get", "list", "watch"}, groups(coordinationGroup), "leases"),
			eventsRule,
		},
		"generic-garbage-collector": {
			rule([]string{"get", "list", "watch", "patch", "update", "delete"}, groups("*"), "*"),
			eventsRule,
		},
	}
}

func clusterRole(name string, rules []rbacv1.PolicyRule, labels map[string]string) *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{ObjectMeta: bootstrapMeta(name, labels), Rules: rules}
}

func aggregated(name, selectLabel string, rules []rbacv1.PolicyRule, labels map[string]string) *rbacv1.ClusterRole {
	cr := clusterRole(name, rules, labels)
	cr.AggregationRule = &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{selectLabel: "true"}}}}
	return cr
}

func bootstrapMeta(name string, labels map[string]string) metav1.ObjectMeta {
	l := map[string]string{bootstrapLabel: bootstrapLabelValue}
	for k, v := range labels {
		l[k] = v
	}
	return metav1.ObjectMeta{Name: name, Labels: l, Annotations: map[string]string{autoupdateAnnotation: "true"}}
}

func binding(name, role string, subjects ...rbacv1.Subject) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		ObjectMeta: bootstrapMeta(name, nil),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects:   subjects,
	}
}

func userSubject(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}
}

func groupSubject(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: name}
}

// Policy is the bootstrap policy: the ClusterRoles and ClusterRoleBindings a fresh
// simulated cluster has.
func Policy() ([]*rbacv1.ClusterRole, []*rbacv1.ClusterRoleBinding) {
	concat := func(rs ...[]rbacv1.PolicyRule) []rbacv1.PolicyRule {
		var out []rbacv1.PolicyRule
		for _, r := range rs {
			out = append(out, r...)
		}
		return out
	}
	roles := []*rbacv1.ClusterRole{
		clusterRole("cluster-admin", []rbacv1.PolicyRule{rule([]string{"*"}, groups("*"), "*"), urls([]string{"*"}, "*")}, nil),
		clusterRole("system:discovery", []rbacv1.PolicyRule{urls([]string{"get"},
			"/livez", "/readyz", "/healthz", "/version", "/version/", "/openapi", "/openapi/*", "/api", "/api/*", "/apis", "/apis/*")}, nil),
		clusterRole("system:basic-user", []rbacv1.PolicyRule{
			rule([]string{"create"}, groups(authorizationGroup), "selfsubjectaccessreviews", "selfsubjectrulesreviews"),
			rule([]string{"create"}, groups(authenticationGroup), "selfsubjectreviews"),
		}, nil),
		clusterRole("system:public-info-viewer", []rbacv1.PolicyRule{urls([]string{"get"}, "/livez", "/readyz", "/healthz", "/version", "/version/")}, nil),
		clusterRole(issuerDiscoveryRole, []rbacv1.PolicyRule{urls([]string{"get"}, "/.well-known/openid-configuration", "/.well-known/openid-configuration/", "/openid/v1/jwks", "/openid/v1/jwks/")}, nil),
		aggregated("admin", aggregateToAdmin, concat(adminRules(), editRules(), viewRules()), nil),
		aggregated("edit", aggregateToEdit, concat(editRules(), viewRules()), map[string]string{aggregateToAdmin: "true"}),
		aggregated("view", aggregateToView, viewRules(), map[string]string{aggregateToEdit: "true"}),
		clusterRole("system:aggregate-to-admin", adminRules(), map[string]string{aggregateToAdmin: "true"}),
		clusterRole("system:aggregate-to-edit", editRules(), map[string]string{aggregateToEdit: "true"}),
		clusterRole("system:aggregate-to-view", viewRules(), map[string]string{aggregateToView: "true"}),
		clusterRole(systemNodeRole, nodeRules(), nil),
		clusterRole("system:kube-scheduler", schedulerRules(), nil),
		clusterRole("system:kube-controller-manager", controllerManagerRules(), nil),
		clusterRole("system:node-proxier", []rbacv1.PolicyRule{
			rule([]string{"list", "watch"}, groups(legacyGroup), "services", "endpoints"),
			rule(read, groups(legacyGroup), "nodes"),
			eventsRule,
			rule([]string{"list", "watch"}, groups(discoveryGroup), "endpointslices"),
		}, nil),
	}
	bindings := []*rbacv1.ClusterRoleBinding{
		binding("cluster-admin", "cluster-admin", groupSubject(apiserver.GroupMasters)),
		binding("system:discovery", "system:discovery", groupSubject(apiserver.GroupAuthenticated)),
		binding("system:basic-user", "system:basic-user", groupSubject(apiserver.GroupAuthenticated)),
		binding("system:public-info-viewer", "system:public-info-viewer", groupSubject(apiserver.GroupAuthenticated), groupSubject("system:unauthenticated")),
		binding(issuerDiscoveryRole, issuerDiscoveryRole, groupSubject(apiserver.GroupServiceAccounts)),
		binding("system:kube-controller-manager", "system:kube-controller-manager", userSubject(ControllerManagerUser)),
		binding("system:kube-scheduler", "system:kube-scheduler", userSubject(SchedulerUser)),
		binding("system:node-proxier", "system:node-proxier", userSubject(ProxyUser)),
		// The simulator has no Node authorizer: the nodes' group keeps the binding that
		// real clusters emptied in v1.8.
		binding(systemNodeRole, systemNodeRole, groupSubject(apiserver.GroupNodes)),
	}
	for _, name := range []string{"deployment-controller", "endpoint-controller", "endpointslice-controller", "generic-garbage-collector", "namespace-controller", "node-controller", "replicaset-controller"} {
		role := controllerRolePrefix + name
		roles = append(roles, clusterRole(role, controllerRoles()[name], nil))
		bindings = append(bindings, binding(role, role, rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: "kube-system"}))
	}
	return roles, bindings
}

// Bootstrap creates the bootstrap policy through client; what exists already is left
// as it is.
func Bootstrap(ctx context.Context, client kubernetes.Interface) error {
	roles, bindings := Policy()
	for _, r := range roles {
		if _, err := client.RbacV1().ClusterRoles().Create(ctx, r, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("rbac: creating clusterrole %s: %w", r.Name, err)
		}
	}
	for _, b := range bindings {
		if _, err := client.RbacV1().ClusterRoleBindings().Create(ctx, b, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("rbac: creating clusterrolebinding %s: %w", b.Name, err)
		}
	}
	return nil
}
