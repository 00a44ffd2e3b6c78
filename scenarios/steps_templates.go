package scenarios

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cucumber/godog"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Steps on the JobManager pod as Flink builds it — the pod template of the Deployment
// <cid> — and on the pod the cluster runs from it.
func (w *World) registerTemplateSteps(sc *godog.ScenarioContext) {
	sc.Step(`^a secret "([^"]*)" with the keys:$`, w.aSecretWithTheKeys)
	sc.Step(`^the JobManager pod template of "([^"]*)" has the containers "([^"]*)"$`, w.theJobManagerPodTemplateHasTheContainers)
	sc.Step(`^the JobManager pod template of "([^"]*)" has the init containers "([^"]*)"$`, w.theJobManagerPodTemplateHasTheInitContainers)
	sc.Step(`^the JobManager pod template of "([^"]*)" has the volumes "([^"]*)"$`, w.theJobManagerPodTemplateHasTheVolumes)
	sc.Step(`^the JobManager pod template of "([^"]*)" has the label "([^"]*)"$`, w.theJobManagerPodTemplateHasTheLabel)
	sc.Step(`^the volume "([^"]*)" of the JobManager pod template of "([^"]*)" is the secret "([^"]*)"$`, w.theVolumeIsTheSecret)
	sc.Step(`^the volume "([^"]*)" of the JobManager pod template of "([^"]*)" is an emptyDir$`, w.theVolumeIsAnEmptyDir)
	sc.Step(`^the container "([^"]*)" of the JobManager pod template of "([^"]*)" mounts "([^"]*)" at "([^"]*)"$`, w.theContainerMounts)
	sc.Step(`^the container "([^"]*)" of the JobManager pod template of "([^"]*)" has the environment variable "([^"]*)" from the secret "([^"]*)" key "([^"]*)"$`, w.theContainerHasTheEnvFromSecret)
	sc.Step(`^the container "([^"]*)" of the JobManager pod template of "([^"]*)" has the environment variable "([^"]*)" set to "([^"]*)"$`, w.theContainerHasTheEnv)
	sc.Step(`^the container "([^"]*)" of the JobManager pod template of "([^"]*)" has the image "([^"]*)"$`, w.theContainerHasTheImage)
	sc.Step(`^the container "([^"]*)" of the JobManager pod template of "([^"]*)" requests "([^"]*)" of "([^"]*)"$`, w.theContainerRequests)
	sc.Step(`^the main container of "([^"]*)" runs "([^"]*)"$`, w.theMainContainerRuns)
	sc.Step(`^within (.+) the init container "([^"]*)" of the JobManager pod of "([^"]*)" has completed$`, w.withinTheInitContainerHasCompleted)
	sc.Step(`^within (.+) every container of the JobManager pod of "([^"]*)" is running$`, w.withinEveryContainerIsRunning)
	sc.Step(`^for (.+) the JobManager pod of "([^"]*)" is not Running$`, w.forTheJobManagerPodIsNotRunning)
}

func (w *World) aSecretWithTheKeys(name string, table *godog.Table) error {
	cs, err := w.kube()
	if err != nil {
		return err
	}
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.namespace}, StringData: map[string]string{}, Data: map[string][]byte{}}
	for _, row := range table.Rows {
		if len(row.Cells) != 2 {
			return fmt.Errorf("secret rows have two cells: | key | value |")
		}
		k, v := strings.TrimSpace(row.Cells[0].Value), strings.TrimSpace(row.Cells[1].Value)
		if k == "key" && v == "value" {
			continue
		}
		s.Data[k] = []byte(v)
	}
	_, err = cs.CoreV1().Secrets(w.namespace).Create(context.Background(), s, metav1.CreateOptions{})
	return err
}

// podTemplate is the pod template of the JobManager Deployment <id>.
func (w *World) podTemplate(id string) (*corev1.PodTemplateSpec, error) {
	cs, err := w.kube()
	if err != nil {
		return nil, err
	}
	d, err := cs.AppsV1().Deployments(w.namespace).Get(context.Background(), id, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("deployment %q: %w", id, err)
	}
	return &d.Spec.Template, nil
}

func containerNames(cs []corev1.Container) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

