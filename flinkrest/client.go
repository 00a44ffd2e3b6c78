package flinkrest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strings"
	"syscall"
	"time"
)

// maxBody bounds what is read of an answer.
const maxBody = 16 << 20

// Client talks to one JobManager's REST endpoint.
type Client struct {
	base *url.URL
	http *http.Client

	retries    int
	retryDelay time.Duration
}

// WithRetries makes the client retry a request up to attempts more times, delay
// apart, while its connection fails (refused, or closed before an answer: the
// JobManager is not up yet) or the JobManager answers 503 Service Unavailable, as
// Flink's RestClusterClient does with rest.retry.max-attempts and rest.retry.delay.
// An address that does not resolve is not retried. It returns c.
func (c *Client) WithRetries(attempts int, delay time.Duration) *Client {
	c.retries, c.retryDelay = max(attempts, 0), max(delay, 0)
	return c
}

// New makes a client of the endpoint at baseURL (http://host:port, as the deployer
// reports it). httpClient nil means http.DefaultClient.
func New(baseURL string, httpClient *http.Client) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not the URL of a REST endpoint: expected http://<host>:<port>", baseURL)
	}
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	return &Client{base: u, http: httpClient}, nil
}

// URL is the endpoint's base URL.
func (c *Client) URL() string { return c.base.String() }

// Error is an answer other than 2xx.
type Error struct {
	Method, URL string
	StatusCode  int
	Status      string
	// Errors is Flink's "errors" list; when the body had none, the body itself.
	Errors []string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s %s: the JobManager answered %s", e.Method, e.URL, e.Status)
	if len(e.Errors) > 0 {
		msg += ": " + strings.Join(e.Errors, "; ")
	}
	return msg
}

// IsNotFound reports whether err is a 404 answer.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound
}

// JobStatus is one entry of /jobs/overview.
type JobStatus struct {
	ID               string `json:"jid"`
	Name             string `json:"name"`
	State            string `json:"state"`
	StartTime        int64  `json:"start-time"`
	EndTime          int64  `json:"end-time"`
	Duration         int64  `json:"duration"`
	LastModification int64  `json:"last-modification"`
}

// Start is when the job started.
func (j JobStatus) Start() time.Time { return time.UnixMilli(j.StartTime) }

// JobsOverview lists the jobs of the cluster (GET /jobs/overview).
func (c *Client) JobsOverview(ctx context.Context) ([]JobStatus, error) {
	var out struct {
		Jobs []JobStatus `json:"jobs"`
	}
	if err := c.do(ctx, http.MethodGet, "/jobs/overview", nil, "", &out); err != nil {
		return nil, err
	}
	return out.Jobs, nil
}

// CancelJob asks the JobManager to cancel a job (PATCH /jobs/<id>?mode=cancel).
func (c *Client) CancelJob(ctx context.Context, jobID string) error {
	return c.do(ctx, http.MethodPatch, "/jobs/"+url.PathEscape(jobID)+"?mode=cancel", nil, "", nil)
}

