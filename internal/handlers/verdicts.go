package handlers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/auth"
	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/segment"
	"github.com/segview/segview/internal/verdict"
)

// Verdicts records reviewers' verdicts on a file's segments: one at a
// time or by bulk triage. A form post is answered by sending the browser
// back to the job page with its view; the page's script asks for JSON.
type Verdicts struct {
	Reader  Reader
	Store   VerdictStore
	Project string
}

// verdictsBody is the JSON answer: the file's verdicts afterwards, by rank.
type verdictsBody struct {
	FileID   int64             `json:"fileId"`
	Verdicts map[string]string `json:"verdicts"`
	Saved    int               `json:"saved"`
}

// Save handles POST .../files/:fileId/verdicts with the field verdict,
// "rank:status" (approved, rejected, or suggested for none).
func (h *Verdicts) Save(c echo.Context) error {
	form, err := readForm(c)
	if err != nil {
		return err
	}
	rank, status, err := parseVerdict(form.Get("verdict"))
	if err != nil {
		return err
	}
	return h.apply(c, form, func(segment.FileResults) (map[int]string, error) {
		return map[int]string{rank: status}, nil
	})
}

// apply reads the job, asks decide for the verdicts to store on the file's
// results and stores them for the signed-in person.
func (h *Verdicts) apply(c echo.Context, form url.Values, decide func(segment.FileResults) (map[int]string, error)) error {
	jobID, fileID, err := parseFileRoute(c, h.Project)
	if err != nil {
		return err
	}
	view, queue, err := parseReturnView(form.Get("view"))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	results, err := h.results(ctx, jobID, fileID)
	if err != nil {
		return err
	}
	want, err := decide(results)
	if err != nil {
		return err
	}
	user := ""
	if v, ok := auth.ViewerFrom(ctx); ok {
		user = v.Name
	}
	after := map[int]string{}
	if len(want) > 0 {
		if after, err = h.Store.Set(ctx, results, want, user); err != nil {
			return err
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	if wantsJSON(c) {
		body := verdictsBody{FileID: fileID, Verdicts: map[string]string{}, Saved: len(want)}
		for _, r := range slices.Sorted(maps.Keys(after)) {
			body.Verdicts[strconv.Itoa(r)] = after[r]
		}
		return c.JSON(http.StatusOK, body)
	}
	return c.Redirect(http.StatusSeeOther, queuedJobPath(h.Project, jobID, view.Query(), queue)+"#file-"+strconv.FormatInt(fileID, 10))
}

// results reads the file's results in the job, which must have completed:
// verdicts are given on finished results only. Verdicts need no drawing:
// no vertex limit.
func (h *Verdicts) results(ctx context.Context, jobID, fileID int64) (segment.FileResults, error) {
	job, err := h.Reader.SegmentJob(ctx, jobID)
	if err != nil {
		return segment.FileResults{}, err
	}
	if job.Status != cdf.StatusCompleted {
		return segment.FileResults{}, &conflictError{msg: fmt.Sprintf("Job %d is %s: verdicts can be given once it has completed.", jobID, job.Status)}
	}
	return segment.Results(job, fileID, segment.Limits{})
}

// readForm reads the posted form, URL-encoded or multipart. A body over the
// limit keeps its own error, a 413: it is not a form that failed to parse.
func readForm(c echo.Context) (url.Values, error) {
	r := c.Request()
	// ParseForm first: ParseMultipartForm drops its error when the body is
	// not multipart.
	err := r.ParseForm()
	if err == nil {
		if err = r.ParseMultipartForm(maxFormMemory); errors.Is(err, http.ErrNotMultipart) {
			err = nil
		}
	}
	if err != nil {
		var tooLarge *echo.HTTPError
		var maxBytes *http.MaxBytesError
		if errors.As(err, &tooLarge) && tooLarge.Code == http.StatusRequestEntityTooLarge || errors.As(err, &maxBytes) {
			return nil, err
		}
		return nil, &inputError{msg: "The form could not be read: it is not a valid URL-encoded or multipart form."}
	}
	return r.Form, nil
}

// maxFormMemory bounds the multipart form kept in memory; the body limit
// bounds the whole body well below it.
const maxFormMemory = 1 << 20

// parseVerdict reads "rank:status".
func parseVerdict(raw string) (int, string, error) {
	r, status, ok := strings.Cut(raw, ":")
	if !ok || !verdict.ValidStatus(status) {
		return 0, "", &inputError{msg: fmt.Sprintf("The verdict %q is not valid: it must be a segment rank and approved, rejected or suggested, as in 3:approved.", clip(raw))}
	}
	rank, err := parseRank(r, "verdict")
	if err != nil {
		return 0, "", err
	}
	return rank, status, nil
}

// parseReturnView reads the view a form carries back to the page, a query
// string of view parameters and the review queue the page was opened
// from, validated like the page's own.
func parseReturnView(raw string) (View, []int64, error) {
	q, err := url.ParseQuery(raw)
	if err != nil || len(raw) > maxReturnView {
		return View{}, nil, &inputError{msg: "The form's view field is not a valid query string."}
	}
	view, err := parseView(q)
	if err != nil {
		return View{}, nil, err
	}
	queue, err := parseQueue(q)
	if err != nil {
		return View{}, nil, err
	}
	return view, queue, nil
}

// maxReturnView bounds the view field of a form: the view's parameters
// and a queue of up to maxQueue ids.
const maxReturnView = 4096 + 20*maxQueue

// wantsJSON reports whether the request asks for JSON rather than a page:
// the page's script does, a form post does not.
func wantsJSON(c echo.Context) bool {
	accept := c.Request().Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}
