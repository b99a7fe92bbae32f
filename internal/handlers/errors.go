package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/web/templates"
)

// Context keys shared with the request logger and the routes.
const (
	// ctxPlainErrors marks routes whose errors are plain text (images).
	ctxPlainErrors = "segview.plainErrors"
	// ctxCDFRequestID carries the x-request-id of a failed CDF call to the log.
	ctxCDFRequestID = "segview.cdfRequestID"
	// ctxErrorKind carries the classified error to the log.
	ctxErrorKind = "segview.errorKind"
	// ctxProject names the CDF project a /projects/{project}/ route
	// resolved, for its error page's title and header.
	ctxProject = "segview.project"
)

// problem is an error as the person in front of the browser sees it.
type problem struct {
	Status    int
	Heading   string
	Message   string
	Detail    string // CDF's own message
	RequestID string // CDF's x-request-id
	Hint      string
	Kind      string // short machine-readable kind, for logs
	// RetryAfter is sent as Retry-After with a 503; 0 means the default.
	RetryAfter time.Duration
}

// defaultRetryAfter is the Retry-After of a 503 that does not name its own.
const defaultRetryAfter = 30 * time.Second

// publicError is an error that says what it means for the person in front
// of the browser: the status segview answers with, the page's heading,
// message and hint, and a short kind for the log line. Its message and
// hint are shown as they are, so they never carry a token, a secret or a
// signed URL. segview's error types implement it in their own packages
// (cdf, imaging, render, segment, jobs, verdict, auth) by their methods alone:
// those packages import nothing of handlers, and handlers imports none of
// them for their errors.
type publicError interface {
	error
	HTTPStatus() int
	PublicHeading() string
	PublicMessage() string
	PublicHint() string
	ErrorKind() string
}

// Methods a publicError may have besides.
type (
	// detailError has CDF's own message, shown as what CDF said.
	detailError interface{ PublicDetail() string }
	// requestIDError has CDF's x-request-id, to quote to Cognite support.
	requestIDError interface{ CDFRequestID() string }
	// retryAfterError says when to ask again, for Retry-After with a 503.
	retryAfterError interface{ RetryAfter() time.Duration }
)

// framingError wraps an error whose meaning it keeps but retells for what
// the person was doing (verdict.Error: a verdict not saved). Frame gets
// the heading, message, hint and kind the page would show for the wrapped
// error and returns those to show; status, detail and request id stay the
// wrapped error's.
type framingError interface {
	error
	Unwrap() error
	Frame(heading, message, hint, kind string) (string, string, string, string)
}

// classify maps an error to what the person sees: a body over the limit is
// 413 whatever was reading it; an error that retells the one it wraps
// (framingError) frames that one's problem; otherwise the outermost
// publicError in the chain says what it means. What remains are the
// standard library's and echo's errors, which classify maps itself; an
// error it does not know is a 500 that shows nothing of the error.
func classify(err error) problem {
	var (
		maxBytes *http.MaxBytesError
		framing  framingError
		public   publicError
		httpErr  *echo.HTTPError
	)
	switch {
	case errors.As(err, &maxBytes):
		return classifyHTTP(echo.ErrStatusRequestEntityTooLarge)
	case errors.As(err, &framing):
		p := classify(framing.Unwrap())
		p.Heading, p.Message, p.Hint, p.Kind = framing.Frame(p.Heading, p.Message, p.Hint, p.Kind)
		return p
	case errors.As(err, &public):
		return publicProblem(public)
	case errors.Is(err, context.DeadlineExceeded):
		return problem{Status: http.StatusGatewayTimeout, Heading: "CDF did not answer in time",
			Message: "The request to CDF took longer than segview waits (SEGVIEW_REQUEST_TIMEOUT).", Hint: "Try again in a moment.", Kind: "timeout"}
	case errors.Is(err, context.Canceled):
		return problem{Status: http.StatusServiceUnavailable, Heading: "Request cancelled",
			Message: "The request was cancelled before it finished.", Kind: "canceled"}
	case errors.As(err, &httpErr):
		return classifyHTTP(httpErr)
	case isNetError(err):
		return problem{Status: http.StatusBadGateway, Heading: "Could not reach CDF",
			Message: "The connection to CDF failed.", Hint: "Check CDF_URL and the network, then try again.", Kind: "cdf_unreachable"}
	}
	return problem{Status: http.StatusInternalServerError, Heading: "Something went wrong",
		Message: "segview failed to answer this request. The error has been logged.", Kind: "internal"}
}

