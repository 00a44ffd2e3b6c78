package flinkrest_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"flinksim/flinkrest"
	"flinksim/flinkrest/flinkresttest"
)

const jobID = "fd72014d4c864993a2e5a9287b4a9c5d"

func client(t *testing.T, jm *flinkresttest.JobManager) *flinkrest.Client {
	t.Helper()
	c, err := flinkrest.New("http://my-session-rest.default:8081", jm.HTTPClient())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewRefusesWhatIsNotAnEndpoint(t *testing.T) {
	for _, u := range []string{"my-session-rest:8081", "ftp://x", "http://"} {
		if _, err := flinkrest.New(u, nil); err == nil {
			t.Errorf("New(%q) succeeded", u)
		}
	}
}

func TestJobsOverview(t *testing.T) {
	start := time.Date(2024, 11, 20, 12, 0, 0, 0, time.UTC)
	jm := flinkresttest.New(flinkresttest.Job{ID: jobID, Name: "WordCount", State: "RUNNING", Start: start})
	jobs, err := client(t, jm).JobsOverview(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || jobs[0].ID != jobID || jobs[0].Name != "WordCount" || jobs[0].State != "RUNNING" || !jobs[0].Start().Equal(start) {
		t.Fatalf("jobs = %+v", jobs)
	}
	if got := jm.Requests(); !slices.Equal(got, []string{"GET /jobs/overview"}) {
		t.Fatalf("requests %v", got)
	}
}

func TestCancelJob(t *testing.T) {
	jm := flinkresttest.New(flinkresttest.Job{ID: jobID, State: "RUNNING"})
	c := client(t, jm)
	if err := c.CancelJob(context.Background(), jobID); err != nil {
		t.Fatal(err)
	}
	if got := jm.Requests(); !slices.Equal(got, []string{"PATCH /jobs/" + jobID + "?mode=cancel"}) {
		t.Fatalf("requests %v", got)
	}
	if j, _ := jm.Job(jobID); j.State != "CANCELED" {
		t.Fatalf("job state %s", j.State)
	}
	err := c.CancelJob(context.Background(), "00000000000000000000000000000000")
	if !flinkrest.IsNotFound(err) || !strings.Contains(err.Error(), "404 Not Found: Job could not be found.") {
		t.Fatalf("cancel of an unknown job = %v", err)
	}
}

func TestUploadAndRunJar(t *testing.T) {
	jm := flinkresttest.New()
	c := client(t, jm)
	ctx := context.Background()
	jarID, err := c.UploadJar(ctx, "/home/me/jobs/WordCount.jar", []byte("PK\x03\x04jar"))
	if err != nil {
		t.Fatal(err)
	}
	jars := jm.Jars()
	if len(jars) != 1 || jars[0].ID != jarID || jars[0].FileName != "WordCount.jar" ||
		string(jars[0].Content) != "PK\x03\x04jar" || jars[0].ContentType != "application/x-java-archive" {
		t.Fatalf("uploaded %+v (id %q)", jars, jarID)
	}
	job, err := c.RunJar(ctx, jarID, flinkrest.RunJarRequest{
		EntryClass: "org.example.WordCount", ProgramArgsList: []string{"--input", "a b"}, Parallelism: 2,
		SavepointPath: "s3://sp/1", AllowNonRestoredState: true,
		FlinkConfiguration: map[string]string{"pipeline.name": "wc"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := jm.Job(job); !ok {
		t.Fatalf("job %s unknown to the JobManager", job)
	}
	runs := jm.Runs()
	if len(runs) != 1 {
		t.Fatalf("runs %+v", runs)
	}
	b := runs[0].Body
	if b["entryClass"] != "org.example.WordCount" || b["parallelism"] != float64(2) || b["savepointPath"] != "s3://sp/1" ||
		b["allowNonRestoredState"] != true || len(b["programArgsList"].([]any)) != 2 ||
		b["flinkConfiguration"].(map[string]any)["pipeline.name"] != "wc" {
		t.Fatalf("run body %v", b)
	}
	if _, err := c.RunJar(ctx, "nope.jar", flinkrest.RunJarRequest{}); err == nil || !strings.Contains(err.Error(), "400 Bad Request: Jar file") {
		t.Fatalf("run of an unknown jar = %v", err)
	}
	if _, err := c.UploadJar(ctx, "job.zip", nil); err == nil || !strings.Contains(err.Error(), "Only Jar files are allowed.") {
		t.Fatalf("upload of a zip = %v", err)
	}
}

func TestWaitJobResultPollsWithBackOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		jm := flinkresttest.New(flinkresttest.Job{ID: jobID, State: "RUNNING", PollsUntilDone: 3, FinalStatus: "SUCCEEDED"})
		start := time.Now()
		res, err := client(t, jm).WaitJobResult(context.Background(), jobID)
		if err != nil {
			t.Fatal(err)
		}
		if res.ApplicationStatus != "SUCCEEDED" || res.NetRuntime != 1234 {
			t.Fatalf("result %+v", res)
		}
		if waited := time.Since(start); waited != 700*time.Millisecond {
			t.Fatalf("waited %v, want 100+200+400 ms", waited)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		jm2 := flinkresttest.New(flinkresttest.Job{ID: jobID, PollsUntilDone: 1000})
		if _, err := client(t, jm2).WaitJobResult(ctx, jobID); err != context.DeadlineExceeded {
			t.Fatalf("wait past the deadline = %v", err)
		}
	})
}
