package resourcemanager

import (
	"fmt"
	"regexp"
	"strconv"
)

// taskManagerPodPattern finds the attempt and index in a TaskManager pod name. Like
// Flink it is an unanchored search, so the first match wins (reference §4.2).
var taskManagerPodPattern = regexp.MustCompile(`\S+-taskmanager-(\d+)-(\d+)`)

// AttemptOf returns the resource-manager attempt a TaskManager pod was created by:
// the <attempt> of `<cluster-id>-taskmanager-<attempt>-<index>`.
func AttemptOf(podName string) (int64, error) {
	m := taskManagerPodPattern.FindStringSubmatch(podName)
	if m == nil {
		return 0, fmt.Errorf("pod %q is labelled as a TaskManager of this cluster but its name does not have the form "+
			"<cluster-id>-taskmanager-<attempt>-<index>, so the resource manager cannot tell which attempt created it; "+
			"delete the pod (or remove its component=taskmanager label) and restart the JobManager", podName)
	}
	attempt, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("pod %q: attempt %q is out of range: %w", podName, m[1], err)
	}
	return attempt, nil
}
