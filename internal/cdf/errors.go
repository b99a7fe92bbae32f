package cdf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// maxPrealloc caps the buffer reserved for a body from its declared
// Content-Length before any of it arrives.
const maxPrealloc = 64 << 20

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
	var b []byte
	var err error
	if declared > 0 {
		// The declared length is read into one buffer of that size (and
		// bytes.MinRead to see the end), not grown by doubling: a 16 MB
		// photo would otherwise leave about as much again as garbage. A
		// length no body has sent yet reserves at most maxPrealloc.
		buf := bytes.NewBuffer(make([]byte, 0, min(declared, maxPrealloc)+bytes.MinRead))
		_, err = buf.ReadFrom(io.LimitReader(r, limit+1))
		b = buf.Bytes()
	} else {
		b, err = io.ReadAll(io.LimitReader(r, limit+1))
	}
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

// What a failed call means for the person in front of segview's pages.
//
// The error types of this package say so themselves, through methods that
// segview's one error handler (internal/handlers) asks for by an interface
// of its own: HTTPStatus, PublicHeading, PublicMessage, PublicHint and
// ErrorKind (a short name for logs), and where they have them
// PublicDetail (CDF's own message) and CDFRequestID (x-request-id, to
// quote to Cognite support). None of them carries a token, the client
// secret or a signed download link.

// publicProblem is the page a failed call reads as.
type publicProblem struct {
	status                       int
	heading, message, hint, kind string
}

// public is what a non-2xx answer from CDF means for the dashboard's user,
// not for the HTTP client that received it:
//
//   - 401: CDF refused segview's credentials, a fault of segview's
//     configuration, so 502 (a bad gateway), with the settings to check.
//   - 403: 403, naming filesAcl:READ, the capability reading segmentation
//     jobs and their images needs.
//   - 404, and a 400 that lists missing ids: the job or file is not in
//     the project, 404.
//   - 429 and 503 that outlasted the retries: 503, try again later.
//   - any other answer: 502, with CDF's status in the message.
//
// A download from CDF's file storage (Path DownloadPath) reads otherwise:
// see downloadPublic.
func (e *APIError) public() publicProblem {
	if e.Path == DownloadPath {
		return e.downloadPublic()
	}
	switch {
	case e.Status == http.StatusUnauthorized:
		return publicProblem{http.StatusBadGateway, "Authentication to CDF failed",
			"CDF did not accept segview's credentials.",
			"Check that the token is issued for this CDF cluster (IDP_SCOPES, IDP_AUDIENCE; with SEGVIEW_CDF_IDENTITY=user, SEGVIEW_OIDC_SCOPES) and project.",
			"cdf_401"}
	case e.Status == http.StatusForbidden:
		return publicProblem{http.StatusForbidden, "Access denied by CDF",
			"CDF refused access. Reading segmentation jobs and their images needs the filesAcl:READ capability in this project.",
			"Ask a CDF administrator to grant filesAcl:READ to the group of segview's identity.",
			"cdf_403"}
	case e.Status == http.StatusNotFound || e.Status == http.StatusBadRequest && len(e.Missing) > 0:
		return publicProblem{http.StatusNotFound, "Not found in CDF", "CDF has no such job or file in this project.", "", "cdf_not_found"}
	case e.Status == http.StatusTooManyRequests:
		return publicProblem{http.StatusServiceUnavailable, "CDF is busy",
			"CDF kept throttling segview's requests after several retries.", "Try again in a minute.", "cdf_429"}
	case e.Status == http.StatusServiceUnavailable:
		return publicProblem{http.StatusServiceUnavailable, "CDF is unavailable",
			"CDF answered that it is unavailable, also after several retries.", "Try again in a minute.", "cdf_503"}
	case e.Status >= 500:
		return publicProblem{http.StatusBadGateway, "CDF failed",
			fmt.Sprintf("CDF answered with an error (HTTP %d).", e.Status), "", fmt.Sprintf("cdf_%d", e.Status)}
	}
	return publicProblem{http.StatusBadGateway, "CDF rejected the request",
		fmt.Sprintf("CDF answered HTTP %d to a request segview made.", e.Status), "", fmt.Sprintf("cdf_%d", e.Status)}
}

// downloadPublic is public for the download of an image from CDF's file
// storage: its refusals are not CDF's access rights (a 403 is a link that
// expired even after a new one was fetched), and it has no message of its
// own worth showing. Throttling and unavailability are 503, anything else
// 502.
func (e *APIError) downloadPublic() publicProblem {
	kind := fmt.Sprintf("download_%d", e.Status)
	switch e.Status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return publicProblem{http.StatusServiceUnavailable, "CDF's file storage is busy",
			fmt.Sprintf("The download of the image answered HTTP %d, also after several retries.", e.Status),
			"Try again in a minute.", kind}
	case http.StatusForbidden:
		return publicProblem{http.StatusBadGateway, "Could not download the image",
			"The download of the image from CDF's file storage answered HTTP 403. The download link was refused twice, also a fresh one.",
			"Check that the clock of this machine is right: download links live only about 30 seconds.", kind}
	}
	return publicProblem{http.StatusBadGateway, "Could not download the image",
		fmt.Sprintf("The download of the image from CDF's file storage answered HTTP %d.", e.Status), "", kind}
}

