// Package flinkimage is the apache/flink container image of the simulated registry:
// it binds the start scripts Flink's native Kubernetes integration runs in its pods
// (kubernetes-jobmanager.sh, kubernetes-taskmanager.sh, behind /docker-entrypoint.sh)
// to the Go processes of packages jobmanager and taskmanager, next to the small
// toolbox of shell commands an image has. Like the real image it ships the example
// jobs under /opt/flink/examples and the optional file system plugins under
// /opt/flink/opt (enabled with ENABLE_BUILT_IN_PLUGINS).
package flinkimage

import (
	"path"

	"flinksim/config"
	"flinksim/flinkfs"
	"flinksim/jobjar"
	"flinksim/jobmanager"
	"flinksim/process"
	"flinksim/sim/kubelet"
	"flinksim/taskmanager"
)

// Repositories are the names the image answers to, with any tag.
var Repositories = []string{"apache/flink", "flink"}

// FlinkHome is where the image installs Flink.
const FlinkHome = "/opt/flink"

// OptionalPlugins are the plugin jars the image ships in $FLINK_HOME/opt.
var OptionalPlugins = []string{
	"flink-s3-fs-hadoop-" + config.FlinkVersion + ".jar",
	"flink-s3-fs-presto-" + config.FlinkVersion + ".jar",
	"flink-gs-fs-hadoop-" + config.FlinkVersion + ".jar",
	"flink-azure-fs-hadoop-" + config.FlinkVersion + ".jar",
	"flink-oss-fs-hadoop-" + config.FlinkVersion + ".jar",
}

// Options configure what the image's processes reach besides their container.
type Options struct {
	// ObjectStore is the cluster's remote storage (s3:// buckets, the shared
	// file://), e.g. a *dfs.FS; nil when there is none.
	ObjectStore flinkfs.ObjectStore
	// OnLeadership observes the JobManagers' leadership terms (tests check that
	// terms never overlap); nil when nobody listens.
	OnLeadership func(jobmanager.LeadershipChange)
}

// Images returns the Flink image under every repository name, without an object
// store.
func Images() []*kubelet.Image { return ImagesWith(Options{}) }

// ImagesWith returns the Flink image under every repository name.
func ImagesWith(opts Options) []*kubelet.Image {
	var out []*kubelet.Image
	for _, name := range Repositories {
		out = append(out, image(name, opts))
	}
	return out
}

// Files are the image's files: the example jars and the optional plugins.
func Files() map[string][]byte {
	files := map[string][]byte{}
	for _, ex := range jobjar.Examples() {
		files[path.Join(FlinkHome, ex.Path)] = jobjar.MustBuild(ex.Descriptor)
	}
	for _, p := range OptionalPlugins {
		files[path.Join(FlinkHome, "opt", p)] = []byte{}
	}
	return files
}

func image(name string, opts Options) *kubelet.Image {
	programs := kubelet.WithToolbox(map[string]process.Program{
		"kubernetes-jobmanager.sh":  jobmanager.Program(jobmanager.Options{ObjectStore: opts.ObjectStore, OnLeadership: opts.OnLeadership}),
		"kubernetes-taskmanager.sh": taskmanager.Main,
	})
	programs["/docker-entrypoint.sh"] = kubelet.Passthrough(programs)
	return &kubelet.Image{
		Name:       name,
		Entrypoint: []string{"/docker-entrypoint.sh"},
		Cmd:        []string{"help"},
		Programs:   programs,
		Files:      Files(),
		Env: map[string]string{
			"FLINK_HOME": FlinkHome,
			"PATH":       FlinkHome + "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		},
	}
}
