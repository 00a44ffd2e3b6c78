package flinkrest_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"syscall"
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

// notUpYet fails the first requests as a JobManager that is still starting does (its
// Service refuses, or a forward closes the connection, or it answers 503), then
// hands the requests to jm.
type notUpYet struct {
	failures []error // nil: answer 503
	next     http.RoundTripper
	calls    int
}

func (n *notUpYet) RoundTrip(r *http.Request) (*http.Response, error) {
	n.calls++
	if len(n.failures) == 0 {
		return n.next.RoundTrip(r)
	}
	err := n.failures[0]
	n.failures = n.failures[1:]
	if err == nil {
		return &http.Response{StatusCode: 503, Status: "503 Service Unavailable", Body: io.NopCloser(strings.NewReader("{}")), Request: r}, nil
	}
	return nil, err
}

func TestRetriesWhileTheJobManagerIsNotUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
		jm := flinkresttest.New()
		rt := &notUpYet{failures: []error{refused, io.EOF, nil}, next: jm.HTTPClient().Transport}
		c, err := flinkrest.New("http://127.0.10.1:8081", &http.Client{Transport: rt})
		if err != nil {
			t.Fatal(err)
		}
		c.WithRetries(20, 3*time.Second)
		start := time.Now()
		jarID, err := c.UploadJar(context.Background(), "job.jar", []byte("PK\x03\x04jar"))
		if err != nil {
			t.Fatal(err)
		}
		if waited, calls := time.Since(start), rt.calls; waited != 9*time.Second || calls != 4 {
			t.Fatalf("waited %v in %d requests, want 3 retries 3 s apart", waited, calls)
		}
		if jars := jm.Jars(); len(jars) != 1 || jars[0].ID != jarID || string(jars[0].Content) != "PK\x03\x04jar" {
			t.Fatalf("uploaded %+v: the retry must send the whole body again", jars)
		}

		// Attempts run out: the last error is returned.
		rt = &notUpYet{failures: []error{refused, refused, refused, refused}, next: jm.HTTPClient().Transport}
		c, _ = flinkrest.New("http://127.0.10.1:8081", &http.Client{Transport: rt})
		c.WithRetries(2, time.Second)
		if _, err := c.JobsOverview(context.Background()); !errors.Is(err, syscall.ECONNREFUSED) || rt.calls != 3 {
			t.Fatalf("after 2 retries: %v in %d requests", err, rt.calls)
		}

		// A name that does not resolve (a ClusterIP Service's, outside the cluster)
		// and other answers are not retried.
		notFound := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "my-session-rest.default", IsNotFound: true}}
		rt = &notUpYet{failures: []error{notFound}, next: jm.HTTPClient().Transport}
		c, _ = flinkrest.New("http://my-session-rest.default:8081", &http.Client{Transport: rt})
		c.WithRetries(20, 3*time.Second)
		if _, err := c.JobsOverview(context.Background()); err == nil || rt.calls != 1 {
			t.Fatalf("unresolvable name: %v in %d requests", err, rt.calls)
		}
		if err := c.CancelJob(context.Background(), jobID); !flinkrest.IsNotFound(err) || rt.calls != 2 {
			t.Fatalf("404: %v in %d requests", err, rt.calls)
		}
	})
}
