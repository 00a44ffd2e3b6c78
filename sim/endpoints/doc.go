// Package endpoints is the simulated cluster's endpoints controller and EndpointSlice
// controller, ordinary client-go controllers as in kube-controller-manager (v1.37), run
// together on one set of informers (Services, pods, nodes, Endpoints, EndpointSlices).
//
// For every Service with a selector (ExternalName ones excepted; Services without a
// selector keep whatever their users write):
//
//   - Endpoints named after the Service, labelled with its labels,
//     endpoints.kubernetes.io/managed-by=endpoint-controller and, for a headless Service,
//     service.kubernetes.io/headless. Ready pods are addresses, the others
//     notReadyAddresses; terminating and finished pods and pods without an IP are left
//     out (publishNotReadyAddresses lists every pod as ready, terminating ones included).
//     Ports are resolved per pod by target port number or container port name (sidecar
//     ports included); ports offered by the same pods share a subset, as RepackSubsets
//     packs them. A deleted Service's Endpoints are deleted.
//   - IPv4 EndpointSlices with generateName "<svc>-", the labels
//     kubernetes.io/service-name and endpointslice.kubernetes.io/managed-by=
//     endpointslice-controller.k8s.io (plus the Service's own and the headless label) and
//     a controller owner reference to the Service (blockOwnerDeletion), so the garbage
//     collector removes them with it. Every pod with an IP that has not finished is an
//     endpoint with the conditions ready (serving and not terminating, or
//     publishNotReadyAddresses), serving (the pod's Ready condition) and terminating,
//     its node, zone (the node's topology.kubernetes.io/zone) and hostname (when the pod's
//     subdomain is the Service). Endpoints are grouped by port set, at most
//     MaxEndpointsPerSlice (100) per slice; a Service without endpoints keeps one empty
//     slice; existing slices are reused and only written when they differ.
//
// Decisions are pure functions (DesiredEndpoints, DesiredSlices, PlanSlices); the
// controllers are a thin shell that reads caches and writes. Reads use
// kube-controller-manager's identity, writes the controllers' own service accounts.
//
// Not modelled: the endpoints.kubernetes.io/last-change-trigger-time annotation, the
// 1000-address truncation of Endpoints (endpoints.kubernetes.io/over-capacity), dual
// stack (IPv6 slices), topology hints and traffic distribution, the EndpointSlice
// mirroring controller (user-written Endpoints of selector-less Services are not copied
// into slices; the service proxy reads slices, so such a Service needs slices of its
// own), the real reconciler's churn-minimising placement of endpoints into slices, and
// events.
package endpoints
