package config

import (
	"bytes"
	"flag"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestParseYAMLNestedFlatAndMixed(t *testing.T) {
	nested := `
kubernetes:
  cluster-id: my-flink-cluster1
  namespace: test
  rest-service:
    exposed:
      type: NodePort
taskmanager:
  numberOfTaskSlots: 2
  memory:
    process:
      size: 1728m
`
	flat := `
kubernetes.cluster-id: my-flink-cluster1
kubernetes.namespace: test
kubernetes.rest-service.exposed.type: NodePort
taskmanager.numberOfTaskSlots: 2
taskmanager.memory.process.size: 1728m
`
	mixed := `
kubernetes:
  cluster-id: my-flink-cluster1
  namespace: test
  rest-service.exposed.type: NodePort
taskmanager.numberOfTaskSlots: 2
taskmanager.memory:
  process.size: 1728m
`
	want := map[string]string{
		"kubernetes.cluster-id":                "my-flink-cluster1",
		"kubernetes.namespace":                 "test",
		"kubernetes.rest-service.exposed.type": "NodePort",
		"taskmanager.numberOfTaskSlots":        "2",
		"taskmanager.memory.process.size":      "1728m",
	}
	for name, doc := range map[string]string{"nested": nested, "flat": flat, "mixed": mixed} {
		c, err := ParseYAML([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := c.ToMap(); !maps.Equal(got, want) {
			t.Errorf("%s: got %v", name, got)
		}
	}
}

func TestParseYAMLValues(t *testing.T) {
	doc := `
plain: 0123
quoted: "0123"
bool: True
float: 1.50
empty: ""
multi: |
  line one
  line two
pipeline.jars:
  - local:///opt/flink/usrlib/job.jar
program-args: [--input, "a;b", "it's"]
kubernetes.jobmanager.tolerations:
  - key: key1
    operator: Equal
    value: value1
    effect: NoSchedule
  - {key: key2, operator: Exists, effect: NoExecute, tolerationSeconds: 6000}
kubernetes.jobmanager.labels:
  app: flink
  tier: backend
empty-list: []
empty-map: {}
base: &base
  x: 1
  y: 2
derived:
  <<: *base
  y: 3
alias: *base
dup: first
dup: second
`
	c, err := ParseYAML([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"plain":                             "0123",
		"quoted":                            "0123",
		"bool":                              "True",
		"float":                             "1.50",
		"empty":                             "",
		"multi":                             "line one\nline two\n",
		"pipeline.jars":                     "local:///opt/flink/usrlib/job.jar",
		"program-args":                      "--input;'a;b';'it''s'",
		"kubernetes.jobmanager.tolerations": "key:key1,operator:Equal,value:value1,effect:NoSchedule;key:key2,operator:Exists,effect:NoExecute,tolerationSeconds:6000",
		"kubernetes.jobmanager.labels.app":  "flink",
		"kubernetes.jobmanager.labels.tier": "backend",
		"empty-list":                        "",
		"base.x":                            "1",
		"base.y":                            "2",
		"derived.x":                         "1",
		"derived.y":                         "3",
		"alias.x":                           "1",
		"alias.y":                           "2",
		"dup":                               "second",
	}
	if got := c.ToMap(); !maps.Equal(got, want) {
		for k, v := range got {
			if want[k] != v {
				t.Errorf("%s = %q, want %q", k, v, want[k])
			}
		}
		for k := range want {
			if _, ok := got[k]; !ok {
				t.Errorf("%s missing", k)
			}
		}
	}
	// The rendered strings read back through the typed options.
	tol, err := Get(c, KubernetesJobManagerTolerations)
	if err != nil || len(tol) != 2 || tol[1]["tolerationSeconds"] != "6000" {
		t.Errorf("tolerations = %v, %v", tol, err)
	}
	labels, err := Get(c, KubernetesJobManagerLabels)
	if err != nil || !maps.Equal(labels, map[string]string{"app": "flink", "tier": "backend"}) {
		t.Errorf("labels = %v, %v", labels, err)
	}
}

func TestParseYAMLErrors(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"kubernetes.cluster-id:\n", `key "kubernetes.cluster-id" has no value`},
		{"a:\n  b: ~\n", `key "a.b" has no value`},
		{"- a\n- b\n", "the top level must be a mapping"},
		{"just text", "the top level must be a mapping"},
		{"a: [b\n", "not valid YAML"},
		{"a: b\n c: d\n", "not valid YAML"},
		{"a: [[1, 2]]\n", "may hold only values and key/value mappings"},
		{"a: [{b: {c: d}}]\n", "must have a plain value"},
		{"? [a, b]\n: c\n", "keys must be plain text"},
		{"a:\n  <<: 5\n", "merge key"},
	} {
		_, err := ParseYAML([]byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseYAML(%q) error = %v, want %q", tc.doc, err, tc.want)
		}
	}
	for _, doc := range []string{"", "# only a comment\n", "\n\n"} {
		c, err := ParseYAML([]byte(doc))
		if err != nil || c.Len() != 0 {
			t.Errorf("ParseYAML(%q) = %v, %v; want empty", doc, c.ToMap(), err)
		}
	}
}

func TestParseYAMLAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("l0: &l0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10}\n")
	for i := 1; i < 10; i++ {
		b.WriteString("l" + itoa(int64(i)) + ": &l" + itoa(int64(i)) + " {")
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("k" + itoa(int64(j)) + ": *l" + itoa(int64(i-1)))
		}
		b.WriteString("}\n")
	}
	if _, err := ParseYAML([]byte(b.String())); err == nil {
		t.Fatal("an exponentially expanding document must be refused")
	}
}

