package cli_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"testing/synctest"

	"flinksim/cli"
	"flinksim/config"
)

func TestSessionDeploysDetachedByDefault(t *testing.T) {
	f := newFixture(t)
	f.succeed(f.session("-Dkubernetes.cluster-id=my-session", "-D", "taskmanager.numberOfTaskSlots=3"))
	want := "Create flink session cluster my-session successfully, JobManager Web Interface: http://my-session-rest.default:8081\n"
	if f.stdout.String() != want {
		t.Fatalf("stdout %q, want %q", f.stdout.String(), want)
	}
	if _, ok := f.deployment("my-session"); !ok {
		t.Fatal("no Deployment my-session")
	}
	conf, cm := f.shipped("my-session")
	for k, want := range map[string]string{
		"execution.target":              "kubernetes-session",
		"taskmanager.numberOfTaskSlots": "3",
		"kubernetes.cluster-id":         "my-session",
	} {
		if got, _ := conf.GetString(k); got != want {
			t.Errorf("shipped %s = %q, want %q", k, got, want)
		}
	}
	if _, ok := conf.GetString(config.InternalDeploymentConfigDir.Key()); ok {
		t.Error("the client's conf dir was shipped")
	}
	if cm.Data["log4j-console.properties"] != "rootLogger.level = INFO\n" {
		t.Errorf("log4j-console.properties from the conf dir not shipped: %v", cm.Data)
	}
	if len(f.targets) != 1 || f.targets[0].Config.Host != "https://dev.example:6443" || f.targets[0].Config.UserAgent != "flink" {
		t.Fatalf("connected to %+v", f.targets)
	}
}

func TestSessionTargetIsAlwaysKubernetesSession(t *testing.T) {
	f := newFixture(t)
	f.succeed(f.session("-Dkubernetes.cluster-id=s", "-Dexecution.target=kubernetes-application"))
	if conf, _ := f.shipped("s"); target(conf) != "kubernetes-session" {
		t.Fatalf("target %q", target(conf))
	}
}

func target(c *config.Configuration) string { v, _ := c.GetString("execution.target"); return v }

func TestSessionAttachesWhenTheRESTServiceExists(t *testing.T) {
	f := newFixture(t)
	if _, err := f.kube.CoreV1().Services("default").Create(context.Background(), restService("my-session"), metaCreate); err != nil {
		t.Fatal(err)
	}
	f.succeed(f.session("-Dkubernetes.cluster-id=my-session"))
	if !strings.Contains(f.stdout.String(), "Retrieve flink cluster my-session successfully, JobManager Web Interface: http://my-session-rest.default:8081") {
		t.Fatalf("stdout %q", f.stdout.String())
	}
	if n := f.creates("deployments"); n != 0 {
		t.Fatalf("%d Deployments created while attaching", n)
	}
}

func TestSessionWithoutIDGetsARandomOne(t *testing.T) {
	f := newFixture(t)
	f.succeed(f.session())
	out := f.stdout.String()
	id := strings.Fields(strings.TrimPrefix(out, "Create flink session cluster "))[0]
	if !strings.HasPrefix(id, "flink-cluster-") || len(id) != 45 {
		t.Fatalf("cluster id %q (stdout %q)", id, out)
	}
	if _, ok := f.deployment(id); !ok {
		t.Fatalf("no Deployment %s", id)
	}
}

