package kubeclient_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"flinksim/config"
	"flinksim/kubeclient"
)

const twoContexts = `
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev
  cluster: {server: "http://dev.example:6443"}
- name: prod
  cluster: {server: "http://prod.example:6443"}
users:
- name: alice
  user: {token: alice-token}
contexts:
- name: dev
  context: {cluster: dev, user: alice, namespace: kube-system}
- name: prod
  context: {cluster: prod, user: alice}
`

func kubeconfig(server string) string {
	return `
apiVersion: v1
kind: Config
current-context: only
clusters: [{name: c, cluster: {server: "` + server + `"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: only, context: {cluster: c, user: u}}]
`
}

type machine struct {
	env   map[string]string
	files map[string]string
}

func (m machine) options() kubeclient.Options {
	return kubeclient.Options{
		LookupEnv: func(k string) (string, bool) { v, ok := m.env[k]; return v, ok },
		ReadFile: func(p string) ([]byte, error) {
			if s, ok := m.files[p]; ok {
				return []byte(s), nil
			}
			return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
		},
		InCluster: func() (*rest.Config, error) { return &rest.Config{Host: "https://10.96.0.1:443"}, nil },
	}
}

func TestWhichCluster(t *testing.T) {
	files := map[string]string{
		"/flag":                 kubeconfig("http://flag:1"),
		"/option":               kubeconfig("http://option:1"),
		"/k1":                   kubeconfig("http://k1:1"),
		"/k2":                   kubeconfig("http://k2:1"),
		"/home/me/.kube/config": kubeconfig("http://home:1"),
		"/two":                  twoContexts,
	}
	for _, tc := range []struct {
		name     string
		flag     string
		conf     map[string]string
		env      map[string]string
		wantHost string
		wantErr  string
	}{
		{name: "flag wins", flag: "/flag", conf: map[string]string{"kubernetes.config.file": "/option"},
			env: map[string]string{"KUBECONFIG": "/k1"}, wantHost: "http://flag:1"},
		{name: "option beats KUBECONFIG", conf: map[string]string{"kubernetes.config.file": "/option"},
			env: map[string]string{"KUBECONFIG": "/k1"}, wantHost: "http://option:1"},
		{name: "KUBECONFIG skips missing files, first wins", env: map[string]string{"KUBECONFIG": "/missing:/k2:/k1", "HOME": "/home/me"},
			wantHost: "http://k2:1"},
		{name: "KUBECONFIG all missing falls back to home", env: map[string]string{"KUBECONFIG": "/missing", "HOME": "/home/me"},
			wantHost: "http://home:1"},
		{name: "home", env: map[string]string{"HOME": "/home/me"}, wantHost: "http://home:1"},
		{name: "tilde", conf: map[string]string{"kubernetes.config.file": "~/.kube/config"}, env: map[string]string{"HOME": "/home/me"},
			wantHost: "http://home:1"},
		{name: "in cluster", env: map[string]string{"HOME": "/nobody", "KUBERNETES_SERVICE_HOST": "10.96.0.1"}, wantHost: "https://10.96.0.1:443"},
		{name: "nothing", env: map[string]string{"HOME": "/nobody"}, wantErr: "no Kubernetes cluster to talk to: no kubeconfig found (looked at /nobody/.kube/config)"},
		{name: "explicit missing", flag: "/nope", wantErr: `the kubeconfig "/nope" (--kubeconfig) cannot be read`},
		{name: "option missing", conf: map[string]string{"kubernetes.config.file": "/nope"}, wantErr: `point kubernetes.config.file at your kubeconfig`},
		{name: "current context", flag: "/two", wantHost: "http://dev.example:6443"},
		{name: "kubernetes.context", flag: "/two", conf: map[string]string{"kubernetes.context": "prod"}, wantHost: "http://prod.example:6443"},
		{name: "unknown context", flag: "/two", conf: map[string]string{"kubernetes.context": "staging"},
			wantErr: `kubernetes.context "staging" is not a context of the kubeconfig /two; its contexts are: dev, prod`},
		{name: "blank namespace", flag: "/two", conf: map[string]string{"kubernetes.namespace": " "}, wantErr: "kubernetes.namespace must not be blank"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := machine{env: tc.env, files: files}
			opts := m.options()
			opts.Kubeconfig = tc.flag
			target, err := kubeclient.Resolve(config.FromMap(tc.conf), opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Resolve() = %v, want an error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if target.Config.Host != tc.wantHost {
				t.Fatalf("host %q, want %q (source %s)", target.Config.Host, tc.wantHost, target.Source)
			}
		})
	}
}

