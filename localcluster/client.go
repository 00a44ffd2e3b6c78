package localcluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"flinksim/deployer"
	"flinksim/kubeclient"
	"flinksim/portforward"
)

// Client talks to a running flinksim up through the kubeconfig it wrote: the
// Kubernetes API, and the control endpoint beside it.
type Client struct {
	config *rest.Config
	http   *http.Client
	// Kube is a client of the cluster's Kubernetes API.
	Kube kubernetes.Interface
}

// Dial builds a client from the kubeconfig of a running flinksim up.
func Dial(kubeconfig string) (*Client, error) {
	cfg, err := RESTConfig(kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.UserAgent = "flinksim"
	c, err := NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("the kubeconfig %s: %w", kubeconfig, err)
	}
	return c, nil
}

// NewClient builds a client from the client configuration of a running flinksim up.
func NewClient(cfg *rest.Config) (*Client, error) {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	kube, err := kubernetes.NewForConfigAndClient(cfg, hc)
	if err != nil {
		return nil, err
	}
	return &Client{config: cfg, http: hc, Kube: kube}, nil
}

// Close releases the client's idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Forwards lists the open forwards.
func (c *Client) Forwards(ctx context.Context) ([]portforward.Forward, error) {
	var out []portforward.Forward
	return out, c.call(ctx, http.MethodGet, "forwards", nil, &out)
}

// Forward opens a forward of a Service port.
func (c *Client) Forward(ctx context.Context, req ForwardRequest) (portforward.Forward, error) {
	var out portforward.Forward
	return out, c.call(ctx, http.MethodPost, "forwards", req, &out)
}

// Inject injects a fault and returns what it did.
func (c *Client) Inject(ctx context.Context, f Fault) (string, error) {
	var out FaultResult
	err := c.call(ctx, http.MethodPost, "faults", f, &out)
	return out.Message, err
}

// Faults lists the standing faults.
func (c *Client) Faults(ctx context.Context) (FaultList, error) {
	var out FaultList
	return out, c.call(ctx, http.MethodGet, "faults", nil, &out)
}

// Exists reports whether the cluster's object store holds uri (deployer.ArtifactStore).
func (c *Client) Exists(ctx context.Context, uri string) (bool, error) {
	var out ObjectStatus
	err := c.call(ctx, http.MethodGet, "objects?uri="+url.QueryEscape(uri), nil, &out)
	return out.Exists, err
}

// Put stores data under uri in the cluster's object store, replacing what was there
// (deployer.ArtifactStore: the upload of kubernetes.artifacts.local-upload-enabled).
func (c *Client) Put(ctx context.Context, uri string, data []byte) error {
	var out ObjectStatus
	return c.call(ctx, http.MethodPut, "objects?uri="+url.QueryEscape(uri), data, &out)
}

// ArtifactsFor is the artifact store of the Flink CLIs (cli.Env.ArtifactsFor): the
// object store of flinksim up when the kubeconfig context is the one flinksim up
// wrote, else none (the deployer then says that uploads need a remote file system).
func ArtifactsFor(target *kubeclient.Target) (deployer.ArtifactStore, error) {
	if target.Context != ContextName {
		return nil, nil
	}
	c, err := NewClient(target.Config)
	if err != nil {
		return nil, fmt.Errorf("the object store of flinksim up at %s: %w", target.Config.Host, err)
	}
	return c, nil
}

func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	contentType := "application/json"
	switch in := in.(type) {
	case nil:
	case []byte:
		body, contentType = bytes.NewReader(in), "application/octet-stream"
	default:
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	url := strings.TrimSuffix(c.config.Host, "/") + controlPrefix + path
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach flinksim at %s (is `flinksim up` still running?): %w", c.config.Host, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var st metav1.Status
		if json.Unmarshal(data, &st) == nil && st.Message != "" {
			return fmt.Errorf("%s", st.Message)
		}
		return fmt.Errorf("flinksim answered %s: %s", resp.Status, strings.TrimSpace(string(data)))
	}
	return json.Unmarshal(data, out)
}
