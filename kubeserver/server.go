package kubeserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"flinksim/sim/apiserver"
)

// Config configures a Server.
type Config struct {
	// API is the simulated API server to serve. Required.
	API *apiserver.Server
	// Logs reads the log of a pod's container (the kubelet's log source). nil
	// answers pods/log with 404.
	Logs apiserver.LogSource
	// Authorizer answers access reviews (kubectl auth can-i) and impersonation. It
	// should be the authorizer the API server enforces; nil means the cluster enforces
	// none and every identity may do everything.
	Authorizer apiserver.Authorizer
	// Tokens maps bearer tokens to the users they authenticate. A request with an
	// unknown token gets 401 Unauthorized, and so does one without a token unless
	// Anonymous is set.
	Tokens map[string]string
	// Anonymous is the user of requests without a token; empty refuses them. Over
	// plain HTTP, where client-go sends no bearer token, it is how the old insecure port
	// of kube-apiserver worked: whoever reaches the loopback port is cluster-admin.
	Anonymous string
	// Address is where to listen. It must be a loopback address: the simulated
	// cluster trusts its callers. Default "127.0.0.1:0" (any free port).
	Address string
	// TLS, when set, serves HTTPS with its certificates; nil serves plain HTTP.
	TLS *tls.Config
	// Extensions answer the paths under /flinksim/ (a control endpoint beside the
	// Kubernetes API), for authenticated members of system:masters only. The user is
	// in the request's context (UserFrom).
	Extensions http.Handler
	// LogPollInterval is how often a followed pod log (kubectl logs -f) looks for new
	// lines. Default 200 ms.
	LogPollInterval time.Duration
	// Log receives one line per failed request and the server's own troubles.
	// Default: discarded.
	Log *slog.Logger
}

// Server serves a simulated API server as a Kubernetes API endpoint over HTTP(S), for
// kubectl and client-go.
type Server struct {
	cfg      Config
	listener net.Listener
}

// New validates cfg and binds the listening socket, so that URL is known before Start;
// it starts no goroutine. Call Start to serve, or Close to give the socket back.
func New(cfg Config) (*Server, error) {
	if cfg.API == nil {
		return nil, errors.New("kubeserver: Config.API is required (the simulated API server to serve)")
	}
	if len(cfg.Tokens) == 0 && cfg.Anonymous == "" {
		return nil, errors.New("kubeserver: Config.Tokens is empty and Config.Anonymous unset: no request could be authenticated")
	}
	for token, user := range cfg.Tokens {
		if token == "" || user == "" {
			return nil, errors.New("kubeserver: Config.Tokens has an empty token or user")
		}
	}
	if cfg.Address == "" {
		cfg.Address = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("kubeserver: address %q is not host:port (e.g. 127.0.0.1:6443): %w", cfg.Address, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("kubeserver: address %q is not a loopback address: the simulated cluster serves only this machine (use 127.0.0.1)", cfg.Address)
	}
	if cfg.LogPollInterval <= 0 {
		cfg.LogPollInterval = 200 * time.Millisecond
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	l, err := net.Listen("tcp", cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("kubeserver: cannot listen on %s (is the port taken? choose another or :0): %w", cfg.Address, err)
	}
	return &Server{cfg: cfg, listener: l}, nil
}

// URL is the server's base URL, e.g. https://127.0.0.1:6443.
func (s *Server) URL() string {
	scheme := "http"
	if s.cfg.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + s.listener.Addr().String()
}

// Close gives back the listening socket of a server that was never started.
func (s *Server) Close() error { return s.listener.Close() }

// Start serves until ctx ends, then ends open watches and followed logs and waits for
// every request to finish.
func (s *Server) Start(ctx context.Context) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          slog.NewLogLogger(s.cfg.Log.Handler(), slog.LevelDebug),
		TLSConfig:         s.cfg.TLS,
	}
	done := make(chan error, 1)
	go func() {
		if s.cfg.TLS != nil {
			done <- srv.ServeTLS(s.listener, "", "")
		} else {
			done <- srv.Serve(s.listener)
		}
	}()
	select {
	case err := <-done:
		return fmt.Errorf("kubeserver: serving on %s: %w", s.listener.Addr(), err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdown)
	if serr := <-done; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("kubeserver: shutting down: %w", err)
	}
	return nil
}

type userKey struct{}

// UserFrom is the authenticated (or impersonated) user of a request to an extension.
func UserFrom(ctx context.Context) string {
	u, _ := ctx.Value(userKey{}).(string)
	return u
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.cfg.Log.Error("kubeserver: request failed", "method", r.Method, "path", r.URL.Path, "panic", p)
			writeError(w, internalError(fmt.Errorf("the simulated API server failed to serve %s %s: %v", r.Method, r.URL.Path, p)))
		}
	}()
	switch r.URL.Path {
	case "/version", "/healthz", "/livez", "/readyz":
		// Open to anyone, as system:public-info-viewer makes them on a real cluster.
		s.serveDiscovery(w, r)
		return
	}
	user, err := s.authenticate(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/flinksim/") {
		if s.cfg.Extensions == nil || !slices.Contains(apiserver.GroupsOf(user), apiserver.GroupMasters) {
			writeError(w, forbiddenPath(user, r))
			return
		}
		s.cfg.Extensions.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, user)))
		return
	}
	if s.serveDiscovery(w, r) {
		return
	}
	s.serveResource(w, r, user)
}

// authenticate finds the user of the bearer token and applies impersonation
// (Impersonate-User, as kubectl --as sends it) when the user may impersonate.
func (s *Server) authenticate(r *http.Request) (string, error) {
	auth := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	user := s.cfg.Tokens[strings.TrimSpace(token)]
	switch {
	case auth == "" && s.cfg.Anonymous != "":
		user = s.cfg.Anonymous
	case !ok || user == "":
		return "", unauthorized()
	}
	if len(r.Header.Values("Impersonate-Group")) > 0 || len(r.Header.Values("Impersonate-Uid")) > 0 {
		return "", badRequest("flinksim honours Impersonate-User only: the groups of a user follow from its name " +
			"(system:serviceaccount:<ns>:<name> is in system:serviceaccounts and system:serviceaccounts:<ns>); drop --as-group and --as-uid")
	}
	as := r.Header.Get("Impersonate-User")
	if as == "" {
		return user, nil
	}
	if !s.allowed(apiserver.Request{User: user, Groups: apiserver.GroupsOf(user), Verb: "impersonate",
		Resource: groupResource("", "users"), Name: as}) {
		return "", forbiddenImpersonation(user, as)
	}
	return as, nil
}

// allowed decides a request as the API server would: system:masters always passes,
// then the authorizer (none: everything passes).
func (s *Server) allowed(req apiserver.Request) bool {
	ok, _ := s.decide(req)
	return ok
}

func (s *Server) decide(req apiserver.Request) (bool, string) {
	if slices.Contains(req.Groups, apiserver.GroupMasters) {
		return true, ""
	}
	if s.cfg.Authorizer == nil {
		return true, "the simulated cluster does not enforce RBAC (start it with --rbac to enforce it)"
	}
	return s.cfg.Authorizer.Authorize(req)
}
