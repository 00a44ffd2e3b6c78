package jobjar

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestExamplesRoundTrip(t *testing.T) {
	for _, ex := range Examples() {
		jar, err := Build(ex.Descriptor)
		if err != nil {
			t.Fatalf("%s: %v", ex.Path, err)
		}
		again, _ := Build(ex.Descriptor)
		if !bytes.Equal(jar, again) {
			t.Errorf("%s: the jar differs from build to build", ex.Path)
		}
		got, err := Read(ex.Path, jar)
		if err != nil {
			t.Fatalf("%s: %v", ex.Path, err)
		}
		if !reflect.DeepEqual(got, ex.Descriptor) {
			t.Errorf("%s: read %+v, want %+v", ex.Path, got, ex.Descriptor)
		}
	}
}

func TestRead(t *testing.T) {
	if _, err := Read("x.jar", []byte("PK my job")); err == nil || !strings.Contains(err.Error(), "x.jar is not a jar file") {
		t.Errorf("not a zip: %v", err)
	}
	batch := Descriptor{Name: "b", EntryClass: "B", Type: Batch}
	if _, err := Build(batch); err == nil || !strings.Contains(err.Error(), "a BATCH job's tasks must finish") {
		t.Errorf("batch without duration: %v", err)
	}
	bad := Descriptor{Name: "j", EntryClass: "J", Type: "STREAMIN", Failures: []Failure{{Vertex: 3, After: "soon"}}}
	err := bad.Validate()
	for _, want := range []string{`type "STREAMIN": write STREAMING or BATCH`, "failures[0].vertex 3: the job has 1 vertices", "failures[0].after"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("validate: %v, want it to mention %q", err, want)
		}
	}
	d := Descriptor{Name: "j", EntryClass: "J", Type: Streaming, Duration: "90 s", CheckpointInterval: "10 s"}
	if d.TaskDuration() != 90*time.Second || d.CheckpointEvery() != 10*time.Second || len(d.VertexList()) != 1 {
		t.Errorf("durations %v %v vertices %v", d.TaskDuration(), d.CheckpointEvery(), d.VertexList())
	}
}
