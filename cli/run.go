package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"flinksim/config"
	"flinksim/deployer"
	"flinksim/flinkrest"
)

var (
	optClass       = option{short: "c", long: "class", arg: "classname", help: "Class with the program entry point (\"main()\" method); only needed if the jar does not name it in its manifest."}
	optClasspath   = option{short: "C", long: "classpath", arg: "url", help: "Adds a URL to each user code classloader on all nodes in the cluster (pipeline.classpaths); may be given many times."}
	optDetached    = option{short: "d", long: "detached", help: "Run the job in detached mode: do not wait for its result."}
	optNonRestored = option{short: "n", long: "allowNonRestoredState", help: "Allow to skip savepoint state that cannot be restored."}
	optParallel    = option{short: "p", long: "parallelism", arg: "parallelism", help: "The parallelism of the program (parallelism.default)."}
	optSavepoint   = option{short: "s", long: "fromSavepoint", arg: "savepointPath", help: "Path to a savepoint to restore the job from (execution.state-recovery.path)."}
	optClaimMode   = option{short: "cm", long: "claimMode", arg: "arg", help: "How to claim the savepoint's files: CLAIM or NO_CLAIM (execution.state-recovery.claim-mode)."}
	optRestoreMode = option{short: "rm", long: "restoreMode", arg: "arg", help: "Deprecated: use -cm."}
	optSAE         = option{short: "sae", long: "shutdownOnAttachedExit", help: "In attached mode, cancel the job when the client is interrupted."}
	optJarFile     = option{short: "j", long: "jarfile", arg: "jarfile", help: "Flink program JAR file."}
	optPython      = option{short: "py", long: "python", arg: "pythonFile", help: "Python script with the program entry point (application mode)."}
	optPyModule    = option{short: "pym", long: "pyModule", arg: "pythonModule", help: "Python module with the program entry point (application mode)."}
	runOptions     = append([]option{optClass, optClasspath, optDetached, optNonRestored, optParallel, optSavepoint,
		optClaimMode, optRestoreMode, optSAE, optJarFile, optPython, optPyModule}, commonOptions...)
)

// Options set by run's program options (Flink 2.0 keys).
var (
	parallelismDefault     = config.IntOption("parallelism.default")
	stateRecoveryPath      = config.StringOption("execution.state-recovery.path")
	stateRecoveryIgnore    = config.BoolOption("execution.state-recovery.ignore-unclaimed-state")
	stateRecoveryClaimMode = config.StringOption("execution.state-recovery.claim-mode")
	shutdownOnAttachedExit = config.BoolOption("execution.shutdown-on-attached-exit")
	pythonDriverClass      = "org.apache.flink.client.python.PythonDriver"
)

// program is what run was asked to run.
type program struct {
	jar        string // as given
	args       []string
	class      string
	python     []string // -py/-pym and their value
	detached   bool
	parallel   int
	savepoint  string
	nonRestore bool
	claimMode  string
	sae        bool
}

// run is `flink run` (and `flink run-application`, which insists on application
// mode).
func (c *command) run(ctx context.Context, in []string, application bool) error {
	a, err := parseArgs(in, runOptions, true)
	if err != nil {
		return err
	}
	if a.has(optHelp) {
		fmt.Fprintln(c.env.Stdout, "Action \"run\" compiles and runs a program.\n\n  Syntax: run [OPTIONS] <jar-file> <arguments>\n  \"run\" action options:")
		printOptions(c.env.Stdout, runOptions)
		return nil
	}
	p, err := readProgram(a)
	if err != nil {
		return err
	}
	conf, err := c.configuration(a)
	if err != nil {
		return err
	}
	if application {
		switch t := target(conf); t {
		case "":
			config.Set(conf, config.ExecutionTarget, string(config.DeploymentTargetApplication))
		case string(config.DeploymentTargetApplication):
		default:
			return usagef("run-application runs in application mode: the target must be kubernetes-application, not %q", t)
		}
	}
	// Program options win over -D, as in Flink.
	config.Set(conf, config.ExecutionAttached, !p.detached)
	if p.parallel > 0 {
		config.Set(conf, parallelismDefault, p.parallel)
	}
	if p.savepoint != "" {
		config.Set(conf, stateRecoveryPath, p.savepoint)
		config.Set(conf, stateRecoveryIgnore, p.nonRestore)
		if p.claimMode != "" {
			config.Set(conf, stateRecoveryClaimMode, p.claimMode)
		}
	}
	if cp := a.all(optClasspath); len(cp) > 0 {
		config.Set(conf, config.PipelineClasspaths, cp)
	}
	if p.sae {
		config.Set(conf, shutdownOnAttachedExit, true)
	}
	t := target(conf)
	if err := checkTarget(t); err != nil {
		return err
	}
	if t == string(config.DeploymentTargetApplication) {
		return c.runApplication(ctx, conf, a, p)
	}
	return c.submit(ctx, conf, a, p)
}

