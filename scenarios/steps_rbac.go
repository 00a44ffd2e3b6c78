package scenarios

import (
	"context"
	"fmt"
	"strings"

	"github.com/cucumber/godog"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Service accounts, RBAC and namespaces (Flink docs "Native Kubernetes" → RBAC and
// Namespace; reference §7.2, §7.3). With RBAC enforced, the JobManager acts as its
// pod's service account (kubernetes.jobmanager.service-account, falling back to
// kubernetes.service-account), and that account needs the rights to watch, create
// and delete TaskManager pods.

func (w *World) registerRBACSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the service account "([^"]*)" exists$`, w.theServiceAccountExists)
	sc.Step(`^the service account "([^"]*)" may edit the namespace "([^"]*)"$`, w.theServiceAccountMayEditTheNamespace)
	sc.Step(`^the service account "([^"]*)" has the role "([^"]*)":$`, w.theServiceAccountHasTheRole)
	sc.Step(`^the (JobManager|TaskManager) pods of "([^"]*)" run as the service account "([^"]*)"$`, w.thePodsRunAsTheServiceAccount)
	sc.Step(`^I work in the namespace "([^"]*)"$`, w.iWorkInTheNamespace)
}

// clientKey is the key of a deployed cluster in World.clients: the cluster id, with
// the namespace in front outside "default", so that clusters of the same id in two
// namespaces are told apart.
func (w *World) clientKey(id string) string {
	if w.namespace == "default" {
		return id
	}
	return w.namespace + "/" + id
}

// theServiceAccountExists creates a service account in the current namespace.
// Example: Given the service account "flink" exists
func (w *World) theServiceAccountExists(name string) error {
	cs, err := w.kube()
	if err != nil {
		return err
	}
	_, err = cs.CoreV1().ServiceAccounts(w.namespace).Create(context.Background(),
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.namespace}}, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		err = nil
	}
	w.tracef("kubectl create serviceaccount %s -n %s: %v", name, w.namespace, err)
	return err
}

func (w *World) bindServiceAccount(name, namespace string, ref rbacv1.RoleRef, binding string) error {
	cs, err := w.kube()
	if err != nil {
		return err
	}
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: binding, Namespace: namespace},
		RoleRef:    ref,
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: w.namespace}},
	}
	_, err = cs.RbacV1().RoleBindings(namespace).Create(context.Background(), rb, metav1.CreateOptions{})
	w.tracef("kubectl create rolebinding %s --%s=%s --serviceaccount=%s:%s -n %s: %v",
		binding, strings.ToLower(ref.Kind), ref.Name, w.namespace, name, namespace, err)
	return err
}

// theServiceAccountMayEditTheNamespace binds the built-in "edit" ClusterRole to a
// service account of the current namespace, as the Flink docs suggest.
// Example: Given the service account "flink" may edit the namespace "default"
func (w *World) theServiceAccountMayEditTheNamespace(name, namespace string) error {
	return w.bindServiceAccount(name, namespace, rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "edit"}, name+"-edit")
}

// theServiceAccountHasTheRole creates a Role in the current namespace from a table of
// | resources | verbs | (comma-separated; "deployments" and "replicasets" are in the
// apps group) and binds it to the service account.
// Example: Given the service account "flink" has the role "flink-no-create":
func (w *World) theServiceAccountHasTheRole(name, role string, table *godog.Table) error {
	cs, err := w.kube()
	if err != nil {
		return err
	}
	r := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: role, Namespace: w.namespace}}
	for i, row := range table.Rows {
		if len(row.Cells) != 2 {
			return fmt.Errorf("role table row %d: write two cells, | resources | verbs |", i+1)
		}
		resources, verbs := splitList(row.Cells[0].Value), splitList(row.Cells[1].Value)
		if i == 0 && len(resources) == 1 && resources[0] == "resources" {
			continue
		}
		byGroup := map[string][]string{}
		for _, res := range resources {
			group := ""
			if res == "deployments" || res == "replicasets" {
				group = "apps"
			}
			byGroup[group] = append(byGroup[group], res)
		}
		for _, group := range []string{"", "apps"} {
			if len(byGroup[group]) > 0 {
				r.Rules = append(r.Rules, rbacv1.PolicyRule{APIGroups: []string{group}, Resources: byGroup[group], Verbs: verbs})
			}
		}
	}
	if _, err := cs.RbacV1().Roles(w.namespace).Create(context.Background(), r, metav1.CreateOptions{}); err != nil {
		return err
	}
	w.tracef("role %s: %v", role, r.Rules)
	return w.bindServiceAccount(name, w.namespace, rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role}, role)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// thePodsRunAsTheServiceAccount checks spec.serviceAccountName of a cluster's
// JobManager or TaskManager pods.
// Example: Then the TaskManager pods of "my-session" run as the service account "flink-tm"
func (w *World) thePodsRunAsTheServiceAccount(role, id, account string) error {
	cs, err := w.kube()
	if err != nil {
		return err
	}
	sel := jobManagerSelector(id)
	if role == "TaskManager" {
		sel = taskManagerSelector(id)
	}
	list, err := cs.CoreV1().Pods(w.namespace).List(context.Background(), metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return err
	}
	if len(list.Items) == 0 {
		return fmt.Errorf("%q has no %s pods in the namespace %q", id, role, w.namespace)
	}
	for _, p := range list.Items {
		if p.Spec.ServiceAccountName != account {
			return fmt.Errorf("the %s pod %s runs as the service account %q, want %q", role, p.Name, p.Spec.ServiceAccountName, account)
		}
	}
	return nil
}

// iWorkInTheNamespace makes a namespace the current one for the following steps (as
// kubectl config set-context --current --namespace does): clusters are deployed to it
// and pods, objects and clusters are looked up in it. The namespace is created if it
// does not exist.
// Example: When I work in the namespace "team-b"
func (w *World) iWorkInTheNamespace(ns string) error {
	cs, err := w.kube()
	if err != nil {
		return err
	}
	_, err = cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	w.namespace = ns
	w.tracef("working in the namespace %s", ns)
	return nil
}
