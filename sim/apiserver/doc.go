// Package apiserver is the simulated Kubernetes API server: an object store with the
// semantics of a real kube-apiserver, served to Go code through client-go's fake
// clientset (k8s.io/client-go/kubernetes/fake) by replacing its reactors.
//
// What it models: server-assigned UIDs, creation and deletion timestamps from the
// clock (virtual inside a testing/synctest bubble), generateName with collision retry,
// one monotonic cluster-wide resourceVersion, generation bumps on spec changes,
// optimistic concurrency (409 Conflict on a stale resourceVersion), namespace defaulting
// and existence checks, validation and defaulting of the kinds Flink uses, JSON merge,
// strategic merge and JSON patches, label and field selectors on list and watch, watch
// from a resourceVersion with 410 Gone once that version has left the kept history,
// slow watchers closed instead of blocking the server, finalizers, deletion
// preconditions and propagation policies (the garbage collector is a controller of its
// own, in package sim/gc), status and binding subresources, and a request log.
//
// What it does not model (honestly): server-side apply (rejected with a clear
// error), admission webhooks, custom resources, protobuf/CBOR encodings, and pod logs
// through the typed client (client-go's fake answers GetLogs itself; use the
// cluster's log accessor instead). Objects handed out by watches are shared between
// watchers: treat them as read-only, as with informer caches.
package apiserver
