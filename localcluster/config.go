package localcluster

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	"flinksim/sim"
	"flinksim/sim/kubelet"
)

// Config configures a local cluster (flinksim up).
type Config struct {
	// Nodes are the worker nodes. Default: three nodes of 4 CPUs and 16 GiB.
	Nodes []sim.NodeConfig
	// RBAC enforces authorization for every identity but the kubeconfig's admin.
	RBAC bool
	// Seed makes the cluster's randomness reproducible (UIDs, names, scheduling ties).
	Seed int64
	// Address is where the API server listens: a loopback address. Default
	// 127.0.0.1:0 (any free port).
	Address string
	// HTTP serves the API over plain HTTP instead of HTTPS with a CA made at start.
	HTTP bool
	// Kubeconfig is the file to write. Required. A file that holds other clusters than
	// flinksim's is refused rather than overwritten.
	Kubeconfig string
	// ForwardRESTServices forwards the REST Service (<cid>-rest) of every Flink
	// cluster to a loopback port as soon as it exists.
	ForwardRESTServices bool
	// PreferServicePorts makes those forwards listen on the Service's own port (8081)
	// when it is free, as kubectl port-forward service/<cid>-rest 8081 would.
	PreferServicePorts bool
	// LoadBalancers is the loopback pool (e.g. 127.0.10.0/24) from which Services of
	// type LoadBalancer get their ingress address; empty leaves them <pending>.
	LoadBalancers string
	// FlinkHome, when set, is filled with what a Flink distribution holds for the
	// client (conf/config.yaml, conf/log4j-console.properties, examples/…/*.jar) so
	// that FLINK_HOME=<it> runs the Flink documentation's commands as written. Existing
	// files are kept.
	FlinkHome string
	// Buckets are the buckets of the cluster's object store made at start (s3://name,
	// or just name for s3://name; also s3a, gs, oss, abfs, hdfs): an s3:// path of
	// high-availability.storageDir or kubernetes.artifacts.local-upload-target must
	// lie in one, as on S3. file:/// needs none: it is a file system every pod shares.
	Buckets []string
	// Images are the container images of the cluster's registry besides pause and
	// busybox. Default: the apache/flink image with the cluster's object store attached.
	Images []*kubelet.Image
	// Out receives what a person running flinksim up wants to know: the API URL, the
	// kubeconfig, the forwards. Default: discarded.
	Out io.Writer
	// Log receives the cluster's own logs. Default: discarded.
	Log *slog.Logger
}

// File is the YAML file of flinksim up --config:
//
//	rbac: true
//	seed: 42
//	buckets: [s3://flink-ha]
//	nodes:
//	  - name: node-1
//	    cpu: "4"
//	    memory: 16Gi
//	    pods: 110
//	    labels: {topology.kubernetes.io/zone: a}
//	    taints:
//	      - {key: dedicated, value: flink, effect: NoSchedule}
type File struct {
	RBAC    *bool      `json:"rbac,omitempty"`
	Seed    *int64     `json:"seed,omitempty"`
	Buckets []string   `json:"buckets,omitempty"`
	Nodes   []FileNode `json:"nodes,omitempty"`
}

// FileNode is one node of a File.
type FileNode struct {
	Name   string            `json:"name,omitempty"`
	CPU    string            `json:"cpu,omitempty"`
	Memory string            `json:"memory,omitempty"`
	Pods   int64             `json:"pods,omitempty"`
	Labels map[string]string `json:"labels,omitempty"`
	Taints []corev1.Taint    `json:"taints,omitempty"`
}

// LoadFile reads a cluster file; unknown keys are errors, so that a typo is not
// silently ignored.
func LoadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the cluster file: %w", err)
	}
	var f File
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		return nil, fmt.Errorf("cluster file %s: %w (expected keys: rbac, seed, buckets, nodes[].name/cpu/memory/pods/labels/taints)", path, err)
	}
	for i, n := range f.Nodes {
		if err := checkNode(n.Name, n.CPU, n.Memory); err != nil {
			return nil, fmt.Errorf("cluster file %s: nodes[%d]: %w", path, i, err)
		}
	}
	return &f, nil
}

// NodeConfigs are the nodes of the file as the simulator takes them.
func (f *File) NodeConfigs() []sim.NodeConfig {
	var out []sim.NodeConfig
	for _, n := range f.Nodes {
		out = append(out, sim.NodeConfig{Name: n.Name, CPU: n.CPU, Memory: n.Memory, Pods: n.Pods, Labels: n.Labels, Taints: n.Taints})
	}
	return out
}

// Nodes makes count nodes named node-1… of the given shape, for the command-line flags.
func Nodes(count int, cpu, memory string) ([]sim.NodeConfig, error) {
	if count < 1 || count > 1000 {
		return nil, fmt.Errorf("--nodes %d: give between 1 and 1000 nodes", count)
	}
	if err := checkNode("", cpu, memory); err != nil {
		return nil, err
	}
	out := make([]sim.NodeConfig, count)
	for i := range out {
		out[i] = sim.NodeConfig{Name: fmt.Sprintf("node-%d", i+1), CPU: cpu, Memory: memory}
	}
	return out, nil
}

func checkNode(name, cpu, memory string) error {
	if cpu != "" {
		if _, err := resource.ParseQuantity(cpu); err != nil {
			return fmt.Errorf("node %s: cpu %q is not a quantity (try \"4\" or \"3500m\")", name, cpu)
		}
	}
	if memory != "" {
		if _, err := resource.ParseQuantity(memory); err != nil {
			return fmt.Errorf("node %s: memory %q is not a quantity (try \"16Gi\")", name, memory)
		}
	}
	return nil
}

// DefaultKubeconfig is where flinksim writes its kubeconfig unless told otherwise:
// ~/.flinksim/kubeconfig (a file of its own, never ~/.kube/config).
func DefaultKubeconfig() string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return filepath.Join(os.TempDir(), "flinksim", "kubeconfig")
	}
	return filepath.Join(home, ".flinksim", "kubeconfig")
}

func expandHome(path string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return path
}