func TestAttachedSession(t *testing.T) {
	for _, tc := range []struct {
		name       string
		stdin      string
		wantKilled bool
		wantOut    string
		wantErr    string
	}{
		{name: "stop", stdin: "help\nstop\n", wantKilled: true, wantOut: "Stopped Flink session cluster my-session",
			wantErr: "Available commands:\nhelp - show these commands\nstop - stop the kubernetes cluster\nquit - quit attach mode\n"},
		{name: "quit", stdin: "\nquit\nstop\n", wantOut: "Leaving Flink session cluster my-session running."},
		{name: "unknown", stdin: "halt\nquit\n", wantErr: "Unknown command 'halt'. Showing help:\nAvailable commands:"},
		{name: "end of input", stdin: "", wantOut: "End of input: leaving Flink session cluster my-session running"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.stdin = tc.stdin
			f.succeed(f.session("-Dkubernetes.cluster-id=my-session", "-Dexecution.attached=true"))
			if _, exists := f.deployment("my-session"); exists == tc.wantKilled {
				t.Fatalf("Deployment exists: %v, want %v", exists, !tc.wantKilled)
			}
			if !strings.Contains(f.stdout.String(), tc.wantOut) {
				t.Errorf("stdout %q does not contain %q", f.stdout.String(), tc.wantOut)
			}
			if !strings.Contains(f.stderr.String(), tc.wantErr) {
				t.Errorf("stderr %q does not contain %q", f.stderr.String(), tc.wantErr)
			}
		})
	}
}

// TestAttachedSessionEndsWithItsContext: an interrupted attached CLI leaves the
// cluster running and returns although stdin is still open.
func TestAttachedSessionEndsWithItsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		r, w := io.Pipe()
		env := f.env("-Dkubernetes.cluster-id=my-session", "-Dexecution.attached=true")
		env.Stdin = r
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int)
		go func() { done <- cli.KubernetesSession(ctx, env) }()
		if _, err := io.WriteString(w, "help\n"); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("exit code %d: %s", code, f.stderr.String())
		}
		if !strings.Contains(f.stdout.String(), "Interrupted: leaving Flink session cluster my-session running.") {
			t.Fatalf("stdout %q", f.stdout.String())
		}
		if _, ok := f.deployment("my-session"); !ok {
			t.Fatal("the cluster was removed")
		}
		w.Close() // ends the stdin reader
	})
}

func TestSessionBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		vars map[string]string
		want string
	}{
		{name: "positional", args: []string{"my-session"}, want: `unexpected argument "my-session"`},
		{name: "unknown option", args: []string{"--detached"}, want: "Unrecognized option: --detached"},
		{name: "invalid id", args: []string{"-Dkubernetes.cluster-id=My_Cluster"}, want: `kubernetes.cluster-id "My_Cluster" is not a valid DNS-1035 label`},
		{name: "long id", args: []string{"-Dkubernetes.cluster-id=" + strings.Repeat("a", 46)}, want: "must not be longer than 45 characters"},
		{name: "blank id", args: []string{"-Dkubernetes.cluster-id= "}, want: "kubernetes.cluster-id must not be blank"},
		{name: "port range", args: []string{"-Dkubernetes.cluster-id=s", "-Dblob.server.port=50100-50200"}, want: "blob.server.port"},
		{name: "replicas without HA", args: []string{"-Dkubernetes.cluster-id=s", "-Dkubernetes.jobmanager.replicas=2"}, want: "high-availability.type"},
		{name: "missing template", args: []string{"-Dkubernetes.cluster-id=s", "-Dkubernetes.pod-template-file.default=/nope.yaml"}, want: "/nope.yaml"},
		{name: "no conf dir", vars: map[string]string{"HOME": "/home/me"}, want: "the configuration directory was not specified"},
		{name: "no kubeconfig", vars: map[string]string{"FLINK_CONF_DIR": "/opt/flink/conf", "HOME": "/nobody"}, want: "no Kubernetes cluster to talk to"},
		{name: "unknown context", args: []string{"-Dkubernetes.context=prod"}, want: `kubernetes.context "prod" is not a context of the kubeconfig /home/me/.kube/config; its contexts are: dev`},
		{name: "conf dir without config", args: []string{"--conf-dir", "/tmp"}, want: "the Flink configuration directory /tmp has neither config.yaml nor flink-conf.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if tc.vars != nil {
				f.vars = tc.vars
			}
			f.fail(f.session(tc.args...), tc.want)
			if n := f.creates(""); n != 0 {
				t.Fatalf("%d objects created", n)
			}
		})
	}
}