func readProgram(a *args) (*program, error) {
	p := &program{
		jar: a.value(optJarFile), class: a.value(optClass), detached: a.has(optDetached),
		savepoint: a.value(optSavepoint), nonRestore: a.has(optNonRestored), sae: a.has(optSAE),
		claimMode: a.value(optClaimMode),
	}
	if p.claimMode == "" {
		p.claimMode = a.value(optRestoreMode)
	}
	if py := a.value(optPython); py != "" {
		p.python = []string{"-py", py}
	} else if pym := a.value(optPyModule); pym != "" {
		p.python = []string{"-pym", pym}
	}
	p.args = a.positional
	if p.jar == "" && p.python == nil {
		if len(a.positional) == 0 {
			return nil, usagef("Java program should be specified a JAR file: flink run [OPTIONS] <jar-file> <arguments>")
		}
		p.jar, p.args = a.positional[0], a.positional[1:]
	}
	if s := a.value(optParallel); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, usagef("The parallelism must be a positive number: %s", s)
		}
		p.parallel = n
	}
	return p, nil
}

// jarURI is the jar as a URI: a URI stays as it is, a plain path becomes a file://
// URI of its absolute path (as Flink resolves it).
func (c *command) jarURI(jar string) (string, error) {
	if u, err := url.Parse(jar); err == nil && len(u.Scheme) > 1 {
		return jar, nil
	}
	p := jar
	if !filepath.IsAbs(p) {
		wd, err := c.env.Getwd()
		if err != nil {
			return "", fmt.Errorf("cannot make the jar path %q absolute: %w", jar, err)
		}
		p = filepath.Join(wd, p)
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String(), nil
}

// runApplication deploys an application cluster whose JobManager runs the program.
func (c *command) runApplication(ctx context.Context, conf *config.Configuration, a *args, p *program) error {
	app := deployer.ApplicationConfiguration{ProgramArguments: p.args, ApplicationClassName: p.class}
	if p.python != nil {
		app.ApplicationClassName = pythonDriverClass
		app.ProgramArguments = append(append([]string{}, p.python...), p.args...)
	}
	if p.jar != "" {
		uri, err := c.jarURI(p.jar)
		if err != nil {
			return err
		}
		config.Set(conf, config.PipelineJars, []string{uri})
	}
	k, err := c.cluster(conf, a)
	if err != nil {
		return err
	}
	client, err := k.DeployApplicationCluster(ctx, app)
	if err != nil {
		return k.explain(err)
	}
	fmt.Fprintf(c.env.Stdout, "Create flink application cluster %s successfully, JobManager Web Interface: %s\n",
		client.ClusterID, client.WebURL)
	return nil
}

// submit runs a jar on a running cluster through its REST API: upload, run and,
// unless detached, wait for the result.
func (c *command) submit(ctx context.Context, conf *config.Configuration, a *args, p *program) error {
	if p.python != nil {
		return usagef("Python programs can only be run in application mode by this client: add -t kubernetes-application")
	}
	local := p.jar
	if u, err := url.Parse(p.jar); err == nil && len(u.Scheme) > 1 {
		if u.Scheme != "file" {
			return usagef("the job jar %q must be a local file to be submitted to a session cluster "+
				"(remote and local:// jars are for application mode, -t kubernetes-application)", p.jar)
		}
		local = u.Path
	}
	jar, err := c.env.ReadFile(local)
	if err != nil {
		if errIsNotExist(err) {
			return fmt.Errorf("the job jar %s does not exist: give the path of a jar file: %w", local, err)
		}
		return fmt.Errorf("cannot read the job jar %s: %w", local, err)
	}
	client, err := c.endpoint(ctx, conf, a)
	if err != nil {
		return err
	}
	jarID, err := client.UploadJar(ctx, path.Base(filepath.ToSlash(local)), jar)
	if err != nil {
		return restFailure("upload the job jar "+local, client, err)
	}
	jobID, err := client.RunJar(ctx, jarID, flinkrest.RunJarRequest{
		EntryClass:            p.class,
		ProgramArgsList:       p.args,
		Parallelism:           p.parallel,
		SavepointPath:         p.savepoint,
		AllowNonRestoredState: p.nonRestore,
		ClaimMode:             p.claimMode,
		FlinkConfiguration:    a.dynamic.ToMap(),
	})
	if err != nil {
		return restFailure("run the job jar "+local, client, err)
	}
	fmt.Fprintf(c.env.Stdout, "Job has been submitted with JobID %s\n", jobID)
	if p.detached {
		return nil
	}
	res, err := client.WaitJobResult(ctx, jobID)
	if err != nil {
		if ctx.Err() != nil && p.sae {
			cancelCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if cerr := client.CancelJob(cancelCtx, jobID); cerr != nil {
				return fmt.Errorf("interrupted while waiting for job %s, and cancelling it failed: %w", jobID, cerr)
			}
			fmt.Fprintf(c.env.Stdout, "Cancelled job %s (shutdown on attached exit).\n", jobID)
			return errors.New("interrupted while waiting for the job's result")
		}
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted while waiting for the result of job %s; the job keeps running on the cluster "+
				"(flink cancel %s stops it; run with -sae to cancel the job when the client is interrupted)", jobID, jobID)
		}
		return restFailure("get the result of job "+jobID, client, err)
	}
	fmt.Fprintf(c.env.Stdout, "Program execution finished\nJob with JobID %s has finished.\nJob Runtime: %d ms\n", res.ID, res.NetRuntime)
	if res.ApplicationStatus != "SUCCEEDED" {
		cause := ""
		if res.FailureCause != nil {
			cause = ": " + strings.SplitN(res.FailureCause.StackTrace, "\n", 2)[0]
		}
		return fmt.Errorf("job %s ended %s%s", jobID, res.ApplicationStatus, cause)
	}
	return nil
}
