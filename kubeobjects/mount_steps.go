package kubeobjects

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// This file holds the steps that mount files into the pods: Hadoop configuration,
// Kerberos keytab and krb5.conf, the Flink configuration and the TaskManager pod
// template. Each has a pod part (used for JobManager and TaskManager pods) and an
// object part (used by the deployer only).

type localFile struct {
	name string
	data []byte
}

// readOptional reads a local file; a file that does not exist is not an error.
func (p *podParams) readOptional(path string) ([]byte, bool, error) {
	data, err := p.readFile(path)
	switch {
	case err == nil:
		return data, true, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, false, nil
	default:
		return nil, false, fmt.Errorf("reading %q: %w", path, err)
	}
}

func configMap(name string, labels map[string]string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Data:       data,
	}
}

func configMapVolume(volume, configMapName string, items ...string) corev1.Volume {
	src := &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: configMapName}}
	for _, it := range items {
		src.Items = append(src.Items, corev1.KeyToPath{Key: it, Path: it})
	}
	return corev1.Volume{Name: volume, VolumeSource: corev1.VolumeSource{ConfigMap: src}}
}

// --- Hadoop -----------------------------------------------------------------------

// localHadoopConfDir finds the client's Hadoop configuration directory:
// HADOOP_CONF_DIR, else HADOOP_HOME/etc/hadoop (Hadoop 2), else HADOOP_HOME/conf.
func (p *podParams) localHadoopConfDir() (string, bool) {
	if dir, ok := p.lookupEnv(EnvHadoopConfDir); ok && strings.TrimSpace(dir) != "" {
		return dir, true
	}
	home, ok := p.lookupEnv(EnvHadoopHome)
	if !ok || strings.TrimSpace(home) == "" {
		return "", false
	}
	for _, dir := range []string{filepath.Join(home, "etc", "hadoop"), filepath.Join(home, "conf")} {
		if p.dirExists(dir) {
			return dir, true
		}
	}
	return "", false
}

// dirExists answers through ReadFile (see ReadFileFunc): reading a directory fails
// with something other than "does not exist", or a Hadoop file inside it is readable.
func (p *podParams) dirExists(dir string) bool {
	if _, err := p.readFile(dir); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return true
	}
	for _, f := range []string{CoreSiteFileName, HDFSSiteFileName} {
		if _, err := p.readFile(filepath.Join(dir, f)); err == nil {
			return true
		}
	}
	return false
}

// localHadoopFiles are core-site.xml and hdfs-site.xml from the local Hadoop
// configuration directory, those that exist, in that order.
func (p *podParams) localHadoopFiles() ([]localFile, error) {
	dir, ok := p.localHadoopConfDir()
	if !ok {
		return nil, nil
	}
	var files []localFile
	for _, name := range []string{CoreSiteFileName, HDFSSiteFileName} {
		data, found, err := p.readOptional(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("Hadoop configuration: %w", err)
		}
		if found {
			files = append(files, localFile{name, data})
		}
	}
	return files, nil
}

// decorateHadoop mounts the Hadoop configuration: the existing ConfigMap named by
// kubernetes.hadoop.conf.config-map.name (all keys), or hadoop-config-<cid> with the
// files found locally. It returns the ConfigMap to create, if any.
func (p *podParams) decorateHadoop(fp *FlinkPod) ([]Object, error) {
	var volume corev1.Volume
	var objects []Object
	if p.hadoopConfigMap != "" {
		volume = configMapVolume(VolumeHadoopConfig, p.hadoopConfigMap)
	} else {
		files, err := p.localHadoopFiles()
		if err != nil || len(files) == 0 {
			return nil, err
		}
		data := map[string]string{}
		var items []string
		for _, f := range files {
			data[f.name] = string(f.data)
			items = append(items, f.name)
		}
		name := HadoopConfigMapName(p.clusterID)
		volume = configMapVolume(VolumeHadoopConfig, name, items...)
		objects = append(objects, configMap(name, CommonLabels(p.clusterID), data))
	}
	fp.Pod.Spec.Volumes = append(fp.Pod.Spec.Volumes, volume)
	fp.MainContainer.VolumeMounts = append(fp.MainContainer.VolumeMounts,
		corev1.VolumeMount{Name: VolumeHadoopConfig, MountPath: HadoopConfMountPath})
	fp.MainContainer.Env = append(fp.MainContainer.Env, corev1.EnvVar{Name: EnvHadoopConfDir, Value: HadoopConfMountPath})
	return objects, nil
}

// --- Kerberos ---------------------------------------------------------------------

func (p *podParams) keytabConfigured() bool {
	return strings.TrimSpace(p.keytab) != "" && strings.TrimSpace(p.principal) != ""
}

