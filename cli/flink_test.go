package cli_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"flinksim/cli"
	"flinksim/flinkrest/flinkresttest"
)

const jobID = "fd72014d4c864993a2e5a9287b4a9c5d"

func TestRunApplication(t *testing.T) {
	f := newFixture(t)
	f.succeed(f.flink("run", "--target", "kubernetes-application", "-Dkubernetes.cluster-id=my-app",
		"-c", "org.example.WordCount", "-p", "2", "local:///opt/flink/usrlib/job.jar", "--input", "-x"))
	if !strings.Contains(f.stdout.String(), "Create flink application cluster my-app successfully, JobManager Web Interface: http://my-app-rest.default:8081") {
		t.Fatalf("stdout %q", f.stdout.String())
	}
	conf, _ := f.shipped("my-app")
	for k, want := range map[string]string{
		"execution.target":                   "kubernetes-application",
		"pipeline.jars":                      "local:///opt/flink/usrlib/job.jar",
		"$internal.application.main":         "org.example.WordCount",
		"$internal.application.program-args": "--input;-x",
		"parallelism.default":                "2",
	} {
		if got, _ := conf.GetString(k); got != want {
			t.Errorf("shipped %s = %q, want %q", k, got, want)
		}
	}
}

func TestRunApplicationResolvesAPlainPathToAFileURI(t *testing.T) {
	f := newFixture(t)
	f.succeed(f.flink("run-application", "-Dkubernetes.cluster-id=my-app", "jobs/job.jar"))
	conf, _ := f.shipped("my-app")
	if got, _ := conf.GetString("pipeline.jars"); got != "file:///home/me/jobs/job.jar" {
		t.Fatalf("pipeline.jars %q", got)
	}
}

func TestRunApplicationUploadsLocalArtifacts(t *testing.T) {
	f := newFixture(t)
	if err := f.dfs.MakeBucket("s3://artifacts"); err != nil {
		t.Fatal(err)
	}
	f.succeed(f.flink("run", "-t", "kubernetes-application", "-Dkubernetes.cluster-id=my-app",
		"-Dkubernetes.artifacts.local-upload-enabled=true", "-Dkubernetes.artifacts.local-upload-target=s3://artifacts/jobs",
		"local:///home/me/jobs/job.jar"))
	got, err := f.dfs.Read(context.Background(), "s3://artifacts/jobs/job.jar")
	if err != nil || string(got) != "PK\x03\x04job" {
		t.Fatalf("uploaded %q, %v", got, err)
	}
	conf, _ := f.shipped("my-app")
	if jars, _ := conf.GetString("pipeline.jars"); jars != "s3://artifacts/jobs/job.jar" {
		t.Fatalf("pipeline.jars %q", jars)
	}
}

func TestRunApplicationRefusesARunningCluster(t *testing.T) {
	f := newFixture(t)
	if _, err := f.kube.CoreV1().Services("default").Create(context.Background(), restService("my-app"), metaCreate); err != nil {
		t.Fatal(err)
	}
	f.fail(f.flink("run", "-t", "kubernetes-application", "-Dkubernetes.cluster-id=my-app", "local:///job.jar"), "already exists")
	if n := f.creates("deployments"); n != 0 {
		t.Fatalf("%d Deployments created", n)
	}
}

func TestRunApplicationTargetMismatch(t *testing.T) {
	f := newFixture(t)
	f.fail(f.flink("run-application", "-t", "kubernetes-session", "local:///job.jar"), "the target must be kubernetes-application")
}

func TestRunOnASessionCluster(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		if _, err := f.kube.CoreV1().Services("default").Create(context.Background(), restService("my-session"), metaCreate); err != nil {
			t.Fatal(err)
		}
		f.succeed(f.flink("run", "-t", "kubernetes-session", "-Dkubernetes.cluster-id=my-session", "-Dpipeline.name=wc",
			"-c", "org.example.WordCount", "-p", "3", "/home/me/jobs/job.jar", "--input", "in.txt"))
		want := "Job has been submitted with JobID 00000000000000000000000000000002\nProgram execution finished\n" +
			"Job with JobID 00000000000000000000000000000002 has finished.\nJob Runtime: 1234 ms\n"
		if f.stdout.String() != want {
			t.Fatalf("stdout %q, want %q", f.stdout.String(), want)
		}
		jars := f.jm.Jars()
		if len(jars) != 1 || jars[0].FileName != "job.jar" || jars[0].Content == nil {
			t.Fatalf("jars %+v", jars)
		}
		runs := f.jm.Runs()
		b := runs[0].Body
		if b["entryClass"] != "org.example.WordCount" || b["parallelism"] != float64(3) ||
			strings.Join(anyStrings(b["programArgsList"]), " ") != "--input in.txt" ||
			b["flinkConfiguration"].(map[string]any)["pipeline.name"] != "wc" {
			t.Fatalf("run request %v", b)
		}
		reqs := strings.Join(f.jm.Requests(), "\n")
		if !strings.HasPrefix(reqs, "POST /jars/upload\nPOST /jars/"+jars[0].ID+"/run\nGET /jobs/00000000000000000000000000000002/execution-result") {
			t.Fatalf("requests:\n%s", reqs)
		}
	})
}

