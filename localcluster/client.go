package localcluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

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
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("the kubeconfig %s: %w", kubeconfig, err)
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

func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
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
	req.Header.Set("Content-Type", "application/json")
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