// decorateKerberos mounts the keytab Secret and the krb5.conf ConfigMap whenever the
// options are set (as Flink does, even when the local files are missing and the
// objects will not exist).
func (p *podParams) decorateKerberos(fp *FlinkPod) {
	spec, main := &fp.Pod.Spec, fp.MainContainer
	if p.keytabConfigured() {
		spec.Volumes = append(spec.Volumes, corev1.Volume{
			Name: VolumeKerberosKeytab,
			VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
				SecretName: KerberosKeytabSecretName(p.clusterID),
			}},
		})
		main.VolumeMounts = append(main.VolumeMounts,
			corev1.VolumeMount{Name: VolumeKerberosKeytab, MountPath: KerberosKeytabMountPath})
	}
	if strings.TrimSpace(p.krb5Path) != "" {
		spec.Volumes = append(spec.Volumes, corev1.Volume{
			Name: VolumeKerberosKrb5,
			VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: KerberosKrb5ConfigMapName(p.clusterID)},
				Items:                []corev1.KeyToPath{{Key: filepath.Base(p.krb5Path), Path: Krb5ConfFileName}},
			}},
		})
		main.VolumeMounts = append(main.VolumeMounts,
			corev1.VolumeMount{Name: VolumeKerberosKrb5, MountPath: Krb5ConfMountPath, SubPath: Krb5ConfFileName})
	}
}

// kerberosObjects are the keytab Secret and the krb5.conf ConfigMap, each only when
// its local file exists. shippedKeytab is the keytab path inside the pods when the
// keytab is shipped ("" otherwise); the caller writes it to the configuration.
func (p *podParams) kerberosObjects() (objects []Object, shippedKeytab string, err error) {
	if p.keytabConfigured() {
		data, found, err := p.readOptional(p.keytab)
		if err != nil {
			return nil, "", fmt.Errorf("Kerberos keytab: %w", err)
		}
		if found {
			name := filepath.Base(p.keytab)
			objects = append(objects, &corev1.Secret{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
				ObjectMeta: metav1.ObjectMeta{Name: KerberosKeytabSecretName(p.clusterID)},
				Data:       map[string][]byte{name: data},
			})
			shippedKeytab = KerberosKeytabMountPath + "/" + name
		}
	}
	if strings.TrimSpace(p.krb5Path) != "" {
		data, found, err := p.readOptional(p.krb5Path)
		if err != nil {
			return nil, "", fmt.Errorf("Kerberos krb5.conf: %w", err)
		}
		if found {
			objects = append(objects, configMap(KerberosKrb5ConfigMapName(p.clusterID), nil,
				map[string]string{filepath.Base(p.krb5Path): string(data)}))
		}
	}
	return objects, shippedKeytab, nil
}

// --- Flink configuration ----------------------------------------------------------

// localLogConfigs are the console logging files found in the client's configuration
// directory, logback before log4j (the order of the volume items).
func (p *podParams) localLogConfigs() ([]localFile, error) {
	var files []localFile
	for _, name := range []string{LogbackConsoleFileName, Log4jConsoleFileName} {
		data, found, err := p.readOptional(filepath.Join(p.clientConfDir, name))
		if err != nil {
			return nil, fmt.Errorf("logging configuration: %w", err)
		}
		if found {
			files = append(files, localFile{name, data})
		}
	}
	return files, nil
}

// decorateFlinkConf mounts flink-config-<cid> over the configuration directory.
func (p *podParams) decorateFlinkConf(fp *FlinkPod, logs []localFile) {
	items := make([]string, 0, len(logs)+1)
	for _, f := range logs {
		items = append(items, f.name)
	}
	items = append(items, ConfigFileName)
	fp.Pod.Spec.Volumes = append(fp.Pod.Spec.Volumes, configMapVolume(VolumeFlinkConfig, FlinkConfigMapName(p.clusterID), items...))
	fp.MainContainer.VolumeMounts = append(fp.MainContainer.VolumeMounts,
		corev1.VolumeMount{Name: VolumeFlinkConfig, MountPath: p.podConfDir})
}

func (p *podParams) flinkConfConfigMap(configYAML []byte, logs []localFile) *corev1.ConfigMap {
	data := map[string]string{ConfigFileName: string(configYAML)}
	for _, f := range logs {
		data[f.name] = string(f.data)
	}
	return configMap(FlinkConfigMapName(p.clusterID), CommonLabels(p.clusterID), data)
}

// --- TaskManager pod template -----------------------------------------------------

// decoratePodTemplate mounts pod-template-<cid>, which carries the TaskManager pod
// template file verbatim to the JobManager.
func (p *podParams) decoratePodTemplate(fp *FlinkPod, templateFile string) (Object, error) {
	data, err := p.readFile(templateFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("TaskManager pod template file %q does not exist: %w", templateFile, err)
		}
		return nil, fmt.Errorf("reading TaskManager pod template file %q: %w", templateFile, err)
	}
	// Flink ships the file unchecked and the resource manager fails on it later,
	// inside the running cluster; flinksim refuses a template it cannot parse now.
	if _, err := ParsePodTemplate(data); err != nil {
		return nil, fmt.Errorf("TaskManager pod template file %q: %w", templateFile, err)
	}
	name := PodTemplateConfigMapName(p.clusterID)
	fp.Pod.Spec.Volumes = append(fp.Pod.Spec.Volumes, configMapVolume(VolumePodTemplate, name, TaskManagerPodTemplateFile))
	fp.MainContainer.VolumeMounts = append(fp.MainContainer.VolumeMounts,
		corev1.VolumeMount{Name: VolumePodTemplate, MountPath: PodTemplateMountPath})
	return configMap(name, CommonLabels(p.clusterID), map[string]string{TaskManagerPodTemplateFile: string(data)}), nil
}
