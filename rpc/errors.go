package rpc

import (
	"errors"
	"fmt"
)

// Code classifies an error so that it survives the trip over the wire.
type Code string

// Codes of the transport. Applications add their own (any non-empty string).
const (
	// Unreachable: the connection was refused or the host is unknown — nothing
	// listens there (the process ended, the pod is gone).
	Unreachable Code = "Unreachable"
	// Timeout: no answer before the deadline (a partition, a hung peer).
	Timeout Code = "Timeout"
	// FencingTokenMismatch: the call was meant for another leader session.
	FencingTokenMismatch Code = "FencingTokenMismatch"
	// NoSuchMethod: the server does not serve the method.
	NoSuchMethod Code = "NoSuchMethod"
	// BadRequest: the request could not be read.
	BadRequest Code = "BadRequest"
	// Failed: the handler returned an error without a code of its own.
	Failed Code = "Failed"
)

// Error is an error with a Code. Remote errors arrive as *Error with the code and
// message the handler gave.
type Error struct {
	Code    Code
	Message string
	// Method and Address say which call failed (set on the caller's side).
	Method, Address string
	// Err is the local cause (network errors); nil for remote errors.
	Err error
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Method != "" {
		return fmt.Sprintf("rpc %s to %s: %s", e.Method, e.Address, msg)
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an error with a code for a handler to return.
func Errorf(code Code, format string, args ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of err ("" when it has none).
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsUnreachable reports whether the call found nothing listening at the address.
func IsUnreachable(err error) bool { return CodeOf(err) == Unreachable }

// IsTimeout reports whether the call got no answer before its deadline.
func IsTimeout(err error) bool { return CodeOf(err) == Timeout }

// wireError is an error as it travels.
type wireError struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

func toWire(err error) *wireError {
	var e *Error
	if errors.As(err, &e) && e.Err == nil && e.Code != "" {
		return &wireError{Code: e.Code, Message: e.Message}
	}
	code := CodeOf(err)
	if code == "" {
		code = Failed
	}
	return &wireError{Code: code, Message: err.Error()}
}
