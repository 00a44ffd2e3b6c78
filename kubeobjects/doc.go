// Package kubeobjects builds the Kubernetes objects of a Flink native-Kubernetes
// cluster exactly as Flink's decorators do: the JobManager Deployment and its pod,
// the internal and REST Services, the ConfigMaps and Secrets that travel with it
// (flink-config-, pod-template-, hadoop-config-, kerberos-*-<cluster-id>), the
// TaskManager pods the resource manager creates, and the owner references that tie
// them all to the JobManager Deployment.
//
// It is shared by the client side (package deployer) and the JobManager's resource
// manager, so that pod-template merging and the configuration-to-object rules exist
// once. It only builds objects: it never talks to an API server. Everything it reads
// from the local machine (pod template files, log configurations, keytabs, Hadoop
// configuration) goes through a ReadFile function and a LookupEnv function the
// caller provides, so a simulated container can supply its own files.
//
// The pod is built the way Flink builds it: a FlinkPod (a pod plus its main
// container, named flink-main-container) starts from an optional pod template and
// passes through a fixed sequence of steps, each of which may change the pod and
// may emit accompanying objects. The JobManager sequence is: init, secrets as env,
// secrets as files, command, internal Service, REST Service, Hadoop, Kerberos,
// Flink configuration, TaskManager pod template. The TaskManager sequence is: init,
// secrets as env, secrets as files, command, Hadoop, Kerberos, Flink configuration.
//
// Deliberate differences from Flink, each documented where it is implemented:
//   - a cluster id that is not a DNS-1035 label is rejected before anything is
//     built (Flink only learns it when the API server refuses the Deployment);
//   - the TaskManager pod template is parsed when the cluster is deployed, so a
//     malformed file is an error on the client instead of a failing JobManager;
//   - BuildJobManager reads every TaskManager option as the resource manager will
//     (Flink's client only derives the TaskManager memory and slots), so a limit
//     factor or toleration that would fail every TaskManager pod fails the deploy;
//   - resource quantities are Kubernetes quantities, so cpu 1.0 is written as "1",
//     1.5 as "1500m" and 2048Mi as "2Gi" (the forms the API server returns for
//     Flink's strings);
//   - map-valued options (environment, secrets, dynamic properties) produce their
//     entries sorted by key, where Flink follows a hash-map order;
//   - a pod template's metadata.namespace other than kubernetes.namespace is dropped
//     with a warning (reference §3.3: what Flink does is unverified; the namespace is
//     authoritative), where it would make the API server refuse every TaskManager pod;
//   - an entry of kubernetes.env.secretKeyRef without env, secret or key is an error
//     naming the option (Flink would create an env var without a name).
package kubeobjects