// publicProblem is the problem a publicError describes.
func publicProblem(e publicError) problem {
	p := problem{Status: e.HTTPStatus(), Heading: e.PublicHeading(), Message: e.PublicMessage(),
		Hint: e.PublicHint(), Kind: e.ErrorKind()}
	if d, ok := e.(detailError); ok {
		p.Detail = d.PublicDetail()
	}
	if r, ok := e.(requestIDError); ok {
		p.RequestID = r.CDFRequestID()
	}
	if r, ok := e.(retryAfterError); ok {
		p.RetryAfter = r.RetryAfter()
	}
	if p.Status < 400 || p.Status > 599 {
		p.Status = http.StatusInternalServerError
	}
	return p
}

// What handlers' own errors mean; see publicError.

func (e *hostError) HTTPStatus() int       { return http.StatusMisdirectedRequest }
func (e *hostError) PublicHeading() string { return "Unknown host name" }
func (e *hostError) PublicMessage() string {
	return fmt.Sprintf("segview does not serve the host name %q.", clip(e.host))
}
func (e *hostError) PublicHint() string {
	return "Open segview at the address it is configured for. Its operator can add the name to SEGVIEW_ALLOWED_HOSTS."
}
func (e *hostError) ErrorKind() string { return "host" }

func (e *inputError) HTTPStatus() int       { return http.StatusBadRequest }
func (e *inputError) PublicHeading() string { return "Bad request" }
func (e *inputError) PublicMessage() string { return e.msg }
func (e *inputError) PublicHint() string    { return "" }
func (e *inputError) ErrorKind() string     { return "input" }

func (e *csrfError) HTTPStatus() int       { return http.StatusForbidden }
func (e *csrfError) PublicHeading() string { return "Request refused" }
func (e *csrfError) PublicMessage() string { return e.msg }
func (e *csrfError) PublicHint() string    { return "Go back, reload the page and try again." }
func (e *csrfError) ErrorKind() string     { return "csrf" }

func (e *notFoundError) HTTPStatus() int       { return http.StatusNotFound }
func (e *notFoundError) PublicHeading() string { return "Not found" }
func (e *notFoundError) PublicMessage() string { return e.msg }
func (e *notFoundError) PublicHint() string    { return "" }
func (e *notFoundError) ErrorKind() string     { return "not_found" }

func (e *conflictError) HTTPStatus() int       { return http.StatusConflict }
func (e *conflictError) PublicHeading() string { return "Not possible now" }
func (e *conflictError) PublicMessage() string { return e.msg }
func (e *conflictError) PublicHint() string    { return "" }
func (e *conflictError) ErrorKind() string     { return "conflict" }

func (e *exportsBusyError) HTTPStatus() int       { return http.StatusServiceUnavailable }
func (e *exportsBusyError) PublicHeading() string { return "Busy with other exports" }
func (e *exportsBusyError) PublicMessage() string {
	return "segview is building as many exports as it may at once: " + e.Error() + "."
}
func (e *exportsBusyError) PublicHint() string        { return "Try again in a moment." }
func (e *exportsBusyError) ErrorKind() string         { return "exports_busy" }
func (e *exportsBusyError) RetryAfter() time.Duration { return exportRetryAfter }

