package kubeclient

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"k8s.io/client-go/rest"

	"flinksim/config"
)

// The fabric8 setting Flink's docs point to for the number of concurrent requests,
// as a Flink option and as the environment variable fabric8 reads.
const (
	MaxConcurrentRequestsKey = "kubernetes.max.concurrent.requests"
	MaxConcurrentRequestsEnv = "KUBERNETES_MAX_CONCURRENT_REQUESTS"
	// DefaultMaxConcurrentRequests is fabric8's default.
	DefaultMaxConcurrentRequests = 64
)

// maxConcurrentRequests reads the option, else the environment variable, else the
// default.
func maxConcurrentRequests(conf *config.Configuration, lookupEnv func(string) (string, bool)) (int, error) {
	raw, source := "", ""
	if v, ok := conf.GetString(MaxConcurrentRequestsKey); ok {
		raw, source = v, MaxConcurrentRequestsKey
	} else if v, ok := lookupEnv(MaxConcurrentRequestsEnv); ok {
		raw, source = v, "the environment variable "+MaxConcurrentRequestsEnv
	} else {
		return DefaultMaxConcurrentRequests, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s is %q: it must be a whole number of at least 1 (the default is %d)",
			source, raw, DefaultMaxConcurrentRequests)
	}
	return n, nil
}

// applyLimits maps the fabric8 setting onto client-go: a cap of n requests in flight
// and a token bucket of n per second, burst n.
func applyLimits(c *rest.Config, n int) {
	c.QPS = float32(n)
	c.Burst = n
	c.RateLimiter = nil
	c.Wrap(func(rt http.RoundTripper) http.RoundTripper { return newInFlightLimiter(n, rt) })
}

// inFlightLimiter lets at most cap(slots) requests be in flight; a request holds its
// slot until its response body is closed. Watches stay open for minutes and are not
// counted, as fabric8 does not count its web sockets.
type inFlightLimiter struct {
	slots chan struct{}
	next  http.RoundTripper
}

func newInFlightLimiter(n int, next http.RoundTripper) *inFlightLimiter {
	return &inFlightLimiter{slots: make(chan struct{}, n), next: next}
}

func (l *inFlightLimiter) RoundTrip(req *http.Request) (*http.Response, error) {
	if w := req.URL.Query().Get("watch"); w == "true" || w == "1" {
		return l.next.RoundTrip(req)
	}
	select {
	case l.slots <- struct{}{}:
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	resp, err := l.next.RoundTrip(req)
	if err != nil {
		<-l.slots
		return nil, err
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: func() { <-l.slots }}
	return resp, nil
}

// WrappedRoundTripper lets client-go's debugging wrappers see through.
func (l *inFlightLimiter) WrappedRoundTripper() http.RoundTripper { return l.next }

type releasingBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}
