package jobmanager

import (
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"time"

	"flinksim/config"
	"flinksim/jobjar"
	"flinksim/resourcemanager"
)

// jobGraph is a submitted job: the program's descriptor resolved against the
// configuration and the submission's parameters.
type jobGraph struct {
	id         resourcemanager.JobID
	name       string
	entryClass string
	jobType    jobjar.JobType
	vertices   []vertexSpec
	// slots is what the job needs: its vertices share slots, so the largest
	// parallelism.
	slots              int
	taskDuration       time.Duration
	checkpointInterval time.Duration
	checkpointTimeout  time.Duration
	// tolerableCheckpointFailures is how many checkpoints in a row may fail (expire
	// or not be finalized) before the job fails over.
	tolerableCheckpointFailures int
	failures                    []scriptedFailure
	conf                        *config.Configuration
	programArgs                 []string
	// program and sub are what the graph was made of: the execution plan that Kubernetes
	// HA stores, so that another JobManager can make it again.
	program jobjar.Descriptor
	sub     submission
}

type vertexSpec struct {
	id          string
	name        string
	parallelism int
}

type scriptedFailure struct {
	vertex, subtask int
	after           time.Duration
	attempts        int
	message         string
}

// submission is how a job arrives: the REST run request or the application's
// configuration.
type submission struct {
	jobID       resourcemanager.JobID
	parallelism int
	programArgs []string
	entryClass  string
	// conf is configuration the submitter adds (the REST request's
	// flinkConfiguration).
	conf map[string]string
}

// newJobGraph resolves a descriptor: parallelism from the program, else the
// submission, else parallelism.default; checkpoint interval from the program, else
// execution.checkpointing.interval; configuration = cluster < program < submission.
func newJobGraph(d jobjar.Descriptor, cluster *config.Configuration, sub submission) (*jobGraph, error) {
	if sub.entryClass != "" && sub.entryClass != d.EntryClass {
		return nil, fmt.Errorf("org.apache.flink.client.program.ProgramInvocationException: The program's entry point class '%s' was not found in the jar file "+
			"(it holds %s)", sub.entryClass, d.EntryClass)
	}
	conf := cluster.Clone()
	for _, k := range slices.Sorted(maps.Keys(d.Configuration)) {
		conf.SetString(k, d.Configuration[k])
	}
	for _, k := range slices.Sorted(maps.Keys(sub.conf)) {
		conf.SetString(k, sub.conf[k])
	}
	parallelism := d.Parallelism
	if parallelism == 0 {
		parallelism = sub.parallelism
	}
	if parallelism <= 0 {
		p, err := config.Get(conf, config.ParallelismDefault)
		if err != nil {
			return nil, err
		}
		parallelism = p
	}
	if parallelism < 1 {
		return nil, fmt.Errorf("the parallelism of job %q is %d: it must be at least 1 (parallelism.default, -p)", d.Name, parallelism)
	}
	g := &jobGraph{id: sub.jobID, name: d.Name, entryClass: d.EntryClass, jobType: d.Type, taskDuration: d.TaskDuration(),
		conf: conf, programArgs: sub.programArgs, program: d, sub: sub}
	for i, v := range d.VertexList() {
		p := v.Parallelism
		if p == 0 {
			p = parallelism
		}
		g.vertices = append(g.vertices, vertexSpec{id: vertexID(d.Name, v.Name, i), name: v.Name, parallelism: p})
		g.slots = max(g.slots, p)
	}
	if d.Type == jobjar.Streaming {
		g.checkpointInterval = d.CheckpointEvery()
		if g.checkpointInterval == 0 {
			iv, _, err := config.GetOptional(conf, config.ExecutionCheckpointingInterval)
			if err != nil {
				return nil, err
			}
			g.checkpointInterval = iv
		}
	}
	to, err := config.Get(conf, config.ExecutionCheckpointingTimeout)
	if err != nil {
		return nil, err
	}
	g.checkpointTimeout = to
	tolerable, err := config.Get(conf, config.ExecutionCheckpointingTolerableFailedCheckpoints)
	if err != nil {
		return nil, err
	}
	if tolerable < 0 {
		return nil, fmt.Errorf("%s is %d: it must not be negative", config.ExecutionCheckpointingTolerableFailedCheckpoints.Key(), tolerable)
	}
	g.tolerableCheckpointFailures = tolerable
	for _, f := range d.Failures {
		after, _ := config.ParseDuration(f.After)
		msg := f.Message
		if msg == "" {
			msg = "java.lang.RuntimeException: scripted failure of the simulated job"
		}
		g.failures = append(g.failures, scriptedFailure{vertex: f.Vertex, subtask: f.Subtask, after: after, attempts: f.Attempts, message: msg})
	}
	return g, nil
}

// vertexID is a stable 32-digit hex id, as Flink's JobVertexIDs look.
func vertexID(job, vertex string, index int) string {
	h := fnv.New128a()
	fmt.Fprintf(h, "%s\x00%s\x00%d", job, vertex, index)
	return fmt.Sprintf("%x", h.Sum(nil))
}

// failureFor returns the scripted failure of a task in an attempt, if any.
func (g *jobGraph) failureFor(vertex, subtask, attempt int) (time.Duration, string) {
	for _, f := range g.failures {
		if f.vertex == vertex && f.subtask == subtask && (f.attempts == 0 || attempt < f.attempts) {
			return f.after, f.message
		}
	}
	return 0, ""
}

// totalTasks is the number of tasks of one attempt.
func (g *jobGraph) totalTasks() int {
	n := 0
	for _, v := range g.vertices {
		n += v.parallelism
	}
	return n
}
