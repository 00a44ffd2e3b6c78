package kubeobjects

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"

	"flinksim/config"
)

// This file is the only place that reads the configuration: it turns options into the
// parameter structs the steps work on, and checks them. Errors name the key.

// Prefixes of the per-component environment options.
const (
	prefixMasterEnv      = "containerized.master.env."
	prefixTaskManagerEnv = "containerized.taskmanager.env."
)

// clientOnlyOptions are removed (with their alternate keys) from the configuration
// shipped to the cluster.
var clientOnlyOptions = []config.Option[string]{
	config.KubernetesConfigFile,
	config.InternalDeploymentConfigDir,
	config.RestBindAddress,
	config.JobManagerBindHost,
	config.TaskManagerBindHost,
	config.TaskManagerHost,
}

// ValidateClusterID checks kubernetes.cluster-id: not blank, at most 45 characters
// (both as in Flink), and, earlier than Flink, a DNS-1035 label, because it names the
// Service <cid> and the API server would refuse anything else.
func ValidateClusterID(id string) error {
	key := config.KubernetesClusterID.Key()
	if strings.TrimSpace(id) == "" {
		return fmt.Errorf("%s must not be blank", key)
	}
	if len(id) > MaxClusterIDLength {
		return fmt.Errorf("%s %q is %d characters long; it must not be longer than %d characters "+
			"(the names Flink derives from it must stay valid Kubernetes names)", key, id, len(id), MaxClusterIDLength)
	}
	if errs := validation.IsDNS1035Label(id); len(errs) > 0 {
		return fmt.Errorf("%s %q is not a valid DNS-1035 label, which it must be because it names the Service %q: %s",
			key, id, InternalServiceName(id), strings.Join(errs, "; "))
	}
	return nil
}

// ClusterID reads and validates kubernetes.cluster-id; it must be set.
func ClusterID(conf *config.Configuration) (string, error) {
	id, ok, err := config.GetOptional(conf, config.KubernetesClusterID)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("%s is not set", config.KubernetesClusterID.Key())
	}
	return id, ValidateClusterID(id)
}

// Namespace reads kubernetes.namespace, which must not be blank.
func Namespace(conf *config.Configuration) (string, error) {
	ns, err := config.Get(conf, config.KubernetesNamespace)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(ns) == "" {
		return "", fmt.Errorf("%s must not be blank", config.KubernetesNamespace.Key())
	}
	return ns, nil
}

// NodePortAddressType reads kubernetes.rest-service.exposed.node-port-address-type
// (InternalIP or ExternalIP).
func NodePortAddressType(conf *config.Configuration) (config.NodePortAddressType, error) {
	return config.Get(conf, config.KubernetesRestServiceExposedNodePortAddressType)
}

// RestSSLEnabled reports whether the REST endpoint speaks https.
func RestSSLEnabled(conf *config.Configuration) (bool, error) {
	return config.Get(conf, config.SecuritySSLRestEnabled)
}

// prepareConfiguration applies the deployer's mutations of reference §1.2 that happen
// before the objects are built: execution mode, entrypoint class, fixed ports, HA
// cluster id. (The JobManager address and the keytab path are set by their steps.)
func prepareConfiguration(conf *config.Configuration) error {
	clusterID, err := ClusterID(conf)
	if err != nil {
		return err
	}
	target, err := config.DeploymentTargetOf(conf)
	if err != nil {
		return err
	}
	config.Set(conf, config.InternalClusterExecutionMode, config.ExecutionModeNormal)
	config.Set(conf, config.KubernetesInternalJobManagerEntrypointClass, target.EntrypointClass())

	for _, p := range []struct {
		opt      config.Option[string]
		fallback int
	}{
		{config.BlobServerPort, DefaultBlobServerPort},
		{config.TaskManagerRPCPort, DefaultTaskManagerRPCPort},
		{config.RestBindPort, DefaultRestBindPort},
	} {
		if _, err := config.PinPort(conf, p.opt, p.fallback); err != nil {
			return err
		}
	}
	ha, err := config.HighAvailabilityEnabled(conf)
	if err != nil {
		return err
	}
	if ha {
		rpcPort, err := config.Get(conf, config.JobManagerRPCPort)
		if err != nil {
			return err
		}
		if _, err := config.PinPort(conf, config.HighAvailabilityJobManagerPort, rpcPort); err != nil {
			return err
		}
		config.Set(conf, config.HighAvailabilityClusterID, clusterID)
	}
	return nil
}

