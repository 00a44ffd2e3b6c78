// Package deployer is Flink's client side for native Kubernetes: the cluster descriptor
// that deploys session and application clusters, attaches to them (their REST
// endpoint) and kills them. The objects themselves are built by package kubeobjects,
// which the JobManager's resource manager shares.
//
// It talks to Kubernetes only through kubernetes.Interface, so the same code runs on
// the simulated cluster, on a real kube-apiserver (envtest) and on a real cluster.
//
// A deploy follows Flink (reference §1.7): build every object, create the JobManager
// Deployment, stamp the UID the API server gave it on every other object as their
// owner, create-or-replace those, then report the REST endpoint (§1.8). A failure
// while creating deletes the Deployment again (background propagation), so the
// garbage collector removes whatever was created; the error names the cluster id and
// the cause. Errors of the API server are wrapped with %w and say what to do.
//
// As Flink's client, a deploy derives the TaskManager process specification (memory,
// slots) before it creates anything, so a TaskManager memory that is missing or
// inconsistent fails on the client; flinksim also checks the other TaskManager options
// there (limit factors, tolerations), which Flink's resource manager reads only later.
//
// Deliberate differences from Flink:
//   - a cluster id that is not a DNS-1035 label is refused by New, before anything
//     is sent to the API server;
//   - when creating the Deployment fails because one of that name exists, Flink's
//     cleanup deletes that (someone else's) Deployment; flinksim leaves it alone and
//     says so. Likewise nothing is deleted when the API server certainly refused the
//     create (a 4xx answer); after an ambiguous failure (timeout, 5xx, lost
//     connection) the Deployment is deleted, since the create may have been committed;
//   - DeploySessionCluster sets execution.target to kubernetes-session when it is
//     unset and refuses any other target (Flink would start a session entrypoint with
//     the other target's start script);
//   - endpoint host names are not resolved (Flink resolves NodePort and LoadBalancer
//     addresses once to fail fast); a NodePort Service without an allocated node port
//     has no endpoint yet;
//   - local artifacts are uploaded through an ArtifactStore given in Options (Flink
//     uses its file systems); without one, an upload is refused with an error.
package deployer
