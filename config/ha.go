package config

import (
	"strings"
)

// HighAvailabilityMode is what high-availability.type resolves to.
type HighAvailabilityMode string

// The HA modes; FactoryClass means the value names an HA services factory class.
const (
	HighAvailabilityNone         HighAvailabilityMode = "NONE"
	HighAvailabilityZooKeeper    HighAvailabilityMode = "ZOOKEEPER"
	HighAvailabilityKubernetes   HighAvailabilityMode = "KUBERNETES"
	HighAvailabilityFactoryClass HighAvailabilityMode = "FACTORY_CLASS"
)

// KubernetesHAServicesFactoryClass is the factory class name that selects Kubernetes
// HA just as the value "kubernetes" does.
const KubernetesHAServicesFactoryClass = "org.apache.flink.kubernetes.highavailability.KubernetesHaServicesFactory"

// HighAvailabilityModeOf resolves high-availability.type (or its deprecated keys
// recovery.mode and high-availability, in that order): NONE, ZOOKEEPER and KUBERNETES
// case-insensitively, "standalone" as NONE, and anything else as a factory class name,
// which is returned too. A blank value is an error, since no class has an empty name.
func HighAvailabilityModeOf(c *Configuration) (mode HighAvailabilityMode, factoryClass string, err error) {
	v, err := Get(c, HighAvailabilityType)
	if err != nil {
		return "", "", err
	}
	t := strings.TrimSpace(v)
	switch strings.ToUpper(t) {
	case "":
		key, _, _, _ := HighAvailabilityType.lookup(c)
		return "", "", &ValueError{Key: key, Value: v, Reason: "expected NONE, ZOOKEEPER, KUBERNETES or the class name of an HA services factory"}
	case "STANDALONE", string(HighAvailabilityNone):
		return HighAvailabilityNone, "", nil
	case string(HighAvailabilityZooKeeper):
		return HighAvailabilityZooKeeper, "", nil
	case string(HighAvailabilityKubernetes):
		return HighAvailabilityKubernetes, "", nil
	}
	return HighAvailabilityFactoryClass, t, nil
}

// HighAvailabilityEnabled reports whether HA is on: any mode but NONE.
func HighAvailabilityEnabled(c *Configuration) (bool, error) {
	mode, _, err := HighAvailabilityModeOf(c)
	return mode != HighAvailabilityNone && err == nil, err
}

// KubernetesHighAvailabilityEnabled reports whether HA is on and uses Kubernetes
// ConfigMaps, given as "kubernetes" or as the Kubernetes factory class name.
func KubernetesHighAvailabilityEnabled(c *Configuration) (bool, error) {
	mode, class, err := HighAvailabilityModeOf(c)
	if err != nil {
		return false, err
	}
	return mode == HighAvailabilityKubernetes || class == KubernetesHAServicesFactoryClass, nil
}
