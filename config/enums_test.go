package config

import (
	"strings"
	"testing"
)

func TestEnumsParseCaseInsensitively(t *testing.T) {
	for in, want := range map[string]ServiceExposedType{
		"clusterip": ServiceExposedClusterIP, "NODEPORT": ServiceExposedNodePort,
		"LoadBalancer": ServiceExposedLoadBalancer, "headless_clusterip": ServiceExposedHeadlessClusterIP,
	} {
		if got, err := ParseServiceExposedType(in); err != nil || got != want {
			t.Errorf("ParseServiceExposedType(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseServiceExposedType("Ingress"); err == nil || !strings.Contains(err.Error(), "ClusterIP, NodePort, LoadBalancer, Headless_ClusterIP") {
		t.Errorf("error = %v", err)
	}
	if got, err := ParseImagePullPolicy("always"); err != nil || got != ImagePullAlways {
		t.Errorf("ParseImagePullPolicy = %q, %v", got, err)
	}
	if got, err := ParseNodePortAddressType("externalip"); err != nil || got != NodePortExternalIP {
		t.Errorf("ParseNodePortAddressType = %q, %v", got, err)
	}
	c := FromMap(map[string]string{"kubernetes.container.image.pull-policy": "NEVER"})
	if got, err := Get(c, KubernetesContainerImagePullPolicy); err != nil || got != ImagePullNever {
		t.Errorf("option = %q, %v", got, err)
	}
}

func TestDeploymentTarget(t *testing.T) {
	for _, in := range []string{"KUBERNETES-SESSION", "kubernetes-session"} {
		if got, err := ParseDeploymentTarget(in); err != nil || got != DeploymentTargetSession {
			t.Errorf("ParseDeploymentTarget(%q) = %q, %v", in, got, err)
		}
	}
	got, err := ParseDeploymentTarget("Kubernetes-Application")
	if err != nil || got != DeploymentTargetApplication || got.EntrypointClass() != ApplicationClusterEntrypointClass {
		t.Errorf("application: %q %v", got, err)
	}
	if DeploymentTargetSession.EntrypointClass() != SessionClusterEntrypointClass {
		t.Error("session entrypoint class")
	}
	if IsKubernetesDeploymentTarget("invalid-target") || !IsKubernetesDeploymentTarget("kubernetes-application") {
		t.Error("IsKubernetesDeploymentTarget")
	}
	if _, err := DeploymentTargetOf(New()); err == nil || !strings.Contains(err.Error(), "execution.target is not set") {
		t.Errorf("missing target error = %v", err)
	}
	_, err = DeploymentTargetOf(FromMap(map[string]string{"execution.target": "yarn-session"}))
	if err == nil || !strings.HasPrefix(err.Error(), `execution.target: invalid value "yarn-session": not a Kubernetes deployment target`) {
		t.Errorf("wrong target error = %v", err)
	}
	if got, err := DeploymentTargetOf(FromMap(map[string]string{"execution.target": "kubernetes-session"})); err != nil || got != DeploymentTargetSession {
		t.Errorf("DeploymentTargetOf = %q, %v", got, err)
	}
}

func TestParseRestartStrategy(t *testing.T) {
	for in, want := range map[string]RestartStrategy{
		"none": RestartStrategyNone, "off": RestartStrategyNone, "Disable": RestartStrategyNone,
		"fixed-delay": RestartStrategyFixedDelay, "FixedDelay": RestartStrategyFixedDelay,
		"failure-rate": RestartStrategyFailureRate, "failurerate": RestartStrategyFailureRate,
		"exponential-delay": RestartStrategyExponentialDelay, "exponentialdelay": RestartStrategyExponentialDelay,
	} {
		if got, err := ParseRestartStrategy(in); err != nil || got != want {
			t.Errorf("ParseRestartStrategy(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseRestartStrategy("sometimes"); err == nil {
		t.Error("unknown strategy must fail")
	}
}
