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

	"github.com/segview/segview/internal/auth"
	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/imaging"
	"github.com/segview/segview/internal/render"
	"github.com/segview/segview/internal/segment"
	"github.com/segview/segview/internal/verdict"
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

// classify maps every error segview can meet to what the person sees. It is
// the only place that decides status codes and wording of failures.
func classify(err error) problem {
	var (
		in       *inputError
		nf       *notFoundError
		httpErr  *echo.HTTPError
		apiErr   *cdf.APIError
		authErr  *cdf.AuthError
		limitErr *cdf.LimitError
		decErr   *cdf.DecodeError
		tooLarge *imaging.TooLargeError
		rnf      *render.NotFoundError
		notInJob *segment.FileNotInJobError
		verts    *segment.TooManyVerticesError
		busy     *render.BusyError
		exports  *exportsBusyError
		signIn   *auth.Error
		csrf     *csrfError
		policy   *cdf.PolicyError
		ctype    *cdf.ContentTypeError
		notImage *render.NotAnImageError
		conflict *conflictError
		vin      *verdict.InputError
		verr     *verdict.Error
		host     *hostError
		maxBytes *http.MaxBytesError
	)
	switch {
	case errors.As(err, &host):
		return problem{Status: http.StatusMisdirectedRequest, Heading: "Unknown host name",
			Message: fmt.Sprintf("segview does not serve the host name %q.", clip(host.host)),
			Hint:    "Open segview at the address it is configured for. Its operator can add the name to SEGVIEW_ALLOWED_HOSTS.", Kind: "host"}
	case errors.As(err, &maxBytes):
		return classifyHTTP(echo.ErrStatusRequestEntityTooLarge)
	case errors.As(err, &in):
		return problem{Status: http.StatusBadRequest, Heading: "Bad request", Message: in.msg, Kind: "input"}
	case errors.As(err, &csrf):
		return problem{Status: http.StatusForbidden, Heading: "Request refused", Message: csrf.msg,
			Hint: "Go back, reload the page and try again.", Kind: "csrf"}
	case errors.As(err, &nf):
		return problem{Status: http.StatusNotFound, Heading: "Not found", Message: nf.msg, Kind: "not_found"}
	case errors.As(err, &conflict):
		return problem{Status: http.StatusConflict, Heading: "Not possible now", Message: conflict.msg, Kind: "conflict"}
	case errors.As(err, &vin):
		return problem{Status: http.StatusBadRequest, Heading: "Verdict not saved", Message: vin.Msg, Kind: "verdict_input"}
	case errors.As(err, &verr):
		return classifyVerdict(verr)
	case errors.As(err, &rnf):
		return problem{Status: http.StatusNotFound, Heading: "Not found", Message: capitalize(rnf.What) + ".", Kind: "not_found"}
	case errors.As(err, &notInJob):
		return problem{Status: http.StatusNotFound, Heading: "Not found", Message: capitalize(notInJob.Error()) + ".", Kind: "not_found"}
	case errors.As(err, &signIn):
		return problem{Status: signIn.Status, Heading: "Sign-in failed", Message: signIn.Message, Hint: signIn.Hint, Kind: "sign_in"}
	case errors.As(err, &apiErr):
		return classifyAPI(apiErr)
	case errors.As(err, &authErr):
		return problem{Status: http.StatusBadGateway, Heading: "Authentication to CDF failed",
			Message: "segview could not obtain an access token for CDF.",
			Detail:  authErr.Error(),
			Hint:    "Check IDP_TOKEN_URL, IDP_CLIENT_ID, IDP_CLIENT_SECRET and IDP_SCOPES (or CDF_TOKEN).",
			Kind:    "cdf_auth"}
	case errors.As(err, &limitErr):
		return problem{Status: http.StatusBadGateway, Heading: "CDF response too large",
			Message: limitErr.Error() + ".", Kind: "cdf_limit"}
	case errors.As(err, &ctype):
		return problem{Status: http.StatusBadGateway, Heading: "Unreadable answer from CDF",
			Message:   fmt.Sprintf("CDF answered with %s instead of JSON; something between segview and CDF, such as a proxy, may have answered in its place.", mediaType(ctype.ContentType)),
			Hint:      "Check CDF_URL and any proxy between segview and CDF.",
			RequestID: ctype.RequestID, Kind: "cdf_content_type"}
	case errors.As(err, &policy):
		link := ""
		if policy.Link != "" {
			link = " (" + strconv.Quote(policy.Link) + ")"
		}
		return problem{Status: http.StatusBadGateway, Heading: "Download link refused",
			Message: "CDF handed out a download link for the image" + link + " that segview does not follow: " + policy.Reason + ".",
			Hint:    "segview downloads only over https with a valid certificate or from the CDF_URL host, never from loopback or private addresses (also through HTTPS_PROXY), and follows no redirect to another host.",
			Kind:    "download_policy"}
	case errors.As(err, &notImage):
		return problem{Status: http.StatusBadGateway, Heading: "No image from CDF",
			Message: fmt.Sprintf("The download of the image answered with a web page (%s) instead of the image.", mediaType(notImage.ContentType)),
			Hint:    "Something between segview and CDF's file storage, such as a proxy, may have answered in its place.",
			Kind:    "download_not_image"}
	case errors.As(err, &decErr):
		return problem{Status: http.StatusBadGateway, Heading: "Unreadable answer from CDF",
			Message:   "CDF answered with a body segview could not read as the expected JSON.",
			RequestID: decErr.RequestID, Kind: "cdf_decode"}
	case errors.As(err, &tooLarge):
		return problem{Status: http.StatusUnprocessableEntity, Heading: "Image too large",
			Message: capitalize(tooLarge.Error()) + ".", Kind: "image_too_large"}
	case errors.Is(err, imaging.ErrUnsupported):
		return problem{Status: http.StatusUnprocessableEntity, Heading: "Not a supported image",
			Message: "The file is not a JPEG or PNG image segview can draw on: " + err.Error() + ".", Kind: "image_unsupported"}
	case errors.As(err, &verts):
		return problem{Status: http.StatusUnprocessableEntity, Heading: "Too much geometry",
			Message: capitalize(verts.Error()) + ".", Kind: "too_many_vertices"}
	case errors.As(err, &exports):
		return problem{Status: http.StatusServiceUnavailable, Heading: "Busy with other exports",
			Message: "segview is building as many exports as it may at once: " + exports.Error() + ".",
			Hint:    "Try again in a moment.", Kind: "exports_busy", RetryAfter: exportRetryAfter}
	case errors.As(err, &busy):
		return problem{Status: http.StatusServiceUnavailable, Heading: "Busy drawing other images",
			Message: "segview is drawing as many images as it may at once and none finished in time: " + busy.Error() + ".",
			Hint:    "Try again in a moment.", Kind: "render_busy", RetryAfter: busy.RetryAfter()}
	case errors.Is(err, render.ErrNoDownloadLink):
		return problem{Status: http.StatusBadGateway, Heading: "No image from CDF",
			Message: "CDF returned no download link for the file.", Kind: "cdf_no_link"}
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

// classifyVerdict is classify for reading or writing verdicts in CDF: a
// refusal names the Annotations API capability it needs, and every
// failure to write says that nothing was changed.
func classifyVerdict(e *verdict.Error) problem {
	if verdict.IsRefused(e.Err) {
		var api *cdf.APIError
		errors.As(e.Err, &api)
		p := problem{Status: http.StatusForbidden, Heading: "Access denied by CDF", Detail: api.Message, RequestID: api.RequestID, Kind: "verdict_403"}
		if e.Op == verdict.OpWrite {
			p.Heading = "Verdict not saved"
			p.Message = "CDF refused to store the verdict. Recording verdicts needs the annotationsAcl:WRITE capability (and annotationsAcl:READ and filesAcl:READ) in this project. Nothing was changed in CDF, and the page keeps your view."
			p.Hint = "Ask a CDF administrator to grant annotationsAcl:WRITE to the group of the identity segview uses, then try again."
		} else {
			p.Message = "CDF refused to list the stored verdicts. Reading them needs the annotationsAcl:READ capability in this project. Nothing was changed."
			p.Hint = "Ask a CDF administrator to grant annotationsAcl:READ to the group of the identity segview uses."
		}
		return p
	}
	p := classify(e.Err)
	if e.Op == verdict.OpWrite {
		p.Heading = "Verdict not saved"
		p.Message += " The verdict may not have been stored; reload the page to see what CDF holds."
	}
	return p
}

func classifyAPI(e *cdf.APIError) problem {
	p := problem{Detail: e.Message, RequestID: e.RequestID}
	if e.Path == cdf.DownloadPath {
		return classifyDownload(e, p)
	}
	switch {
	case e.Status == http.StatusUnauthorized:
		p.Status, p.Heading, p.Kind = http.StatusBadGateway, "Authentication to CDF failed", "cdf_401"
		p.Message = "CDF did not accept segview's credentials."
		p.Hint = "Check that the token is issued for this CDF cluster (IDP_SCOPES, IDP_AUDIENCE; with SEGVIEW_CDF_IDENTITY=user, SEGVIEW_OIDC_SCOPES) and project."
	case e.Status == http.StatusForbidden:
		p.Status, p.Heading, p.Kind = http.StatusForbidden, "Access denied by CDF", "cdf_403"
		p.Message = "CDF refused access. Reading segmentation jobs and their images needs the filesAcl:READ capability in this project."
		p.Hint = "Ask a CDF administrator to grant filesAcl:READ to the group of segview's identity."
	case e.Status == http.StatusNotFound || e.Status == http.StatusBadRequest && len(e.Missing) > 0:
		p.Status, p.Heading, p.Kind = http.StatusNotFound, "Not found in CDF", "cdf_not_found"
		p.Message = "CDF has no such job or file in this project."
	case e.Status == http.StatusTooManyRequests:
		p.Status, p.Heading, p.Kind = http.StatusServiceUnavailable, "CDF is busy", "cdf_429"
		p.Message = "CDF kept throttling segview's requests after several retries."
		p.Hint = "Try again in a minute."
	case e.Status == http.StatusServiceUnavailable:
		p.Status, p.Heading, p.Kind = http.StatusServiceUnavailable, "CDF is unavailable", "cdf_503"
		p.Message = "CDF answered that it is unavailable, also after several retries."
		p.Hint = "Try again in a minute."
	case e.Status >= 500:
		p.Status, p.Heading, p.Kind = http.StatusBadGateway, "CDF failed", fmt.Sprintf("cdf_%d", e.Status)
		p.Message = fmt.Sprintf("CDF answered with an error (HTTP %d).", e.Status)
	default:
		p.Status, p.Heading, p.Kind = http.StatusBadGateway, "CDF rejected the request", fmt.Sprintf("cdf_%d", e.Status)
		p.Message = fmt.Sprintf("CDF answered HTTP %d to a request segview made.", e.Status)
	}
	return p
}

// classifyDownload is classifyAPI for the download of an image from CDF's
// file storage: its refusals are not CDF's access rights (a 403 is a link
// that expired even after a new one was fetched), and it has no message of
// its own worth showing.
func classifyDownload(e *cdf.APIError, p problem) problem {
	p.Detail = ""
	switch e.Status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		p.Status, p.Heading, p.Kind = http.StatusServiceUnavailable, "CDF's file storage is busy", fmt.Sprintf("download_%d", e.Status)
		p.Message = fmt.Sprintf("The download of the image answered HTTP %d, also after several retries.", e.Status)
		p.Hint = "Try again in a minute."
	default:
		p.Status, p.Heading, p.Kind = http.StatusBadGateway, "Could not download the image", fmt.Sprintf("download_%d", e.Status)
		p.Message = fmt.Sprintf("The download of the image from CDF's file storage answered HTTP %d.", e.Status)
		if e.Status == http.StatusForbidden {
			p.Message += " The download link was refused twice, also a fresh one."
			p.Hint = "Check that the clock of this machine is right: download links live only about 30 seconds."
		}
	}
	return p
}

// mediaType returns the media type of a Content-Type header, without its
// parameters and shortened, for messages.
func mediaType(contentType string) string {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt)
	if mt == "" {
		return "an unnamed content type"
	}
	return clip(mt)
}

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

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
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
		m := templates.ErrorPage{Base: forRequest(c, page.Base(p.Heading)), Status: p.Status, Heading: p.Heading,
			Message: p.Message, Detail: p.Detail, RequestID: p.RequestID, Hint: p.Hint}
		if rerr := writePage(c, p.Status, templates.Error(m)); rerr != nil {
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
