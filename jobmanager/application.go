package jobmanager

import (
	"context"
	"flinksim/ha"
	"fmt"
	"path"
	"strings"
	"time"

	"flinksim/config"
	"flinksim/flinklog"
	"flinksim/jobjar"
	"flinksim/kubeobjects"
	"flinksim/resourcemanager"
)

const applicationLogger = "org.apache.flink.client.deployment.application.ApplicationDispatcherBootstrap"

// artifactFetchTimeout bounds fetching the application's artifacts.
const artifactFetchTimeout = time.Minute

// loadApplication fetches the artifacts of an application cluster (pipeline.jars and
// user.artifacts.artifact-list) into user.artifacts.base-dir/<namespace>/<cluster-id>
// and reads the job jar's program.
func (jm *JobManager) loadApplication() (jobjar.Descriptor, error) {
	jars, err := config.Get(jm.conf, config.PipelineJars)
	if err != nil {
		return jobjar.Descriptor{}, err
	}
	if len(jars) != 1 {
		return jobjar.Descriptor{}, fmt.Errorf("%s must name exactly one jar in application mode, not %d (%q)", config.PipelineJars.Key(), len(jars), strings.Join(jars, ";"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), artifactFetchTimeout)
	defer cancel()
	base, err := config.Get(jm.conf, config.UserArtifactsBaseDir)
	if err != nil {
		return jobjar.Descriptor{}, err
	}
	ns, _ := kubeobjects.Namespace(jm.conf)
	dir := path.Join(base, ns, jm.clusterID())
	extra, _ := config.Get(jm.conf, config.UserArtifactsArtifactList)
	var program []byte
	for i, uri := range append(append([]string{}, jars...), extra...) {
		data, err := jm.fs.Read(ctx, uri)
		if err != nil {
			return jobjar.Descriptor{}, fmt.Errorf("could not fetch the artifact %s: %w", uri, err)
		}
		if !strings.HasPrefix(uri, "local:") && jm.env.Write != nil {
			target := path.Join(dir, path.Base(uri))
			if err := jm.env.Write(target, data); err != nil {
				return jobjar.Descriptor{}, fmt.Errorf("could not store the artifact %s as %s: %w", uri, target, err)
			}
			jm.entryLog.Info("Fetched the artifact " + uri + " to " + target + ".")
		}
		if i == 0 {
			program = data
		}
	}
	return jobjar.Read(jars[0], program)
}

// runApplication runs the application's job (Flink's ApplicationDispatcherBootstrap)
// and, when it ended and execution.shutdown-on-application-finish is set, shuts the
// cluster down: the resource manager deletes the JobManager Deployment.
func (jm *JobManager) runApplication(ctx context.Context, s *session) {
	log := jm.log.With(flinklog.LoggerKey, applicationLogger)
	d := *jm.application
	id, _, _ := config.GetOptional(jm.conf, config.InternalPipelineJobID)
	if strings.TrimSpace(id) == "" && jm.ha != nil {
		// The job must keep its id across JobManagers (reference §5.1).
		id = ha.FixedJobID(jm.ha.services.HAClusterID()).String()
	}
	if strings.TrimSpace(id) == "" {
		id = jm.ids.Hex32()
	}
	args, _ := config.Get(jm.conf, config.InternalApplicationProgramArgs)
	main, _, _ := config.GetOptional(jm.conf, config.InternalApplicationMain)
	status, diagnostics := ha.JobFailed, ""
	job := resourcemanager.JobID(id)
	var err error
	if prior, ended := jm.priorResult(ctx, job); ended {
		// The job ended under an earlier leader, which did not finish the shutdown.
		status, diagnostics = prior.Status, prior.Failure
		log.Info(fmt.Sprintf("Job %s of the application already reached %s.", job, status))
	} else {
		if s.dispatcher.known(job) {
			log.Info(fmt.Sprintf("Job %s of the application was recovered; waiting for it.", job))
		} else {
			var g *jobGraph
			if g, err = newJobGraph(d, jm.conf, submission{jobID: job, programArgs: args, entryClass: main}); err == nil {
				err = s.dispatcher.submit(g)
			}
			if err == nil {
				log.Info(fmt.Sprintf("Submitted job %s (%s) of the application.", g.name, g.id))
			}
		}
		if err != nil {
			diagnostics = "Application failed unexpectedly: " + err.Error()
			log.Error(diagnostics)
		} else {
			select {
			case <-ctx.Done():
				return
			case <-s.dispatcher.settled(job):
			}
			det, derr := s.dispatcher.details(ctx, job)
			if derr != nil || det.Status == ha.JobSuspended {
				return
			}
			status, diagnostics = det.Status, det.Failure
		}
	}
	if err == nil {
		log.Info(fmt.Sprintf("Application completed %s", map[ha.JobStatus]string{ha.JobFinished: "SUCCESSFULLY", ha.JobCanceled: "with job CANCELED", ha.JobFailed: "with job FAILED"}[status]))
	}
	shutdown, err := config.Get(jm.conf, config.ExecutionShutdownOnApplicationFinish)
	if err != nil || !shutdown {
		log.Info("The cluster keeps running: " + config.ExecutionShutdownOnApplicationFinish.Key() + " is false.")
		return
	}
	appStatus := resourcemanager.ApplicationStatus(applicationStatus(status))
	jm.entryLog.Info(fmt.Sprintf("Shutting %s down with application status %s. Diagnostics %s.", applicationEntrypoint, appStatus, orNull(diagnostics)))
	if err := s.rm.Deregister(ctx, appStatus, diagnostics); err != nil && ctx.Err() == nil {
		jm.entryLog.Error("Could not deregister the application.", "error", err)
		return
	}
	if jm.ha != nil {
		// The graceful shutdown removes the HA data (reference §5.9).
		jm.shutdownCluster(true)
	}
}

// priorResult is the stored result of a job that ended under an earlier leader.
func (jm *JobManager) priorResult(ctx context.Context, job resourcemanager.JobID) (ha.JobResult, bool) {
	if jm.ha == nil {
		return ha.JobResult{}, false
	}
	return jm.ha.result(ctx, job)
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

func (jm *JobManager) clusterID() string {
	id, _ := kubeobjects.ClusterID(jm.conf)
	return id
}
