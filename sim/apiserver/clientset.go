package apiserver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/kubernetes/scheme"
	appsv1client "k8s.io/client-go/kubernetes/typed/apps/v1"
	coordinationv1client "k8s.io/client-go/kubernetes/typed/coordination/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	discoveryv1client "k8s.io/client-go/kubernetes/typed/discovery/v1"
	rbacv1client "k8s.io/client-go/kubernetes/typed/rbac/v1"
	restclient "k8s.io/client-go/rest"
	fakerest "k8s.io/client-go/rest/fake"
)

// clientset is client-go's fake clientset with the few places where the fake itself
// answers instead of asking its reactors: it panics on a malformed label or field
// selector (a real server answers 400 Bad Request), and it serves pod logs without
// saying which pod. The wrapper checks selectors first and serves logs from the
// server's log source.
type clientset struct {
	*fake.Clientset
	server *Server
	user   string
}

var _ kubernetes.Interface = (*clientset)(nil)

// Fake returns the underlying fake clientset (for its recorded actions).
func (c *clientset) Fake() *fake.Clientset { return c.Clientset }

func (c *clientset) CoreV1() corev1client.CoreV1Interface {
	return coreV1{CoreV1Interface: c.Clientset.CoreV1(), c: c}
}

func (c *clientset) AppsV1() appsv1client.AppsV1Interface {
	return appsV1{AppsV1Interface: c.Clientset.AppsV1()}
}

func (c *clientset) CoordinationV1() coordinationv1client.CoordinationV1Interface {
	return coordinationV1{CoordinationV1Interface: c.Clientset.CoordinationV1()}
}

func (c *clientset) DiscoveryV1() discoveryv1client.DiscoveryV1Interface {
	return discoveryV1{DiscoveryV1Interface: c.Clientset.DiscoveryV1()}
}

func (c *clientset) RbacV1() rbacv1client.RbacV1Interface {
	return rbacV1{RbacV1Interface: c.Clientset.RbacV1()}
}

// checkSelectors answers a malformed selector as the real server does.
func checkSelectors(opts metav1.ListOptions) error {
	if _, err := labels.Parse(opts.LabelSelector); err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("unable to parse requested label selector %q: %v", opts.LabelSelector, err))
	}
	if _, err := fields.ParseSelector(opts.FieldSelector); err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("invalid field selector %q: %v", opts.FieldSelector, err))
	}
	return nil
}

func guardedList[L any](ctx context.Context, o metav1.ListOptions, list func(context.Context, metav1.ListOptions) (L, error)) (L, error) {
	if err := checkSelectors(o); err != nil {
		var zero L
		return zero, err
	}
	return list(ctx, o)
}

func guardedWatch(ctx context.Context, o metav1.ListOptions, w func(context.Context, metav1.ListOptions) (watch.Interface, error)) (watch.Interface, error) {
	if err := checkSelectors(o); err != nil {
		return nil, err
	}
	return w(ctx, o)
}

func guardedDeleteCollection(ctx context.Context, d metav1.DeleteOptions, o metav1.ListOptions, del func(context.Context, metav1.DeleteOptions, metav1.ListOptions) error) error {
	if err := checkSelectors(o); err != nil {
		return err
	}
	return del(ctx, d, o)
}

// The typed clients of the resources the server stores, each with guarded selectors.

type coreV1 struct {
	corev1client.CoreV1Interface
	c *clientset
}

type appsV1 struct{ appsv1client.AppsV1Interface }
type coordinationV1 struct {
	coordinationv1client.CoordinationV1Interface
}
type discoveryV1 struct {
	discoveryv1client.DiscoveryV1Interface
}
type rbacV1 struct{ rbacv1client.RbacV1Interface }

type pods struct {
	corev1client.PodInterface
	c  *clientset
	ns string
}

func (g coreV1) Pods(ns string) corev1client.PodInterface {
	return pods{PodInterface: g.CoreV1Interface.Pods(ns), c: g.c, ns: ns}
}
func (x pods) List(ctx context.Context, o metav1.ListOptions) (*corev1.PodList, error) {
	return guardedList(ctx, o, x.PodInterface.List)
}
func (x pods) Watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return guardedWatch(ctx, o, x.PodInterface.Watch)
}
func (x pods) DeleteCollection(ctx context.Context, d metav1.DeleteOptions, o metav1.ListOptions) error {
	return guardedDeleteCollection(ctx, d, o, x.PodInterface.DeleteCollection)
}

// GetLogs serves the pod's log from the server's log source through a REST request,
// as a real client receives it.
func (x pods) GetLogs(name string, opts *corev1.PodLogOptions) *restclient.Request {
	logs, err := x.c.server.podLogs(x.c.user, x.ns, name, opts)
	client := &fakerest.RESTClient{
		Client: fakerest.CreateHTTPClient(func(*http.Request) (*http.Response, error) {
			if err != nil {
				if st, ok := err.(apierrors.APIStatus); ok {
					return &http.Response{StatusCode: int(st.Status().Code), Header: http.Header{"Content-Type": []string{"text/plain"}},
						Body: io.NopCloser(bytes.NewReader([]byte(st.Status().Message)))}, nil
				}
				return nil, err
			}
			return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(bytes.NewReader(logs))}, nil
		}),
		NegotiatedSerializer: scheme.Codecs.WithoutConversion(),
		GroupVersion:         corev1.SchemeGroupVersion,
		VersionedAPIPath:     fmt.Sprintf("/api/v1/namespaces/%s/pods/%s/log", x.ns, name),
	}
	return client.Request()
}

type services struct{ corev1client.ServiceInterface }

func (g coreV1) Services(ns string) corev1client.ServiceInterface {
	return services{g.CoreV1Interface.Services(ns)}
}
func (x services) List(ctx context.Context, o metav1.ListOptions) (*corev1.ServiceList, error) {
	return guardedList(ctx, o, x.ServiceInterface.List)
}
func (x services) Watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return guardedWatch(ctx, o, x.ServiceInterface.Watch)
}

type configMaps struct {
	corev1client.ConfigMapInterface
}

func (g coreV1) ConfigMaps(ns string) corev1client.ConfigMapInterface {
	return configMaps{g.CoreV1Interface.ConfigMaps(ns)}
}
func (x configMaps) List(ctx context.Context, o metav1.ListOptions) (*corev1.ConfigMapList, error) {
	return guardedList(ctx, o, x.ConfigMapInterface.List)
}
func (x configMaps) Watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return guardedWatch(ctx, o, x.ConfigMapInterface.Watch)
}
func (x configMaps) DeleteCollection(ctx context.Context, d metav1.DeleteOptions, o metav1.ListOptions) error {
	return guardedDeleteCollection(ctx, d, o, x.ConfigMapInterface.DeleteCollection)
}

type secrets struct{ corev1client.SecretInterface }

func (g coreV1) Secrets(ns string) corev1client.SecretInterface {
	return secrets{g.CoreV1Interface.Secrets(ns)}
}
func (x secrets) List(ctx context.Context, o metav1.ListOptions) (*corev1.SecretList, error) {
	return guardedList(ctx, o, x.SecretInterface.List)
}
func (x secrets) Watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return guardedWatch(ctx, o, x.SecretInterface.Watch)
}
func (x secrets) DeleteCollection(ctx context.Context, d metav1.DeleteOptions, o metav1.ListOptions) error {
	return guardedDeleteCollection(ctx, d, o, x.SecretInterface.DeleteCollection)
}

type endpoints struct {
	corev1client.EndpointsInterface
}

func (g coreV1) Endpoints(ns string) corev1client.EndpointsInterface {
	return endpoints{g.CoreV1Interface.Endpoints(ns)}
}
func (x endpoints) List(ctx context.Context, o metav1.ListOptions) (*corev1.EndpointsList, error) {
	return guardedList(ctx, o, x.EndpointsInterface.List)
}
func (x endpoints) Watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return guardedWatch(ctx, o, x.EndpointsInterface.Watch)
}
func (x endpoints) DeleteCollection(ctx context.Context, d metav1.DeleteOptions, o metav1.ListOptions) error {
	return guardedDeleteCollection(ctx, d, o, x.EndpointsInterface.DeleteCollection)
}

type serviceAccounts struct {
	corev1client.ServiceAccountInterface
}

func (g coreV1) ServiceAccounts(ns string) corev1client.ServiceAccountInterface {
	return serviceAccounts{g.CoreV1Interface.ServiceAccounts(ns)}
}
func (x serviceAccounts) List(ctx context.Context, o metav1.ListOptions) (*corev1.ServiceAccountList, error) {
	return guardedList(ctx, o, x.ServiceAccountInterface.List)
}
func (x serviceAccounts) Watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return guardedWatch(ctx, o, x.ServiceAccountInterface.Watch)
}
func (x serviceAccounts) DeleteCollection(ctx context.Context, d metav1.DeleteOptions, o metav1.ListOptions) error {
	return guardedDeleteCollection(ctx, d, o, x.ServiceAccountInterface.DeleteCollection)
}

type namespaces struct {
	corev1client.NamespaceInterface
}