// checkServicePort checks a port that becomes the port of a Service or container.
func checkServicePort(opt config.Option[int], port int) error {
	if port < 1 || port > 65535 {
		return fmt.Errorf("%s must be a fixed port between 1 and 65535, got %d: it is a port of the "+
			"JobManager's Services and container, which cannot be chosen at random", opt.Key(), port)
	}
	return nil
}

// positivePort reads a port that must be fixed and not 0 once the deployer pinned it.
func positivePort(conf *config.Configuration, opt config.Option[string]) (int32, error) {
	port, err := config.FixedPort(conf, opt)
	if err != nil {
		return 0, err
	}
	if port == 0 {
		return 0, fmt.Errorf("%s must not be 0 here: the port of a Service cannot be chosen at random", opt.Key())
	}
	return int32(port), nil
}

// ShippedConfigYAML is the content of config.yaml in flink-config-<cid>: the
// configuration without the client-only keys, as nested YAML.
func ShippedConfigYAML(conf *config.Configuration) ([]byte, error) {
	shipped := conf.Clone()
	for _, o := range clientOnlyOptions {
		config.Unset(shipped, o)
	}
	return shipped.MarshalYAML()
}

// componentOptions are the options that exist once per component.
type componentOptions struct {
	component         string
	serviceAccount    config.Option[string]
	labels            config.Option[map[string]string]
	annotations       config.Option[map[string]string]
	nodeSelector      config.Option[map[string]string]
	tolerations       config.Option[[]map[string]string]
	cpuLimitFactor    config.Option[float64]
	memoryLimitFactor config.Option[float64]
	entrypointArgs    config.Option[string]
	envPrefix         string
}

var jobManagerOptions = componentOptions{
	component:         ComponentJobManager,
	serviceAccount:    config.KubernetesJobManagerServiceAccount,
	labels:            config.KubernetesJobManagerLabels,
	annotations:       config.KubernetesJobManagerAnnotations,
	nodeSelector:      config.KubernetesJobManagerNodeSelector,
	tolerations:       config.KubernetesJobManagerTolerations,
	cpuLimitFactor:    config.KubernetesJobManagerCPULimitFactor,
	memoryLimitFactor: config.KubernetesJobManagerMemoryLimitFactor,
	entrypointArgs:    config.KubernetesJobManagerEntrypointArgs,
	envPrefix:         prefixMasterEnv,
}

var taskManagerOptions = componentOptions{
	component:         ComponentTaskManager,
	serviceAccount:    config.KubernetesTaskManagerServiceAccount,
	labels:            config.KubernetesTaskManagerLabels,
	annotations:       config.KubernetesTaskManagerAnnotations,
	nodeSelector:      config.KubernetesTaskManagerNodeSelector,
	tolerations:       config.KubernetesTaskManagerTolerations,
	cpuLimitFactor:    config.KubernetesTaskManagerCPULimitFactor,
	memoryLimitFactor: config.KubernetesTaskManagerMemoryLimitFactor,
	entrypointArgs:    config.KubernetesTaskManagerEntrypointArgs,
	envPrefix:         prefixTaskManagerEnv,
}

// reader collects the first error of a sequence of option reads, so that the
// parameter constructors read like a list of fields.
type reader struct {
	conf *config.Configuration
	err  error
}

func get[T any](r *reader, opt config.Option[T]) T {
	v, err := config.Get(r.conf, opt)
	if err != nil && r.err == nil {
		r.err = err
	}
	return v
}

func (r *reader) fail(err error) {
	if err != nil && r.err == nil {
		r.err = err
	}
}

func userDefinedOf[T any, U comparable](r *reader, opt config.Option[T], conv func(T) U) userDefined[U] {
	return userDefined[U]{value: conv(get(r, opt)), explicit: config.IsExplicitlySet(r.conf, opt)}
}

func identity[T any](v T) T { return v }

// newPodParams reads what both pod kinds need.
func newPodParams(conf *config.Configuration, o componentOptions, local Local) (podParams, error) {
	clusterID, err := ClusterID(conf)
	if err != nil {
		return podParams{}, err
	}
	namespace, err := Namespace(conf)
	if err != nil {
		return podParams{}, err
	}
	r := &reader{conf: conf}
	p := podParams{
		clusterID:      clusterID,
		namespace:      namespace,
		component:      o.component,
		image:          userDefinedOf(r, config.KubernetesContainerImageRef, identity[string]),
		pullPolicy:     userDefinedOf(r, config.KubernetesContainerImagePullPolicy, func(v config.ImagePullPolicy) corev1.PullPolicy { return corev1.PullPolicy(v) }),
		serviceAccount: userDefinedOf(r, o.serviceAccount, identity[string]),
		entryPath:      get(r, config.KubernetesEntryPath),
		podConfDir:     get(r, config.KubernetesFlinkConfDir),
		logDir:         strings.TrimSpace(get(r, config.KubernetesFlinkLogDir)),
		labels:         get(r, o.labels),
		annotations:    get(r, o.annotations),
		nodeSelector:   get(r, o.nodeSelector),
		env:            config.PrefixMap(conf, o.envPrefix),
		hostNetwork:    get(r, config.KubernetesHostNetworkEnabled),
		cpuLimitFactor: get(r, o.cpuLimitFactor),
		entrypointArgs: get(r, o.entrypointArgs),

		memoryLimitFactor: get(r, o.memoryLimitFactor),
		hadoopEnabled:     get(r, config.KubernetesDecoratorHadoopConfMountEnabled),
		hadoopConfigMap:   strings.TrimSpace(get(r, config.KubernetesHadoopConfConfigMapName)),
		kerberosEnabled:   get(r, config.KubernetesDecoratorKerberosMountEnabled),
		keytab:            get(r, config.SecurityKerberosLoginKeytab),
		principal:         get(r, config.SecurityKerberosLoginPrincipal),
		krb5Path:          get(r, config.SecurityKerberosKrb5ConfPath),

		readFile:  local.ReadFile,
		lookupEnv: local.LookupEnv,
		log:       local.Log,
	}
	p.clientConfDir = p.podConfDir
	if dir := get(r, config.InternalDeploymentConfigDir); strings.TrimSpace(dir) != "" {
		p.clientConfDir = dir
	}
	for _, s := range get(r, config.KubernetesContainerImagePullSecrets) {
		if s = strings.TrimSpace(s); s != "" {
			p.pullSecrets = append(p.pullSecrets, s)
		}
	}
	secrets := get(r, config.KubernetesSecrets)
	for _, name := range sortedKeys(secrets) {
		p.secrets = append(p.secrets, secretMount{secret: name, path: secrets[name]})
	}
	envSecrets, err := parseEnvSecretRefs(get(r, config.KubernetesEnvSecretKeyRef))
	r.fail(err)
	p.envSecrets = envSecrets
	tolerations, err := parseTolerations(o.tolerations.Key(), get(r, o.tolerations))
	r.fail(err)
	p.tolerations = tolerations
	r.fail(checkLimitFactor(o.cpuLimitFactor, p.cpuLimitFactor))
	r.fail(checkLimitFactor(o.memoryLimitFactor, p.memoryLimitFactor))
	return p, r.err
}

func checkLimitFactor(opt config.Option[float64], v float64) error {
	if !(v >= 1) {
		return fmt.Errorf("%s must be greater than or equal to 1, got %s", opt.Key(), config.FormatDouble(v))
	}
	if math.IsInf(v, 1) {
		return fmt.Errorf("%s must be a finite number (the limit is the request times this factor), got %s",
			opt.Key(), config.FormatDouble(v))
	}
	return nil
}

// The largest cpu and memory a Kubernetes quantity of whole millicores or bytes can
// hold; a limit beyond them would wrap around to a negative value.
const (
	maxCPUCores  = math.MaxInt64 / 1000
	maxMemoryMiB = math.MaxInt64 >> 20
)

// checkLimits checks that the limits (request × limit factor) of a main container can
// be written as Kubernetes quantities, naming the factor that makes one too large.
func checkLimits(o componentOptions, cpu, cpuLimitFactor float64, memoryMiB int64, memoryLimitFactor float64) error {
	if cpu*cpuLimitFactor > maxCPUCores {
		return fmt.Errorf("%s %s makes the cpu limit %s × %s, more than a Kubernetes quantity can hold; lower it",
			o.cpuLimitFactor.Key(), config.FormatDouble(cpuLimitFactor), config.FormatDouble(cpu), config.FormatDouble(cpuLimitFactor))
	}
	if float64(memoryMiB)*memoryLimitFactor > maxMemoryMiB {
		return fmt.Errorf("%s %s makes the memory limit %d MiB × %s, more than a Kubernetes quantity can hold; lower it",
			o.memoryLimitFactor.Key(), config.FormatDouble(memoryLimitFactor), memoryMiB, config.FormatDouble(memoryLimitFactor))
	}
	return nil
}