// HTTPStatus is the status segview answers with when a CDF call fails
// with e; see public for what each CDF status means to the user.
func (e *APIError) HTTPStatus() int       { return e.public().status }
func (e *APIError) PublicHeading() string { return e.public().heading }
func (e *APIError) PublicMessage() string { return e.public().message }
func (e *APIError) PublicHint() string    { return e.public().hint }
func (e *APIError) ErrorKind() string     { return e.public().kind }
func (e *APIError) CDFRequestID() string  { return e.RequestID }

// PublicDetail is CDF's own message; a download's is never shown.
func (e *APIError) PublicDetail() string {
	if e.Path == DownloadPath {
		return ""
	}
	return e.Message
}

// HTTPStatus is 502: without a token, segview cannot answer for CDF.
func (e *AuthError) HTTPStatus() int       { return http.StatusBadGateway }
func (e *AuthError) PublicHeading() string { return "Authentication to CDF failed" }
func (e *AuthError) PublicMessage() string {
	return "segview could not obtain an access token for CDF."
}
func (e *AuthError) PublicHint() string {
	return "Check IDP_TOKEN_URL, IDP_CLIENT_ID, IDP_CLIENT_SECRET and IDP_SCOPES (or CDF_TOKEN)."
}
func (e *AuthError) ErrorKind() string { return "cdf_auth" }

// PublicDetail is the sanitized reason (see AuthError).
func (e *AuthError) PublicDetail() string { return e.Error() }

// HTTPStatus is 502: CDF answered more than segview reads.
func (e *LimitError) HTTPStatus() int       { return http.StatusBadGateway }
func (e *LimitError) PublicHeading() string { return "CDF response too large" }
func (e *LimitError) PublicMessage() string { return e.Error() + "." }
func (e *LimitError) PublicHint() string    { return "" }
func (e *LimitError) ErrorKind() string     { return "cdf_limit" }

// HTTPStatus is 502: CDF's answer could not be read.
func (e *DecodeError) HTTPStatus() int       { return http.StatusBadGateway }
func (e *DecodeError) PublicHeading() string { return "Unreadable answer from CDF" }
func (e *DecodeError) PublicMessage() string {
	return "CDF answered with a body segview could not read as the expected JSON."
}
func (e *DecodeError) PublicHint() string   { return "" }
func (e *DecodeError) ErrorKind() string    { return "cdf_decode" }
func (e *DecodeError) CDFRequestID() string { return e.RequestID }

// HTTPStatus is 502: something other than CDF may have answered.
func (e *ContentTypeError) HTTPStatus() int       { return http.StatusBadGateway }
func (e *ContentTypeError) PublicHeading() string { return "Unreadable answer from CDF" }
func (e *ContentTypeError) PublicMessage() string {
	return fmt.Sprintf("CDF answered with %s instead of JSON; something between segview and CDF, such as a proxy, may have answered in its place.", MediaType(e.ContentType))
}
func (e *ContentTypeError) PublicHint() string {
	return "Check CDF_URL and any proxy between segview and CDF."
}
func (e *ContentTypeError) ErrorKind() string    { return "cdf_content_type" }
func (e *ContentTypeError) CDFRequestID() string { return e.RequestID }

// HTTPStatus is 502: CDF handed out a link segview does not follow. The
// message names the link by its scheme and host only, never the signed
// URL.
func (e *PolicyError) HTTPStatus() int       { return http.StatusBadGateway }
func (e *PolicyError) PublicHeading() string { return "Download link refused" }
func (e *PolicyError) PublicMessage() string {
	link := ""
	if e.Link != "" {
		link = " (" + strconv.Quote(e.Link) + ")"
	}
	return "CDF handed out a download link for the image" + link + " that segview does not follow: " + e.Reason + "."
}
func (e *PolicyError) PublicHint() string {
	return "segview downloads only over https with a valid certificate or from the CDF_URL host, never from loopback or private addresses (also through HTTPS_PROXY), and follows no redirect to another host."
}
func (e *PolicyError) ErrorKind() string { return "download_policy" }

// MediaType returns the media type of a Content-Type header, without its
// parameters and clipped to 64 characters, for messages shown to people.
func MediaType(contentType string) string {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt)
	if mt == "" {
		return "an unnamed content type"
	}
	if r := []rune(mt); len(r) > 64 {
		return string(r[:64]) + "…"
	}
	return mt
}

// Transient reports whether the failure may pass by itself: CDF busy
// (429) or failing (5xx) after the client's retries. A page may then show
// what it has without this read rather than fail; a refusal, a bad request
// or a missing item may not pass and must be shown as such.
func (e *APIError) Transient() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// Transient is false: without a token no read succeeds until the
// configuration or the identity provider is fixed.
func (e *AuthError) Transient() bool { return false }

// SkipFile says, for an image over the download limit, that the problem is
// the file's own, so that work over many files (an export) may leave this
// one out, and why; other limits are not one file's.
func (e *LimitError) SkipFile() (reason string, ok bool) {
	if e.What != whatDownload {
		return "", false
	}
	return fmt.Sprintf("its image is larger than %d bytes (SEGVIEW_MAX_IMAGE_BYTES)", e.Limit), true
}
