package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// Dialer opens connections; process.Network is one.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Client makes calls. It holds no connections between calls, so it needs no closing.
type Client struct {
	dial    Dialer
	timeout time.Duration
}

// NewClient makes a client whose calls last at most timeout (pekko.ask.timeout)
// unless the caller's context ends earlier; timeout 0 leaves it to the context.
func NewClient(dial Dialer, timeout time.Duration) *Client {
	return &Client{dial: dial, timeout: timeout}
}

// Timeout is the longest a call lasts.
func (c *Client) Timeout() time.Duration { return c.timeout }

// Call invokes method at address ("host:port") with req, carrying the fencing token
// (may be ""), and decodes the answer into resp (nil to ignore it). Errors are *Error:
// Unreachable when nothing listens there, Timeout when no answer came in time, the
// remote code otherwise; a cancelled ctx gives ctx's error.
func (c *Client) Call(ctx context.Context, address, method, token string, req, resp any) error {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	fail := func(code Code, err error) error {
		// The deadline counts as passed from its instant on, also before ctx's own timer
		// has fired: the callee's deadline is the same instant (it gets what is left of
		// the caller's), and it may close the connection first.
		if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return &Error{Code: Timeout, Method: method, Address: address, Err: fmt.Errorf("no answer within the deadline: %w", context.DeadlineExceeded)}
		}
		if ctx.Err() != nil {
			return fmt.Errorf("rpc %s to %s: %w", method, address, ctx.Err())
		}
		if isTimeout(err) {
			code = Timeout
		}
		return &Error{Code: code, Method: method, Address: address, Err: err}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("rpc %s: encoding the request: %w", method, err)
	}
	r := request{Method: method, Token: token, Body: body}
	if d, ok := ctx.Deadline(); ok {
		r.TimeoutMillis = max(time.Until(d).Milliseconds(), 1)
	}
	conn, err := c.dial.DialContext(ctx, "tcp", address)
	if err != nil {
		return fail(Unreachable, err)
	}
	defer conn.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if err := json.NewEncoder(conn).Encode(&r); err != nil {
		return fail(Unreachable, err)
	}
	var answer response
	if err := json.NewDecoder(conn).Decode(&answer); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = errNoAnswer
		}
		return fail(Unreachable, err)
	}
	if answer.Error != nil {
		return &Error{Code: answer.Error.Code, Message: answer.Error.Message, Method: method, Address: address}
	}
	if resp == nil || len(answer.Body) == 0 {
		return nil
	}
	if err := json.Unmarshal(answer.Body, resp); err != nil {
		return &Error{Code: BadRequest, Method: method, Address: address, Err: fmt.Errorf("unreadable answer: %w", err)}
	}
	return nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
