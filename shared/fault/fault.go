// Package fault defines the errors that Stanza's domain and ports return.
//
// # Codes
//
// Every error a caller may act on carries a Code and a message that is safe to
// show to a user. Any other error is internal: it is logged, and the client only
// learns that something went wrong on our side. The HTTP layer maps codes to
// statuses in one table (see package httpapi).
package fault

import (
	"errors"
	"fmt"
)

// Code classifies an error by what the caller can do about it.
type Code string

const (
	Internal             Code = "internal"               // a bug or an unavailable dependency
	Invalid              Code = "invalid"                // the input is malformed or breaks a rule
	NotFound             Code = "not_found"              // the addressed thing does not exist (or is not visible)
	MethodNotAllowed     Code = "method_not_allowed"     // the address exists, not for this method
	Conflict             Code = "conflict"               // a condition on the current state does not hold
	Unauthorized         Code = "unauthorized"           // no valid credentials
	Forbidden            Code = "forbidden"              // credentials valid, permission missing
	TooLarge             Code = "too_large"              // the body or file is over the limit
	Unimplemented        Code = "unimplemented"          // the feature does not exist yet
	TooManyRequests      Code = "too_many_requests"      // rate limit reached
	UnsupportedMediaType Code = "unsupported_media_type" // the body is in a format the address does not take
)

// Error is an error with a code and a user-safe message. Message is an
// Italian format string and doubles as the key of its translations (package
// i18n); Args fill its placeholders.
type Error struct {
	Code    Code
	Message string
	Args    []any
	Err     error // the cause, never shown to users
}

func (e *Error) Error() string {
	msg := e.Message
	if len(e.Args) > 0 {
		msg = fmt.Sprintf(msg, e.Args...)
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, msg, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, msg)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with code and a message (a format string with args).
func New(code Code, message string, args ...any) *Error {
	return &Error{Code: code, Message: message, Args: args}
}

// Wrap returns an error with code and message whose cause is err.
func Wrap(err error, code Code, message string, args ...any) *Error {
	return &Error{Code: code, Message: message, Args: args, Err: err}
}

// CodeOf returns the code of the first *Error in err's chain, Internal when
// there is none, and "" for a nil error.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }
