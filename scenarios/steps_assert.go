package scenarios

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cucumber/godog"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func (w *World) registerAssertSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the (deployment|service|configmap|secret) "([^"]*)" exists$`, w.theObjectExists)
	sc.Step(`^the (deployment|service|configmap|secret) "([^"]*)" does not exist$`, w.theObjectDoesNotExist)
	sc.Step(`^the (deployment|service|configmap|secret) "([^"]*)" has the labels:$`, w.theObjectHasTheLabels)
	sc.Step(`^the (service|configmap|secret) "([^"]*)" is owned by the deployment "([^"]*)"$`, w.theObjectIsOwnedByTheDeployment)
	sc.Step(`^the service "([^"]*)" is headless$`, w.theServiceIsHeadless)
	sc.Step(`^the service "([^"]*)" has type "([^"]*)"$`, w.theServiceHasType)
	sc.Step(`^(?:within (.+) )?the port "([^"]*)" of the service "([^"]*)" targets port (\d+)$`, w.withinThePortOfTheServiceTargetsPort)
	sc.Step(`^the configmap "([^"]*)" has the key "([^"]*)"$`, w.theConfigMapHasTheKey)
	sc.Step(`^the configmap "([^"]*)" does not have the key "([^"]*)"$`, w.theConfigMapDoesNotHaveTheKey)
	sc.Step(`^within (.+) the JobManager pod of "([^"]*)" is Running$`, w.withinTheJobManagerPodIsRunning)
	sc.Step(`^within (.+) nothing labelled "([^"]*)" remains$`, w.withinNothingLabelledRemains)
	sc.Step(`^for (.+) objects labelled "([^"]*)" remain$`, w.forObjectsLabelledRemain)
	sc.Step(`^no object labelled "([^"]*)" exists$`, w.noObjectLabelledExists)
}

// object fetches one object's metadata by kind and name.
func (w *World) object(kind, name string) (metav1.Object, error) {
	cs, err := w.kube()
	if err != nil {
		return nil, err
	}
	ctx, ns := context.Background(), w.namespace
	switch kind {
	case "deployment":
		return cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	case "service":
		return cs.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
	case "configmap":
		return cs.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	case "secret":
		return cs.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	}
	return nil, fmt.Errorf("unknown kind %q", kind)
}

func (w *World) theObjectExists(kind, name string) error {
	_, err := w.object(kind, name)
	if err != nil {
		return fmt.Errorf("%s %q: %w", kind, name, err)
	}
	return nil
}

func (w *World) theObjectDoesNotExist(kind, name string) error {
	if _, err := w.object(kind, name); err == nil {
		return fmt.Errorf("%s %q exists", kind, name)
	}
	return nil
}

func (w *World) theObjectHasTheLabels(kind, name string, table *godog.Table) error {
	obj, err := w.object(kind, name)
	if err != nil {
		return fmt.Errorf("%s %q: %w", kind, name, err)
	}
	for _, row := range table.Rows {
		k, v := row.Cells[0].Value, row.Cells[1].Value
		if k == "label" || k == "key" {
			continue
		}
		if got, ok := obj.GetLabels()[k]; !ok || got != v {
			return fmt.Errorf("%s %q: label %s=%q wanted, labels are %v", kind, name, k, v, obj.GetLabels())
		}
	}
	return nil
}

func (w *World) theObjectIsOwnedByTheDeployment(kind, name, owner string) error {
	obj, err := w.object(kind, name)
	if err != nil {
		return fmt.Errorf("%s %q: %w", kind, name, err)
	}
	dep, err := w.object("deployment", owner)
	if err != nil {
		return fmt.Errorf("deployment %q: %w", owner, err)
	}
	refs := obj.GetOwnerReferences()
	if len(refs) != 1 {
		return fmt.Errorf("%s %q has %d owner references, want exactly one to deployment %q: %+v", kind, name, len(refs), owner, refs)
	}
	r := refs[0]
	switch {
	case r.APIVersion != "apps/v1" || r.Kind != "Deployment" || r.Name != owner:
		return fmt.Errorf("%s %q is owned by %s %s %q, want apps/v1 Deployment %q", kind, name, r.APIVersion, r.Kind, r.Name, owner)
	case r.UID != dep.GetUID():
		return fmt.Errorf("%s %q owner UID %s is not the deployment's UID %s", kind, name, r.UID, dep.GetUID())
	case r.Controller == nil || !*r.Controller:
		return fmt.Errorf("%s %q owner reference is not controller: true", kind, name)
	case r.BlockOwnerDeletion == nil || !*r.BlockOwnerDeletion:
		return fmt.Errorf("%s %q owner reference is not blockOwnerDeletion: true", kind, name)
	}
	return nil
}

func (w *World) service(name string) (*corev1.Service, error) {
	cs, err := w.kube()
	if err != nil {
		return nil, err
	}
	return cs.CoreV1().Services(w.namespace).Get(context.Background(), name, metav1.GetOptions{})
}

func (w *World) theServiceIsHeadless(name string) error {
	svc, err := w.service(name)
	if err != nil {
		return err
	}
	if svc.Spec.ClusterIP != corev1.ClusterIPNone {
		return fmt.Errorf("service %q has clusterIP %q, want None (headless)", name, svc.Spec.ClusterIP)
	}
	return nil
}

func (w *World) theServiceHasType(name, typ string) error {
	svc, err := w.service(name)
	if err != nil {
		return err
	}
	if string(svc.Spec.Type) != typ {
		return fmt.Errorf("service %q has type %q, want %q", name, svc.Spec.Type, typ)
	}
	return nil
}

// withinThePortOfTheServiceTargetsPort checks a Service port's targetPort, at once or, with
// "within", until it does.
func (w *World) withinThePortOfTheServiceTargetsPort(within, port, name string, target int) error {
	d := time.Duration(0)
	if within != "" {
		var err error
		if d, err = parseDuration(within); err != nil {
			return err
		}
	}
	return eventually(d, fmt.Sprintf("port %q of service %q targets port %d", port, name, target), func() (bool, string, error) {
		svc, err := w.service(name)
		if err != nil {
			return false, err.Error(), nil
		}
		for _, p := range svc.Spec.Ports {
			if p.Name == port {
				return p.TargetPort.IntValue() == target, "it targets " + p.TargetPort.String(), nil
			}
		}
		return false, fmt.Sprintf("the service has no port %q", port), nil
	})
}

func (w *World) theConfigMapHasTheKey(name, key string) error {
	cs, err := w.kube()
	if err != nil {
		return err
	}
	cm, err := cs.CoreV1().ConfigMaps(w.namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if _, ok := cm.Data[key]; !ok {
		keys := make([]string, 0, len(cm.Data))
		for k := range cm.Data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return fmt.Errorf("configmap %q has no key %q (keys: %s)", name, key, strings.Join(keys, ", "))
	}
	return nil
}

// theConfigMapDoesNotHaveTheKey checks that a ConfigMap lacks a data key.
// Example: And the configmap "flink-config-my-session" does not have the key "log4j-console.properties"
func (w *World) theConfigMapDoesNotHaveTheKey(name, key string) error {
	cs, err := w.kube()
	if err != nil {
		return err
	}
	cm, err := cs.CoreV1().ConfigMaps(w.namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if _, ok := cm.Data[key]; ok {
		return fmt.Errorf("configmap %q has the key %q", name, key)
	}
	return nil
}

// jobManagerSelector selects a cluster's JobManager pods, as Flink labels them.
func jobManagerSelector(id string) string {
	return labels.SelectorFromSet(labels.Set{"type": "flink-native-kubernetes", "app": id, "component": "jobmanager"}).String()
}

func (w *World) withinTheJobManagerPodIsRunning(within, id string) error {
	d, err := parseDuration(within)
	if err != nil {
		return err
	}
	cs, err := w.kube()
	if err != nil {
		return err
	}
	return eventually(d, fmt.Sprintf("the JobManager pod of %q is Running", id), func() (bool, string, error) {
		pods, err := cs.CoreV1().Pods(w.namespace).List(context.Background(), metav1.ListOptions{LabelSelector: jobManagerSelector(id)})
		if err != nil {
			return false, "", err
		}
		var seen []string
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
				w.tracef("JobManager pod %s Running on %s", p.Name, p.Spec.NodeName)
				return true, "", nil
			}
			seen = append(seen, p.Name+"="+string(p.Status.Phase))
		}
		return false, fmt.Sprintf("pods %v", seen), nil
	})
}

