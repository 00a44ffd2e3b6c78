// Package kubeserver serves a simulated API server (flinksim/sim/apiserver) as a
// Kubernetes API endpoint over HTTP or HTTPS on loopback, for kubectl and client-go:
// discovery (/api, /apis, group versions, /version, the OpenAPI v3 index kubectl
// reads for field validation), get/list/watch/create/update/patch/delete with the
// options of the real API, the status, scale, binding, eviction, finalize and log
// subresources, server-side printing (the meta.k8s.io Table of kubectl get) and
// PartialObjectMetadata, access and identity reviews (kubectl auth can-i, whoami),
// bearer-token authentication and Impersonate-User.
//
// It is a thin REST layer, not k8s.io/apiserver: each HTTP request becomes the
// client-go testing.Action the simulated API server already answers for in-process
// clients, so one implementation of the API semantics (validation, defaulting,
// conflicts, selectors, patches and server-side apply, finalizers, propagation,
// RBAC, faults) serves both. What it does not serve: protobuf and CBOR (JSON only),
// aggregated discovery (clients fall back to the per-group documents), OpenAPI
// schemas (kubectl explain), dry run (refused), and the streaming subresources exec,
// attach and portforward (flinksim forwards Service ports itself).
package kubeserver