func classifyHTTP(e *echo.HTTPError) problem {
	p := problem{Status: e.Code, Kind: fmt.Sprintf("http_%d", e.Code)}
	switch e.Code {
	case http.StatusNotFound:
		p.Heading, p.Message = "Page not found", "There is no page at this address."
	case http.StatusMethodNotAllowed:
		p.Heading, p.Message = "Method not allowed", "This address does not accept that kind of request."
	case http.StatusRequestEntityTooLarge:
		p.Heading, p.Message = "Request too large", "The request body is larger than segview accepts."
	default:
		p.Heading = http.StatusText(e.Code)
		if p.Heading == "" {
			p.Heading = "Error"
		}
		if msg, ok := e.Message.(string); ok && e.Code < 500 {
			p.Message = msg
		} else {
			p.Message = http.StatusText(e.Code)
		}
	}
	if p.Status < 400 || p.Status > 599 {
		p.Status = http.StatusInternalServerError
	}
	return p
}

func isNetError(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne)
}

// ErrorHandler is segview's one echo.HTTPErrorHandler: it classifies the
// error and answers with an HTML error page, or plain text on image routes.
// The request logger writes the single log line for the request.
func ErrorHandler(page Page, logger *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		// The request's context may be cancelled by now (the timeout
		// middleware has returned); the error page must still render.
		c.SetRequest(c.Request().WithContext(context.WithoutCancel(c.Request().Context())))
		p := classify(err)
		c.Set(ctxErrorKind, p.Kind)
		if p.RequestID != "" {
			c.Set(ctxCDFRequestID, p.RequestID)
		}
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		if p.Status == http.StatusServiceUnavailable {
			h.Set("Retry-After", retryAfter(p.RetryAfter))
		}
		if wantsJSON(c) {
			if werr := c.JSON(p.Status, jsonProblem(p)); werr != nil {
				logger.Warn("writing error response", "err", werr)
			}
			return
		}
		if plain, _ := c.Get(ctxPlainErrors).(bool); plain {
			if werr := c.String(p.Status, plainText(p)); werr != nil {
				logger.Warn("writing error response", "err", werr)
			}
			return
		}
		pg := page // this request's own copy
		if name, _ := c.Get(ctxProject).(string); name != "" {
			pg.Project = name
		}
		m := templates.ErrorPage{Base: forRequest(c, pg.Base(p.Heading)), Status: p.Status, Heading: p.Heading,
			Message: p.Message, Detail: p.Detail, RequestID: p.RequestID, Hint: p.Hint}
		comp := templates.Error(m)
		if em, ok := embedErrorPage(c, m); ok {
			// Shown in another site's frame: no header, no links but one.
			comp = templates.EmbedError(em)
		}
		if rerr := writePage(c, p.Status, comp); rerr != nil {
			logger.Error("rendering error page", "err", rerr)
			_ = c.String(p.Status, plainText(p))
		}
	}
}

// retryAfter formats d as Retry-After seconds, rounded up, at least 1;
// 0 means defaultRetryAfter.
func retryAfter(d time.Duration) string {
	if d <= 0 {
		d = defaultRetryAfter
	}
	return strconv.FormatInt(max(1, int64((d+time.Second-1)/time.Second)), 10)
}

// errorBody is the JSON form of a problem, for requests that ask for JSON.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Status    int    `json:"status"`
	Heading   string `json:"heading"`
	Message   string `json:"message"`
	Detail    string `json:"detail,omitempty"`
	Hint      string `json:"hint,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

func jsonProblem(p problem) errorBody {
	return errorBody{Error: errorDetail{Status: p.Status, Heading: p.Heading, Message: p.Message, Detail: p.Detail, Hint: p.Hint, RequestID: p.RequestID}}
}

func plainText(p problem) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s: %s", p.Status, p.Heading, p.Message)
	if p.Detail != "" {
		fmt.Fprintf(&b, "\nCDF said: %s", p.Detail)
	}
	if p.RequestID != "" {
		fmt.Fprintf(&b, "\nCDF request id: %s", p.RequestID)
	}
	b.WriteString("\n")
	return b.String()
}