func list(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (w *World) theJobManagerPodTemplateHasTheContainers(id, names string) error {
	t, err := w.podTemplate(id)
	if err != nil {
		return err
	}
	if got := containerNames(t.Spec.Containers); !slices.Equal(got, list(names)) {
		return fmt.Errorf("the JobManager pod of %q has the containers %q, want %q (in this order)", id, got, list(names))
	}
	return nil
}

func (w *World) theJobManagerPodTemplateHasTheInitContainers(id, names string) error {
	t, err := w.podTemplate(id)
	if err != nil {
		return err
	}
	if got := containerNames(t.Spec.InitContainers); !slices.Equal(got, list(names)) {
		return fmt.Errorf("the JobManager pod of %q has the init containers %q, want %q", id, got, list(names))
	}
	return nil
}

func (w *World) theJobManagerPodTemplateHasTheVolumes(id, names string) error {
	t, err := w.podTemplate(id)
	if err != nil {
		return err
	}
	var got []string
	for _, v := range t.Spec.Volumes {
		got = append(got, v.Name)
	}
	for _, want := range list(names) {
		if !slices.Contains(got, want) {
			return fmt.Errorf("the JobManager pod of %q has no volume %q (volumes: %q)", id, want, got)
		}
	}
	return nil
}

func (w *World) theJobManagerPodTemplateHasTheLabel(id, label string) error {
	t, err := w.podTemplate(id)
	if err != nil {
		return err
	}
	k, v, _ := strings.Cut(label, "=")
	if got, ok := t.Labels[k]; !ok || got != v {
		return fmt.Errorf("the JobManager pod of %q has the labels %v, want %s", id, t.Labels, label)
	}
	return nil
}

func (w *World) volume(id, name string) (*corev1.Volume, error) {
	t, err := w.podTemplate(id)
	if err != nil {
		return nil, err
	}
	for i := range t.Spec.Volumes {
		if t.Spec.Volumes[i].Name == name {
			return &t.Spec.Volumes[i], nil
		}
	}
	return nil, fmt.Errorf("the JobManager pod of %q has no volume %q", id, name)
}

func (w *World) theVolumeIsTheSecret(name, id, secret string) error {
	v, err := w.volume(id, name)
	if err != nil {
		return err
	}
	if v.Secret == nil || v.Secret.SecretName != secret {
		return fmt.Errorf("volume %q of %q is %+v, want the secret %q", name, id, v.VolumeSource, secret)
	}
	return nil
}

func (w *World) theVolumeIsAnEmptyDir(name, id string) error {
	v, err := w.volume(id, name)
	if err != nil {
		return err
	}
	if v.EmptyDir == nil {
		return fmt.Errorf("volume %q of %q is %+v, want an emptyDir", name, id, v.VolumeSource)
	}
	return nil
}

func (w *World) container(id, name string) (*corev1.Container, error) {
	t, err := w.podTemplate(id)
	if err != nil {
		return nil, err
	}
	for _, cs := range [][]corev1.Container{t.Spec.Containers, t.Spec.InitContainers} {
		for i := range cs {
			if cs[i].Name == name {
				return &cs[i], nil
			}
		}
	}
	return nil, fmt.Errorf("the JobManager pod of %q has no container %q (containers %q, init containers %q)",
		id, name, containerNames(t.Spec.Containers), containerNames(t.Spec.InitContainers))
}

func (w *World) theContainerMounts(container, id, volume, path string) error {
	c, err := w.container(id, container)
	if err != nil {
		return err
	}
	for _, m := range c.VolumeMounts {
		if m.Name == volume && m.MountPath == path {
			return nil
		}
	}
	return fmt.Errorf("container %q of %q does not mount %q at %q; its mounts: %+v", container, id, volume, path, c.VolumeMounts)
}

func (w *World) theContainerHasTheEnvFromSecret(container, id, name, secret, key string) error {
	c, err := w.container(id, container)
	if err != nil {
		return err
	}
	for _, e := range c.Env {
		if e.Name != name {
			continue
		}
		if r := e.ValueFrom; r != nil && r.SecretKeyRef != nil && r.SecretKeyRef.Name == secret && r.SecretKeyRef.Key == key {
			return nil
		}
		return fmt.Errorf("container %q of %q has %s = %+v, want from secret %s key %s", container, id, name, e, secret, key)
	}
	return fmt.Errorf("container %q of %q has no environment variable %s", container, id, name)
}

func (w *World) theContainerHasTheEnv(container, id, name, value string) error {
	c, err := w.container(id, container)
	if err != nil {
		return err
	}
	for _, e := range c.Env {
		if e.Name == name && e.Value == value {
			return nil
		}
	}
	return fmt.Errorf("container %q of %q has no %s=%q; its env: %+v", container, id, name, value, c.Env)
}

func (w *World) theContainerHasTheImage(container, id, image string) error {
	c, err := w.container(id, container)
	if err != nil {
		return err
	}
	if c.Image != image {
		return fmt.Errorf("container %q of %q has the image %q, want %q", container, id, c.Image, image)
	}
	return nil
}

func (w *World) theContainerRequests(container, id, quantity, resourceName string) error {
	c, err := w.container(id, container)
	if err != nil {
		return err
	}
	want, err := resource.ParseQuantity(quantity)
	if err != nil {
		return fmt.Errorf("%q is not a quantity: %w", quantity, err)
	}
	got, ok := c.Resources.Requests[corev1.ResourceName(resourceName)]
	if !ok || got.Cmp(want) != 0 {
		return fmt.Errorf("container %q of %q requests %v, want %s of %s", container, id, c.Resources.Requests, quantity, resourceName)
	}
	return nil
}

// theMainContainerRuns checks the start command of flink-main-container:
// `bash -c "<script>"`, where script must contain what.
func (w *World) theMainContainerRuns(id, what string) error {
	c, err := w.container(id, "flink-main-container")
	if err != nil {
		return err
	}
	line := strings.Join(append(append([]string{}, c.Command...), c.Args...), " ")
	if !strings.Contains(line, what) {
		return fmt.Errorf("the main container of %q runs %q, which does not contain %q", id, line, what)
	}
	return nil
}

// jobManagerPod is a live JobManager pod of the cluster.
func (w *World) jobManagerPod(id string) (*corev1.Pod, error) {
	cs, err := w.kube()
	if err != nil {
		return nil, err
	}
	pods, err := cs.CoreV1().Pods(w.namespace).List(context.Background(), metav1.ListOptions{LabelSelector: jobManagerSelector(id)})
	if err != nil {
		return nil, err
	}
	for i := range pods.Items {
		if pods.Items[i].DeletionTimestamp == nil {
			return &pods.Items[i], nil
		}
	}
	return nil, nil
}

func (w *World) withinTheInitContainerHasCompleted(within, name, id string) error {
	return waitUntil(within, fmt.Sprintf("init container %q of the JobManager pod of %q has completed", name, id), func() (bool, string, error) {
		p, err := w.jobManagerPod(id)
		if err != nil || p == nil {
			return false, "no JobManager pod", err
		}
		for _, s := range p.Status.InitContainerStatuses {
			if s.Name == name {
				if t := s.State.Terminated; t != nil {
					if t.ExitCode != 0 {
						return false, "", fmt.Errorf("init container %q exited with %d (%s)", name, t.ExitCode, t.Reason)
					}
					return true, "", nil
				}
				return false, fmt.Sprintf("state %+v", s.State), nil
			}
		}
		return false, fmt.Sprintf("no status for %q yet", name), nil
	})
}

func (w *World) withinEveryContainerIsRunning(within, id string) error {
	return waitUntil(within, fmt.Sprintf("every container of the JobManager pod of %q is running", id), func() (bool, string, error) {
		p, err := w.jobManagerPod(id)
		if err != nil || p == nil {
			return false, "no JobManager pod", err
		}
		if len(p.Status.ContainerStatuses) != len(p.Spec.Containers) {
			return false, fmt.Sprintf("%d of %d container statuses", len(p.Status.ContainerStatuses), len(p.Spec.Containers)), nil
		}
		for _, s := range p.Status.ContainerStatuses {
			if s.State.Running == nil {
				return false, fmt.Sprintf("container %q: %+v", s.Name, s.State), nil
			}
		}
		return true, "", nil
	})
}

func (w *World) forTheJobManagerPodIsNotRunning(within, id string) error {
	d, err := parseDuration(within)
	if err != nil {
		return err
	}
	deadline := timeNow().Add(d)
	for timeNow().Before(deadline) {
		settle()
		p, err := w.jobManagerPod(id)
		if err != nil {
			return err
		}
		if p != nil && p.Status.Phase == corev1.PodRunning {
			return fmt.Errorf("the JobManager pod %s of %q is Running", p.Name, id)
		}
		waitABit()
	}
	p, err := w.jobManagerPod(id)
	if err != nil {
		return err
	}
	if p == nil {
		return fmt.Errorf("the JobManager pod of %q does not exist at all", id)
	}
	w.tracef("JobManager pod %s is %s", p.Name, p.Status.Phase)
	return nil
}
