package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// ErrorURN is the schema of every SCIM error response (RFC 7644 §3.12).
const ErrorURN = "urn:ietf:params:scim:api:messages:2.0:Error"

// ErrorType is the "scimType" of an error response: the machine-readable
// reason a client can act on without parsing the detail text.
type ErrorType string

// The error types of RFC 7644 §3.12 Table 9, plus tooLarge.
const (
	// ErrorInvalidFilter (invalidFilter): the filter syntax is wrong, or it
	// names something it cannot compare (an unknown attribute, "gt" on a
	// boolean).
	ErrorInvalidFilter ErrorType = "invalidFilter"
	// ErrorTooMany (tooMany): the query would return more results than the
	// server allows.
	ErrorTooMany ErrorType = "tooMany"
	// ErrorUniqueness (uniqueness): a value that must be unique (userName)
	// is already taken. Sent with 409 Conflict.
	ErrorUniqueness ErrorType = "uniqueness"
	// ErrorMutability (mutability): the request changes a readOnly
	// attribute, or an immutable one that already has a different value.
	ErrorMutability ErrorType = "mutability"
	// ErrorInvalidSyntax (invalidSyntax): the body is not the message
	// structure the endpoint expects: malformed JSON, an unknown attribute,
	// an unknown schema.
	ErrorInvalidSyntax ErrorType = "invalidSyntax"
	// ErrorInvalidPath (invalidPath): a PATCH path is malformed or names an
	// unknown attribute.
	ErrorInvalidPath ErrorType = "invalidPath"
	// ErrorNoTarget (noTarget): a PATCH path yields nothing to operate on: a
	// remove whose value filter matches no element, or without a path.
	ErrorNoTarget ErrorType = "noTarget"
	// ErrorInvalidValue (invalidValue): a value has the wrong type, a
	// required value is missing, or a query parameter cannot be understood.
	ErrorInvalidValue ErrorType = "invalidValue"
	// ErrorInvalidVers (invalidVers): the request names a SCIM version the
	// server does not speak.
	ErrorInvalidVers ErrorType = "invalidVers"
	// ErrorSensitive (sensitive): the request put sensitive data where it
	// may be logged, such as a filter in the URL; sent with 403.
	ErrorSensitive ErrorType = "sensitive"
	// ErrorTooLarge (tooLarge): the body exceeds the size limit; sent with
	// 413. RFC 7644 gives 413 no scimType, so clients that only know Table 9
	// see an unfamiliar but harmless value; the status carries the meaning.
	ErrorTooLarge ErrorType = "tooLarge"
)

