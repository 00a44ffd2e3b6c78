package config

import (
	"fmt"
	"strings"
)

// parseEnum matches s case-insensitively against values and returns the canonical
// spelling, as Flink's enum options do.
func parseEnum[T ~string](s string, values []T) (T, error) {
	t := strings.TrimSpace(s)
	for _, v := range values {
		if strings.EqualFold(t, string(v)) {
			return v, nil
		}
	}
	return "", invalid(s, "expected one of %s (case-insensitive)", joinValues(values))
}

func joinValues[T ~string](values []T) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = string(v)
	}
	return strings.Join(parts, ", ")
}

// ServiceExposedType is how the REST Service <cluster-id>-rest is exposed.
type ServiceExposedType string

// The exposed types; Headless_ClusterIP is a ClusterIP Service with clusterIP None.
const (
	ServiceExposedClusterIP         ServiceExposedType = "ClusterIP"
	ServiceExposedNodePort          ServiceExposedType = "NodePort"
	ServiceExposedLoadBalancer      ServiceExposedType = "LoadBalancer"
	ServiceExposedHeadlessClusterIP ServiceExposedType = "Headless_ClusterIP"
)

// ServiceExposedTypes lists every ServiceExposedType.
func ServiceExposedTypes() []ServiceExposedType {
	return []ServiceExposedType{ServiceExposedClusterIP, ServiceExposedNodePort, ServiceExposedLoadBalancer, ServiceExposedHeadlessClusterIP}
}

// ParseServiceExposedType parses an exposed type case-insensitively.
func ParseServiceExposedType(s string) (ServiceExposedType, error) {
	return parseEnum(s, ServiceExposedTypes())
}

// ImagePullPolicy is the main container's imagePullPolicy.
type ImagePullPolicy string

// The Kubernetes pull policies.
const (
	ImagePullIfNotPresent ImagePullPolicy = "IfNotPresent"
	ImagePullAlways       ImagePullPolicy = "Always"
	ImagePullNever        ImagePullPolicy = "Never"
)

// ImagePullPolicies lists every ImagePullPolicy.
func ImagePullPolicies() []ImagePullPolicy {
	return []ImagePullPolicy{ImagePullIfNotPresent, ImagePullAlways, ImagePullNever}
}

// ParseImagePullPolicy parses a pull policy case-insensitively.
func ParseImagePullPolicy(s string) (ImagePullPolicy, error) {
	return parseEnum(s, ImagePullPolicies())
}

// NodePortAddressType selects which node address a NodePort endpoint is built from.
type NodePortAddressType string

// The node address types Flink considers.
const (
	NodePortInternalIP NodePortAddressType = "InternalIP"
	NodePortExternalIP NodePortAddressType = "ExternalIP"
)

// NodePortAddressTypes lists every NodePortAddressType.
func NodePortAddressTypes() []NodePortAddressType {
	return []NodePortAddressType{NodePortInternalIP, NodePortExternalIP}
}

// ParseNodePortAddressType parses a node address type case-insensitively.
func ParseNodePortAddressType(s string) (NodePortAddressType, error) {
	return parseEnum(s, NodePortAddressTypes())
}

// LoadBalanceMode is taskmanager.load-balance.mode: how slots are spread.
type LoadBalanceMode string

// The load-balance modes.
const (
	LoadBalanceNone  LoadBalanceMode = "NONE"
	LoadBalanceSlots LoadBalanceMode = "SLOTS"
)

// DeploymentTarget is a Kubernetes value of execution.target.
type DeploymentTarget string

// The Kubernetes deployment targets; the value doubles as the first argument of
// kubernetes-jobmanager.sh.
const (
	DeploymentTargetSession     DeploymentTarget = "kubernetes-session"
	DeploymentTargetApplication DeploymentTarget = "kubernetes-application"
)

// The JobManager entrypoint classes the deployer records in
// kubernetes.internal.jobmanager.entrypoint.class.
const (
	SessionClusterEntrypointClass     = "org.apache.flink.kubernetes.entrypoint.KubernetesSessionClusterEntrypoint"
	ApplicationClusterEntrypointClass = "org.apache.flink.kubernetes.entrypoint.KubernetesApplicationClusterEntrypoint"
)

// DeploymentTargets lists every Kubernetes DeploymentTarget.
func DeploymentTargets() []DeploymentTarget {
	return []DeploymentTarget{DeploymentTargetSession, DeploymentTargetApplication}
}

// ParseDeploymentTarget parses a Kubernetes deployment target case-insensitively.
func ParseDeploymentTarget(s string) (DeploymentTarget, error) {
	if strings.TrimSpace(s) == "" {
		return "", invalid(s, "expected one of %s; set %s", joinValues(DeploymentTargets()), ExecutionTarget.Key())
	}
	t, err := parseEnum(s, DeploymentTargets())
	if err != nil {
		return "", invalid(s, "not a Kubernetes deployment target: expected one of %s (case-insensitive)", joinValues(DeploymentTargets()))
	}
	return t, nil
}

// IsKubernetesDeploymentTarget reports whether s names a Kubernetes target.
func IsKubernetesDeploymentTarget(s string) bool {
	_, err := ParseDeploymentTarget(s)
	return err == nil
}

// DeploymentTargetOf reads execution.target and requires a Kubernetes target.
func DeploymentTargetOf(c *Configuration) (DeploymentTarget, error) {
	raw, ok, _ := GetOptional(c, ExecutionTarget)
	if !ok {
		return "", fmt.Errorf("%s is not set: set it to %s", ExecutionTarget.Key(), joinValues(DeploymentTargets()))
	}
	t, err := ParseDeploymentTarget(raw)
	return t, withKey(err, ExecutionTarget.Key(), raw)
}

// EntrypointClass returns the JobManager entrypoint class for the target.
func (t DeploymentTarget) EntrypointClass() string {
	if t == DeploymentTargetApplication {
		return ApplicationClusterEntrypointClass
	}
	return SessionClusterEntrypointClass
}

// RestartStrategy is the kind named by restart-strategy.type.
type RestartStrategy string

// The restart strategies, in Flink's canonical spelling.
const (
	RestartStrategyNone             RestartStrategy = "none"
	RestartStrategyFixedDelay       RestartStrategy = "fixed-delay"
	RestartStrategyFailureRate      RestartStrategy = "failure-rate"
	RestartStrategyExponentialDelay RestartStrategy = "exponential-delay"
)

// ParseRestartStrategy accepts the names Flink accepts, case-insensitively: none, off,
// disable; fixed-delay, fixeddelay; failure-rate, failurerate; exponential-delay,
// exponentialdelay.
func ParseRestartStrategy(s string) (RestartStrategy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "none", "off", "disable":
		return RestartStrategyNone, nil
	case "fixed-delay", "fixeddelay":
		return RestartStrategyFixedDelay, nil
	case "failure-rate", "failurerate":
		return RestartStrategyFailureRate, nil
	case "exponential-delay", "exponentialdelay":
		return RestartStrategyExponentialDelay, nil
	}
	return "", invalid(s, "expected none, fixed-delay, failure-rate or exponential-delay (case-insensitive)")
}

// Execution modes of internal.cluster.execution-mode; the deployer always ships NORMAL.
const (
	ExecutionModeNormal   = "NORMAL"
	ExecutionModeDetached = "DETACHED"
)
