package cdf

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// maxErrorBody caps how much of a non-2xx response body is read.
const maxErrorBody = 64 << 10

// APIError is a non-2xx response from CDF or from a download URL.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Code is error.code from the CDF error body, or 0 if absent.
	Code int
	// Message is error.message from the CDF error body, the error itself
	// when CDF sent it as a plain string, or "HTTP <status>" when the body
	// is not a CDF error.
	Message string
	// RequestID is the x-request-id response header; quote it to Cognite
	// support.
	RequestID string
	// Missing and Duplicated are the lookup objects CDF reports as not
	// found or not unique, for example [{"id": 123}].
	Missing    []map[string]any
	Duplicated []map[string]any
	// Method and Path name the call, with Path relative to the project
	// ("/context/vision/segment/123") and without query. Downloads use
	// Path "download" so that the signed URL never appears.
	Method, Path string
}

// Error returns e.g.
// "cdf: GET /context/vision/segment/1: 403 Forbidden: <message> (request id abc)".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("cdf: ")
	b.WriteString(e.Method)
	b.WriteString(" ")
	b.WriteString(e.Path)
	b.WriteString(": ")
	b.WriteString(statusLine(e.Status))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request id ")
		b.WriteString(e.RequestID)
		b.WriteString(")")
	}
	return b.String()
}

// statusLine returns "403 Forbidden", or just "599" for unknown codes.
func statusLine(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}

// newAPIError builds an APIError from a non-2xx response whose body (at
// most maxErrorBody bytes) has already been read. Bodies of download
// responses are ignored: storage services may echo parts of the signed
// request.
func newAPIError(status int, header http.Header, body []byte, method, path string, parseBody bool) *APIError {
	e := &APIError{
		Status:    status,
		RequestID: header.Get("X-Request-Id"),
		Method:    method,
		Path:      path,
	}
	if parseBody {
		parseErrorBody(e, body)
	}
	if e.Message == "" {
		e.Message = "HTTP " + statusLine(status)
	}
	return e
}

// parseErrorBody fills e from {"error":{"code","message","missing",
// "duplicated"}}, {"error":"text"} or, from proxies, {"message":"text"}.
// Anything else leaves e unchanged.
func parseErrorBody(e *APIError, body []byte) {
	var env struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &env) != nil {
		return
	}
	var obj struct {
		Code       int              `json:"code"`
		Message    string           `json:"message"`
		Missing    []map[string]any `json:"missing"`
		Duplicated []map[string]any `json:"duplicated"`
	}
	var text string
	switch {
	case json.Unmarshal(env.Error, &obj) == nil:
		e.Code, e.Message, e.Missing, e.Duplicated = obj.Code, obj.Message, obj.Missing, obj.Duplicated
	case json.Unmarshal(env.Error, &text) == nil:
		e.Message = text
	default:
		e.Message = env.Message
	}
	e.Message = strings.TrimSpace(e.Message)
}

// Names of what a LimitError limits.
const (
	whatJSON        = "JSON response"
	whatDownload    = "download"
	whatAnnotations = "annotations"
)

// LimitError reports a response body larger than the configured limit, or
// a listing with more items than the caller accepts.
type LimitError struct {
	// What is "JSON response", "download" or "annotations".
	What string
	// Limit is the configured maximum in bytes, or for "annotations" the
	// caller's maximum number of items.
	Limit int64
}

// Error names the limit and the environment variable that raises it.
func (e *LimitError) Error() string {
	if e.What == whatAnnotations {
		return fmt.Sprintf("cdf: more than %d annotations match (the caller's limit)", e.Limit)
	}
	env := "SEGVIEW_MAX_JSON_BYTES"
	if e.What == whatDownload {
		env = "SEGVIEW_MAX_IMAGE_BYTES"
	}
	return fmt.Sprintf("cdf: %s larger than %d bytes (limit %s)", e.What, e.Limit, env)
}

// readLimited reads r up to limit bytes, failing with a LimitError when
// the declared length or the actual body is larger.
func readLimited(r io.Reader, declared, limit int64, what string) ([]byte, error) {
	if declared > limit {
		return nil, &LimitError{What: what, Limit: limit}
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &LimitError{What: what, Limit: limit}
	}
	return b, nil
}

// AuthError reports that no access token could be obtained, for example
// because the token endpoint is down or rejected the client credentials.
// Err is already sanitized: it carries the status of the token endpoint
// and its OAuth2 "error" and "error_description" fields, or the transport
// failure, but never the client secret, a token or the raw response body.
type AuthError struct {
	Err error
}

// Error returns "cdf: could not obtain an access token: <reason>".
func (e *AuthError) Error() string {
	reason := "unknown error"
	if e.Err != nil {
		reason = e.Err.Error()
	}
	return "cdf: could not obtain an access token: " + reason
}

// Unwrap returns the sanitized reason.
func (e *AuthError) Unwrap() error { return e.Err }

// redactedError presents a redacted message while keeping the original
// chain for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// DecodeError means a 2xx response body was not the JSON the call expects.
type DecodeError struct {
	Method, Path string
	RequestID    string // x-request-id response header
	Err          error
}

func (e *DecodeError) Error() string {
	msg := fmt.Sprintf("cdf: %s %s: decoding response: %v", e.Method, e.Path, e.Err)
	if e.RequestID != "" {
		msg += " (request id " + e.RequestID + ")"
	}
	return msg
}

func (e *DecodeError) Unwrap() error { return e.Err }

// ContentTypeError means a 2xx response that should be JSON declared
// another content type, such as the HTML page of a proxy or a captive
// portal standing in for CDF. The body is not read as JSON.
type ContentTypeError struct {
	Method, Path string
	// ContentType is the response's Content-Type header.
	ContentType string
	RequestID   string // x-request-id response header, if any
}

func (e *ContentTypeError) Error() string {
	msg := fmt.Sprintf("cdf: %s %s: the response is %q, not JSON", e.Method, e.Path, e.ContentType)
	if e.RequestID != "" {
		msg += " (request id " + e.RequestID + ")"
	}
	return msg
}

// isJSON reports whether a Content-Type header names JSON:
// application/json or a +json type. A missing header is left to the JSON
// decoder to judge.
func isJSON(contentType string) bool {
	if strings.TrimSpace(contentType) == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}
