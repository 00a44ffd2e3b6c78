package jobjar

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"flinksim/config"
)

// DescriptorPath is where a jar holds its job descriptor.
const DescriptorPath = "flinksim/job.json"

const manifestPath = "META-INF/MANIFEST.MF"

// JobType is how a job runs: STREAMING (tasks run until cancelled, unless the job
// has a Duration) or BATCH (tasks finish).
type JobType string

// The job types, as Flink's REST API names them (job-type).
const (
	Streaming JobType = "STREAMING"
	Batch     JobType = "BATCH"
)

// Descriptor is the program of a simulated job: what Flink would learn by running the
// jar's main().
type Descriptor struct {
	// Name is the job name (what the program passes to execute()).
	Name string `json:"name"`
	// EntryClass is the program's main class, also written as Main-Class into the
	// manifest.
	EntryClass string `json:"entryClass"`
	// Type is STREAMING or BATCH.
	Type JobType `json:"type"`
	// Parallelism is what the program sets; 0 leaves it to the submission
	// (-p / the REST run request) or parallelism.default.
	Parallelism int `json:"parallelism,omitempty"`
	// Duration is how long each task runs once RUNNING before it finishes (Flink
	// duration syntax: "30 s", "5 min"); empty means until cancelled — an unbounded
	// source. A BATCH job needs one.
	Duration string `json:"duration,omitempty"`
	// CheckpointInterval is what the program passes to enableCheckpointing; empty
	// leaves it to execution.checkpointing.interval.
	CheckpointInterval string `json:"checkpointInterval,omitempty"`
	// Vertices are the job's chained operators in topological order; every vertex
	// runs in the same slot-sharing group, so a job needs as many slots as its
	// largest vertex parallelism. Empty: one vertex named after the job.
	Vertices []Vertex `json:"vertices,omitempty"`
	// Failures are scripted task failures.
	Failures []Failure `json:"failures,omitempty"`
	// Configuration is what the program sets on its execution environment (for
	// example a restart strategy); it wins over the cluster's configuration.
	Configuration map[string]string `json:"configuration,omitempty"`
}

// Vertex is one chain of operators.
type Vertex struct {
	Name string `json:"name"`
	// Parallelism of this vertex; 0 means the job's.
	Parallelism int `json:"parallelism,omitempty"`
}

// Failure makes a task fail: subtask Subtask of vertex Vertex fails After the given
// time in RUNNING, in the first Attempts execution attempts (0: in every attempt).
type Failure struct {
	Vertex   int    `json:"vertex,omitempty"`
	Subtask  int    `json:"subtask"`
	After    string `json:"after"`
	Attempts int    `json:"attempts,omitempty"`
	// Message is the exception the task fails with.
	Message string `json:"message,omitempty"`
}

// Validate checks the descriptor; errors name the field and say what to write.
func (d *Descriptor) Validate() error {
	var errs []error
	if strings.TrimSpace(d.Name) == "" {
		errs = append(errs, errors.New("name is empty: give the job a name"))
	}
	if strings.TrimSpace(d.EntryClass) == "" {
		errs = append(errs, errors.New("entryClass is empty: give the program's main class"))
	}
	switch d.Type {
	case Streaming, Batch:
	default:
		errs = append(errs, fmt.Errorf("type %q: write STREAMING or BATCH", d.Type))
	}
	if d.Parallelism < 0 {
		errs = append(errs, fmt.Errorf("parallelism %d: must be positive, or 0 to leave it to the submission", d.Parallelism))
	}
	dur, err := optionalDuration("duration", d.Duration)
	if err != nil {
		errs = append(errs, err)
	}
	if d.Type == Batch && dur == 0 && err == nil {
		errs = append(errs, errors.New("duration is empty: a BATCH job's tasks must finish; give how long they run"))
	}
	if _, err := optionalDuration("checkpointInterval", d.CheckpointInterval); err != nil {
		errs = append(errs, err)
	}
	for i, v := range d.Vertices {
		if strings.TrimSpace(v.Name) == "" {
			errs = append(errs, fmt.Errorf("vertices[%d].name is empty", i))
		}
		if v.Parallelism < 0 {
			errs = append(errs, fmt.Errorf("vertices[%d].parallelism %d: must be positive, or 0 for the job's", i, v.Parallelism))
		}
	}
	for i, f := range d.Failures {
		if f.Vertex < 0 || f.Vertex >= max(len(d.Vertices), 1) {
			errs = append(errs, fmt.Errorf("failures[%d].vertex %d: the job has %d vertices", i, f.Vertex, max(len(d.Vertices), 1)))
		}
		if f.Subtask < 0 {
			errs = append(errs, fmt.Errorf("failures[%d].subtask %d: must not be negative", i, f.Subtask))
		}
		if _, err := config.ParseDuration(f.After); err != nil {
			errs = append(errs, fmt.Errorf("failures[%d].after: %w", i, err))
		}
		if f.Attempts < 0 {
			errs = append(errs, fmt.Errorf("failures[%d].attempts %d: must not be negative", i, f.Attempts))
		}
	}
	return errors.Join(errs...)
}

