package resourcemanager

import (
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes/fake"

	"flinksim/config"
)

func TestNewValidatesItsConfiguration(t *testing.T) {
	client := fake.NewClientset()
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no configuration", Config{Client: client, Rand: testRand()}, "Config.Configuration is required"},
		{"no rand", Config{Configuration: testConfiguration(), Client: client}, "Config.Rand is required"},
		{"no client", Config{Configuration: testConfiguration(), Rand: testRand()}, "Config.Client is required"},
		{"no cluster id", Config{Configuration: without(testConfiguration(), "kubernetes.cluster-id"), Client: client, Rand: testRand()},
			"kubernetes.cluster-id is not set"},
		{"no memory", Config{Configuration: without(testConfiguration(), "taskmanager.memory.process.size"), Client: client, Rand: testRand()},
			"set taskmanager.memory.process.size"},
		{"failure rate 0", Config{Configuration: testConfiguration("resourcemanager.start-worker.max-failure-rate", "0"), Client: client, Rand: testRand()},
			"resourcemanager.start-worker.max-failure-rate: invalid value 0.0: must be greater than 0"},
		{"taskmanager-timeout 0", Config{Configuration: testConfiguration("resourcemanager.taskmanager-timeout", "0 s"), Client: client, Rand: testRand()},
			"resourcemanager.taskmanager-timeout: invalid value 0s: must be greater than 0"},
		{"min above max", Config{Configuration: testConfiguration("slotmanager.number-of-slots.min", "5", "slotmanager.number-of-slots.max", "2"), Client: client, Rand: testRand()},
			"slotmanager.number-of-slots.min (5) and slotmanager.number-of-slots.max (2) must satisfy"},
		{"negative redundancy", Config{Configuration: testConfiguration("slotmanager.redundant-taskmanager-num", "-1"), Client: client, Rand: testRand()},
			"slotmanager.redundant-taskmanager-num: invalid value -1"},
		{"bad duration", Config{Configuration: testConfiguration("resourcemanager.taskmanager-registration.timeout", "soon"), Client: client, Rand: testRand()},
			"resourcemanager.taskmanager-registration.timeout"},
		{"negative retries", Config{Configuration: testConfiguration("kubernetes.transactional-operation.max-retries", "-1"), Client: client, Rand: testRand()},
			"kubernetes.transactional-operation.max-retries: invalid value -1"},
	} {
		_, err := New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: New() error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	rm, err := New(Config{Configuration: testConfiguration("taskmanager.numberOfTaskSlots", "3"), Client: client, Rand: testRand()})
	if err != nil {
		t.Fatal(err)
	}
	if s := rm.DefaultWorkerSpec(); s.NumSlots != 3 || s.CPU != 3 {
		t.Errorf("default worker spec %s, want 3 slots and (without a configured CPU) 3 CPUs", s)
	}
}

func without(c *config.Configuration, key string) *config.Configuration {
	c.Remove(key)
	return c
}
