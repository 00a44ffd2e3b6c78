// Package namespace is the simulated cluster's namespace controller, an ordinary
// client-go controller (it runs against a real kube-apiserver too). It follows the real
// controller: a namespace being deleted is Terminating; the controller deletes its
// content, pods first, with background propagation (DeleteCollection per resource),
// reports what remains in the namespace's status conditions (NamespaceContentRemaining,
// NamespaceFinalizersRemaining, …), comes back after an estimate while pods terminate or
// finalizers hold content, and once the namespace is empty removes the "kubernetes"
// finalizer through the namespaces/finalize subresource, which lets the API server
// delete the namespace.
//
// It works on the namespaced resources the simulator serves (a real controller finds
// them by discovery), and, as the real one, starts on a namespace a few seconds after its
// deletion was seen, so that content created at the last moment is not missed.
package namespace