func TestConfDirPrecedence(t *testing.T) {
	f := newFixture(t)
	f.files["/flag/conf/config.yaml"] = distributionConfig + "taskmanager.numberOfTaskSlots: 7\n"
	f.files["/home/flink/conf/flink-conf.yaml"] = "jobmanager.memory.process.size: 1600m\ntaskmanager.memory.process.size: 1728m\ntaskmanager.numberOfTaskSlots: 5\n"
	f.vars["FLINK_HOME"] = "/home/flink"
	f.succeed(f.session("--conf-dir", "/flag/conf", "-Dkubernetes.cluster-id=a"))
	delete(f.vars, "FLINK_CONF_DIR")
	f.succeed(f.session("-Dkubernetes.cluster-id=b"))
	for id, want := range map[string]string{"a": "7", "b": "5"} {
		conf, _ := f.shipped(id)
		if got, _ := conf.GetString("taskmanager.numberOfTaskSlots"); got != want {
			t.Errorf("cluster %s: slots %q, want %q", id, got, want)
		}
	}
}

func TestSessionHelp(t *testing.T) {
	f := newFixture(t)
	f.succeed(f.session("--help"))
	if !strings.Contains(f.stdout.String(), "-D <property=value>") {
		t.Fatalf("help %q", f.stdout.String())
	}
}

// Mirrors KubernetesSessionCliTest#testCommandLineClusterSpecification,
// #testConfigurationClusterSpecification and #testHeapMemoryPropertyWith*: the
// JobManager and TaskManager sizes come from -D over the configuration file, in any
// unit, and a TaskManager specification that cannot be derived fails on the client
// (Flink computes it before deploying), leaving nothing behind.
func TestSessionClusterSpecification(t *testing.T) {
	for _, tc := range []struct {
		name           string
		args           []string
		wantJMRequest  string // memory request of the JobManager container
		wantTMShipped  string // taskmanager.memory.process.size in the shipped config
		wantSlots      string
		wantFailure    string
		withoutTMInDir bool
	}{
		{name: "configuration", wantJMRequest: "1600Mi", wantTMShipped: "1728m", wantSlots: "1"},
		{name: "command line wins", args: []string{"-Djobmanager.memory.process.size=1024m", "-Dtaskmanager.memory.process.size=2048m", "-Dtaskmanager.numberOfTaskSlots=3"},
			wantJMRequest: "1Gi", wantTMShipped: "2048m", wantSlots: "3"},
		{name: "arbitrary unit", args: []string{"-Djobmanager.memory.process.size=1g", "-Dtaskmanager.memory.process.size=3g"},
			wantJMRequest: "1Gi", wantTMShipped: "3g", wantSlots: "1"},
		{name: "TaskManager memory too small", args: []string{"-Dtaskmanager.memory.process.size=100m"},
			wantFailure: "TaskManager memory too small"},
		{name: "no TaskManager memory", withoutTMInDir: true,
			wantFailure: "TaskManager memory is not configured: set taskmanager.memory.process.size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if tc.withoutTMInDir {
				f.files["/opt/flink/conf/config.yaml"] = strings.ReplaceAll(distributionConfig, "taskmanager.memory.process.size: 1728m\n", "")
			}
			code := f.session(append([]string{"-Dkubernetes.cluster-id=spec"}, tc.args...)...)
			if tc.wantFailure != "" {
				f.fail(code, tc.wantFailure)
				if n := f.creates(""); n != 0 {
					t.Fatalf("%d objects created", n)
				}
				return
			}
			f.succeed(code)
			dep, _ := f.deployment("spec")
			if got := dep.Spec.Template.Spec.Containers[0].Resources.Requests.Memory().String(); got != tc.wantJMRequest {
				t.Errorf("JobManager memory request %s, want %s", got, tc.wantJMRequest)
			}
			conf, _ := f.shipped("spec")
			if got, _ := conf.GetString("taskmanager.memory.process.size"); got != tc.wantTMShipped {
				t.Errorf("shipped TaskManager memory %q, want %q", got, tc.wantTMShipped)
			}
			if got, _ := conf.GetString("taskmanager.numberOfTaskSlots"); got != tc.wantSlots {
				t.Errorf("shipped slots %q, want %q", got, tc.wantSlots)
			}
		})
	}
}