// Status is the HTTP status that goes with an error type: 409 for
// uniqueness, 403 for sensitive, 413 for tooLarge, 400 for the rest.
func (t ErrorType) Status() int {
	switch t {
	case ErrorUniqueness:
		return http.StatusConflict
	case ErrorSensitive:
		return http.StatusForbidden
	case ErrorTooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// Error is a SCIM error: every function in this package that rejects a
// request returns one, so a handler can answer with it as it is. It
// marshals to the RFC 7644 §3.12 error body, with status as a string.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Type is the scimType; empty for errors that have none (404, 412).
	Type ErrorType
	// Detail is the human-readable explanation. It names the attribute path
	// or the byte offset at fault, and is safe to return to the client.
	Detail string
	// Err is the underlying cause, if any (a *SyntaxError for filters and
	// paths). It is not marshalled.
	Err error
}

// Errorf returns an error of type t with the status that goes with it.
func Errorf(t ErrorType, format string, args ...any) *Error {
	return &Error{Status: t.Status(), Type: t, Detail: fmt.Sprintf(format, args...)}
}

// InvalidFilterError returns an invalidFilter error (400).
func InvalidFilterError(format string, args ...any) *Error {
	return Errorf(ErrorInvalidFilter, format, args...)
}

// TooManyError returns a tooMany error (400).
func TooManyError(format string, args ...any) *Error { return Errorf(ErrorTooMany, format, args...) }

// UniquenessError returns a uniqueness error (409).
func UniquenessError(format string, args ...any) *Error {
	return Errorf(ErrorUniqueness, format, args...)
}

// MutabilityError returns a mutability error (400).
func MutabilityError(format string, args ...any) *Error {
	return Errorf(ErrorMutability, format, args...)
}

// InvalidSyntaxError returns an invalidSyntax error (400).
func InvalidSyntaxError(format string, args ...any) *Error {
	return Errorf(ErrorInvalidSyntax, format, args...)
}

// InvalidPathError returns an invalidPath error (400).
func InvalidPathError(format string, args ...any) *Error {
	return Errorf(ErrorInvalidPath, format, args...)
}

// NoTargetError returns a noTarget error (400).
func NoTargetError(format string, args ...any) *Error { return Errorf(ErrorNoTarget, format, args...) }

// InvalidValueError returns an invalidValue error (400).
func InvalidValueError(format string, args ...any) *Error {
	return Errorf(ErrorInvalidValue, format, args...)
}

// InvalidVersError returns an invalidVers error (400).
func InvalidVersError(format string, args ...any) *Error {
	return Errorf(ErrorInvalidVers, format, args...)
}

// SensitiveError returns a sensitive error (403).
func SensitiveError(format string, args ...any) *Error {
	return Errorf(ErrorSensitive, format, args...)
}

// TooLargeError returns a tooLarge error (413).
func TooLargeError(format string, args ...any) *Error { return Errorf(ErrorTooLarge, format, args...) }

// NotFoundError returns a 404 error, which has no scimType.
func NotFoundError(format string, args ...any) *Error {
	return &Error{Status: http.StatusNotFound, Detail: fmt.Sprintf(format, args...)}
}

// PreconditionFailedError returns a 412 error for a failed If-Match, which
// has no scimType.
func PreconditionFailedError(format string, args ...any) *Error {
	return &Error{Status: http.StatusPreconditionFailed, Detail: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	if e.Type == "" {
		return fmt.Sprintf("scim: %d: %s", e.Status, e.Detail)
	}
	return fmt.Sprintf("scim: %d %s: %s", e.Status, e.Type, e.Detail)
}

// Unwrap returns the cause, so errors.As finds a *SyntaxError.
func (e *Error) Unwrap() error { return e.Err }

// withContext returns a copy of e whose detail starts with prefix, so an
// error deep in a PATCH says which operation it came from.
func (e *Error) withContext(prefix string) *Error {
	c := *e
	c.Detail = prefix + ": " + e.Detail
	return &c
}

// errorJSON is the wire form. Status is a string per RFC 7644 §3.12.
type errorJSON struct {
	Schemas  []string  `json:"schemas"`
	Status   string    `json:"status"`
	ScimType ErrorType `json:"scimType,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

// MarshalJSON writes the RFC 7644 error body.
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(errorJSON{
		Schemas:  []string{ErrorURN},
		Status:   strconv.Itoa(e.Status),
		ScimType: e.Type,
		Detail:   e.Detail,
	})
}

// UnmarshalJSON reads an error body, accepting status as a string or, as
// some servers send it, a number; clients and test suites need both.
func (e *Error) UnmarshalJSON(data []byte) error {
	var raw struct {
		Status   json.RawMessage `json:"status"`
		ScimType ErrorType       `json:"scimType"`
		Detail   string          `json:"detail"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("scim error body: %w", err)
	}
	var s string
	if err := json.Unmarshal(raw.Status, &s); err != nil {
		s = string(raw.Status)
	}
	status, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("scim error body: status %q is not a number", s)
	}
	*e = Error{Status: status, Type: raw.ScimType, Detail: raw.Detail}
	return nil
}

// AsError returns err as a *Error: itself if it is (or wraps) one, else a
// 500 whose detail does not leak err's text, which may hold internals.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	return &Error{Status: http.StatusInternalServerError, Detail: "internal server error", Err: err}
}

// SyntaxError locates a syntax problem in a filter or PATCH path. It is the
// Err of the *Error that reports it.
type SyntaxError struct {
	// Offset is the byte offset in the input where the problem was found.
	Offset int
	// Msg says what was wrong there.
	Msg string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("at offset %d: %s", e.Offset, e.Msg) }
