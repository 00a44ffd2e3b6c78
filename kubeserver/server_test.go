package kubeserver

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"flinksim/sim"
	"flinksim/sim/apiserver"
	"flinksim/sim/rbac"
)

const adminToken = "admin-token"

// serve runs a simulated cluster (real time) behind a Server on loopback and returns a
// client configuration for the admin.
func serve(t *testing.T, enforceRBAC bool) (*sim.Cluster, *rest.Config) {
	t.Helper()
	c, err := sim.New(sim.Config{Seed: 1, RBAC: enforceRBAC, PodStartLatency: 10 * time.Millisecond, PodStartJitter: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var authz apiserver.Authorizer
	if enforceRBAC {
		a, err := rbac.New(rbac.Config{Source: c.Server()})
		if err != nil {
			t.Fatal(err)
		}
		authz = a
	}
	srv, err := New(Config{API: c.Server(), Authorizer: authz, Tokens: map[string]string{adminToken: apiserver.AdminUser},
		Logs: func(ns, pod, container string, opts *corev1.PodLogOptions) ([]byte, error) {
			if c.Kubelet() == nil {
				return nil, apierrors.NewBadRequest("the cluster is starting")
			}
			return c.Kubelet().Logs(ns, pod, container, opts)
		}, LogPollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.Start(ctx) }()
	go func() {
		defer wg.Done()
		if err := srv.Start(ctx); err != nil {
			t.Errorf("Start: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
	return c, &rest.Config{Host: srv.URL(), BearerToken: adminToken, QPS: 1000, Burst: 1000}
}

// clientFor is a clientset whose connections are closed when the test ends.
func clientFor(t *testing.T, cfg *rest.Config) kubernetes.Interface {
	t.Helper()
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hc.CloseIdleConnections)
	cs, err := kubernetes.NewForConfigAndClient(cfg, hc)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestCatalogueCoversTheStoredResources(t *testing.T) {
	stored := map[string]bool{}
	for _, gvr := range apiserver.Resources() {
		stored[gvr.String()] = true
		r := catalogue[gvr]
		if r == nil || r.virtual {
			t.Errorf("the simulated API server stores %s, but discovery does not announce it", gvr)
		}
	}
	for gvr, r := range catalogue {
		if !r.virtual && !stored[gvr.String()] {
			t.Errorf("discovery announces %s, which the simulated API server does not store", gvr)
		}
	}
}

func TestParseRequest(t *testing.T) {
	for _, tc := range []struct {
		method, path                  string
		resource, ns, name, sub, verb string
		code                          int
	}{
		{method: "GET", path: "/api/v1/pods", resource: "pods", verb: "list"},
		{method: "GET", path: "/api/v1/namespaces/a/pods", resource: "pods", ns: "a", verb: "list"},
		{method: "GET", path: "/api/v1/namespaces/a/pods?watch=true", resource: "pods", ns: "a", verb: "watch"},
		{method: "GET", path: "/api/v1/watch/namespaces/a/pods", resource: "pods", ns: "a", verb: "watch"},
		{method: "GET", path: "/api/v1/namespaces/a/pods/p", resource: "pods", ns: "a", name: "p", verb: "get"},
		{method: "GET", path: "/api/v1/namespaces/a/pods/p/log", resource: "pods", ns: "a", name: "p", sub: "log", verb: "get"},
		{method: "POST", path: "/api/v1/namespaces/a/pods/p/eviction", resource: "pods", ns: "a", name: "p", sub: "eviction", verb: "create"},
		{method: "PUT", path: "/apis/apps/v1/namespaces/a/deployments/d/scale", resource: "deployments", ns: "a", name: "d", sub: "scale", verb: "update"},
		{method: "PATCH", path: "/apis/apps/v1/namespaces/a/deployments/d", resource: "deployments", ns: "a", name: "d", verb: "patch"},
		{method: "DELETE", path: "/api/v1/namespaces/a/configmaps", resource: "configmaps", ns: "a", verb: "deletecollection"},
		{method: "GET", path: "/api/v1/namespaces", resource: "namespaces", verb: "list"},
		{method: "GET", path: "/api/v1/namespaces/a", resource: "namespaces", name: "a", verb: "get"},
		{method: "PUT", path: "/api/v1/namespaces/a/finalize", resource: "namespaces", name: "a", sub: "finalize", verb: "update"},
		{method: "PUT", path: "/api/v1/namespaces/a/status", resource: "namespaces", name: "a", sub: "status", verb: "update"},
		{method: "GET", path: "/api/v1/nodes/n", resource: "nodes", name: "n", verb: "get"},
		{method: "POST", path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", resource: "selfsubjectaccessreviews", verb: "create"},
		{method: "GET", path: "/api/v1/namespaces/a/nodes", code: 404},
		{method: "GET", path: "/api/v1/widgets", code: 404},
		{method: "GET", path: "/api/v1/namespaces/a/pods/p/exec", code: 400},
		{method: "GET", path: "/api/v1/namespaces/a/pods/p/ephemeralcontainers", code: 404},
		{method: "GET", path: "/apis/apps/v2/deployments", code: 404},
		{method: "POST", path: "/api/v1/namespaces/a/pods/p", code: 405},
		{method: "PUT", path: "/api/v1/namespaces/a/pods", code: 405},
		{method: "DELETE", path: "/api/v1/namespaces/a/pods/p/log", code: 405},
		{method: "GET", path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", code: 405},
		{method: "OPTIONS", path: "/api/v1/pods", code: 405},
		{method: "GET", path: "/api/v1/namespaces/a/pods/p/status/extra", code: 404},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r, _ := http.NewRequest(tc.method, tc.path, nil)
			info, err := parseRequest(r)
			if tc.code != 0 {
				if st := statusOf(err); err == nil || int(st.Code) != tc.code {
					t.Fatalf("got %v, want a %d", err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := [5]string{info.res.gvr.Resource, info.namespace, info.name, info.subresource, info.verb}
			if want := [5]string{tc.resource, tc.ns, tc.name, tc.sub, tc.verb}; got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestClientGoGetsTheSimulatorsSemantics(t *testing.T) {
	_, cfg := serve(t, false)
	cs := clientFor(t, cfg)
	ctx := context.Background()
	cms := cs.CoreV1().ConfigMaps("default")

	cm, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: map[string]string{"app": "x"}}, Data: map[string]string{"k": "1"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.UID == "" || cm.ResourceVersion == "" || cm.CreationTimestamp.IsZero() {
		t.Errorf("the created ConfigMap lacks server-set fields: %+v", cm.ObjectMeta)
	}
	again := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a"}}
	if _, err := cms.Create(ctx, again, metav1.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
		t.Errorf("creating it again: %v, want AlreadyExists", err)
	}
	stale := cm.DeepCopy()
	cm.Data["k"] = "2"
	if cm, err = cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	stale.Data["k"] = "3"
	if _, err := cms.Update(ctx, stale, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("an update from a stale resourceVersion: %v, want Conflict", err)
	}
	for _, p := range []struct {
		pt    types.PatchType
		patch string
	}{
		{types.MergePatchType, `{"data":{"m":"1"}}`},
		{types.StrategicMergePatchType, `{"data":{"s":"1"}}`},
		{types.JSONPatchType, `[{"op":"add","path":"/data/j","value":"1"}]`},
	} {
		if _, err := cms.Patch(ctx, "a", p.pt, []byte(p.patch), metav1.PatchOptions{}); err != nil {
			t.Errorf("%s patch: %v", p.pt, err)
		}
	}
	applied, err := cms.Patch(ctx, "b", types.ApplyPatchType, []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"},"data":{"x":"y"}}`),
		metav1.PatchOptions{FieldManager: "test"})
	if err != nil || applied.Data["x"] != "y" {
		t.Errorf("server-side apply creating b: %v, %v", applied, err)
	}
	got, err := cms.Get(ctx, "a", metav1.GetOptions{})
	if err != nil || len(got.Data) != 4 {
		t.Errorf("after the patches: %v, %v; want the data k, m, s and j", got, err)
	}
	if _, err := cms.Get(ctx, "missing", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get of a missing ConfigMap: %v, want NotFound", err)
	}
	list, err := cms.List(ctx, metav1.ListOptions{LabelSelector: "app=x"})
	if err != nil || len(list.Items) != 1 || list.Items[0].Name != "a" {
		t.Errorf("list by label: %v, %v", list, err)
	}
	if _, err := cms.List(ctx, metav1.ListOptions{LabelSelector: "app in (x"}); !apierrors.IsBadRequest(err) {
		t.Errorf("a malformed selector: %v, want BadRequest", err)
	}
	page, err := cms.List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil || len(page.Items) != 1 || page.Continue == "" {
		t.Fatalf("first page: %v, %v", page, err)
	}
	rest, err := cms.List(ctx, metav1.ListOptions{Limit: 1, Continue: page.Continue})
	if err != nil || len(rest.Items) != 1 || rest.Items[0].Name == page.Items[0].Name {
		t.Errorf("second page: %v, %v", rest, err)
	}
	if err := cms.Delete(ctx, "b", metav1.DeleteOptions{Preconditions: metav1.NewUIDPreconditions("wrong")}); !apierrors.IsConflict(err) {
		t.Errorf("delete with a wrong UID precondition: %v, want Conflict", err)
	}
	if err := cms.Delete(ctx, "b", metav1.DeleteOptions{}); err != nil {
		t.Error(err)
	}
	if _, err := cs.CoreV1().ConfigMaps("nowhere").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}}, metav1.CreateOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("create in a missing namespace: %v, want NotFound", err)
	}
	bad := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "Not_A_Name"}}
	if _, err := cms.Create(ctx, bad, metav1.CreateOptions{}); !apierrors.IsInvalid(err) {
		t.Errorf("create with an invalid name: %v, want Invalid", err)
	}

	// Discovery is complete: no group version fails.
	groups, resources, err := cs.Discovery().ServerGroupsAndResources()
	if err != nil || len(groups) == 0 || len(resources) == 0 {
		t.Errorf("discovery: %d groups, %d resource lists, %v", len(groups), len(resources), err)
	}
}

// An informer lists and watches over HTTP: with client-go's default watch-list, the
// server sends the initial state and the bookmark that ends it.
func TestInformerOverHTTP(t *testing.T) {
	_, cfg := serve(t, false)
	cs := clientFor(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cms := cs.CoreV1().ConfigMaps("default")
	if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "before"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	events := make(chan string, 100)
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace("default"))
	inf := factory.Core().V1().ConfigMaps().Informer()
	inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { events <- "add " + obj.(*corev1.ConfigMap).Name },
		UpdateFunc: func(_, obj any) { events <- "update " + obj.(*corev1.ConfigMap).Name },
		DeleteFunc: func(obj any) {
			if cm, ok := obj.(*corev1.ConfigMap); ok {
				events <- "delete " + cm.Name
			}
		},
	})
	factory.Start(ctx.Done())
	defer func() { cancel(); factory.Shutdown() }()
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		t.Fatal("the informer did not sync")
	}
	expect := func(want string) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case got := <-events:
				if got == want {
					return
				}
			case <-timeout:
				t.Fatalf("no %q event within 10 s", want)
			}
		}
	}
	expect("add before")
	cm, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "after"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	expect("add after")
	cm.Data = map[string]string{"a": "b"}
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	expect("update after")
	if err := cms.Delete(ctx, "after", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	expect("delete after")
}

func TestAuthenticationAndImpersonation(t *testing.T) {
	_, cfg := serve(t, true)
	ctx := context.Background()

	resp, err := http.Get(cfg.Host + "/version")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/version without a token: %s, want 200", resp.Status)
	}
	anonymous := clientFor(t, &rest.Config{Host: cfg.Host})
	if _, err := anonymous.CoreV1().Pods("").List(ctx, metav1.ListOptions{}); !apierrors.IsUnauthorized(err) {
		t.Errorf("a request without a token: %v, want Unauthorized", err)
	}
	wrong := clientFor(t, &rest.Config{Host: cfg.Host, BearerToken: "guess"})
	if _, err := wrong.CoreV1().Pods("").List(ctx, metav1.ListOptions{}); !apierrors.IsUnauthorized(err) {
		t.Errorf("a request with an unknown token: %v, want Unauthorized", err)
	}

	as := rest.CopyConfig(cfg)
	as.Impersonate.UserName = "system:serviceaccount:default:flink"
	flink := clientFor(t, as)
	_, err = flink.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `User "system:serviceaccount:default:flink" cannot list resource "pods"`) {
		t.Errorf("a service account without a binding: %v, want Forbidden in the real server's words", err)
	}
	admin := clientFor(t, cfg)
	if _, err := admin.RbacV1().ClusterRoleBindings().Create(ctx, crb("flink-edit", "edit", "default", "flink"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := flink.CoreV1().Pods("default").List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("after binding edit: %v", err)
	}
	if _, err := flink.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("edit does not cover nodes: %v, want Forbidden", err)
	}
}

func TestTablesAsKubectlAsksForThem(t *testing.T) {
	c, cfg := serve(t, false)
	ctx := context.Background()
	if _, err := c.Client().AppsV1().Deployments("default").Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "busybox", Command: []string{"sh", "-c", "sleep 3600"}}}},
			},
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	get := func(path, accept string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, cfg.Host+path, nil)
		req.Header.Set("Authorization", "Bearer "+adminToken)
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	const table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
	tbl := get("/apis/apps/v1/namespaces/default/deployments", table)
	if tbl["kind"] != "Table" {
		t.Fatalf("kubectl's Accept got a %v, want a Table", tbl["kind"])
	}
	var names []string
	for _, c := range tbl["columnDefinitions"].([]any) {
		names = append(names, c.(map[string]any)["name"].(string))
	}
	if got := strings.Join(names, ","); got != "Name,Ready,Up-to-date,Available,Age,Containers,Images,Selector" {
		t.Errorf("deployment columns %s", got)
	}
	rows := tbl["rows"].([]any)
	if len(rows) != 1 || rows[0].(map[string]any)["cells"].([]any)[0] != "web" {
		t.Errorf("rows %v", rows)
	}
	if obj := rows[0].(map[string]any)["object"].(map[string]any); obj["kind"] != "PartialObjectMetadata" ||
		obj["metadata"].(map[string]any)["namespace"] != "default" {
		t.Errorf("a row carries %v, want the PartialObjectMetadata of the object by default", obj)
	}
	if plain := get("/apis/apps/v1/namespaces/default/deployments", "application/json"); plain["kind"] != "DeploymentList" {
		t.Errorf("a plain Accept got a %v, want a DeploymentList", plain["kind"])
	}
	if one := get("/api/v1/namespaces/default", table); one["kind"] != "Table" || len(one["rows"].([]any)) != 1 {
		t.Errorf("a Table of one object: %v", one)
	}
	meta := get("/apis/apps/v1/namespaces/default/deployments", "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io")
	if meta["kind"] != "PartialObjectMetadataList" {
		t.Errorf("a metadata client got a %v", meta["kind"])
	}
}

