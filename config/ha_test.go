package config

import (
	"strings"
	"testing"
)

func TestHighAvailabilityMode(t *testing.T) {
	for _, tc := range []struct {
		conf       map[string]string
		mode       HighAvailabilityMode
		class      string
		enabled    bool
		kubernetes bool
	}{
		{nil, HighAvailabilityNone, "", false, false},
		{map[string]string{"high-availability.type": "kubernetes"}, HighAvailabilityKubernetes, "", true, true},
		{map[string]string{"high-availability.type": "KUBERNETES"}, HighAvailabilityKubernetes, "", true, true},
		{map[string]string{"high-availability.type": "ZooKeeper"}, HighAvailabilityZooKeeper, "", true, false},
		{map[string]string{"high-availability.type": "none"}, HighAvailabilityNone, "", false, false},
		{map[string]string{"high-availability.type": "standalone"}, HighAvailabilityNone, "", false, false},
		{map[string]string{"high-availability.type": KubernetesHAServicesFactoryClass}, HighAvailabilityFactoryClass, KubernetesHAServicesFactoryClass, true, true},
		{map[string]string{"high-availability.type": "com.example.MyHaFactory"}, HighAvailabilityFactoryClass, "com.example.MyHaFactory", true, false},
		// deprecated keys: high-availability (the ≤1.16 main key), and recovery.mode before it
		{map[string]string{"high-availability": "kubernetes"}, HighAvailabilityKubernetes, "", true, true},
		{map[string]string{"recovery.mode": "standalone", "high-availability": "kubernetes"}, HighAvailabilityNone, "", false, false},
		{map[string]string{"high-availability.type": "NONE", "high-availability": "kubernetes"}, HighAvailabilityNone, "", false, false},
	} {
		c := FromMap(tc.conf)
		mode, class, err := HighAvailabilityModeOf(c)
		if err != nil || mode != tc.mode || class != tc.class {
			t.Errorf("%v: mode %q class %q err %v", tc.conf, mode, class, err)
		}
		if on, err := HighAvailabilityEnabled(c); err != nil || on != tc.enabled {
			t.Errorf("%v: enabled %v, %v", tc.conf, on, err)
		}
		if on, err := KubernetesHighAvailabilityEnabled(c); err != nil || on != tc.kubernetes {
			t.Errorf("%v: kubernetes %v, %v", tc.conf, on, err)
		}
	}
	_, err := HighAvailabilityEnabled(FromMap(map[string]string{"high-availability": " "}))
	if err == nil || !strings.HasPrefix(err.Error(), `high-availability: invalid value " "`) {
		t.Errorf("blank value error = %v", err)
	}
}