func (g coreV1) Namespaces() corev1client.NamespaceInterface {
	return namespaces{g.CoreV1Interface.Namespaces()}
}
func (x namespaces) List(ctx context.Context, o metav1.ListOptions) (*corev1.NamespaceList, error) {
	return guardedList(ctx, o, x.NamespaceInterface.List)
}
func (x namespaces) Watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return guardedWatch(ctx, o, x.NamespaceInterface.Watch)
}

type nodes struct{ corev1client.NodeInterface }

func (g coreV1) Nodes() corev1client.NodeInterface { return nodes{g.CoreV1Interface.Nodes()} }
func (x nodes) List(ctx context.Context, o metav1.ListOptions) (*corev1.NodeList, error) {
	return guardedList(ctx, o, x.NodeInterface.List)
}
func (x nodes) Watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return guardedWatch(ctx, o, x.NodeInterface.Watch)
}
func (x nodes) DeleteCollection(ctx context.Context, d metav1.DeleteOptions, o metav1.ListOptions) error {
	return guardedDeleteCollection(ctx, d, o, x.NodeInterface.DeleteCollection)
}

type events struct{ corev1client.EventInterface }

func (g coreV1) Events(ns string) corev1client.EventInterface {
	return events{g.CoreV1Interface.Events(ns)}
}
func (x events) List(ctx context.Context, o metav1.ListOptions) (*corev1.EventList, error) {
	return guardedList(ctx, o, x.EventInterface.List)
}
func (x events) Watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return guardedWatch(ctx, o, x.EventInterface.Watch)
}
func (x events) DeleteCollection(ctx context.Context, d metav1.DeleteOptions, o metav1.ListOptions) error {
	return guardedDeleteCollection(ctx, d, o, x.EventInterface.DeleteCollection)
}

type deployments struct {
	appsv1client.DeploymentInterface
}

func (g appsV1) Deployments(ns string) appsv1client.DeploymentInterface {
	return deployments{g.AppsV1Interface.Deployments(ns)}
}
func (x deployments) List(ctx context.Context, o metav1.ListOptions) (*appsv1.DeploymentList, error) {
	return guardedList(ctx, o, x.DeploymentInterface.List)
}
func (x deployments) Watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return guardedWatch(ctx, o, x.DeploymentInterface.Watch)
}
func (x deployments) DeleteCollection(ctx context.Context, d metav1.DeleteOptions, o metav1.ListOptions) error {
	return guardedDeleteCollection(ctx, d, o, x.DeploymentInterface.DeleteCollection)
}

type replicaSets struct {
	appsv1client.ReplicaSetInterface
}

func (g appsV1) ReplicaSets(ns string) appsv1client.ReplicaSetInterface {
	return replicaSets{g.AppsV1Interface.ReplicaSets(ns)}
}
func (x replicaSets) List(ctx context.Context, o metav1.ListOptions) (*appsv1.ReplicaSetList, error) {
	return guardedList(ctx, o, x.ReplicaSetInterface.List)
}
func (x replicaSets) Watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return guardedWatch(ctx, o, x.ReplicaSetInterface.Watch)
}
func (x replicaSets) DeleteCollection(ctx context.Context, d metav1.DeleteOptions, o metav1.ListOptions) error {
	return guardedDeleteCollection(ctx, d, o, x.ReplicaSetInterface.DeleteCollection)
}

type leases struct {
	coordinationv1client.LeaseInterface
}

func (g coordinationV1) Leases(ns string) coordinationv1client.LeaseInterface {
	return leases{g.CoordinationV1Interface.Leases(ns)}
}
func (x leases) List(ctx context.Context, o metav1.ListOptions) (*coordinationv1.LeaseList, error) {
	return guardedList(ctx, o, x.LeaseInterface.List)
}
func (x leases) Watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return guardedWatch(ctx, o, x.LeaseInterface.Watch)
}
func (x leases) DeleteCollection(ctx context.Context, d metav1.DeleteOptions, o metav1.ListOptions) error {
	return guardedDeleteCollection(ctx, d, o, x.LeaseInterface.DeleteCollection)
}

type endpointSlices struct {
	discoveryv1client.EndpointSliceInterface
}

func (g discoveryV1) EndpointSlices(ns string) discoveryv1client.EndpointSliceInterface {
	return endpointSlices{g.DiscoveryV1Interface.EndpointSlices(ns)}
}
func (x endpointSlices) List(ctx context.Context, o metav1.ListOptions) (*discoveryv1.EndpointSliceList, error) {
	return guardedList(ctx, o, x.EndpointSliceInterface.List)
}
func (x endpointSlices) Watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return guardedWatch(ctx, o, x.EndpointSliceInterface.Watch)
}
func (x endpointSlices) DeleteCollection(ctx context.Context, d metav1.DeleteOptions, o metav1.ListOptions) error {
	return guardedDeleteCollection(ctx, d, o, x.EndpointSliceInterface.DeleteCollection)
}