func TestFollowedLogs(t *testing.T) {
	c, cfg := serve(t, false)
	cs := clientFor(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "talker"}, Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "main", Image: "busybox", Command: []string{"sh", "-c", "echo one; sleep 1; echo two; sleep 3600"}}}}}
	if _, err := c.Client().CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var stream io.ReadCloser
	for {
		var err error
		stream, err = cs.CoreV1().Pods("default").GetLogs("talker", &corev1.PodLogOptions{Follow: true}).Stream(ctx)
		if err == nil {
			break
		}
		if !apierrors.IsBadRequest(err) || ctx.Err() != nil {
			t.Fatalf("following the log: %v", err)
		}
		time.Sleep(20 * time.Millisecond) // the container is still starting
	}
	defer stream.Close()
	lines := bufio.NewScanner(stream)
	for _, want := range []string{"one", "two"} {
		if !lines.Scan() {
			t.Fatalf("the followed log ended before %q: %v", want, lines.Err())
		}
		if lines.Text() != want {
			t.Errorf("log line %q, want %q", lines.Text(), want)
		}
	}
	if _, err := cs.CoreV1().Pods("default").GetLogs("nobody", &corev1.PodLogOptions{}).DoRaw(ctx); !apierrors.IsNotFound(err) {
		t.Errorf("the log of a missing pod: %v, want NotFound", err)
	}
}

