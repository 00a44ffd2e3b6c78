package config

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestGetLookupOrder(t *testing.T) {
	for _, tc := range []struct {
		name string
		conf map[string]string
		get  func(*Configuration) (string, error)
		want string
	}{
		{"default", nil, getString(KubernetesJobManagerServiceAccount), "default"},
		{"fallback", map[string]string{"kubernetes.service-account": "generic"}, getString(KubernetesJobManagerServiceAccount), "generic"},
		{"main beats fallback", map[string]string{"kubernetes.service-account": "generic", "kubernetes.jobmanager.service-account": "jm"}, getString(KubernetesJobManagerServiceAccount), "jm"},
		{"deprecated", map[string]string{"kubernetes.container.image": "old:1"}, getString(KubernetesContainerImageRef), "old:1"},
		{"main beats deprecated", map[string]string{"kubernetes.container.image": "old:1", "kubernetes.container.image.ref": "new:2"}, getString(KubernetesContainerImageRef), "new:2"},
		{"rest.bind-port falls back to rest.port", map[string]string{"rest.port": "9090"}, getString(RestBindPort), "9090"},
		{"rest.bind-port default", nil, getString(RestBindPort), "8081"},
		{"HA deprecated keys in order: recovery.mode first", map[string]string{"high-availability": "zookeeper", "recovery.mode": "kubernetes"}, getString(HighAvailabilityType), "kubernetes"},
		{"HA old main key", map[string]string{"high-availability": "zookeeper"}, getString(HighAvailabilityType), "zookeeper"},
		// Reference §1.3/§2.1, as implemented in the baseline: the deprecated
		// kubernetes.pod-template-file beats kubernetes.pod-template-file.default.
		// (A later Flink may reverse this; the baseline is what we reproduce.)
		{"pod template: deprecated beats .default", map[string]string{"kubernetes.pod-template-file": "/old.yaml", "kubernetes.pod-template-file.default": "/default.yaml"}, getString(KubernetesPodTemplateFileTaskManager), "/old.yaml"},
		{"pod template: .default alone", map[string]string{"kubernetes.pod-template-file.default": "/default.yaml"}, getString(KubernetesPodTemplateFileJobManager), "/default.yaml"},
		{"pod template: main beats both", map[string]string{"kubernetes.pod-template-file": "/old.yaml", "kubernetes.pod-template-file.default": "/default.yaml", "kubernetes.pod-template-file.jobmanager": "/jm.yaml"}, getString(KubernetesPodTemplateFileJobManager), "/jm.yaml"},
		{"pod template default key reads its own deprecated key", map[string]string{"kubernetes.pod-template-file": "/old.yaml"}, getString(KubernetesPodTemplateFileDefault), "/old.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.get(FromMap(tc.conf))
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func getString(o Option[string]) func(*Configuration) (string, error) {
	return func(c *Configuration) (string, error) { return Get(c, o) }
}

func TestTypedLookupThroughAlternates(t *testing.T) {
	c := FromMap(map[string]string{
		"slotmanager.taskmanager-timeout":  "1 min",
		"taskmanager.registration.timeout": "2 min",
		"state.checkpoints.num-retained":   "3",
		"kubernetes.jobmanager.cpu":        "2.5",
	})
	if v, err := Get(c, ResourceManagerTaskManagerTimeout); err != nil || v != time.Minute {
		t.Errorf("ResourceManagerTaskManagerTimeout = %v, %v", v, err)
	}
	if v, err := Get(c, ResourceManagerTaskManagerRegistrationTimeout); err != nil || v != 2*time.Minute {
		t.Errorf("ResourceManagerTaskManagerRegistrationTimeout = %v, %v", v, err)
	}
	if v, err := Get(c, ExecutionCheckpointingNumRetained); err != nil || v != 3 {
		t.Errorf("ExecutionCheckpointingNumRetained = %v, %v", v, err)
	}
	if v, err := Get(c, KubernetesJobManagerCPUAmount); err != nil || v != 2.5 {
		t.Errorf("KubernetesJobManagerCPUAmount = %v, %v", v, err)
	}
	if v, err := Get(New(), HeartbeatTimeout); err != nil || v != 50*time.Second {
		t.Errorf("HeartbeatTimeout default = %v, %v", v, err)
	}
}

func TestGetErrorsNameKeyValueAndExpectation(t *testing.T) {
	for _, tc := range []struct {
		conf map[string]string
		get  func(*Configuration) error
		want string
	}{
		{map[string]string{"kubernetes.jobmanager.replicas": "abc"}, errOf(KubernetesJobManagerReplicas),
			`kubernetes.jobmanager.replicas: invalid value "abc": expected an integer`},
		{map[string]string{"kubernetes.hostnetwork.enabled": "yes"}, errOf(KubernetesHostNetworkEnabled),
			`kubernetes.hostnetwork.enabled: invalid value "yes": expected true or false`},
		{map[string]string{"kubernetes.rest-service.exposed.type": "Ingress"}, errOf(KubernetesRestServiceExposedType),
			`kubernetes.rest-service.exposed.type: invalid value "Ingress": expected one of ClusterIP, NodePort, LoadBalancer, Headless_ClusterIP (case-insensitive)`},
		// the error names the key the value was actually read from
		{map[string]string{"slotmanager.taskmanager-timeout": "soon"}, errOf(ResourceManagerTaskManagerTimeout),
			`slotmanager.taskmanager-timeout: invalid value "soon": expected a duration`},
		{map[string]string{"taskmanager.memory.process.size": "lots"}, errOf(TaskManagerMemoryProcessSize),
			`taskmanager.memory.process.size: invalid value "lots": expected a memory size`},
		{map[string]string{"kubernetes.jobmanager.labels": "a"}, errOf(KubernetesJobManagerLabels),
			`kubernetes.jobmanager.labels: invalid value "a": expected key:value pairs`},
		{map[string]string{"kubernetes.jobmanager.cpu.amount": "two"}, errOf(KubernetesJobManagerCPUAmount),
			`kubernetes.jobmanager.cpu.amount: invalid value "two": expected a number`},
	} {
		err := tc.get(FromMap(tc.conf))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("error = %v, want prefix %q", err, tc.want)
		}
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Key == "" {
			t.Errorf("error %v is not a ValueError naming its key", err)
		}
	}
}

func errOf[T any](o Option[T]) func(*Configuration) error {
	return func(c *Configuration) error { _, err := Get(c, o); return err }
}

func TestGetOptional(t *testing.T) {
	c := FromMap(map[string]string{"kubernetes.service-account": "sa"})
	if v, ok, err := GetOptional(c, KubernetesTaskManagerServiceAccount); !ok || err != nil || v != "sa" {
		t.Errorf("fallback: %q %v %v", v, ok, err)
	}
	if v, ok, err := GetOptional(c, KubernetesNamespace); ok || err != nil || v != "" {
		t.Errorf("absent option with default must be absent: %q %v %v", v, ok, err)
	}
	if _, ok, err := GetOptional(FromMap(map[string]string{"rest.port": "x"}), RestPort); ok || err == nil {
		t.Errorf("bad value: ok=%v err=%v", ok, err)
	}
}

func TestSetFormatsAsFlink(t *testing.T) {
	c := New()
	Set(c, KubernetesJobManagerCPUAmount, 1)
	Set(c, KubernetesJobManagerReplicas, 2)
	Set(c, KubernetesHostNetworkEnabled, true)
	Set(c, ResourceManagerTaskManagerTimeout, 30*time.Second)
	Set(c, TaskManagerMemoryProcessSize, 1728*Mebibyte)
	Set(c, TaskManagerMemoryManagedFraction, 0.4)
	Set(c, KubernetesRestServiceExposedType, ServiceExposedNodePort)
	Set(c, KubernetesJobManagerLabels, map[string]string{"b": "2", "a": "1"})
	Set(c, PipelineJars, []string{"local:///opt/flink/usrlib/job.jar"})
	Set(c, InternalApplicationProgramArgs, []string{"--input", "a;b"})
	Set(c, KubernetesEnvSecretKeyRef, []map[string]string{{"env": "FOO", "secret": "s", "key": "k"}})
	want := map[string]string{
		"kubernetes.jobmanager.cpu.amount":     "1.0",
		"kubernetes.jobmanager.replicas":       "2",
		"kubernetes.hostnetwork.enabled":       "true",
		"resourcemanager.taskmanager-timeout":  "30 s",
		"taskmanager.memory.process.size":      "1728 mb",
		"taskmanager.memory.managed.fraction":  "0.4",
		"kubernetes.rest-service.exposed.type": "NodePort",
		"kubernetes.jobmanager.labels":         "a:1,b:2",
		"pipeline.jars":                        "local:///opt/flink/usrlib/job.jar",
		"$internal.application.program-args":   "--input;'a;b'",
		"kubernetes.env.secretKeyRef":          "env:FOO,key:k,secret:s",
	}
	if got := c.ToMap(); !maps.Equal(got, want) {
		t.Fatalf("Set wrote\n%v\nwant\n%v", got, want)
	}
	if args, err := Get(c, InternalApplicationProgramArgs); err != nil || !slices.Equal(args, []string{"--input", "a;b"}) {
		t.Fatalf("program args round trip: %q %v", args, err)
	}
}

func TestMapOptionsFromPrefixedEntries(t *testing.T) {
	// Nested YAML flattens a map option into one entry per map key.
	c := FromMap(map[string]string{
		"kubernetes.jobmanager.labels.app.kubernetes.io/name": "flink",
		"kubernetes.jobmanager.labels.tier":                   "backend",
	})
	want := map[string]string{"app.kubernetes.io/name": "flink", "tier": "backend"}
	if got, err := Get(c, KubernetesJobManagerLabels); err != nil || !maps.Equal(got, want) {
		t.Fatalf("prefixed map = %v, %v", got, err)
	}
	if !IsExplicitlySet(c, KubernetesJobManagerLabels) {
		t.Fatal("prefixed entries count as explicitly set")
	}
	// The exact key wins over prefixed entries.
	c.SetString("kubernetes.jobmanager.labels", "only:this")
	if got, _ := Get(c, KubernetesJobManagerLabels); !maps.Equal(got, map[string]string{"only": "this"}) {
		t.Fatalf("exact key must win: %v", got)
	}
	// Set replaces prefixed entries so they cannot resurface.
	Set(c, KubernetesJobManagerLabels, map[string]string{"x": "y"})
	if got := c.Keys(); !slices.Equal(got, []string{"kubernetes.jobmanager.labels"}) {
		t.Fatalf("Set left %v", got)
	}
}

func TestIsExplicitlySetAndUnset(t *testing.T) {
	c := New()
	if IsExplicitlySet(c, KubernetesJobManagerServiceAccount) {
		t.Fatal("a default is not explicit")
	}
	c.SetString("kubernetes.service-account", "sa")
	if !IsExplicitlySet(c, KubernetesJobManagerServiceAccount) {
		t.Fatal("a fallback key counts as explicit (reference §3.2)")
	}
	c.SetString("kubernetes.container.image", "img")
	if !IsExplicitlySet(c, KubernetesContainerImageRef) {
		t.Fatal("a deprecated key counts as explicit (reference §3.2)")
	}
	c.SetString("taskmanager.memory.process.size", "1g")
	c.SetString("unrelated", "x")
	if !Unset(c, TaskManagerMemoryProcessSize) || Unset(c, TaskManagerMemoryProcessSize) {
		t.Fatal("Unset must report removal exactly once")
	}
	Unset(c, KubernetesJobManagerServiceAccount)
	if got := c.Keys(); !slices.Equal(got, []string{"kubernetes.container.image", "unrelated"}) {
		t.Fatalf("Unset removed the wrong keys: %v", got)
	}
}

func TestOptionBuildersDoNotAlias(t *testing.T) {
	base := StringOption("x").WithDeprecatedKeys("old1")
	a := base.WithDeprecatedKeys("a")
	b := base.WithDeprecatedKeys("b")
	if !slices.Equal(a.AlternateKeys(), []string{"old1", "a"}) || !slices.Equal(b.AlternateKeys(), []string{"old1", "b"}) {
		t.Fatalf("aliasing: a=%v b=%v", a.AlternateKeys(), b.AlternateKeys())
	}
	// Flink's builder semantics: fallback keys go first, deprecated keys last.
	o := StringOption("k").WithDeprecatedKeys("dep").WithFallbackKeys("fb")
	if !slices.Equal(o.AlternateKeys(), []string{"fb", "dep"}) || !slices.Equal(o.FallbackKeys(), []string{"fb"}) || !slices.Equal(o.DeprecatedKeys(), []string{"dep"}) {
		t.Fatalf("order: %v", o.AlternateKeys())
	}
	if d, ok := KubernetesNamespace.Default(); !ok || d != "default" {
		t.Fatalf("Default() = %q, %v", d, ok)
	}
	if _, err := KubernetesJobManagerReplicas.Parse("x"); err == nil || !strings.HasPrefix(err.Error(), "kubernetes.jobmanager.replicas: ") {
		t.Fatalf("Parse error = %v", err)
	}
}