func optionalDuration(field, s string) (time.Duration, error) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	d, err := config.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", field, err)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%s %q: must be positive", field, s)
	}
	return d, nil
}

// TaskDuration is how long tasks run (0: until cancelled).
func (d *Descriptor) TaskDuration() time.Duration {
	v, _ := optionalDuration("duration", d.Duration)
	return v
}

// CheckpointEvery is the program's checkpoint interval (0: not set).
func (d *Descriptor) CheckpointEvery() time.Duration {
	v, _ := optionalDuration("checkpointInterval", d.CheckpointInterval)
	return v
}

// VertexList returns the vertices, or the job's single vertex when none are given.
func (d *Descriptor) VertexList() []Vertex {
	if len(d.Vertices) == 0 {
		return []Vertex{{Name: d.Name}}
	}
	return d.Vertices
}

// Build writes the jar of a descriptor. The jar is byte-for-byte the same for the
// same descriptor.
func Build(d Descriptor) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("job descriptor of %q: %w", d.Name, err)
	}
	desc, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	stamp := time.Date(2024, 11, 20, 0, 0, 0, 0, time.UTC)
	for _, f := range []struct {
		name string
		data []byte
	}{
		{manifestPath, []byte("Manifest-Version: 1.0\r\nMain-Class: " + d.EntryClass + "\r\nCreated-By: flinksim\r\n\r\n")},
		{strings.ReplaceAll(d.EntryClass, ".", "/") + ".class", nil},
		{DescriptorPath, desc},
	} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: stamp})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// MustBuild is Build for descriptors known to be valid (the examples, tests).
func MustBuild(d Descriptor) []byte {
	b, err := Build(d)
	if err != nil {
		panic(err)
	}
	return b
}

// Read reads the descriptor of a jar. name is how the jar is known (its URI or file
// name) for the error messages.
func Read(name string, jar []byte) (Descriptor, error) {
	var d Descriptor
	zr, err := zip.NewReader(bytes.NewReader(jar), int64(len(jar)))
	if err != nil {
		return d, fmt.Errorf("%s is not a jar file (it cannot be read as a zip archive): %w", name, err)
	}
	var desc *zip.File
	mainClass := ""
	for _, f := range zr.File {
		switch f.Name {
		case DescriptorPath:
			desc = f
		case manifestPath:
			if b, err := readEntry(f); err == nil {
				mainClass = manifestMainClass(string(b))
			}
		}
	}
	if desc == nil {
		return d, fmt.Errorf("%s holds no %s: flinksim runs simulated jobs only; build the jar with package jobjar or use one of /opt/flink/examples", name, DescriptorPath)
	}
	b, err := readEntry(desc)
	if err != nil {
		return d, fmt.Errorf("%s: reading %s: %w", name, DescriptorPath, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return d, fmt.Errorf("%s: %s is not a job descriptor: %w", name, DescriptorPath, err)
	}
	if d.EntryClass == "" {
		d.EntryClass = mainClass
	}
	if err := d.Validate(); err != nil {
		return d, fmt.Errorf("%s: %s: %w", name, DescriptorPath, err)
	}
	return d, nil
}

func readEntry(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, 1<<20))
}

func manifestMainClass(manifest string) string {
	for _, line := range strings.Split(strings.ReplaceAll(manifest, "\r\n", "\n"), "\n") {
		if v, ok := strings.CutPrefix(line, "Main-Class:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