// parseEnvSecretRefs reads kubernetes.env.secretKeyRef: items env:<VAR>,secret:<name>,key:<key>.
func parseEnvSecretRefs(items []map[string]string) ([]envSecretRef, error) {
	var out []envSecretRef
	for i, m := range items {
		ref := envSecretRef{env: m["env"], secret: m["secret"], key: m["key"]}
		if ref.env == "" || ref.secret == "" || ref.key == "" {
			return nil, fmt.Errorf("%s: entry %d (%s) needs env, secret and key, e.g. env:MY_VAR,secret:my-secret,key:my-key",
				config.KubernetesEnvSecretKeyRef.Key(), i+1, config.FormatMap(m))
		}
		out = append(out, ref)
	}
	return out, nil
}

// parseTolerations reads key, operator, value, effect, tolerationSeconds; the keys are
// case-insensitive and unknown keys are ignored.
func parseTolerations(key string, items []map[string]string) ([]corev1.Toleration, error) {
	var out []corev1.Toleration
	for _, m := range items {
		var t corev1.Toleration
		for k, v := range m {
			switch strings.ToLower(k) {
			case "key":
				t.Key = v
			case "operator":
				t.Operator = corev1.TolerationOperator(v)
			case "value":
				t.Value = v
			case "effect":
				t.Effect = corev1.TaintEffect(v)
			case "tolerationseconds":
				s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				if err != nil {
					return nil, fmt.Errorf("%s: tolerationSeconds %q is not a whole number of seconds", key, v)
				}
				t.TolerationSeconds = &s
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// parseOwnerReferences reads kubernetes.jobmanager.owner.reference; keys are
// case-insensitive, unknown keys are ignored with a warning.
func parseOwnerReferences(items []map[string]string, warn func(string, ...any)) ([]metav1.OwnerReference, error) {
	key := config.KubernetesJobManagerOwnerReference.Key()
	var out []metav1.OwnerReference
	for _, m := range items {
		var ref metav1.OwnerReference
		for k, v := range m {
			switch strings.ToLower(k) {
			case "apiversion":
				ref.APIVersion = v
			case "kind":
				ref.Kind = v
			case "name":
				ref.Name = v
			case "uid":
				ref.UID = types.UID(v)
			case "controller", "blockownerdeletion":
				b, err := strconv.ParseBool(strings.TrimSpace(v))
				if err != nil {
					return nil, fmt.Errorf("%s: %s %q is not true or false", key, k, v)
				}
				if strings.EqualFold(k, "controller") {
					ref.Controller = &b
				} else {
					ref.BlockOwnerDeletion = &b
				}
			default:
				warn("%s: ignoring unknown key %q (known: apiVersion, blockOwnerDeletion, controller, kind, name, uid)", key, k)
			}
		}
		out = append(out, ref)
	}
	return out, nil
}

// newJobManagerParams reads the JobManager's parameters.
func newJobManagerParams(conf *config.Configuration, local Local) (*jobManagerParams, error) {
	pp, err := newPodParams(conf, jobManagerOptions, local)
	if err != nil {
		return nil, err
	}
	p := &jobManagerParams{podParams: pp}
	r := &reader{conf: conf}

	p.target, err = config.DeploymentTargetOf(conf)
	r.fail(err)
	p.cpu = get(r, config.KubernetesJobManagerCPUAmount)
	if r.err == nil && !(p.cpu > 0 && p.cpu <= maxCPUCores) {
		r.fail(fmt.Errorf("%s must be a positive number of CPU cores such as 1.0 or 0.5, got %s",
			config.KubernetesJobManagerCPUAmount.Key(), config.FormatDouble(p.cpu)))
	}
	if r.err == nil {
		spec, err := config.JobManagerMemorySpec(conf)
		r.fail(err)
		if err == nil {
			p.memoryMiB = spec.TotalProcess.MiB()
			r.fail(checkLimits(jobManagerOptions, p.cpu, p.cpuLimitFactor, p.memoryMiB, p.memoryLimitFactor))
		}
	}
	p.haEnabled, err = config.HighAvailabilityEnabled(conf)
	r.fail(err)
	replicas := get(r, config.KubernetesJobManagerReplicas)
	switch {
	case r.err != nil:
	case replicas < 1:
		r.fail(fmt.Errorf("%s must be at least 1, got %d", config.KubernetesJobManagerReplicas.Key(), replicas))
	case replicas > 1 && !p.haEnabled:
		r.fail(fmt.Errorf("%s is %d, but more than one JobManager (standby JobManagers) needs high availability; "+
			"set high-availability.type: kubernetes or use 1 replica", config.KubernetesJobManagerReplicas.Key(), replicas))
	}
	p.replicas = int32(replicas)

	restPort := get(r, config.RestPort)
	r.fail(checkServicePort(config.RestPort, restPort))
	p.restPort = int32(restPort)
	rpcPort := get(r, config.JobManagerRPCPort)
	if !p.haEnabled || !p.hostNetwork { // a port of the internal Service or of the container
		r.fail(checkServicePort(config.JobManagerRPCPort, rpcPort))
	}
	p.rpcPort = int32(rpcPort)
	p.restBindPort, err = positivePort(conf, config.RestBindPort)
	r.fail(err)
	p.blobPort, err = positivePort(conf, config.BlobServerPort)
	r.fail(err)

	p.exposedType = get(r, config.KubernetesRestServiceExposedType)
	p.restServiceAnnotations = get(r, config.KubernetesRestServiceAnnotations)
	p.internalServiceAnnotations = get(r, config.KubernetesInternalServiceAnnotations)
	p.artifactsDir = get(r, config.UserArtifactsBaseDir)
	p.ownerReferences, err = parseOwnerReferences(get(r, config.KubernetesJobManagerOwnerReference), p.warnf)
	r.fail(err)
	p.jmTemplateFile = strings.TrimSpace(get(r, config.KubernetesPodTemplateFileJobManager))
	p.tmTemplateFile = strings.TrimSpace(get(r, config.KubernetesPodTemplateFileTaskManager))
	return p, r.err
}

// externalResources are the Kubernetes extended resources of a TaskManager: each
// external resource of the process specification whose
// external-resource.<name>.kubernetes.config-key is set, in name order.
func externalResources(conf *config.Configuration, amounts map[string]int64) []externalResource {
	var out []externalResource
	for _, name := range slices.Sorted(maps.Keys(amounts)) {
		key, ok := conf.GetString(config.ExternalResourceKubernetesConfigKey(name))
		if !ok || strings.TrimSpace(key) == "" {
			continue
		}
		out = append(out, externalResource{key: corev1.ResourceName(strings.TrimSpace(key)), amount: amounts[name]})
	}
	return out
}

// newTaskManagerParams reads the TaskManager's parameters.
func newTaskManagerParams(conf *config.Configuration, opts TaskManagerPodOptions) (*taskManagerParams, error) {
	pp, err := newPodParams(conf, taskManagerOptions, opts.Local)
	if err != nil {
		return nil, err
	}
	p := &taskManagerParams{podParams: pp, podName: opts.PodName, blockedNodes: opts.BlockedNodes}
	r := &reader{conf: conf}
	process := opts.Process
	if process == nil {
		spec, err := config.TaskManagerMemorySpec(conf)
		if err != nil {
			return nil, err
		}
		process = &spec
	}
	p.cpu = process.CPUCores
	p.memoryMiB = process.TotalProcess.MiB()
	r.fail(checkLimits(taskManagerOptions, p.cpu, p.cpuLimitFactor, p.memoryMiB, p.memoryLimitFactor))
	p.jvmMemOpts = process.JVMOptions()
	p.resourceArgs = process.ResourceArgs()
	p.external = externalResources(conf, process.ExternalResources)
	rpcPort, err := config.FixedPort(conf, config.TaskManagerRPCPort)
	r.fail(err)
	p.rpcPort = int32(rpcPort)
	p.nodeNameLabel = get(r, config.KubernetesNodeNameLabel)

	props := mergeMaps(opts.DynamicProperties, map[string]string{config.TaskManagerResourceID.Key(): opts.PodName})
	p.dynamicProperties = renderDynamicProperties(props)
	return p, r.err
}