type roles struct{ rbacv1client.RoleInterface }

func (g rbacV1) Roles(ns string) rbacv1client.RoleInterface {
	return roles{g.RbacV1Interface.Roles(ns)}
}
func (x roles) List(ctx context.Context, o metav1.ListOptions) (*rbacv1.RoleList, error) {
	return guardedList(ctx, o, x.RoleInterface.List)
}
func (x roles) Watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return guardedWatch(ctx, o, x.RoleInterface.Watch)
}
func (x roles) DeleteCollection(ctx context.Context, d metav1.DeleteOptions, o metav1.ListOptions) error {
	return guardedDeleteCollection(ctx, d, o, x.RoleInterface.DeleteCollection)
}

type roleBindings struct {
	rbacv1client.RoleBindingInterface
}

func (g rbacV1) RoleBindings(ns string) rbacv1client.RoleBindingInterface {
	return roleBindings{g.RbacV1Interface.RoleBindings(ns)}
}
func (x roleBindings) List(ctx context.Context, o metav1.ListOptions) (*rbacv1.RoleBindingList, error) {
	return guardedList(ctx, o, x.RoleBindingInterface.List)
}
func (x roleBindings) Watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return guardedWatch(ctx, o, x.RoleBindingInterface.Watch)
}
func (x roleBindings) DeleteCollection(ctx context.Context, d metav1.DeleteOptions, o metav1.ListOptions) error {
	return guardedDeleteCollection(ctx, d, o, x.RoleBindingInterface.DeleteCollection)
}

type clusterRoles struct {
	rbacv1client.ClusterRoleInterface
}

func (g rbacV1) ClusterRoles() rbacv1client.ClusterRoleInterface {
	return clusterRoles{g.RbacV1Interface.ClusterRoles()}
}
func (x clusterRoles) List(ctx context.Context, o metav1.ListOptions) (*rbacv1.ClusterRoleList, error) {
	return guardedList(ctx, o, x.ClusterRoleInterface.List)
}
func (x clusterRoles) Watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return guardedWatch(ctx, o, x.ClusterRoleInterface.Watch)
}
func (x clusterRoles) DeleteCollection(ctx context.Context, d metav1.DeleteOptions, o metav1.ListOptions) error {
	return guardedDeleteCollection(ctx, d, o, x.ClusterRoleInterface.DeleteCollection)
}

type clusterRoleBindings struct {
	rbacv1client.ClusterRoleBindingInterface
}

func (g rbacV1) ClusterRoleBindings() rbacv1client.ClusterRoleBindingInterface {
	return clusterRoleBindings{g.RbacV1Interface.ClusterRoleBindings()}
}
func (x clusterRoleBindings) List(ctx context.Context, o metav1.ListOptions) (*rbacv1.ClusterRoleBindingList, error) {
	return guardedList(ctx, o, x.ClusterRoleBindingInterface.List)
}
func (x clusterRoleBindings) Watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return guardedWatch(ctx, o, x.ClusterRoleBindingInterface.Watch)
}
func (x clusterRoleBindings) DeleteCollection(ctx context.Context, d metav1.DeleteOptions, o metav1.ListOptions) error {
	return guardedDeleteCollection(ctx, d, o, x.ClusterRoleBindingInterface.DeleteCollection)
}

// podLogs answers pods/log: the pod must exist and the caller may read it.
func (s *Server) podLogs(user, ns, name string, opts *corev1.PodLogOptions) ([]byte, error) {
	req := Request{User: user, Verb: "get", Resource: corev1.SchemeGroupVersion.WithResource("pods"), Subresource: "log", Namespace: ns, Name: name}
	start := time.Now()
	out, err := s.readLogs(req, opts)
	s.log.add(req, start, err)
	return out, err
}

func (s *Server) readLogs(req Request, opts *corev1.PodLogOptions) ([]byte, error) {
	if err := s.authorize(req); err != nil {
		return nil, err
	}
	ns, name := req.Namespace, req.Name
	s.mu.Lock()
	pod := s.tables[req.Resource].get(ns, name)
	source := s.logs
	s.mu.Unlock()
	if pod == nil {
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, name)
	}
	if source == nil {
		return nil, nil
	}
	container := ""
	if opts != nil {
		container = opts.Container
	}
	return source(ns, name, container, opts)
}

// LogSource returns the log of a container ("" = the pod's only or first container).
type LogSource func(namespace, pod, container string, opts *corev1.PodLogOptions) ([]byte, error)

// SetLogSource installs where pod logs come from (the kubelet's container runtime).
func (s *Server) SetLogSource(src LogSource) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logs = src
}
