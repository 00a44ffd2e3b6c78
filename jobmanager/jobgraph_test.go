package jobmanager

import (
	"strings"
	"testing"
	"time"

	"flinksim/config"
	"flinksim/jobjar"
)

func TestJobGraph(t *testing.T) {
	d := jobjar.Descriptor{Name: "j", EntryClass: "org.example.J", Type: jobjar.Streaming,
		Vertices:      []jobjar.Vertex{{Name: "source", Parallelism: 1}, {Name: "map"}},
		Failures:      []jobjar.Failure{{Vertex: 1, Subtask: 2, After: "30 s", Attempts: 1}},
		Configuration: map[string]string{"restart-strategy.type": "none", "execution.checkpointing.interval": "1 min"}}
	cluster := config.FromMap(map[string]string{"parallelism.default": "3", "execution.checkpointing.interval": "10 s"})
	g, err := newJobGraph(d, cluster, submission{jobID: "id", conf: map[string]string{"restart-strategy.type": "fixed-delay"}})
	if err != nil {
		t.Fatal(err)
	}
	if g.slots != 3 || g.vertices[0].parallelism != 1 || g.vertices[1].parallelism != 3 || g.totalTasks() != 4 {
		t.Errorf("slots %d, vertices %+v", g.slots, g.vertices)
	}
	if g.checkpointInterval != time.Minute {
		t.Errorf("checkpoint interval %v: the program's configuration wins over the cluster's", g.checkpointInterval)
	}
	if v, _ := g.conf.GetString("restart-strategy.type"); v != "fixed-delay" {
		t.Errorf("restart strategy %q: the submission wins over the program", v)
	}
	if after, _ := g.failureFor(1, 2, 0); after != 30*time.Second {
		t.Errorf("scripted failure in attempt 0: %v", after)
	}
	if after, _ := g.failureFor(1, 2, 1); after != 0 {
		t.Errorf("scripted failure in attempt 1: %v, want none", after)
	}
	g, _ = newJobGraph(d, cluster, submission{jobID: "id", parallelism: 5})
	if g.slots != 5 {
		t.Errorf("the submission's parallelism: %d slots", g.slots)
	}
	if _, err := newJobGraph(d, cluster, submission{entryClass: "org.example.Other"}); err == nil || !strings.Contains(err.Error(), "entry point class 'org.example.Other' was not found") {
		t.Errorf("wrong entry class: %v", err)
	}
}