// UploadJar uploads a jar (POST /jars/upload) and returns its jar id, the file name
// Flink stored it under (the last element of the "filename" it answers with).
func (c *Client) UploadJar(ctx context.Context, fileName string, jar []byte) (string, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="jarfile"; filename=%q`, path.Base(fileName)))
	h.Set("Content-Type", "application/x-java-archive")
	part, err := mw.CreatePart(h)
	if err != nil {
		return "", err
	}
	if _, err := part.Write(jar); err != nil {
		return "", err
	}
	if err := mw.Close(); err != nil {
		return "", err
	}
	var out struct {
		Filename string `json:"filename"`
		Status   string `json:"status"`
	}
	if err := c.do(ctx, http.MethodPost, "/jars/upload", &body, mw.FormDataContentType(), &out); err != nil {
		return "", err
	}
	if out.Status != "success" || out.Filename == "" {
		return "", fmt.Errorf("POST %s: the JobManager did not store the jar (status %q, filename %q)",
			c.endpoint("/jars/upload"), out.Status, out.Filename)
	}
	return path.Base(out.Filename), nil
}

// RunJarRequest is the body of POST /jars/<jarId>/run (Flink's JarRunRequestBody).
type RunJarRequest struct {
	EntryClass            string            `json:"entryClass,omitempty"`
	ProgramArgsList       []string          `json:"programArgsList,omitempty"`
	Parallelism           int               `json:"parallelism,omitempty"`
	JobID                 string            `json:"jobId,omitempty"`
	AllowNonRestoredState bool              `json:"allowNonRestoredState,omitempty"`
	SavepointPath         string            `json:"savepointPath,omitempty"`
	ClaimMode             string            `json:"claimMode,omitempty"`
	FlinkConfiguration    map[string]string `json:"flinkConfiguration,omitempty"`
}

// RunJar runs an uploaded jar and returns the id of the job it submitted.
func (c *Client) RunJar(ctx context.Context, jarID string, req RunJarRequest) (string, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return "", err
	}
	var out struct {
		JobID string `json:"jobid"`
	}
	p := "/jars/" + url.PathEscape(jarID) + "/run"
	if err := c.do(ctx, http.MethodPost, p, bytes.NewReader(b), "application/json", &out); err != nil {
		return "", err
	}
	if out.JobID == "" {
		return "", fmt.Errorf("POST %s: the JobManager answered without a job id", c.endpoint(p))
	}
	return out.JobID, nil
}

// JobResult is a finished job's result (/jobs/<id>/execution-result).
type JobResult struct {
	ID string `json:"id"`
	// ApplicationStatus is SUCCEEDED, FAILED, CANCELED or UNKNOWN.
	ApplicationStatus string `json:"application-status"`
	NetRuntime        int64  `json:"net-runtime"`
	FailureCause      *struct {
		Class      string `json:"class"`
		StackTrace string `json:"stack-trace"`
	} `json:"failure-cause,omitempty"`
}

// JobExecutionResult asks once for a job's result; done is false while the job runs.
func (c *Client) JobExecutionResult(ctx context.Context, jobID string) (res *JobResult, done bool, err error) {
	var out struct {
		Status struct {
			ID string `json:"id"`
		} `json:"status"`
		Result *JobResult `json:"job-execution-result"`
	}
	if err := c.do(ctx, http.MethodGet, "/jobs/"+url.PathEscape(jobID)+"/execution-result", nil, "", &out); err != nil {
		return nil, false, err
	}
	if out.Status.ID != "COMPLETED" {
		return nil, false, nil
	}
	if out.Result == nil {
		return nil, false, fmt.Errorf("the result of job %s is COMPLETED but carries no job-execution-result", jobID)
	}
	return out.Result, true, nil
}

// WaitJobResult polls the job's result until it is complete, backing off from 100 ms
// to 2 s between polls (Flink's client polls the same way).
func (c *Client) WaitJobResult(ctx context.Context, jobID string) (*JobResult, error) {
	wait := 100 * time.Millisecond
	for {
		res, done, err := c.JobExecutionResult(ctx, jobID)
		if err != nil || done {
			return res, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, 2*time.Second)
	}
}

func (c *Client) endpoint(p string) string {
	u := *c.base
	rel, _ := url.Parse(p)
	u.Path = strings.TrimRight(u.Path, "/") + rel.Path
	u.RawPath = ""
	if rel.RawPath != "" {
		u.RawPath = strings.TrimRight(c.base.EscapedPath(), "/") + rel.RawPath
	}
	u.RawQuery = rel.RawQuery
	return u.String()
}

func (c *Client) do(ctx context.Context, method, p string, body io.Reader, contentType string, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = io.ReadAll(body); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		err := c.doOnce(ctx, method, p, payload, contentType, out)
		if err == nil || attempt >= c.retries || !retriable(ctx, err) {
			return err
		}
		t := time.NewTimer(c.retryDelay)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// retriable is a connection problem or a 503 answer, which Flink's client retries.
func retriable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode == http.StatusServiceUnavailable
	}
	var dns *net.DNSError
	var timeout interface{ Timeout() bool }
	if errors.As(err, &dns) || (errors.As(err, &timeout) && timeout.Timeout()) {
		return false
	}
	var op *net.OpError
	return (errors.As(err, &op) && op.Op == "dial") || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

func (c *Client) doOnce(ctx context.Context, method, p string, payload []byte, contentType string, out any) error {
	target := c.endpoint(p)
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, target, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &Error{Method: method, URL: target, StatusCode: resp.StatusCode, Status: resp.Status}
		var flinkErr struct {
			Errors []string `json:"errors"`
		}
		if json.Unmarshal(data, &flinkErr) == nil && len(flinkErr.Errors) > 0 {
			e.Errors = flinkErr.Errors
		} else if s := strings.TrimSpace(string(data)); s != "" {
			e.Errors = []string{s}
		}
		return e
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: the answer is not the JSON Flink sends: %w", method, target, err)
	}
	return nil
}
