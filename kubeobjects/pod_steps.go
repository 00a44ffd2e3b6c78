package kubeobjects

import (
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"

	"flinksim/config"
)

// This file holds the pod steps JobManager and TaskManager share: the common part
// of the init step, secrets as environment and as files. Each step changes the
// FlinkPod in place and appends to what the template already had.

// userDefined is an option of the "defined by the user" category (reference §3.2):
// an explicitly set option beats the template, the template beats the default.
type userDefined[T comparable] struct {
	value    T
	explicit bool
}

func (u userDefined[T]) resolve(fromTemplate T) T {
	var zero T
	if u.explicit || fromTemplate == zero {
		return u.value
	}
	return fromTemplate
}

type secretMount struct {
	secret, path string
}

type envSecretRef struct {
	env, secret, key string
}

// podParams are the inputs both pod kinds take from the configuration.
type podParams struct {
	clusterID string
	namespace string
	component string

	image          userDefined[string]
	pullPolicy     userDefined[corev1.PullPolicy]
	serviceAccount userDefined[string]
	pullSecrets    []string
	entryPath      string
	podConfDir     string // kubernetes.flink.conf.dir: where the config is mounted in pods
	clientConfDir  string // where log configurations are read from
	logDir         string
	labels         map[string]string // user labels (built-ins are added on top)
	annotations    map[string]string
	nodeSelector   map[string]string
	tolerations    []corev1.Toleration
	env            map[string]string // containerized.<component>.env.*
	secrets        []secretMount
	envSecrets     []envSecretRef
	hostNetwork    bool

	cpu               float64
	cpuLimitFactor    float64
	memoryMiB         int64
	memoryLimitFactor float64
	entrypointArgs    string

	hadoopEnabled   bool
	hadoopConfigMap string
	kerberosEnabled bool
	keytab          string
	principal       string
	krb5Path        string

	readFile  ReadFileFunc
	lookupEnv LookupEnvFunc
	log       io.Writer
}

func (p *podParams) selector() map[string]string {
	l := CommonLabels(p.clusterID)
	l[LabelComponent] = p.component
	return l
}

// podLabels are the user labels with the built-ins on top (built-ins win).
func (p *podParams) podLabels() map[string]string {
	return mergeMaps(p.labels, p.selector())
}

func (p *podParams) warnf(format string, args ...any) {
	fmt.Fprintf(p.log, "WARN "+format+"\n", args...)
}

// initCommon is the part of Flink's init steps JobManager and TaskManager share.
func (p *podParams) initCommon(fp *FlinkPod, external []externalResource) error {
	pod, spec, main := fp.Pod, &fp.Pod.Spec, fp.MainContainer

	pod.APIVersion = "v1"
	// Pods go to kubernetes.namespace (reference §3.3: treat it as authoritative). A
	// template's other namespace would make the API server refuse every TaskManager
	// pod, whose create names kubernetes.namespace.
	if pod.Namespace != "" && pod.Namespace != p.namespace {
		p.warnf("the %s pod template sets metadata.namespace %s; ignoring it, pods are created in %s (%s)",
			p.component, pod.Namespace, p.namespace, config.KubernetesNamespace.Key())
		pod.Namespace = ""
	}
	pod.Labels = mergeMaps(pod.Labels, p.podLabels())
	pod.Annotations = mergeMaps(pod.Annotations, p.annotations)

	templateSA := spec.DeprecatedServiceAccount
	if templateSA == "" {
		templateSA = spec.ServiceAccountName
	}
	sa := p.serviceAccount.resolve(templateSA)
	spec.DeprecatedServiceAccount, spec.ServiceAccountName = sa, sa

	spec.HostNetwork = p.hostNetwork
	switch {
	case p.hostNetwork:
		spec.DNSPolicy = dnsClusterFirstNet
	case spec.DNSPolicy == "":
		spec.DNSPolicy = dnsClusterFirst
	}
	for _, s := range p.pullSecrets {
		spec.ImagePullSecrets = append(spec.ImagePullSecrets, corev1.LocalObjectReference{Name: s})
	}
	spec.NodeSelector = mergeMaps(spec.NodeSelector, p.nodeSelector)
	spec.Tolerations = append(spec.Tolerations, p.tolerations...)

	main.Name = MainContainerName
	main.Image = p.image.resolve(main.Image)
	main.ImagePullPolicy = p.pullPolicy.resolve(main.ImagePullPolicy)
	res, err := resourceRequirements(main.Resources, p.memoryMiB, p.memoryLimitFactor, p.cpu, p.cpuLimitFactor, external)
	if err != nil {
		return err
	}
	main.Resources = res
	return nil
}

// logDirEnv adds FLINK_LOG_DIR when kubernetes.flink.log.dir is configured.
func (p *podParams) logDirEnv(main *corev1.Container) {
	if p.logDir != "" {
		main.Env = append(main.Env, corev1.EnvVar{Name: EnvFlinkLogDir, Value: p.logDir})
	}
}

// decorateEnvSecrets adds one secretKeyRef environment variable per
// kubernetes.env.secretKeyRef entry.
func (p *podParams) decorateEnvSecrets(fp *FlinkPod) {
	for _, r := range p.envSecrets {
		fp.MainContainer.Env = append(fp.MainContainer.Env, corev1.EnvVar{
			Name: r.env,
			ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: r.secret},
				Key:                  r.key,
			}},
		})
	}
}

// decorateMountSecrets mounts every kubernetes.secrets entry as volume <secret>-volume.
func (p *podParams) decorateMountSecrets(fp *FlinkPod) {
	for _, s := range p.secrets {
		fp.Pod.Spec.Volumes = append(fp.Pod.Spec.Volumes, corev1.Volume{
			Name:         secretVolumeName(s.secret),
			VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: s.secret}},
		})
		fp.MainContainer.VolumeMounts = append(fp.MainContainer.VolumeMounts, corev1.VolumeMount{
			Name: secretVolumeName(s.secret), MountPath: s.path,
		})
	}
}

func fieldRefEnv(name, fieldPath string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: fieldPath},
	}}
}