// labelled lists every object of the kinds Flink creates that carries the selector.
func (w *World) labelled(selector string) ([]string, error) {
	cs, err := w.kube()
	if err != nil {
		return nil, err
	}
	if _, err := labels.Parse(selector); err != nil {
		return nil, fmt.Errorf("%q is not a label selector: %w", selector, err)
	}
	ctx, opts, ns := context.Background(), metav1.ListOptions{LabelSelector: selector}, w.namespace
	var out []string
	add := func(kind string, names []string, err error) error {
		if err != nil {
			return err
		}
		for _, n := range names {
			out = append(out, kind+"/"+n)
		}
		return nil
	}
	pods, err := cs.CoreV1().Pods(ns).List(ctx, opts)
	if err := add("pod", namesOf(pods.Items, func(o corev1.Pod) string { return o.Name }), err); err != nil {
		return nil, err
	}
	deps, err := cs.AppsV1().Deployments(ns).List(ctx, opts)
	if err == nil {
		for _, d := range deps.Items {
			out = append(out, "deployment/"+d.Name)
		}
	} else {
		return nil, err
	}
	rss, err := cs.AppsV1().ReplicaSets(ns).List(ctx, opts)
	if err == nil {
		for _, d := range rss.Items {
			out = append(out, "replicaset/"+d.Name)
		}
	} else {
		return nil, err
	}
	svcs, err := cs.CoreV1().Services(ns).List(ctx, opts)
	if err := add("service", namesOf(svcs.Items, func(o corev1.Service) string { return o.Name }), err); err != nil {
		return nil, err
	}
	cms, err := cs.CoreV1().ConfigMaps(ns).List(ctx, opts)
	if err := add("configmap", namesOf(cms.Items, func(o corev1.ConfigMap) string { return o.Name }), err); err != nil {
		return nil, err
	}
	secrets, err := cs.CoreV1().Secrets(ns).List(ctx, opts)
	if err := add("secret", namesOf(secrets.Items, func(o corev1.Secret) string { return o.Name }), err); err != nil {
		return nil, err
	}
	return out, nil
}

func namesOf[T any](items []T, name func(T) string) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, name(it))
	}
	return out
}

func (w *World) withinNothingLabelledRemains(within, selector string) error {
	return waitUntil(within, fmt.Sprintf("nothing labelled %q remains", selector), func() (bool, string, error) {
		left, err := w.labelled(selector)
		if err != nil {
			return false, "", err
		}
		return len(left) == 0, strings.Join(left, ", "), nil
	})
}

func (w *World) forObjectsLabelledRemain(within, selector string) error {
	d, err := parseDuration(within)
	if err != nil {
		return err
	}
	deadline := timeNow().Add(d)
	for timeNow().Before(deadline) {
		left, err := w.labelled(selector)
		if err != nil {
			return err
		}
		if len(left) == 0 {
			return fmt.Errorf("everything labelled %q is gone", selector)
		}
		waitABit()
	}
	return nil
}

func (w *World) noObjectLabelledExists(selector string) error {
	left, err := w.labelled(selector)
	if err != nil {
		return err
	}
	if len(left) > 0 {
		return fmt.Errorf("objects labelled %q exist: %s", selector, strings.Join(left, ", "))
	}
	return nil
}
