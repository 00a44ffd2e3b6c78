package kubeobjects

import (
	"fmt"
	"io"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"flinksim/config"
)

// Local is what the builders read from the machine they run on: files (pod templates,
// logging configurations, keytab, Hadoop configuration), environment variables
// (HADOOP_CONF_DIR, HADOOP_HOME) and where warnings go. The zero value uses the
// process's own files and environment and discards warnings.
type Local struct {
	ReadFile  ReadFileFunc
	LookupEnv LookupEnvFunc
	Log       io.Writer
}

func (l Local) orDefault() Local {
	l.ReadFile = l.ReadFile.orDefault()
	l.LookupEnv = l.LookupEnv.orDefault()
	if l.Log == nil {
		l.Log = io.Discard
	}
	return l
}

// Object is what the builders emit besides the pods: Services, ConfigMaps, Secrets.
type Object interface {
	metav1.Object
	runtime.Object
}

// JobManagerSpec is everything the deployer creates for one cluster.
type JobManagerSpec struct {
	// Deployment is the JobManager Deployment; it is created first.
	Deployment *appsv1.Deployment
	// Accompanying are the other objects in Flink's order: internal Service (non-HA
	// only), REST Service, hadoop-config-, kerberos-keytab-, kerberos-krb5conf-,
	// flink-config- and pod-template-<cid>. They carry no owner reference yet: the
	// deployer stamps the Deployment's server-assigned UID on them (SetOwner).
	Accompanying []Object
	// Configuration is the effective configuration after the deployer's mutations
	// (reference §1.2); the flink-config ConfigMap ships it minus the client-only keys.
	Configuration *config.Configuration
}

// jobManagerParams are the JobManager's inputs from the configuration.
type jobManagerParams struct {
	podParams

	target         config.DeploymentTarget
	replicas       int32
	restPort       int32
	restBindPort   int32
	rpcPort        int32
	blobPort       int32
	haEnabled      bool
	artifactsDir   string
	jmTemplateFile string
	tmTemplateFile string

	ownerReferences            []metav1.OwnerReference
	exposedType                config.ServiceExposedType
	restServiceAnnotations     map[string]string
	internalServiceAnnotations map[string]string
}

// BuildJobManager builds the JobManager Deployment and its accompanying objects from
// the client configuration, as Flink's deployer does: it applies the configuration
// mutations of reference §1.2 to a copy of conf, then runs the JobManager steps in
// Flink's order over the JobManager pod template (if one is configured).
//
// execution.target selects session or application mode. conf itself is not changed.
func BuildJobManager(conf *config.Configuration, local Local) (*JobManagerSpec, error) {
	local = local.orDefault()
	conf = conf.Clone()
	if err := prepareConfiguration(conf); err != nil {
		return nil, err
	}
	p, err := newJobManagerParams(conf, local)
	if err != nil {
		return nil, err
	}
	// Flink's client derives the TaskManager process specification (memory, slots)
	// before deploying; flinksim checks every option the resource manager will read
	// for TaskManager pods, so that a cluster that could never start one is not made.
	if _, err := newTaskManagerParams(conf, TaskManagerPodOptions{
		Local: local, PodName: TaskManagerPodName(p.clusterID, 1, 1),
	}); err != nil {
		return nil, fmt.Errorf("the TaskManager pods of this cluster could not be built: %w", err)
	}

	fp := NewFlinkPod()
	if p.jmTemplateFile != "" {
		if fp, err = LoadPodTemplate(p.jmTemplateFile, local.ReadFile); err != nil {
			return nil, err
		}
	}

	if err := p.initJobManager(fp); err != nil {
		return nil, err
	}
	p.decorateEnvSecrets(fp)
	p.decorateMountSecrets(fp)
	p.cmdJobManager(fp)

	var objects []Object
	if !p.haEnabled {
		objects = append(objects, p.internalService())
		// TaskManagers find the JobManager through the internal Service.
		config.Set(conf, config.JobManagerRPCAddress, p.clusterID+"."+p.namespace)
	}
	objects = append(objects, p.restService())

	if p.hadoopEnabled {
		objs, err := p.decorateHadoop(fp)
		if err != nil {
			return nil, err
		}
		objects = append(objects, objs...)
	}
	if p.kerberosEnabled {
		p.decorateKerberos(fp)
		objs, shippedKeytab, err := p.kerberosObjects()
		if err != nil {
			return nil, err
		}
		if shippedKeytab != "" {
			config.Set(conf, config.SecurityKerberosLoginKeytab, shippedKeytab)
		}
		objects = append(objects, objs...)
	}

	logs, err := p.localLogConfigs()
	if err != nil {
		return nil, err
	}
	p.decorateFlinkConf(fp, logs)
	shipped, err := ShippedConfigYAML(conf)
	if err != nil {
		return nil, err
	}
	objects = append(objects, p.flinkConfConfigMap(shipped, logs))

	if p.tmTemplateFile != "" {
		cm, err := p.decoratePodTemplate(fp, p.tmTemplateFile)
		if err != nil {
			return nil, err
		}
		objects = append(objects, cm)
	}

	return &JobManagerSpec{Deployment: p.deployment(fp), Accompanying: objects, Configuration: conf}, nil
}

// initJobManager is Flink's JobManager init step.
func (p *jobManagerParams) initJobManager(fp *FlinkPod) error {
	if rp := fp.Pod.Spec.RestartPolicy; rp != "" && rp != corev1.RestartPolicyAlways {
		p.warnf("the JobManager pod template sets restartPolicy %s; a Deployment only accepts Always", rp)
	}
	if err := p.initCommon(fp, nil); err != nil {
		return err
	}
	spec, main := &fp.Pod.Spec, fp.MainContainer
	spec.Volumes = append(spec.Volumes, corev1.Volume{
		Name:         VolumeUserArtifacts,
		VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}},
	})
	if !p.hostNetwork {
		main.Ports = append(main.Ports,
			corev1.ContainerPort{Name: PortNameRest, ContainerPort: p.restPort},
			corev1.ContainerPort{Name: PortNameJobManagerRPC, ContainerPort: p.rpcPort},
			corev1.ContainerPort{Name: PortNameBlobServer, ContainerPort: p.blobPort},
		)
	}
	main.Env = append(main.Env, envFromMap(p.env)...)
	main.Env = append(main.Env, fieldRefEnv(EnvPodIPAddress, "status.podIP"))
	p.logDirEnv(main)
	main.VolumeMounts = append(main.VolumeMounts, corev1.VolumeMount{Name: VolumeUserArtifacts, MountPath: p.artifactsDir})
	return nil
}

// cmdJobManager sets command and args: [entry path], bash -c "kubernetes-jobmanager.sh
// <target> <entrypoint args>".
func (p *jobManagerParams) cmdJobManager(fp *FlinkPod) {
	fp.MainContainer.Command = []string{p.entryPath}
	fp.MainContainer.Args = bashWrapped(jobManagerScript, string(p.target), p.entrypointArgs)
}

func (p *jobManagerParams) deployment(fp *FlinkPod) *appsv1.Deployment {
	pod := fp.Assemble()
	replicas := p.replicas
	return &appsv1.Deployment{
		TypeMeta: metav1.TypeMeta{APIVersion: appsv1.SchemeGroupVersion.String(), Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{
			Name:            DeploymentName(p.clusterID),
			Labels:          p.podLabels(),
			Annotations:     mergeMaps(p.annotations),
			OwnerReferences: p.ownerReferences,
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: p.selector()},
			Template: corev1.PodTemplateSpec{ObjectMeta: pod.ObjectMeta, Spec: pod.Spec},
		},
	}
}
