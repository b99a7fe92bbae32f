package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/verdict"
	"github.com/segview/segview/web/templates"
)

// maxQueue bounds the jobs one review queue may list.
const maxQueue = 500

// queueReads bounds the jobs the queue page reads from CDF at once: a
// queue of 500 jobs must not become 500 concurrent requests (with
// SEGVIEW_CDF_IDENTITY=user every read goes to CDF, uncached).
const queueReads = 4

// thumbWidth is the width of the queue page's overlay thumbnails.
const thumbWidth = 160

// Review serves the review queue: a list of jobs to go through in order.
type Review struct {
	Reader Reader
	Page   Page
	// Verdicts, when set, counts the reviewed segments of completed jobs.
	Verdicts VerdictStore
	MaxItems int
	// MaxZipJobs is the most jobs the queue's ZIP holds (Export.MaxZipJobs).
	MaxZipJobs int
}

// parseJobList parses a list of job ids separated by commas, spaces or
// newlines, given in one or more values: duplicates count once, in the
// order first given; more than maxQueue ids, or any id that is not one,
// is a 400 that names them. It is pure, so every rule is table-tested.
func parseJobList(values []string, name string) ([]int64, error) {
	var ids []int64
	var bad []string
	seen := map[int64]bool{}
	for _, v := range values {
		for _, item := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' }) {
			id, err := parseID(item, "job id")
			if err != nil {
				if len(bad) < 10 {
					bad = append(bad, strconv.Quote(clip(item)))
				}
				continue
			}
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	if len(bad) > 0 {
		return nil, &inputError{msg: fmt.Sprintf("The %s parameter lists ids that are not job ids: %s. Job ids are positive whole numbers.", name, strings.Join(bad, ", "))}
	}
	if len(ids) > maxQueue {
		return nil, &inputError{msg: fmt.Sprintf("The %s parameter lists %d jobs: a queue holds at most %d.", name, len(ids), maxQueue)}
	}
	return ids, nil
}

// joinIDs writes ids as a comma list, as the queue parameters take them.
func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

// reviewPath is the URL of the queue page of ids.
func reviewPath(project string, ids []int64) string {
	return "/projects/" + url.PathEscape(project) + "/review?jobs=" + joinIDs(ids)
}

// queuedJobPath is the job page of jobID with the view q, carrying the
// queue ids so that its page links the queue's next and previous jobs.
func queuedJobPath(project string, jobID int64, q url.Values, ids []int64) string {
	p := withQuery(jobPath(project, jobID), q)
	if len(ids) == 0 {
		return p
	}
	if len(q) == 0 {
		return p + "?queue=" + joinIDs(ids)
	}
	return p + "&queue=" + joinIDs(ids)
}

// queueNav is the job page's place in the queue ids, or nil when the job
// is not in it. Its links keep the view q.
func queueNav(project string, jobID int64, q url.Values, ids []int64) *templates.QueueNav {
	at := -1
	for i, id := range ids {
		if id == jobID {
			at = i
			break
		}
	}
	if at < 0 {
		return nil
	}
	nav := &templates.QueueNav{Position: at + 1, Total: len(ids), QueueURL: reviewPath(project, ids)}
	if at > 0 {
		nav.PrevURL = queuedJobPath(project, ids[at-1], q, ids)
		nav.PrevID = ids[at-1]
	}
	if at+1 < len(ids) {
		nav.NextURL = queuedJobPath(project, ids[at+1], q, ids)
		nav.NextID = ids[at+1]
	}
	return nav
}

// Show handles GET /projects/:project/review?jobs=….
func (h *Review) Show(c echo.Context) error {
	if err := checkProject(c.Param("project"), h.Page.Project); err != nil {
		return err
	}
	ids, err := parseJobList(c.QueryParams()["jobs"], "jobs")
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return &inputError{msg: "The jobs parameter lists no job ids: give one or more, separated by commas, spaces or newlines."}
	}
	ctx := c.Request().Context()
	rows := make([]templates.QueueRow, len(ids))
	sem := make(chan struct{}, queueReads)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			rows[i] = h.row(ctx, id, ids)
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	m := templates.QueuePage{Base: forRequest(c, h.Page.Base(fmt.Sprintf("Review queue of %d jobs", len(ids)))), Rows: rows, SelfURL: reviewPath(h.Page.Project, ids)}
	m.ZipURL, m.ZipJobs = queueZip(h.Page.Project, ids, h.MaxZipJobs)
	for _, r := range rows {
		if r.StatusURL != "" {
			m.RefreshSeconds = refreshSeconds
			break
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return writePage(c, http.StatusOK, templates.Queue(m))
}

// queueZip is the link to the ZIP of the queue ids, with the most jobs one
// ZIP holds (SEGVIEW_MAX_ZIP_JOBS as max): all of them, or the first that
// many.
func queueZip(project string, ids []int64, max int) (string, int) {
	n := min(len(ids), zipJobs(max))
	return "/projects/" + url.PathEscape(project) + "/review/export.zip?jobs=" + joinIDs(ids[:n]), zipJobs(max)
}

// row reads one job of the queue and its reviewed count; a job that cannot
// be read shows why in its row.
func (h *Review) row(ctx context.Context, jobID int64, ids []int64) templates.QueueRow {
	r := templates.QueueRow{JobID: jobID, JobURL: queuedJobPath(h.Page.Project, jobID, nil, ids)}
	job, err := h.Reader.SegmentJob(ctx, jobID)
	if err != nil {
		r.Error = rowError(err)
		return r
	}
	r.Status = string(job.Status)
	if r.Status == "" {
		r.Status = "Unknown"
	}
	if !job.Status.Terminal() {
		r.StatusURL = jobPath(h.Page.Project, jobID) + "/status"
	}
	items := job.Items
	if h.MaxItems > 0 && len(items) > h.MaxItems {
		items = items[:h.MaxItems]
	}
	fileIDs := make([]int64, 0, len(items))
	for _, it := range items {
		r.Segments += len(it.Segments)
		fileIDs = append(fileIDs, it.FileID)
	}
	if len(items) > 0 {
		r.ThumbURL = overlayPath(h.Page.Project, jobID, items[0].FileID, "overlay.jpg") + "?width=" + strconv.Itoa(thumbWidth)
		r.ThumbAlt = fmt.Sprintf("Overlay of the first file of job %d", jobID)
	}
	if h.Verdicts == nil || job.Status != cdf.StatusCompleted || r.Segments == 0 {
		return r
	}
	verdicts, err := h.Verdicts.Load(ctx, jobID, fileIDs)
	if err != nil {
		r.ReviewedNotice = "not read"
		if verdict.IsRefused(err) {
			r.ReviewedNotice = "not read: needs annotationsAcl:READ"
		}
		return r
	}
	r.Reviewed = reviewedCount(items, verdicts)
	r.HasReviewed = true
	return r
}

// reviewedCount counts the segments of items with a verdict, approved or
// rejected.
func reviewedCount(items []cdf.SegmentItem, verdicts map[verdict.Key]string) int {
	n := 0
	for _, it := range items {
		for rank := 1; rank <= len(it.Segments); rank++ {
			switch verdicts[verdict.Key{FileID: it.FileID, Rank: rank}] {
			case verdict.Approved, verdict.Rejected:
				n++
			}
		}
	}
	return n
}

// rowError is what a queue row says of a job that could not be read, as
// its own page would.
func rowError(err error) string {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "Not read: the request ended."
	}
	p := classify(err)
	msg := p.Heading
	if p.Message != "" {
		msg += ": " + p.Message
	}
	if p.RequestID != "" {
		msg += " CDF request id: " + p.RequestID + "."
	}
	return msg
}

// parseQueue reads the job page's queue parameter: the review queue it
// was opened from, as the queue page's jobs parameter lists them.
func parseQueue(q url.Values) ([]int64, error) {
	return parseJobList(q["queue"], "queue")
}

// placeInQueue links the job page m, showing view, to its neighbours in
// the queue ids, and keeps the queue in its view links and form. A job
// not in the queue leaves m as it is.
func placeInQueue(m *templates.JobPage, project string, view View, ids []int64) {
	if len(ids) == 0 {
		return
	}
	// A selected rank or file means nothing in another job.
	q := view.Query()
	q.Del("sel")
	q.Del("file")
	m.Queue = queueNav(project, m.JobID, q, ids)
	if m.Queue == nil {
		return
	}
	m.Controls.Queue = joinIDs(ids)
	if m.Review != nil {
		// A verdict posted without the script comes back to the queue too.
		rv := view.Query()
		rv.Set("queue", joinIDs(ids))
		m.Review.View = rv.Encode()
	}
	m.ViewURL = queuedJobPath(project, m.JobID, view.Query(), ids)
}
