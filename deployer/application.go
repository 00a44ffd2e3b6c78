package deployer

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"

	"flinksim/config"
	"flinksim/kubeobjects"
)

// ApplicationConfiguration is what `flink run --target kubernetes-application` passes
// besides the configuration: the program's arguments and, optionally, its main class.
type ApplicationConfiguration struct {
	ProgramArguments     []string
	ApplicationClassName string
}

// ArtifactStore is the remote (distributed) file system local artifacts are uploaded
// to before an application cluster is deployed.
type ArtifactStore interface {
	// Exists reports whether an artifact is stored under uri.
	Exists(ctx context.Context, uri string) (bool, error)
	// Put stores data under uri, replacing what was there.
	Put(ctx context.Context, uri string, data []byte) error
}

var pythonMainClasses = []string{
	"org.apache.flink.client.python.PythonDriver",
	"org.apache.flink.client.python.PythonGatewayServer",
}

var pythonArgs = []string{"-py", "-pym", "--python", "--pyModule"}

// isPython is Flink's test for a PyFlink program, which needs no job jar.
func (a ApplicationConfiguration) isPython() bool {
	if slices.Contains(pythonMainClasses, a.ApplicationClassName) {
		return true
	}
	for _, arg := range a.ProgramArguments {
		if slices.Contains(pythonArgs, arg) {
			return true
		}
	}
	return false
}

// DeployApplicationCluster deploys an application cluster, whose JobManager runs the
// program's main() itself. It refuses when Service <cid>-rest exists (the cluster
// runs already), when execution.target is not kubernetes-application, and when
// pipeline.jars does not hold exactly one jar (unless the program is Python). With
// kubernetes.artifacts.local-upload-enabled, local:// artifacts are uploaded to
// kubernetes.artifacts.local-upload-target first and their URIs rewritten.
func (d *Descriptor) DeployApplicationCluster(ctx context.Context, app ApplicationConfiguration) (*ClusterClient, error) {
	exists, err := d.ClusterExists(ctx, d.clusterID)
	if err != nil {
		return nil, fmt.Errorf("could not deploy application cluster %q: %w", d.clusterID, err)
	}
	if exists {
		return nil, fmt.Errorf("could not deploy application cluster %q: the Flink cluster %q already exists "+
			"(Service %q is present in namespace %q); kill it first or choose another kubernetes.cluster-id",
			d.clusterID, d.clusterID, kubeobjects.RestServiceName(d.clusterID), d.namespace)
	}
	conf := d.conf.Clone()
	target, _, _ := config.GetOptional(conf, config.ExecutionTarget)
	if !strings.EqualFold(strings.TrimSpace(target), string(config.DeploymentTargetApplication)) {
		return nil, fmt.Errorf("could not deploy application cluster %q: expected %s=%s but it is %q",
			d.clusterID, config.ExecutionTarget.Key(), config.DeploymentTargetApplication, target)
	}
	applyApplicationConfiguration(conf, app)
	if !app.isPython() {
		jars, err := config.Get(conf, config.PipelineJars)
		if err != nil {
			return nil, fmt.Errorf("could not deploy application cluster %q: %w", d.clusterID, err)
		}
		if len(jars) != 1 {
			return nil, fmt.Errorf("could not deploy application cluster %q: application mode needs exactly one jar "+
				"in pipeline.jars, it has %d %q", d.clusterID, len(jars), jars)
		}
	}
	if err := d.uploadArtifacts(ctx, conf); err != nil {
		return nil, fmt.Errorf("could not deploy application cluster %q: %w", d.clusterID, err)
	}
	return d.deploy(ctx, conf)
}

// applyApplicationConfiguration ships the program arguments and main class.
func applyApplicationConfiguration(conf *config.Configuration, app ApplicationConfiguration) {
	config.Set(conf, config.InternalApplicationProgramArgs, append([]string{}, app.ProgramArguments...))
	if app.ApplicationClassName != "" {
		config.Set(conf, config.InternalApplicationMain, app.ApplicationClassName)
	}
}

// uploadArtifacts uploads every local:// artifact of pipeline.jars and
// user.artifacts.artifact-list to kubernetes.artifacts.local-upload-target and
// rewrites the lists (a list without a local artifact is left untouched).
func (d *Descriptor) uploadArtifacts(ctx context.Context, conf *config.Configuration) error {
	enabled, err := config.Get(conf, config.KubernetesArtifactsLocalUploadEnabled)
	if err != nil || !enabled {
		return err
	}
	jars, err := config.Get(conf, config.PipelineJars)
	if err != nil {
		return err
	}
	if len(jars) != 1 {
		return fmt.Errorf("uploading artifacts needs exactly one jar in pipeline.jars, it has %d %q", len(jars), jars)
	}
	jar, err := d.upload(ctx, conf, jars[0])
	if err != nil {
		return err
	}
	if hasLocal(jars) {
		config.Set(conf, config.PipelineJars, []string{jar})
	}
	extra, _, err := config.GetOptional(conf, config.UserArtifactsArtifactList)
	if err != nil {
		return err
	}
	uploaded := make([]string, 0, len(extra))
	for _, a := range extra {
		u, err := d.upload(ctx, conf, a)
		if err != nil {
			return err
		}
		uploaded = append(uploaded, u)
	}
	if hasLocal(extra) {
		config.Set(conf, config.UserArtifactsArtifactList, uploaded)
	}
	return nil
}

func hasLocal(uris []string) bool {
	for _, u := range uris {
		if isLocal(u) {
			return true
		}
	}
	return false
}

func isLocal(uri string) bool {
	u, err := url.Parse(uri)
	return err == nil && u.Scheme == "local"
}

// upload copies one local:// artifact to <target>/<file name> and returns the remote
// URI; other URIs are returned unchanged. An existing remote artifact is kept (and
// used) unless kubernetes.artifacts.local-upload-overwrite is set.
func (d *Descriptor) upload(ctx context.Context, conf *config.Configuration, uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("artifact %q is not a valid URI: %w", uri, err)
	}
	if u.Scheme != "local" {
		return uri, nil
	}
	targetDir, _, err := config.GetOptional(conf, config.KubernetesArtifactsLocalUploadTarget)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(targetDir) == "" {
		return "", fmt.Errorf("uploading local artifact %q requires kubernetes.artifacts.local-upload-target "+
			"to be set to a valid remote path", uri)
	}
	if d.artifacts == nil {
		return "", errors.New("kubernetes.artifacts.local-upload-enabled is set, but this client has no remote " +
			"file system to upload to; put the jar into the image (local://) or give a remote URI instead")
	}
	overwrite, err := config.Get(conf, config.KubernetesArtifactsLocalUploadOverwrite)
	if err != nil {
		return "", err
	}
	target := strings.TrimSuffix(targetDir, "/") + "/" + path.Base(u.Path)
	exists, err := d.artifacts.Exists(ctx, target)
	if err != nil {
		return "", fmt.Errorf("checking artifact %q: %w", target, err)
	}
	if exists && !overwrite {
		fmt.Fprintf(d.log, "INFO skip uploading artifact %s: %s already exists\n", uri, target)
		return target, nil
	}
	data, err := d.local.ReadFile(u.Path)
	if err != nil {
		return "", fmt.Errorf("reading local artifact %q: %w", uri, err)
	}
	if err := d.artifacts.Put(ctx, target, data); err != nil {
		return "", fmt.Errorf("uploading artifact %q to %q: %w", uri, target, err)
	}
	return target, nil
}