func anyStrings(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

func TestRunDetachedOnARemoteJobManager(t *testing.T) {
	f := newFixture(t)
	f.succeed(f.flink("run", "-d", "-m", "localhost:8081", "/home/me/jobs/job.jar"))
	if !strings.HasPrefix(f.stdout.String(), "Job has been submitted with JobID ") || strings.Contains(f.stdout.String(), "finished") {
		t.Fatalf("stdout %q", f.stdout.String())
	}
	if reqs := f.jm.Requests(); len(reqs) != 2 {
		t.Fatalf("requests %v", reqs)
	}
	if len(f.targets) != 0 {
		t.Fatal("a remote run talked to Kubernetes")
	}
}

func TestRunBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{name: "no jar", args: []string{"run", "-t", "kubernetes-application"}, want: "Java program should be specified a JAR file"},
		{name: "bad parallelism", args: []string{"run", "-p", "zero", "job.jar"}, want: "The parallelism must be a positive number: zero"},
		{name: "unsupported target", args: []string{"run", "-t", "yarn-application", "job.jar"}, want: `the deployment target "yarn-application" is not supported`},
		{name: "missing jar", args: []string{"run", "-m", "localhost:8081", "/nope.jar"}, want: "the job jar /nope.jar does not exist"},
		{name: "remote jar on session", args: []string{"run", "-t", "kubernetes-session", "s3://b/job.jar"}, want: "must be a local file"},
		{name: "session without id", args: []string{"run", "-t", "kubernetes-session", "/home/me/jobs/job.jar"}, want: "kubernetes.cluster-id is not set"},
		{name: "session not running", args: []string{"run", "-t", "kubernetes-session", "-Dkubernetes.cluster-id=gone", "/home/me/jobs/job.jar"},
			want: `cannot find Flink cluster "gone" in namespace "default"`},
		{name: "upload without target", args: []string{"run", "-t", "kubernetes-application", "-Dkubernetes.cluster-id=a",
			"-Dkubernetes.artifacts.local-upload-enabled=true", "local:///home/me/jobs/job.jar"}, want: "kubernetes.artifacts.local-upload-target"},
		{name: "upload to missing bucket", args: []string{"run", "-t", "kubernetes-application", "-Dkubernetes.cluster-id=a",
			"-Dkubernetes.artifacts.local-upload-enabled=true", "-Dkubernetes.artifacts.local-upload-target=s3://nope/x",
			"local:///home/me/jobs/job.jar"}, want: "the bucket s3://nope does not exist"},
		{name: "python on session", args: []string{"run", "-t", "kubernetes-session", "-py", "job.py"}, want: "Python programs can only be run in application mode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.fail(f.flink(tc.args...), tc.want)
			if n := f.creates(""); n != 0 {
				t.Fatalf("%d objects created", n)
			}
		})
	}
}

func TestList(t *testing.T) {
	start := time.Date(2024, 11, 20, 12, 0, 0, 0, time.UTC)
	f := newFixture(t)
	f.jm = flinkresttest.New(
		flinkresttest.Job{ID: "00000000000000000000000000000002", Name: "Second", State: "RUNNING", Start: start.Add(time.Minute)},
		flinkresttest.Job{ID: jobID, Name: "WordCount", State: "RUNNING", Start: start},
		flinkresttest.Job{ID: "00000000000000000000000000000003", Name: "Waiting", State: "CREATED", Start: start},
		flinkresttest.Job{ID: "00000000000000000000000000000004", Name: "Done", State: "FINISHED", Start: start},
	)
	if _, err := f.kube.CoreV1().Services("default").Create(context.Background(), restService("my-session"), metaCreate); err != nil {
		t.Fatal(err)
	}
	f.succeed(f.flink("list", "-t", "kubernetes-session", "-Dkubernetes.cluster-id=my-session"))
	want := `Waiting for response...
------------------ Running/Restarting Jobs -------------------
20.11.2024 12:00:00 : fd72014d4c864993a2e5a9287b4a9c5d : WordCount (RUNNING)
20.11.2024 12:01:00 : 00000000000000000000000000000002 : Second (RUNNING)
--------------------------------------------------------------
----------------------- Scheduled Jobs -----------------------
20.11.2024 12:00:00 : 00000000000000000000000000000003 : Waiting (CREATED)
--------------------------------------------------------------
`
	if f.stdout.String() != want {
		t.Fatalf("stdout:\n%s\nwant:\n%s", f.stdout.String(), want)
	}
	if !strings.Contains(f.stderr.String(), "only reachable from inside the Kubernetes cluster") {
		t.Errorf("no ClusterIP warning: %q", f.stderr.String())
	}
	f.stdout.Reset()
	f.succeed(f.flink("list", "-a", "-m", "localhost:8081"))
	if !strings.Contains(f.stdout.String(), "---------------------- Terminated Jobs -----------------------\n20.11.2024 12:00:00 : 00000000000000000000000000000004 : Done (FINISHED)") {
		t.Fatalf("list -a:\n%s", f.stdout.String())
	}
	f.stdout.Reset()
	f.jm = flinkresttest.New()
	f.succeed(f.flink("list", "-m", "localhost:8081"))
	if f.stdout.String() != "Waiting for response...\nNo running jobs.\nNo scheduled jobs.\n" {
		t.Fatalf("empty list:\n%s", f.stdout.String())
	}
}

