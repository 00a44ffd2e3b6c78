package ha

import (
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/google/uuid"
)

// Names, keys and labels of the HA data (reference §5.2, Appendix A).
const (
	// LeaderAnnotationKey is the annotation on the cluster ConfigMap that holds the
	// leader-election record.
	LeaderAnnotationKey = "control-plane.alpha.kubernetes.io/leader"
	// LeaderKeyPrefix starts the data key of each component's leader information.
	LeaderKeyPrefix = "org.apache.flink.k8s.leader."
	// ExecutionPlanKeyPrefix starts the keys of execution-plan pointers in the cluster
	// ConfigMap.
	ExecutionPlanKeyPrefix = "executionPlan-"
	// CheckpointKeyPrefix starts the keys of completed-checkpoint pointers in a job
	// ConfigMap.
	CheckpointKeyPrefix = "checkpointID-"
	// CounterKey holds the next checkpoint id in a job ConfigMap.
	CounterKey = "counter"

	// ExecutionPlanFilePrefix and CompletedCheckpointFilePrefix start the names of
	// the state files under <high-availability.storageDir>/<cluster-id>/.
	ExecutionPlanFilePrefix       = "submittedExecutionPlan"
	CompletedCheckpointFilePrefix = "completedCheckpoint"

	// LabelType and LabelApp are the COMMON labels of every object of a cluster.
	LabelType            = "type"
	LabelTypeNativeValue = "flink-native-kubernetes"
	LabelApp             = "app"
)

// The components that share one leader election in a JobManager process. A
// JobMaster's component id is JobMasterComponent(jobID).
const (
	ResourceManagerComponent = "resourcemanager"
	DispatcherComponent      = "dispatcher"
	RestServerComponent      = "restserver"
)

// JobMasterComponent is the leader-election component id of a job's JobMaster.
func JobMasterComponent(id JobID) string { return "job-" + id.String() }

// ClusterConfigMapName is the ConfigMap holding the leader lock, the leader
// addresses and the execution-plan pointers of a cluster.
func ClusterConfigMapName(clusterID string) string { return clusterID + "-cluster-config-map" }

// JobConfigMapName is the ConfigMap holding a job's checkpoint pointers and
// checkpoint counter.
func JobConfigMapName(clusterID string, job JobID) string {
	return clusterID + "-" + job.String() + "-config-map"
}

// LeaderKey is the data key of a component's leader information.
func LeaderKey(component string) string { return LeaderKeyPrefix + component }

// ExecutionPlanKey is the data key of a job's execution-plan pointer.
func ExecutionPlanKey(job JobID) string { return ExecutionPlanKeyPrefix + job.String() }

// CheckpointKey is the data key of a completed checkpoint's pointer: the id
// zero-padded to 19 digits, so that keys sort as the ids do.
func CheckpointKey(checkpointID int64) string {
	return fmt.Sprintf("%s%019d", CheckpointKeyPrefix, checkpointID)
}

// Labels are the COMMON labels that HA ConfigMaps carry (and nothing else).
func Labels(clusterID string) map[string]string {
	return map[string]string{LabelType: LabelTypeNativeValue, LabelApp: clusterID}
}

// JobID is Flink's 16-byte job id, written as 32 lowercase hex characters.
type JobID [16]byte

// String renders the id as Flink does: 32 lowercase hex characters.
func (id JobID) String() string { return hex.EncodeToString(id[:]) }

// ParseJobID reads a job id from its 32 hex characters.
func ParseJobID(s string) (JobID, error) {
	var id JobID
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(id) {
		return id, fmt.Errorf("job id %q is not 32 hex characters", s)
	}
	copy(id[:], b)
	return id, nil
}

// FixedJobID is the job id of an application-mode cluster with HA when
// $internal.pipeline.job-id is not set (reference §5.1): the lower part is Java's
// String.hashCode() of the HA cluster id, sign-extended to 64 bits, the upper part
// is zero. Flink writes the lower part first, so the id is 16 hex digits of the
// hash followed by 16 zeros.
func FixedJobID(haClusterID string) JobID {
	lower := uint64(int64(javaStringHashCode(haClusterID)))
	var id JobID
	for i := range 8 {
		id[i] = byte(lower >> (56 - 8*i))
	}
	return id
}

// javaStringHashCode is java.lang.String.hashCode: s[0]*31^(n-1) + … + s[n-1] over
// the UTF-16 code units, in 32-bit two's-complement arithmetic.
func javaStringHashCode(s string) int32 {
	var h int32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(u)
	}
	return h
}

// LeaderInformation is what a leader publishes for one component: its leader
// session id and its address. The zero value is "no leader".
type LeaderInformation struct {
	SessionID uuid.UUID
	Address   string
}

// IsEmpty reports whether the information names no leader.
func (l LeaderInformation) IsEmpty() bool { return l == LeaderInformation{} }

// String is the stored form, "<session-uuid>,<address>"; empty information has none
// (it is a missing key, not an empty value).
func (l LeaderInformation) String() string {
	if l.IsEmpty() {
		return ""
	}
	return l.SessionID.String() + "," + l.Address
}

// ParseLeaderInformation reads "<session-uuid>,<address>", split at the first comma.
// Anything unreadable is empty information, as in Flink.
func ParseLeaderInformation(v string) LeaderInformation {
	id, addr, ok := strings.Cut(v, ",")
	if !ok {
		return LeaderInformation{}
	}
	session, err := uuid.Parse(id)
	if err != nil {
		return LeaderInformation{}
	}
	return LeaderInformation{SessionID: session, Address: addr}
}

// LeaderInformationOf extracts every component's leader information from the data
// of a cluster ConfigMap; unreadable values count as empty.
func LeaderInformationOf(data map[string]string) map[string]LeaderInformation {
	out := map[string]LeaderInformation{}
	for k, v := range data {
		if c, ok := strings.CutPrefix(k, LeaderKeyPrefix); ok {
			out[c] = ParseLeaderInformation(v)
		}
	}
	return out
}
