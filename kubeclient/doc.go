// Package kubeclient is Flink's Kubernetes client configuration (reference §1.10):
// which API server to talk to, as whom, in which namespace, with which User-Agent and
// how many requests at once. The CLIs use it; a JobManager on a real cluster can too.
//
// Which cluster, in this order:
//
//  1. an explicit kubeconfig (the CLIs' --kubeconfig flag), then
//     kubernetes.config.file — a file that cannot be read is an error;
//  2. the files of the KUBECONFIG environment variable (missing ones are skipped,
//     and where several set the same entry the first wins, as kubectl merges them);
//  3. ~/.kube/config;
//  4. the in-cluster service account (KUBERNETES_SERVICE_HOST is set).
//
// kubernetes.context picks the context (default: the kubeconfig's current-context).
// The namespace is kubernetes.namespace (default "default"); as in Flink, the
// kubeconfig's namespace is not used.
//
// How to talk to it:
//
//   - User-Agent: kubernetes.client.user-agent (default "flink").
//   - Request limits. Flink's fabric8 client is tuned by the fabric8 setting
//     kubernetes.max.concurrent.requests, given to Flink's processes as the
//     environment variable KUBERNETES_MAX_CONCURRENT_REQUESTS (the Flink docs'
//     example: containerized.master.env.KUBERNETES_MAX_CONCURRENT_REQUESTS: 200 for
//     the JobManager). flinksim reads the same setting: the Flink option
//     kubernetes.max.concurrent.requests (config.yaml or -D) wins over the
//     environment variable; the default is fabric8's, 64. client-go has no such knob,
//     so the value N becomes both a cap of N requests in flight at once (watches,
//     which stay open, are not counted) and client-go's token-bucket rate limit
//     (QPS N, burst N).
//
// Connection failures (refused, unknown host, timeout, untrusted certificate) are
// turned into plain words with the fix by Explain; refusals by the API server itself
// (Forbidden, a missing namespace) are explained where the request is made (package
// deployer).
package kubeclient