func TestCancel(t *testing.T) {
	f := newFixture(t)
	f.jm = flinkresttest.New(flinkresttest.Job{ID: jobID, Name: "WordCount", State: "RUNNING"})
	if _, err := f.kube.CoreV1().Services("default").Create(context.Background(), restService("my-session"), metaCreate); err != nil {
		t.Fatal(err)
	}
	f.succeed(f.flink("cancel", "-t", "kubernetes-session", "-Dkubernetes.cluster-id=my-session", jobID))
	if f.stdout.String() != "Cancelling job "+jobID+".\nCancelled job "+jobID+".\n" {
		t.Fatalf("stdout %q", f.stdout.String())
	}
	if reqs := f.jm.Requests(); len(reqs) != 1 || reqs[0] != "PATCH /jobs/"+jobID+"?mode=cancel" {
		t.Fatalf("requests %v", reqs)
	}
	f.fail(f.flink("cancel", "-m", "localhost:8081", "00000000000000000000000000000009"),
		"does not know it (flink list shows the jobs it knows)")
}

func TestCancelBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"cancel"}, "Missing JobID"},
		{[]string{"cancel", "-m", "localhost:8081", "123"}, `Cannot parse JobID from "123"`},
		{[]string{"cancel", "a", "b"}, "cancel takes one JobID"},
	} {
		f := newFixture(t)
		f.fail(f.flink(tc.args...), tc.want)
	}
}

func TestActions(t *testing.T) {
	f := newFixture(t)
	if code := f.flink(); code != 1 || !strings.Contains(f.stdout.String(), "Please specify an action.") {
		t.Fatalf("no action: %d %q", code, f.stdout.String())
	}
	f.fail(f.flink("savepoint"), `"savepoint" is not a valid action.`)
	f.succeed(f.flink("--version"))
	f.succeed(f.flink("run", "-h"))
	f.fail(f.flink("list", "--bogus"), "Unrecognized option: --bogus\n\nUse the help option (-h or --help) to get help on the command.")
}

func TestRunAttachedReportsAFailedJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		// The fake numbers uploads and runs alike: the run makes job 2.
		f.jm = flinkresttest.New(flinkresttest.Job{ID: "00000000000000000000000000000002", FinalStatus: "FAILED"})
		f.fail(f.flink("run", "-m", "localhost:8081", "-Dpipeline.name=x", "/home/me/jobs/job.jar"), "ended FAILED")
	})
}

// refusing refuses the first connections, as the address of a JobManager that is
// still starting does, then hands requests to next.
type refusing struct {
	refusals int
	err      error
	next     http.RoundTripper
}

func (r *refusing) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.refusals > 0 {
		r.refusals--
		return nil, r.err
	}
	return r.next.RoundTrip(req)
}

// TestTheClientWaitsForAJobManagerThatIsStarting: flink run right after
// kubernetes-session retries while the JobManager's address refuses connections,
// rest.retry.delay apart, as Flink's client does; when the retries
// (rest.retry.max-attempts) run out it says to check the JobManager pod, and only a
// name that does not resolve gets the ClusterIP advice.
func TestTheClientWaitsForAJobManagerThatIsStarting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
		f := newFixture(t)
		env := f.env("run", "-d", "-m", "127.0.10.1:8081", "-Drest.retry.delay=1s", "/home/me/jobs/job.jar")
		env.HTTP = &http.Client{Transport: &refusing{refusals: 2, err: refused, next: f.jm.HTTPClient().Transport}}
		start := time.Now()
		f.succeed(cli.Flink(context.Background(), env))
		if waited := time.Since(start); waited != 2*time.Second {
			t.Fatalf("waited %v, want 2 retries 1 s apart", waited)
		}

		f = newFixture(t)
		env = f.env("list", "-m", "127.0.10.1:8081", "-Drest.retry.max-attempts=3")
		env.HTTP = &http.Client{Transport: &refusing{refusals: 100, err: refused}}
		start = time.Now()
		f.fail(cli.Flink(context.Background(), env), "Check that the JobManager pod is Running")
		if waited := time.Since(start); waited != 9*time.Second {
			t.Fatalf("waited %v, want 3 retries 3 s apart", waited)
		}
		if strings.Contains(f.stderr.String(), "ClusterIP") {
			t.Fatalf("the ClusterIP advice for a refused connection:\n%s", f.stderr.String())
		}

		f = newFixture(t)
		env = f.env("list", "-m", "my-session-rest.default:8081")
		env.HTTP = &http.Client{Transport: &refusing{refusals: 100,
			err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "my-session-rest.default", IsNotFound: true}}}}
		start = time.Now()
		f.fail(cli.Flink(context.Background(), env), "With the REST Service of type ClusterIP")
		if waited := time.Since(start); waited != 0 {
			t.Fatalf("waited %v for a name that does not resolve", waited)
		}
	})
}