func TestPodStatus(t *testing.T) {
	now := metav1.Now()
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}
	for _, tc := range []struct {
		name string
		pod  corev1.Pod
		want string
	}{
		{"pending", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending}}, "Pending"},
		{"running", corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: "a", Ready: true, State: running}}}}, "Running"},
		{"creating", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{
			{Name: "a", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}}}}, "ContainerCreating"},
		{"crash loop", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
			{Name: "a", RestartCount: 3, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}}}, "CrashLoopBackOff"},
		{"oom", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{
			{Name: "a", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}}}}}}, "OOMKilled"},
		{"exit code", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{
			{Name: "a", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 3}}}}}}, "ExitCode:3"},
		{"init", corev1.Pod{Spec: corev1.PodSpec{InitContainers: []corev1.Container{{Name: "i"}}},
			Status: corev1.PodStatus{Phase: corev1.PodPending, InitContainerStatuses: []corev1.ContainerStatus{{Name: "i", State: running}}}}, "Init:0/1"},
		{"evicted", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted"}}, "Evicted"},
		{"terminating", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}, "Terminating"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, _, _, _, _ := PodStatus(&tc.pod); got != tc.want {
				t.Errorf("PodStatus = %q, want %q", got, tc.want)
			}
		})
	}
}

func crb(name, role, ns, sa string) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: sa, Namespace: ns}}}
}

