// Package cli is the two command-line clients of Flink's native Kubernetes
// integration, as functions that the thin mains in cmd/ call and tests drive:
//
//	flink run|run-application|list|cancel   (Flink's bin/flink)
//	kubernetes-session                       (Flink's bin/kubernetes-session.sh)
//
// Both follow Flink's flags: -D<key>=<value> and -D <key>=<value> set any option,
// -t/--target picks the deployment target, and the configuration directory (its
// config.yaml or legacy flink-conf.yaml, and the log4j-console.properties /
// logback-console.xml the deployer ships) comes from --conf-dir, else FLINK_CONF_DIR,
// else $FLINK_HOME/conf. Precedence, lowest first: the configuration file, -t, -D, the
// program options of run (-p, -d, -s, -n, -C, the jar), as in Flink.
//
// The Kubernetes cluster is the one the kubeconfig names (package kubeclient:
// --kubeconfig, kubernetes.config.file, KUBECONFIG, ~/.kube/config, in-cluster;
// kubernetes.context, kubernetes.namespace, kubernetes.client.user-agent,
// kubernetes.max.concurrent.requests). Every outside dependency — arguments,
// standard streams, environment variables, files, the Kubernetes client, the HTTP
// client for the JobManager's REST API, the remote file system for artifact uploads,
// randomness, the time zone — comes in through Env, so tests and scenarios run the
// very same code over the simulated cluster and network.
//
// kubernetes-session deploys a session cluster, or attaches to it when Service
// <cid>-rest exists; it is detached by default. With execution.attached=true it reads
// commands from stdin: stop (kill the cluster and exit), quit (exit, leave the cluster
// running), help; anything else prints the help. Where Flink polls stdin every 3 s,
// this reads it as lines arrive; at the end of stdin it leaves like quit (Flink would
// keep polling forever).
//
// flink run --target kubernetes-application deploys an application cluster for the
// job jar (local:///… inside the image, a remote URI, or with
// kubernetes.artifacts.local-upload-enabled a local file uploaded through
// Env.Artifacts). flink run --target kubernetes-session submits a local jar to a
// running session cluster through its REST API (POST /jars/upload, then
// POST /jars/<id>/run) — Flink's own client compiles the job graph locally and posts
// it to /jobs instead, which a Go client cannot do; the jar API is the one Flink's web
// UI uses. Without -d it waits for the job's result. flink list and flink cancel
// <jobId> use GET /jobs/overview and PATCH /jobs/<id>?mode=cancel on the cluster's
// REST endpoint (-t kubernetes-session|kubernetes-application with
// kubernetes.cluster-id, or -m host:port / rest.address for target remote).
//
// Errors say what was wrong and what to do, and the exit code is 1, as Flink's.
package cli
