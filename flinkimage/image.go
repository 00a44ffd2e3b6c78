// Package flinkimage is the apache/flink container image of the simulated registry:
// it binds the start scripts Flink's native Kubernetes integration runs in its pods
// (kubernetes-jobmanager.sh, kubernetes-taskmanager.sh, behind /docker-entrypoint.sh)
// to the Go processes of packages jobmanager and taskmanager, next to the small
// toolbox of shell commands an image has.
package flinkimage

import (
	"flinksim/jobmanager"
	"flinksim/process"
	"flinksim/sim/kubelet"
)

// Repositories are the names the image answers to, with any tag.
var Repositories = []string{"apache/flink", "flink"}

// Images returns the Flink image under every repository name.
func Images() []*kubelet.Image {
	var out []*kubelet.Image
	for _, name := range Repositories {
		out = append(out, image(name))
	}
	return out
}

func image(name string) *kubelet.Image {
	programs := kubelet.WithToolbox(map[string]process.Program{
		"kubernetes-jobmanager.sh": jobmanager.Main,
	})
	programs["/docker-entrypoint.sh"] = kubelet.Passthrough(programs)
	return &kubelet.Image{
		Name:       name,
		Entrypoint: []string{"/docker-entrypoint.sh"},
		Cmd:        []string{"help"},
		Programs:   programs,
		Env: map[string]string{
			"FLINK_HOME": "/opt/flink",
			"PATH":       "/opt/flink/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		},
	}
}
