// Package apiserver is the simulated Kubernetes API server: an object store with the
// semantics of a real kube-apiserver, served to Go code through client-go's fake
// clientset (k8s.io/client-go/kubernetes/fake) by replacing its reactors.
//
// What it models, after the real registry (k8s.io/apiserver's generic store and the
// per-kind strategies of k8s.io/kubernetes, v1.37): server-assigned UIDs, creation and
// deletion timestamps from the clock (virtual inside a testing/synctest bubble), times
// at the precision they have on the wire, generateName (cut to fit 63 characters) with
// collision retry, one monotonic cluster-wide resourceVersion, metadata.generation per
// kind (a Deployment's annotations count like its spec), optimistic concurrency (409
// Conflict on a stale resourceVersion; Leases require one), create on update where the
// kind allows it (Leases, Services, Endpoints, Events, RBAC objects), what the main
// resource and the status subresource may each change, namespace defaulting, existence
// and termination, validation and defaulting of the kinds Flink uses in the real error
// format, JSON merge, strategic merge and JSON patches, server-side apply (with the real
// field manager: create on apply, fieldManager required, conflicts between managers),
// label and field selectors on list and watch with the real per-kind field labels, watch
// from a resourceVersion with 410 Expired once that version has left the kept history
// (which starts where StartWatchHistory says), slow watchers closed instead of blocking
// the server (one whose buffer is full and that takes no event for 100 ms of the
// server's clock, virtual in a synctest bubble), finalizers, graceful pod deletion,
// deletion preconditions and propagation policies (the garbage collector and the
// namespace controller are controllers of their own), the status, scale, binding, eviction and finalize subresources, authorization
// through an Authorizer (system:masters always passes; denials worded as the real
// server words them), the DefaultTolerationSeconds admission plugin (pods created or
// updated without a toleration of the not-ready and unreachable NoExecute taints get one
// for 300 s; admission.go), and a request log (with what faults injected).
//
// Clients (Clientset) behave as client-go's rest client does towards a real server: a
// request whose context has ended is not sent (the caller gets the context's error as it
// is); one whose context ends while a fault holds it fails with the *url.Error client-go
// returns and is not served; a watch ends with an ERROR event when its context does; 429
// and 5xx answers with Retry-After are retried up to ten times after the delay they ask
// for; a fault's transport failure (a refused connection) reaches the caller as a
// *url.Error naming the request's method and URL. The typed clients of the stored
// resources (zz_generated_clients.go, written by internal/clientgen: `go generate`) send
// each call through a client-go fake made for that call alone, so calls share no lock —
// a fault that holds one request holds no other, and in a synctest bubble a held request
// is durably blocked — and no recorded actions pile up.
//
// Faults (Fault, WatchFault; the catalogue is flinksim/sim/faults) run in the caller's
// goroutine before the request is served; DropWatches, FailWatches and ExpireWatches
// strike the open watches.
//
// What it does not model (honestly): admission webhooks and the admission plugins other
// than DefaultTolerationSeconds (ServiceAccount token volumes, Priority, PodSecurity…),
// custom resources, protobuf/CBOR encodings, dry run, managedFields of objects that
// server-side apply never touched (the real server tracks every write; the simulator
// starts tracking at the first apply, which keeps plain creates and updates cheap),
// and pod logs through the typed client beyond what the log source provides. Objects
// handed out by watches and by Object/Objects are shared: treat them as read-only, as
// with informer caches.
package apiserver