// TestRunInterruptedLeavesTheJobRunning: Ctrl-C on an attached run without -sae ends
// the client, says the job keeps running and how to stop it, and does not cancel it.
func TestRunInterruptedLeavesTheJobRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		f.jm = flinkresttest.New(flinkresttest.Job{ID: "00000000000000000000000000000002", PollsUntilDone: 1 << 30})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		f.fail(cli.Flink(ctx, f.env("run", "-m", "localhost:8081", "/home/me/jobs/job.jar")),
			"interrupted while waiting for the result of job 00000000000000000000000000000002; the job keeps running on the cluster "+
				"(flink cancel 00000000000000000000000000000002 stops it")
		if strings.Contains(f.stderr.String(), "context") {
			t.Fatalf("stderr speaks of Go contexts: %q", f.stderr.String())
		}
		for _, r := range f.jm.Requests() {
			if strings.Contains(r, "cancel") {
				t.Fatalf("the job was cancelled: %q", r)
			}
		}
	})
}

func TestRunShutdownOnAttachedExitCancelsTheJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		f.jm = flinkresttest.New(flinkresttest.Job{ID: "00000000000000000000000000000002", PollsUntilDone: 1 << 30})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		env := f.env("run", "-sae", "-m", "localhost:8081", "/home/me/jobs/job.jar")
		if code := cli.Flink(ctx, env); code != 1 {
			t.Fatalf("exit code %d", code)
		}
		if !strings.Contains(f.stdout.String(), "Cancelled job 00000000000000000000000000000002 (shutdown on attached exit).") {
			t.Fatalf("stdout %q", f.stdout.String())
		}
		reqs := f.jm.Requests()
		if last := reqs[len(reqs)-1]; last != "PATCH /jobs/00000000000000000000000000000002?mode=cancel" {
			t.Fatalf("last request %q", last)
		}
	})
}

// A job that is still failing, cancelling or suspended is not terminated: Flink's
// CliFrontend lists every state that is not globally terminal (and not CREATED or
// INITIALIZING) under Running/Restarting Jobs.
func TestListShowsJobsNotYetGloballyTerminalAsRunning(t *testing.T) {
	start := time.Date(2024, 11, 20, 12, 0, 0, 0, time.UTC)
	f := newFixture(t)
	f.jm = flinkresttest.New(
		flinkresttest.Job{ID: "00000000000000000000000000000001", Name: "Failing", State: "FAILING", Start: start},
		flinkresttest.Job{ID: "00000000000000000000000000000002", Name: "Cancelling", State: "CANCELLING", Start: start.Add(time.Second)},
		flinkresttest.Job{ID: "00000000000000000000000000000003", Name: "Suspended", State: "SUSPENDED", Start: start.Add(2 * time.Second)},
		flinkresttest.Job{ID: "00000000000000000000000000000004", Name: "Cancelled", State: "CANCELED", Start: start.Add(3 * time.Second)},
	)
	f.succeed(f.flink("list", "-a", "-m", "localhost:8081"))
	want := `Waiting for response...
------------------ Running/Restarting Jobs -------------------
20.11.2024 12:00:00 : 00000000000000000000000000000001 : Failing (FAILING)
20.11.2024 12:00:01 : 00000000000000000000000000000002 : Cancelling (CANCELLING)
20.11.2024 12:00:02 : 00000000000000000000000000000003 : Suspended (SUSPENDED)
--------------------------------------------------------------
No scheduled jobs.
---------------------- Terminated Jobs -----------------------
20.11.2024 12:00:03 : 00000000000000000000000000000004 : Cancelled (CANCELED)
--------------------------------------------------------------
`
	if f.stdout.String() != want {
		t.Fatalf("stdout:\n%s\nwant:\n%s", f.stdout.String(), want)
	}
}