func TestNamespaceIsFlinksNotTheKubeconfigs(t *testing.T) {
	m := machine{files: map[string]string{"/two": twoContexts}}
	opts := m.options()
	opts.Kubeconfig = "/two"
	target, err := kubeclient.Resolve(config.New(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if target.Namespace != "default" || target.Context != "dev" {
		t.Fatalf("namespace %q context %q, want default and dev", target.Namespace, target.Context)
	}
	if !strings.Contains(target.Source, "/two") {
		t.Fatalf("source %q does not name the file", target.Source)
	}
}

// TestHeadersReachTheServer goes through client-go. (client-go sends credentials
// only over https.)
func TestHeadersReachTheServer(t *testing.T) {
	m := machine{files: map[string]string{"/kc": kubeconfig("https://api.example:6443")}}
	opts := m.options()
	opts.Kubeconfig = "/kc"
	target, err := kubeclient.Resolve(config.FromMap(map[string]string{"kubernetes.client.user-agent": "my-flink-client"}), opts)
	if err != nil {
		t.Fatal(err)
	}
	var got http.Header
	target.Config.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = r.Header.Clone()
		return jsonResponse(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"default"}}`), nil
	})
	cs, err := kubernetes.NewForConfig(target.Config)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(context.Background(), "default", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if ua := got.Get("User-Agent"); ua != "my-flink-client" {
		t.Fatalf("User-Agent %q, want my-flink-client", ua)
	}
	if auth := got.Get("Authorization"); auth != "Bearer t" {
		t.Fatalf("Authorization %q, want the kubeconfig's token", auth)
	}
}

func TestDefaultUserAgentIsFlink(t *testing.T) {
	m := machine{files: map[string]string{"/kc": kubeconfig("http://api.example:6443")}}
	opts := m.options()
	opts.Kubeconfig = "/kc"
	target, err := kubeclient.Resolve(config.New(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if target.Config.UserAgent != "flink" {
		t.Fatalf("User-Agent %q, want flink", target.Config.UserAgent)
	}
}

func TestMaxConcurrentRequests(t *testing.T) {
	for _, tc := range []struct {
		name    string
		conf    map[string]string
		env     map[string]string
		want    int
		wantErr string
	}{
		{name: "default", want: 64},
		{name: "env", env: map[string]string{"KUBERNETES_MAX_CONCURRENT_REQUESTS": "200"}, want: 200},
		{name: "option beats env", conf: map[string]string{"kubernetes.max.concurrent.requests": "8"},
			env: map[string]string{"KUBERNETES_MAX_CONCURRENT_REQUESTS": "200"}, want: 8},
		{name: "zero", conf: map[string]string{"kubernetes.max.concurrent.requests": "0"},
			wantErr: `kubernetes.max.concurrent.requests is "0": it must be a whole number of at least 1`},
		{name: "env garbage", env: map[string]string{"KUBERNETES_MAX_CONCURRENT_REQUESTS": "lots"},
			wantErr: `the environment variable KUBERNETES_MAX_CONCURRENT_REQUESTS is "lots"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range tc.env {
				env[k] = v
			}
			m := machine{env: env, files: map[string]string{"/kc": kubeconfig("http://api:1")}}
			opts := m.options()
			opts.Kubeconfig = "/kc"
			target, err := kubeclient.Resolve(config.FromMap(tc.conf), opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Resolve() = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if target.MaxConcurrentRequests != tc.want || target.Config.QPS != float32(tc.want) || target.Config.Burst != tc.want {
				t.Fatalf("max %d, QPS %v, burst %d; want %d each", target.MaxConcurrentRequests, target.Config.QPS, target.Config.Burst, tc.want)
			}
		})
	}
}

