package config

import (
	"maps"
	"reflect"
	"strings"
	"testing"
)

const mb = Mebibyte

func TestTaskManagerMemorySpec(t *testing.T) {
	// Expected figures are worked out by hand from Flink's formulas; the fractions are
	// Floats (0.1f = 0.10000000149011612, 0.4f = 0.4000000059604645), which is why
	// 1728m gives Flink's well-known -Xmx536870902.
	for _, tc := range []struct {
		name string
		conf map[string]string
		want TaskManagerMemory
	}{
		{"process 1728m", map[string]string{"taskmanager.memory.process.size": "1728m"}, TaskManagerMemory{
			FrameworkHeap: 128 * mb, FrameworkOffHeap: 128 * mb, TaskHeap: 402653174, TaskOffHeap: 0,
			Network: 134217730, Managed: 536870920, JVMMetaspace: 256 * mb, JVMOverhead: 192 * mb,
			TotalFlink: 1280 * mb, TotalProcess: 1728 * mb, CPUCores: 1, NumSlots: 1,
		}},
		{"flink 1280m gives the same split", map[string]string{"taskmanager.memory.flink.size": "1280m"}, TaskManagerMemory{
			FrameworkHeap: 128 * mb, FrameworkOffHeap: 128 * mb, TaskHeap: 402653174, TaskOffHeap: 0,
			Network: 134217730, Managed: 536870920, JVMMetaspace: 256 * mb, JVMOverhead: 192 * mb,
			TotalFlink: 1280 * mb, TotalProcess: 1728 * mb, CPUCores: 1, NumSlots: 1,
		}},
		{"process 4096m, overhead above its minimum", map[string]string{"taskmanager.memory.process.size": "4096m", "taskmanager.numberOfTaskSlots": "4"}, TaskManagerMemory{
			FrameworkHeap: 128 * mb, FrameworkOffHeap: 128 * mb, TaskHeap: 1530082070, TaskOffHeap: 0,
			Network: 359703515, Managed: 1438814063, JVMMetaspace: 256 * mb, JVMOverhead: 429496736,
			TotalFlink: 3597035104, TotalProcess: 4096 * mb, CPUCores: 4, NumSlots: 4,
		}},
		{"task heap and managed given", map[string]string{"taskmanager.memory.task.heap.size": "512m", "taskmanager.memory.managed.size": "512m"}, TaskManagerMemory{
			FrameworkHeap: 128 * mb, FrameworkOffHeap: 128 * mb, TaskHeap: 512 * mb, TaskOffHeap: 0,
			Network: 149130811, Managed: 512 * mb, JVMMetaspace: 256 * mb, JVMOverhead: 192 * mb,
			TotalFlink: 1491308091, TotalProcess: 1961070139, CPUCores: 1, NumSlots: 1,
		}},
		{"explicit network range pins network", map[string]string{"taskmanager.memory.process.size": "1728m",
			"taskmanager.memory.network.min": "100m", "taskmanager.memory.network.max": "100m", "taskmanager.memory.managed.fraction": "0.5"}, TaskManagerMemory{
			FrameworkHeap: 128 * mb, FrameworkOffHeap: 128 * mb, TaskHeap: 284 * mb, TaskOffHeap: 0,
			Network: 100 * mb, Managed: 640 * mb, JVMMetaspace: 256 * mb, JVMOverhead: 192 * mb,
			TotalFlink: 1280 * mb, TotalProcess: 1728 * mb, CPUCores: 1, NumSlots: 1,
		}},
		{"process and task heap: network is the rest", map[string]string{"taskmanager.memory.process.size": "1728m",
			"taskmanager.memory.task.heap.size": "384m"}, TaskManagerMemory{
			FrameworkHeap: 128 * mb, FrameworkOffHeap: 128 * mb, TaskHeap: 384 * mb, TaskOffHeap: 0,
			Network: 134217720, Managed: 536870920, JVMMetaspace: 256 * mb, JVMOverhead: 192 * mb,
			TotalFlink: 1280 * mb, TotalProcess: 1728 * mb, CPUCores: 1, NumSlots: 1,
		}},
		{"cpu from the Kubernetes option", map[string]string{"taskmanager.memory.process.size": "1728m", "kubernetes.taskmanager.cpu.amount": "2.5", "taskmanager.numberOfTaskSlots": "3"}, TaskManagerMemory{
			FrameworkHeap: 128 * mb, FrameworkOffHeap: 128 * mb, TaskHeap: 402653174, Network: 134217730, Managed: 536870920,
			JVMMetaspace: 256 * mb, JVMOverhead: 192 * mb, TotalFlink: 1280 * mb, TotalProcess: 1728 * mb, CPUCores: 2.5, NumSlots: 3,
		}},
		{"taskmanager.cpu.cores beats the Kubernetes option", map[string]string{"taskmanager.memory.process.size": "1728m", "kubernetes.taskmanager.cpu": "2.5", "taskmanager.cpu.cores": "0.5"}, TaskManagerMemory{
			FrameworkHeap: 128 * mb, FrameworkOffHeap: 128 * mb, TaskHeap: 402653174, Network: 134217730, Managed: 536870920,
			JVMMetaspace: 256 * mb, JVMOverhead: 192 * mb, TotalFlink: 1280 * mb, TotalProcess: 1728 * mb, CPUCores: 0.5, NumSlots: 1,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := TaskManagerMemorySpec(FromMap(tc.conf))
			if err != nil {
				t.Fatal(err)
			}
			tc.want.ExternalResources = map[string]int64{}
			if !equalTM(got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
			sum := got.FrameworkHeap + got.FrameworkOffHeap + got.TaskHeap + got.TaskOffHeap + got.Network + got.Managed
			if sum != got.TotalFlink || got.TotalFlink+got.JVMMetaspace+got.JVMOverhead != got.TotalProcess {
				t.Fatalf("components do not add up: %+v", got)
			}
		})
	}
}

func equalTM(a, b TaskManagerMemory) bool {
	if !maps.Equal(a.ExternalResources, b.ExternalResources) {
		return false
	}
	a.ExternalResources, b.ExternalResources = nil, nil
	return reflect.DeepEqual(a, b)
}

func TestTaskManagerJVMOptionsAndResourceArgs(t *testing.T) {
	m, err := TaskManagerMemorySpec(FromMap(map[string]string{"taskmanager.memory.process.size": "1728m"}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.JVMOptions(), "-Xmx536870902 -Xms536870902 -XX:MaxDirectMemorySize=268435458 -XX:MaxMetaspaceSize=268435456"; got != want {
		t.Errorf("JVMOptions = %q, want %q", got, want)
	}
	want := "-D external-resources=none -D taskmanager.cpu.cores=1.0" +
		" -D taskmanager.memory.framework.heap.size=134217728b -D taskmanager.memory.framework.off-heap.size=134217728b" +
		" -D taskmanager.memory.jvm-metaspace.size=268435456b -D taskmanager.memory.jvm-overhead.max=201326592b" +
		" -D taskmanager.memory.jvm-overhead.min=201326592b -D taskmanager.memory.managed.size=536870920b" +
		" -D taskmanager.memory.network.max=134217730b -D taskmanager.memory.network.min=134217730b" +
		" -D taskmanager.memory.task.heap.size=402653174b -D taskmanager.memory.task.off-heap.size=0b" +
		" -D taskmanager.numberOfTaskSlots=1"
	if got := m.ResourceArgs(); got != want {
		t.Errorf("ResourceArgs =\n%s\nwant\n%s", got, want)
	}
	// A TaskManager started with these dynamic properties derives the same figures.
	c := New()
	for k, v := range m.ResourceConfigs() {
		c.SetString(k, v)
	}
	again, err := TaskManagerMemorySpec(c)
	if err != nil || !equalTM(again, m) {
		t.Errorf("re-derived %+v, %v; want %+v", again, err, m)
	}
}

func TestExternalResources(t *testing.T) {
	c := FromMap(map[string]string{
		"taskmanager.memory.process.size":             "1728m",
		"external-resources":                          "gpu;fpga;unset;zero",
		"external-resource.gpu.amount":                "2",
		"external-resource.fpga.amount":               "1",
		"external-resource.zero.amount":               "0",
		"external-resource.gpu.kubernetes.config-key": "nvidia.com/gpu",
	})
	m, err := TaskManagerMemorySpec(c)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{"gpu": 2, "fpga": 1}; !maps.Equal(m.ExternalResources, want) {
		t.Fatalf("external resources = %v", m.ExternalResources)
	}
	args := m.ResourceArgs()
	if !strings.HasPrefix(args, "-D external-resource.fpga.amount=1 -D external-resource.gpu.amount=2 -D external-resources='fpga;gpu' ") {
		t.Fatalf("ResourceArgs = %s", args)
	}
	if got, _ := c.GetString(ExternalResourceKubernetesConfigKey("gpu")); got != "nvidia.com/gpu" {
		t.Fatalf("config key = %q", got)
	}
	none, err := ExternalResourceAmounts(FromMap(map[string]string{"external-resources": "none"}))
	if err != nil || len(none) != 0 {
		t.Fatalf("none = %v, %v", none, err)
	}
	if _, err := ExternalResourceAmounts(FromMap(map[string]string{"external-resources": "gpu", "external-resource.gpu.amount": "many"})); err == nil ||
		!strings.HasPrefix(err.Error(), `external-resource.gpu.amount: invalid value "many"`) {
		t.Fatalf("bad amount error = %v", err)
	}
}

func TestJobManagerMemorySpec(t *testing.T) {
	for _, tc := range []struct {
		name string
		conf map[string]string
		want JobManagerMemory
		jvm  string
	}{
		{"process 1600m", map[string]string{"jobmanager.memory.process.size": "1600m"},
			JobManagerMemory{JVMHeap: 1024 * mb, OffHeap: 128 * mb, JVMMetaspace: 256 * mb, JVMOverhead: 192 * mb, TotalFlink: 1152 * mb, TotalProcess: 1600 * mb},
			"-Xmx1073741824 -Xms1073741824 -XX:MaxMetaspaceSize=268435456"},
		{"process 4096m", map[string]string{"jobmanager.memory.process.size": "4096m"},
			JobManagerMemory{JVMHeap: 3462817376, OffHeap: 128 * mb, JVMMetaspace: 256 * mb, JVMOverhead: 429496736, TotalFlink: 3597035104, TotalProcess: 4096 * mb},
			"-Xmx3462817376 -Xms3462817376 -XX:MaxMetaspaceSize=268435456"},
		{"flink 1024m", map[string]string{"jobmanager.memory.flink.size": "1024m"},
			JobManagerMemory{JVMHeap: 896 * mb, OffHeap: 128 * mb, JVMMetaspace: 256 * mb, JVMOverhead: 192 * mb, TotalFlink: 1024 * mb, TotalProcess: 1472 * mb},
			"-Xmx939524096 -Xms939524096 -XX:MaxMetaspaceSize=268435456"},
		{"flink 8g, overhead above its minimum", map[string]string{"jobmanager.memory.flink.size": "8g"},
			JobManagerMemory{JVMHeap: 8064 * mb, OffHeap: 128 * mb, JVMMetaspace: 256 * mb, JVMOverhead: 984263354, TotalFlink: 8 * Gibibyte, TotalProcess: 9842633402},
			"-Xmx8455716864 -Xms8455716864 -XX:MaxMetaspaceSize=268435456"},
		{"heap 1024m gives process 1600m", map[string]string{"jobmanager.memory.heap.size": "1024m"},
			JobManagerMemory{JVMHeap: 1024 * mb, OffHeap: 128 * mb, JVMMetaspace: 256 * mb, JVMOverhead: 192 * mb, TotalFlink: 1152 * mb, TotalProcess: 1600 * mb},
			"-Xmx1073741824 -Xms1073741824 -XX:MaxMetaspaceSize=268435456"},
		{"heap and flink: off-heap is the rest", map[string]string{"jobmanager.memory.heap.size": "1000m", "jobmanager.memory.flink.size": "1200m", "jobmanager.memory.enable-jvm-direct-memory-limit": "true"},
			JobManagerMemory{JVMHeap: 1000 * mb, OffHeap: 200 * mb, JVMMetaspace: 256 * mb, JVMOverhead: 192 * mb, TotalFlink: 1200 * mb, TotalProcess: 1648 * mb, DirectMemoryLimit: true},
			"-Xmx1048576000 -Xms1048576000 -XX:MaxDirectMemorySize=209715200 -XX:MaxMetaspaceSize=268435456"},
		{"process and flink: overhead is the rest", map[string]string{"jobmanager.memory.process.size": "1600m", "jobmanager.memory.flink.size": "1100m"},
			JobManagerMemory{JVMHeap: 972 * mb, OffHeap: 128 * mb, JVMMetaspace: 256 * mb, JVMOverhead: 244 * mb, TotalFlink: 1100 * mb, TotalProcess: 1600 * mb},
			"-Xmx1019215872 -Xms1019215872 -XX:MaxMetaspaceSize=268435456"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := JobManagerMemorySpec(FromMap(tc.conf))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
			if got.JVMOptions() != tc.jvm {
				t.Fatalf("JVMOptions = %q, want %q", got.JVMOptions(), tc.jvm)
			}
		})
	}
}

func TestMemorySpecErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		conf map[string]string
		jm   bool
		want []string
	}{
		{"TM nothing set", nil, false, []string{"TaskManager memory is not configured", "taskmanager.memory.process.size", "taskmanager.memory.flink.size", "taskmanager.memory.task.heap.size", "taskmanager.memory.managed.size"}},
		{"JM nothing set", nil, true, []string{"JobManager memory is not configured", "jobmanager.memory.process.size", "jobmanager.memory.flink.size", "jobmanager.memory.heap.size"}},
		{"TM process too small", map[string]string{"taskmanager.memory.process.size": "300m"}, false, []string{"TaskManager memory too small", "taskmanager.memory.process.size (300 mb)"}},
		{"JM process too small", map[string]string{"jobmanager.memory.process.size": "500m"}, true, []string{"JobManager memory too small", "leaves no heap"}},
		{"TM components exceed", map[string]string{"taskmanager.memory.process.size": "1000m", "taskmanager.memory.managed.size": "900m"}, false, []string{"exceed the total Flink memory"}},
		{"TM fraction out of range", map[string]string{"taskmanager.memory.process.size": "1728m", "taskmanager.memory.network.fraction": "1.5"}, false, []string{`taskmanager.memory.network.fraction: invalid value "1.5": expected a fraction`}},
		{"TM min above max", map[string]string{"taskmanager.memory.process.size": "1728m", "taskmanager.memory.jvm-overhead.min": "2g"}, false, []string{"taskmanager.memory.jvm-overhead.min (2 gb) is larger than taskmanager.memory.jvm-overhead.max (1 gb)"}},
		{"TM bad size", map[string]string{"taskmanager.memory.process.size": "big"}, false, []string{`taskmanager.memory.process.size: invalid value "big"`}},
		{"TM network outside range", map[string]string{"taskmanager.memory.flink.size": "1280m", "taskmanager.memory.task.heap.size": "100m", "taskmanager.memory.managed.size": "100m", "taskmanager.memory.network.max": "256m"}, false, []string{"network memory is the rest", "outside"}},
		{"TM zero slots", map[string]string{"taskmanager.memory.process.size": "1728m", "taskmanager.numberOfTaskSlots": "0"}, false, []string{"taskmanager.numberOfTaskSlots: invalid value 0"}},
		{"TM zero cpu", map[string]string{"taskmanager.memory.process.size": "1728m", "taskmanager.cpu.cores": "0"}, false, []string{"taskmanager.cpu.cores: invalid value 0.0", "positive number of CPU cores"}},
		{"JM inconsistent heap/off-heap/flink", map[string]string{"jobmanager.memory.heap.size": "1g", "jobmanager.memory.off-heap.size": "128m", "jobmanager.memory.flink.size": "2g"}, true, []string{"JobManager memory is inconsistent", "set only two of the three"}},
		{"JM heap above flink", map[string]string{"jobmanager.memory.heap.size": "3g", "jobmanager.memory.flink.size": "2g"}, true, []string{"jobmanager.memory.heap.size (3 gb) is larger than jobmanager.memory.flink.size (2 gb)"}},
		{"JM process and flink inconsistent", map[string]string{"jobmanager.memory.process.size": "1600m", "jobmanager.memory.flink.size": "1500m"}, true, []string{"JobManager memory is inconsistent", "outside"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.jm {
				_, err = JobManagerMemorySpec(FromMap(tc.conf))
			} else {
				_, err = TaskManagerMemorySpec(FromMap(tc.conf))
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}
