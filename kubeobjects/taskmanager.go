package kubeobjects

import (
	"errors"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/config"
)

// TaskManagerPodOptions are what the resource manager decides per TaskManager pod; the
// rest comes from the configuration.
type TaskManagerPodOptions struct {
	Local

	// PodName is `<cid>-taskmanager-<attempt>-<index>` (TaskManagerPodName); required.
	PodName string
	// Template is the TaskManager pod template (LoadPodTemplate of
	// TaskManagerPodTemplatePath); nil means an empty pod. It is not modified.
	Template *FlinkPod
	// DynamicProperties become `-D<key>='<value>'` arguments of the start script, in
	// key order (see ChangedProperties). taskmanager.resource-id=<PodName> is always
	// among them.
	DynamicProperties map[string]string
	// Owner becomes the pod's only owner reference (the JobManager Deployment,
	// OwnerReference). nil leaves the pod without one.
	Owner *metav1.OwnerReference
	// BlockedNodes, when not empty, replace the template's node affinity by a required
	// NotIn rule on kubernetes.node-name-label.
	BlockedNodes []string
	// Process is the TaskManager's process specification (memory, cpu, slots,
	// external resources) as the resource manager planned it; nil derives it from the
	// configuration (config.TaskManagerMemorySpec).
	Process *config.TaskManagerMemory
}

// taskManagerParams are the TaskManager's inputs from configuration and options.
type taskManagerParams struct {
	podParams

	podName           string
	rpcPort           int32
	dynamicProperties string
	jvmMemOpts        string
	resourceArgs      string
	external          []externalResource
	blockedNodes      []string
	nodeNameLabel     string
}

// BuildTaskManagerPod builds one TaskManager pod as Flink's resource manager does
// (reference §4.3): the TaskManager steps in Flink's order over the template. conf is
// the resource manager's effective configuration.
func BuildTaskManagerPod(conf *config.Configuration, opts TaskManagerPodOptions) (*corev1.Pod, error) {
	opts.Local = opts.Local.orDefault()
	if strings.TrimSpace(opts.PodName) == "" {
		return nil, errors.New("a TaskManager pod needs a name")
	}
	p, err := newTaskManagerParams(conf, opts)
	if err != nil {
		return nil, err
	}
	fp := NewFlinkPod()
	if opts.Template != nil {
		fp = opts.Template.DeepCopy()
	}
	if err := p.initTaskManager(fp); err != nil {
		return nil, err
	}
	p.decorateEnvSecrets(fp)
	p.decorateMountSecrets(fp)
	p.cmdTaskManager(fp)
	if p.hadoopEnabled {
		if _, err := p.decorateHadoop(fp); err != nil {
			return nil, err
		}
	}
	if p.kerberosEnabled {
		p.decorateKerberos(fp)
	}
	logs, err := p.localLogConfigs()
	if err != nil {
		return nil, err
	}
	p.decorateFlinkConf(fp, logs)

	pod := fp.Assemble()
	if opts.Owner != nil {
		SetOwner(*opts.Owner, pod)
	}
	return pod, nil
}

// initTaskManager is Flink's TaskManager init step.
func (p *taskManagerParams) initTaskManager(fp *FlinkPod) error {
	if err := p.initCommon(fp, p.external); err != nil {
		return err
	}
	pod, main := fp.Pod, fp.MainContainer
	pod.Kind = "Pod"
	pod.Name = p.podName
	pod.Spec.RestartPolicy = corev1.RestartPolicyNever
	if !p.hostNetwork {
		main.Ports = append(main.Ports, corev1.ContainerPort{Name: PortNameTaskManagerRPC, ContainerPort: p.rpcPort})
	}
	main.Env = append(main.Env, envFromMap(p.env)...)
	main.Env = append(main.Env, fieldRefEnv(EnvPodNodeID, "spec.nodeName"))
	p.logDirEnv(main)
	if len(p.blockedNodes) > 0 {
		if pod.Spec.Affinity == nil {
			pod.Spec.Affinity = &corev1.Affinity{}
		}
		pod.Spec.Affinity.NodeAffinity = &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{{
					MatchExpressions: []corev1.NodeSelectorRequirement{{
						Key:      p.nodeNameLabel,
						Operator: corev1.NodeSelectorOpNotIn,
						Values:   append([]string(nil), p.blockedNodes...),
					}},
				}},
			},
		}
	}
	return nil
}

// cmdTaskManager sets command, args and the JVM memory environment variable.
func (p *taskManagerParams) cmdTaskManager(fp *FlinkPod) {
	main := fp.MainContainer
	main.Command = []string{p.entryPath}
	main.Args = bashWrapped(taskManagerScript, p.dynamicProperties, p.resourceArgs, p.entrypointArgs)
	main.Env = append(main.Env, corev1.EnvVar{Name: EnvTMJVMMemOpts, Value: p.jvmMemOpts})
}

// renderDynamicProperties renders -D<key>='<value>' in key order.
func renderDynamicProperties(props map[string]string) string {
	parts := make([]string, 0, len(props))
	for _, k := range sortedKeys(props) {
		parts = append(parts, "-D"+k+"="+shellQuote(props[k]))
	}
	return strings.Join(parts, " ")
}

// ChangedProperties are the entries of effective whose value is missing from, or
// different in, base: what the resource manager passes to a TaskManager as dynamic
// properties on top of the config.yaml both read.
func ChangedProperties(base, effective *config.Configuration) map[string]string {
	out := map[string]string{}
	for _, k := range effective.Keys() {
		v, _ := effective.GetString(k)
		if bv, ok := base.GetString(k); !ok || bv != v {
			out[k] = v
		}
	}
	return out
}