func TestAnonymousUserOverPlainHTTP(t *testing.T) {
	c, err := sim.New(sim.Config{Seed: 1, RBAC: true})
	if err != nil {
		t.Fatal(err)
	}
	authz, err := rbac.New(rbac.Config{Source: c.Server()})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{API: c.Server(), Authorizer: authz, Anonymous: apiserver.AdminUser})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Start(ctx) }()
	defer func() { cancel(); <-done }()
	cs := clientFor(t, &rest.Config{Host: srv.URL()})
	if _, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("a request without a token as the anonymous admin: %v", err)
	}
	as := clientFor(t, &rest.Config{Host: srv.URL(), Impersonate: rest.ImpersonationConfig{UserName: "someone"}})
	if _, err := as.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("impersonating a user without rights: %v, want Forbidden", err)
	}
	if _, err := New(Config{API: c.Server()}); err == nil || !strings.Contains(err.Error(), "no request could be authenticated") {
		t.Errorf("New without tokens or anonymous user: %v", err)
	}
	if _, err := New(Config{API: c.Server(), Anonymous: "x", Address: "0.0.0.0:0"}); err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Errorf("New on a public address: %v", err)
	}
}

// holdUntilCancelled holds every get of a ConfigMap until the caller's context ends,
// and says when that happened.
type holdUntilCancelled struct{ released chan struct{} }

func (f holdUntilCancelled) Intercept(req apiserver.Request, serve func() (runtime.Object, error)) (runtime.Object, error) {
	if req.Verb != "get" || req.Resource.Resource != "configmaps" {
		return serve()
	}
	<-req.Context().Done()
	close(f.released)
	return nil, req.Context().Err()
}

// TestAClientGivingUpReleasesItsRequest: a request the simulated API server holds (a
// latency fault, a cut link) ends when the HTTP client disconnects, as on a real server.
func TestAClientGivingUpReleasesItsRequest(t *testing.T) {
	c, cfg := serve(t, false)
	f := holdUntilCancelled{released: make(chan struct{})}
	c.Server().AddFault(f)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := clientFor(t, cfg).CoreV1().ConfigMaps("default").Get(ctx, "held", metav1.GetOptions{}); err == nil {
		t.Fatal("a held request answered")
	}
	select {
	case <-f.released:
	case <-time.After(10 * time.Second):
		t.Fatal("the server still holds the request of a client that gave up")
	}
}