// TestInFlightCap: with a cap of 3, a fourth request waits until a response body is
// closed; watches are not counted.
func TestInFlightCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := machine{files: map[string]string{"/kc": kubeconfig("http://api:1")}}
		opts := m.options()
		opts.Kubeconfig = "/kc"
		target, err := kubeclient.Resolve(config.FromMap(map[string]string{"kubernetes.max.concurrent.requests": "3"}), opts)
		if err != nil {
			t.Fatal(err)
		}
		release := make(chan struct{})
		var mu sync.Mutex
		inFlight, most := 0, 0
		rt := target.Config.WrapTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.URL.Query().Get("watch") == "true" {
				return jsonResponse(`{}`), nil
			}
			mu.Lock()
			inFlight++
			most = max(most, inFlight)
			mu.Unlock()
			<-release
			mu.Lock()
			inFlight--
			mu.Unlock()
			return jsonResponse(`{}`), nil
		}))
		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() {
				req, _ := http.NewRequest(http.MethodGet, "http://api:1/api/v1/pods", nil)
				resp, err := rt.RoundTrip(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			})
		}
		synctest.Wait()
		mu.Lock()
		if inFlight != 3 {
			t.Errorf("%d requests in flight, want 3", inFlight)
		}
		mu.Unlock()
		watch, _ := http.NewRequest(http.MethodGet, "http://api:1/api/v1/pods?watch=true", nil)
		resp, err := rt.RoundTrip(watch)
		if err != nil {
			t.Fatalf("a watch waited for a slot: %v", err)
		}
		resp.Body.Close()
		close(release)
		wg.Wait()
		if most != 3 {
			t.Fatalf("at most %d requests were in flight, want 3", most)
		}
	})
}

// TestUnreachableServer goes through client-go: a refused connection and a host name
// that does not resolve become sentences that say what to check.
func TestUnreachableServer(t *testing.T) {
	for _, tc := range []struct {
		name string
		dial error
		want string
	}{
		{"refused", syscall.ECONNREFUSED, "cannot reach the Kubernetes API server http://api.example:6443 (from kubeconfig /kc, context \"only\"): the connection was refused; check that the cluster is running"},
		{"dns", &net.DNSError{Err: "no such host", Name: "api.example", IsNotFound: true}, `the host name "api.example" does not resolve`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := machine{files: map[string]string{"/kc": kubeconfig("http://api.example:6443")}}
			opts := m.options()
			opts.Kubeconfig = "/kc"
			target, err := kubeclient.Resolve(config.New(), opts)
			if err != nil {
				t.Fatal(err)
			}
			target.Config.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
				return nil, &net.OpError{Op: "dial", Net: network, Err: tc.dial}
			}
			cs, err := kubernetes.NewForConfig(target.Config)
			if err != nil {
				t.Fatal(err)
			}
			_, err = cs.CoreV1().Services("default").Get(context.Background(), "x", metav1.GetOptions{})
			explained := kubeclient.Explain(err, target)
			if explained == nil || !strings.Contains(explained.Error(), tc.want) {
				t.Fatalf("Explain() = %v, want %q", explained, tc.want)
			}
			if !errors.Is(explained, tc.dial) && !errors.As(explained, new(*net.DNSError)) {
				t.Fatalf("the cause is lost: %v", explained)
			}
		})
	}
	other := errors.New("something else")
	if got := kubeclient.Explain(other, &kubeclient.Target{Config: &rest.Config{}}); got != other {
		t.Fatalf("Explain changed an unrelated error: %v", got)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func jsonResponse(body string) *http.Response {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body))}
}
