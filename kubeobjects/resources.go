package kubeobjects

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// externalResource is one Kubernetes extended resource requested by TaskManagers
// (external-resource.<name>.kubernetes.config-key with external-resource.<name>.amount).
type externalResource struct {
	key    corev1.ResourceName
	amount int64
}

// resourceRequirements starts from the template's requirements, overwrites cpu and
// memory requests and limits from the configuration and adds the external resources
// (reference §1.4, §4.3). Other resource names of the template are kept.
func resourceRequirements(template corev1.ResourceRequirements, memoryMiB int64, memoryLimitFactor, cpu, cpuLimitFactor float64, external []externalResource) (corev1.ResourceRequirements, error) {
	out := *template.DeepCopy()
	if out.Requests == nil {
		out.Requests = corev1.ResourceList{}
	}
	if out.Limits == nil {
		out.Limits = corev1.ResourceList{}
	}
	cpuRequest, err := cpuQuantity(cpu)
	if err != nil {
		return out, err
	}
	cpuLimit, err := cpuQuantity(cpu * cpuLimitFactor)
	if err != nil {
		return out, err
	}
	// Flink truncates the memory limit to whole MiB.
	memoryLimitMiB := int64(math.Floor(float64(memoryMiB) * memoryLimitFactor))
	out.Requests[corev1.ResourceCPU] = cpuRequest
	out.Limits[corev1.ResourceCPU] = cpuLimit
	out.Requests[corev1.ResourceMemory] = resource.MustParse(strconv.FormatInt(memoryMiB, 10) + "Mi")
	out.Limits[corev1.ResourceMemory] = resource.MustParse(strconv.FormatInt(memoryLimitMiB, 10) + "Mi")
	for _, e := range external {
		q := *resource.NewQuantity(e.amount, resource.DecimalSI)
		out.Requests[e.key] = q
		out.Limits[e.key] = q.DeepCopy()
	}
	return out, nil
}

// cpuQuantity turns a cpu amount into a quantity. Flink writes the decimal string of
// the double ("1.0", "1.5"); as a Kubernetes quantity that is stored canonically
// ("1", "1500m"), which is also what the API server returns for Flink's strings.
func cpuQuantity(cpu float64) (resource.Quantity, error) {
	if math.IsNaN(cpu) || math.IsInf(cpu, 0) || cpu <= 0 {
		return resource.Quantity{}, fmt.Errorf("cpu amount must be a positive number, got %v", cpu)
	}
	q, err := resource.ParseQuantity(strconv.FormatFloat(cpu, 'f', -1, 64))
	if err != nil {
		return resource.Quantity{}, fmt.Errorf("cpu amount %v is not a valid Kubernetes quantity: %w", cpu, err)
	}
	return q, nil
}

// mergeMaps returns the union of the maps, later maps winning on equal keys; nil when
// all are empty.
func mergeMaps(maps ...map[string]string) map[string]string {
	var out map[string]string
	for _, m := range maps {
		for k, v := range m {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// envFromMap turns an environment map into env entries sorted by name.
func envFromMap(m map[string]string) []corev1.EnvVar {
	var out []corev1.EnvVar
	for _, k := range sortedKeys(m) {
		out = append(out, corev1.EnvVar{Name: k, Value: m[k]})
	}
	return out
}

// bashWrapped is the container args Flink uses: bash -c "<command>".
func bashWrapped(parts ...string) []string {
	return []string{"bash", "-c", strings.Join(parts, " ")}
}

// shellQuote single-quotes a value for bash, the way dynamic properties reach the
// TaskManager start script.
func shellQuote(v string) string {
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}