func TestMarshalYAMLGolden(t *testing.T) {
	c := FromMap(map[string]string{
		"kubernetes.cluster-id":                            "my-flink-cluster1",
		"kubernetes.namespace":                             "test",
		"kubernetes.rest-service.exposed.type":             "ClusterIP",
		"kubernetes.internal.jobmanager.entrypoint.class":  SessionClusterEntrypointClass,
		"internal.cluster.execution-mode":                  "NORMAL",
		"execution.target":                                 "kubernetes-session",
		"blob.server.port":                                 "6124",
		"taskmanager.rpc.port":                             "6122",
		"rest.bind-port":                                   "8081",
		"jobmanager.rpc.address":                           "my-flink-cluster1.test",
		"jobmanager.memory.process.size":                   "1600m",
		"taskmanager.memory.process.size":                  "1728m",
		"pipeline.jars":                                    "local:///opt/flink/usrlib/job.jar",
		"$internal.application.program-args":               "--input;'a;b'",
		"kubernetes.jobmanager.labels":                     "a:1,b:2",
		"containerized.master.env.ENABLE_BUILT_IN_PLUGINS": "flink-s3-fs-hadoop.jar",
		"high-availability":                                "kubernetes",
		"high-availability.storageDir":                     "s3://bucket/ha",
		"env.java.opts.all":                                "",
		"yaml.tricky.bool":                                 "true",
		"yaml.tricky.number":                               "0123",
		"yaml.tricky.null":                                 "null",
		"yaml.tricky.comment":                              "a # not a comment",
		"yaml.tricky.colon":                                "key: value",
		"yaml.tricky.multiline":                            "one\ntwo",
		"yaml.tricky.padded":                               "  padded  ",
		"yaml..empty-segment":                              "kept flat",
	})
	out, err := c.MarshalYAML()
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "marshal.golden.yaml")
	if *update {
		if err := os.WriteFile(golden, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./config/ -run TestMarshalYAMLGolden -update)", err)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("MarshalYAML differs from %s (rerun with -update if intended):\n%s", golden, out)
	}
	back, err := ParseYAML(out)
	if err != nil || !maps.Equal(back.ToMap(), c.ToMap()) {
		t.Errorf("round trip: %v, %v", back.ToMap(), err)
	}
	again, _ := c.Clone().MarshalYAML()
	if !bytes.Equal(out, again) {
		t.Error("MarshalYAML is not deterministic")
	}
}

func TestMarshalYAMLRoundTripsRandomConfigurations(t *testing.T) {
	seed := uint64(20241120)
	r := rand.New(rand.NewPCG(seed, 1))
	segments := []string{"a", "b", "kubernetes", "cluster-id", "0", "true", "null", "x y", "é", "$internal", "-", "~", "k:v", "#c"}
	values := []string{"", "x", "true", "False", "yes", "no", "on", "null", "~", "0123", "1e3", "0x1F", ".inf", "1728m", "30 s",
		" lead", "trail ", "a: b", "a #b", "#c", "- item", "[a]", "{a: b}", "'q'", `"dq"`, "*alias", "&anchor", "!tag", "%x",
		"@x", "`x", "|", ">", "multi\nline", "tab\there", "a;b", "k1:v1,k2:v2", "ünïcode", "\\back", "---", "..."}
	for i := range 300 {
		c := New()
		for range r.IntN(12) + 1 {
			n := r.IntN(4) + 1
			parts := make([]string, n)
			for j := range parts {
				parts[j] = segments[r.IntN(len(segments))]
			}
			if r.IntN(10) == 0 {
				parts = append(parts, "") // a key with an empty segment
			}
			c.SetString(strings.Join(parts, "."), values[r.IntN(len(values))])
		}
		out, err := c.MarshalYAML()
		if err != nil {
			t.Fatalf("seed %d, case %d: %v", seed, i, err)
		}
		back, err := ParseYAML(out)
		if err != nil {
			t.Fatalf("seed %d, case %d: %v\n%s", seed, i, err, out)
		}
		if !maps.Equal(back.ToMap(), c.ToMap()) {
			t.Fatalf("seed %d, case %d: round trip changed\n%v\ninto\n%v\nvia\n%s", seed, i, c.ToMap(), back.ToMap(), out)
		}
	}
}

func TestMarshalYAMLRejectsInvalidUTF8(t *testing.T) {
	if _, err := FromMap(map[string]string{"k": "\xff"}).MarshalYAML(); err == nil {
		t.Fatal("invalid UTF-8 must be refused rather than written as binary")
	}
	out, err := New().MarshalYAML()
	if err != nil {
		t.Fatal(err)
	}
	if c, err := ParseYAML(out); err != nil || c.Len() != 0 {
		t.Fatalf("empty configuration round trip: %q %v", out, err)
	}
}
