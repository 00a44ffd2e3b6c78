package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"time"
)

// request and response are what travels: one JSON value each way.
type request struct {
	Method string `json:"method"`
	Token  string `json:"token,omitempty"`
	// TimeoutMillis is what is left of the caller's deadline.
	TimeoutMillis int64           `json:"timeoutMillis,omitempty"`
	Body          json.RawMessage `json:"body,omitempty"`
}

type response struct {
	Body  json.RawMessage `json:"body,omitempty"`
	Error *wireError      `json:"error,omitempty"`
}

// requestReadTimeout bounds how long a server waits for the request of a connection
// it accepted.
const requestReadTimeout = 30 * time.Second

// Server serves the methods registered with Handle and HandleFenced.
type Server struct {
	log *slog.Logger

	mu      sync.RWMutex
	methods map[string]method
	token   string
}

type method struct {
	fenced bool
	call   func(ctx context.Context, body json.RawMessage) (any, error)
}

// NewServer makes a server without methods. log receives failed calls at debug level
// (nil: discarded).
func NewServer(log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{log: log, methods: map[string]method{}}
}

// Handle registers an unfenced method: any caller may call it.
func Handle[Req, Resp any](s *Server, name string, fn func(ctx context.Context, req Req) (Resp, error)) {
	s.register(name, false, typedHandler[Req, Resp](fn).call)
}

// HandleFenced registers a method that only answers calls carrying the server's
// current fencing token (SetFencingToken); others fail with FencingTokenMismatch.
func HandleFenced[Req, Resp any](s *Server, name string, fn func(ctx context.Context, req Req) (Resp, error)) {
	s.register(name, true, typedHandler[Req, Resp](fn).call)
}

func (s *Server) register(name string, fenced bool, call func(ctx context.Context, body json.RawMessage) (any, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.methods[name]; dup {
		panic(fmt.Sprintf("rpc: method %s registered twice", name))
	}
	s.methods[name] = method{fenced: fenced, call: call}
}

// SetFencingToken sets the token fenced methods require; "" refuses every fenced
// call (no leader session).
func (s *Server) SetFencingToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = token
}

// FencingToken returns the current fencing token.
func (s *Server) FencingToken() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.token
}

type tokenKey struct{}

// CallerToken returns the fencing token the caller sent with the call a handler
// serves ("" when it sent none).
func CallerToken(ctx context.Context) string {
	t, _ := ctx.Value(tokenKey{}).(string)
	return t
}

// Serve accepts connections on l until ctx ends, then closes l and every open
// connection, waits for the handlers to return, and returns nil. A listener that
// fails otherwise ends Serve with its error.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		conns  = map[net.Conn]struct{}{}
		closed bool
	)
	stop := context.AfterFunc(ctx, func() {
		l.Close()
		mu.Lock()
		closed = true
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	defer stop()
	for {
		c, err := l.Accept()
		if err != nil {
			l.Close()
			mu.Lock()
			closed = true
			for c := range conns {
				c.Close()
			}
			mu.Unlock()
			wg.Wait()
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("rpc: accepting connections on %s: %w", l.Addr(), err)
		}
		mu.Lock()
		if closed {
			mu.Unlock()
			c.Close()
			continue
		}
		conns[c] = struct{}{}
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveConn(ctx, c)
			c.Close()
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
		}()
	}
}

func (s *Server) serveConn(ctx context.Context, c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(requestReadTimeout))
	var req request
	if err := json.NewDecoder(c).Decode(&req); err != nil {
		s.log.Debug("rpc: unreadable request", "from", c.RemoteAddr(), "error", err)
		return
	}
	timeout := requestReadTimeout
	if req.TimeoutMillis > 0 {
		timeout = time.Duration(req.TimeoutMillis) * time.Millisecond
	}
	hctx, cancel := context.WithTimeout(context.WithValue(ctx, tokenKey{}, req.Token), timeout)
	defer cancel()
	body, err := s.dispatch(hctx, &req)
	var resp response
	if err != nil {
		resp.Error = toWire(err)
		s.log.Debug("rpc: call failed", "method", req.Method, "from", c.RemoteAddr(), "error", err)
	} else if resp.Body, err = json.Marshal(body); err != nil {
		resp.Body, resp.Error = nil, &wireError{Code: Failed, Message: "rpc: encoding the answer of " + req.Method + ": " + err.Error()}
	}
	deadline, _ := hctx.Deadline()
	_ = c.SetWriteDeadline(deadline)
	_ = json.NewEncoder(c).Encode(&resp)
}

func (s *Server) dispatch(ctx context.Context, req *request) (out any, err error) {
	s.mu.RLock()
	m, ok := s.methods[req.Method]
	token := s.token
	s.mu.RUnlock()
	if !ok {
		return nil, Errorf(NoSuchMethod, "no method %s here: the peer runs another version or another program", req.Method)
	}
	if m.fenced && (token == "" || req.Token != token) {
		if token == "" {
			return nil, Errorf(FencingTokenMismatch, "%s: this process holds no leader session (it is not the leader); find the current leader and call it", req.Method)
		}
		return nil, Errorf(FencingTokenMismatch, "%s: fencing token %q is not the current leader session %q; the caller talks to a former leader and must reconnect", req.Method, req.Token, token)
	}
	defer func() {
		if r := recover(); r != nil {
			err = Errorf(Failed, "%s panicked: %v\n%s", req.Method, r, debug.Stack())
		}
	}()
	return m.call(ctx, req.Body)
}

// typedHandler is a handler with its request and answer types.
type typedHandler[Req, Resp any] func(ctx context.Context, req Req) (Resp, error)

func (h typedHandler[Req, Resp]) call(ctx context.Context, body json.RawMessage) (any, error) {
	var req Req
	if len(body) > 0 && string(body) != "null" {
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, Errorf(BadRequest, "unreadable request: %v", err)
		}
	}
	return h(ctx, req)
}

// errNoAnswer is a connection that closed before the answer came.
var errNoAnswer = errors.New("the connection closed before the answer came")
