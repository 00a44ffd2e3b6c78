package resourcemanager

import (
	"testing"

	"flinksim/config"
)

// Mirrors ActiveResourceManagerFactoryTest.
func TestActiveResourceManagerFactory(t *testing.T) {
	t.Run("testGetEffectiveConfigurationForResourceManagerFineGrained", func(t *testing.T) {
		conf := testConfiguration("taskmanager.memory.flink.size", "1280m", "taskmanager.memory.size", "100m")
		eff := EffectiveConfiguration(conf)
		for _, key := range []string{"taskmanager.memory.process.size", "taskmanager.memory.flink.size"} {
			if _, ok := eff.GetString(key); ok {
				t.Errorf("%s is still in the resource manager's configuration", key)
			}
			if _, ok := conf.GetString(key); !ok {
				t.Errorf("%s was removed from the caller's configuration", key)
			}
		}
		if v, _ := eff.GetString("taskmanager.memory.size"); v != "100m" {
			t.Errorf("other options must stay: taskmanager.memory.size = %q", v)
		}
	})
}

// The process specification derived from the default worker spec is the one the
// configuration describes (Flink: processSpecFromWorkerResourceSpec round trip).
func TestProcessSpecOfDefaultWorkerSpec(t *testing.T) {
	for _, kv := range [][]string{
		nil,
		{"taskmanager.numberOfTaskSlots", "4", "taskmanager.memory.process.size", "4g"},
		{"taskmanager.cpu.cores", "2.5", "taskmanager.memory.managed.fraction", "0.2"},
		{"kubernetes.taskmanager.cpu.amount", "0.5", "taskmanager.memory.process.size", "2048m"},
		{"external-resources", "gpu", "external-resource.gpu.amount", "2"},
	} {
		conf := testConfiguration(kv...)
		want, err := config.TaskManagerMemorySpec(conf)
		mustf(t, err, "memory spec of %v", kv)
		got, err := processSpecOf(EffectiveConfiguration(conf), WorkerSpecOf(want))
		mustf(t, err, "process spec of %v", kv)
		if got.TotalProcess != want.TotalProcess || got.CPUCores != want.CPUCores || got.NumSlots != want.NumSlots ||
			got.TaskHeap != want.TaskHeap || got.Managed != want.Managed || got.Network != want.Network ||
			got.JVMMetaspace != want.JVMMetaspace || got.JVMOverhead != want.JVMOverhead {
			t.Errorf("%v:\n got %+v\nwant %+v", kv, got, want)
		}
		if WorkerSpecOf(got) != WorkerSpecOf(want) {
			t.Errorf("%v: worker spec changed in the round trip: %s vs %s", kv, WorkerSpecOf(got), WorkerSpecOf(want))
		}
	}
}
