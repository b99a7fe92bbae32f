package handlers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/segment"
	"github.com/segview/segview/internal/verdict"
	"github.com/segview/segview/web/templates"
)

// VerdictStore reads and writes reviewers' verdicts; *verdict.Store is one.
type VerdictStore interface {
	Load(ctx context.Context, jobID int64, fileIDs []int64) (map[verdict.Key]string, error)
	Set(ctx context.Context, file segment.FileResults, verdicts map[int]string, user string) (map[int]string, error)
}

// Job serves the job page.
type Job struct {
	Reader Reader
	Page   Page
	// Verdicts, when set, shows stored verdicts and the forms that record
	// them on completed jobs.
	Verdicts    VerdictStore
	MaxItems    int
	MaxVertices int
	Now         func() time.Time
}

// Show handles GET /projects/:project/jobs/:jobId.
func (h *Job) Show(c echo.Context) error {
	if err := checkProject(c.Param("project"), h.Page.Project); err != nil {
		return err
	}
	jobID, err := parseID(c.Param("jobId"), "job id")
	if err != nil {
		return err
	}
	view, err := parseView(c.QueryParams())
	if err != nil {
		return err
	}
	frag, err := parseFragment(c.QueryParams())
	if err != nil {
		return err
	}
	queue, err := parseQueue(c.QueryParams())
	if err != nil {
		return err
	}
	triaged, err := parseTriageNotice(c.QueryParams())
	if err != nil {
		return err
	}
	src := jobSource{Reader: h.Reader, Verdicts: h.Verdicts, Page: h.Page, MaxItems: h.MaxItems, MaxVertices: h.MaxVertices, Now: h.Now}
	m, err := readJobPage(c.Request().Context(), src, jobID, view)
	if err != nil {
		return err
	}
	m.Base = forRequest(c, m.Base)
	m.Triaged = triagedOn(m, h.Page.Project, triaged)
	placeInQueue(&m, h.Page.Project, view, queue)
	if err := pickFile(&m, h.Page.Project, view, queue); err != nil {
		return err
	}
	comp, err := frag.component(m)
	if err != nil {
		return err
	}
	if frag.kind == "" {
		rememberJob(c, h.Page.Project, jobID)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return writePage(c, http.StatusOK, comp)
}

// jobSource is what readJobPage reads and builds the job page's model
// with. The job page and the embed each fill one from their own fields.
type jobSource struct {
	Reader Reader
	// Verdicts, when set, adds a completed job's stored verdicts and the
	// forms that record them; the embed leaves it nil: it shows neither.
	Verdicts VerdictStore
	// FilterVerdicts, when set, reads the stored verdicts of a view
	// filtered by verdict, without the forms: the embed's legend shows
	// what its images draw.
	FilterVerdicts VerdictStore
	Page           Page
	MaxItems       int
	MaxVertices    int
	Now            func() time.Time
}

// readJobPage reads the job and its files' names from CDF (a finished
// job's names may be up to jobs.PageFilesTTL old) and builds the
// job page's model for view; with src.Verdicts, also the stored verdicts
// and their forms.
func readJobPage(ctx context.Context, src jobSource, jobID int64, view View) (templates.JobPage, error) {
	job, err := src.Reader.SegmentJob(ctx, jobID)
	if err != nil {
		return templates.JobPage{}, err
	}
	ids := fileIDs(job, src.MaxItems)
	files, filesErr := src.Reader.PageFiles(ctx, job, ids)
	if filesErr != nil && !namesOptional(filesErr) {
		return templates.JobPage{}, filesErr
	}
	jv := jobPageInput{Page: src.Page, Files: files, Now: src.Now(), MaxItems: src.MaxItems, MaxVertices: src.MaxVertices, View: view}
	var verdictsErr error
	if src.Verdicts != nil && job.Status == cdf.StatusCompleted {
		jv.Review = true
		if len(ids) > 0 {
			jv.Verdicts, verdictsErr = src.Verdicts.Load(ctx, jobID, ids)
		}
	} else if src.FilterVerdicts != nil && view.Verdict != 0 && len(ids) > 0 {
		// Without them the filter cannot be applied: the images fail alike.
		if jv.Verdicts, err = src.FilterVerdicts.Load(ctx, jobID, ids); err != nil {
			return templates.JobPage{}, err
		}
	}
	m := buildJobPage(job, jv)
	m.ViewURL = withQuery(m.SelfURL, view.Query())
	if filesErr != nil {
		m.FilesNotice = filesNotice(filesErr)
	}
	if verdictsErr != nil {
		if errors.Is(verdictsErr, context.Canceled) || errors.Is(verdictsErr, context.DeadlineExceeded) {
			return templates.JobPage{}, verdictsErr
		}
		m.VerdictsNotice = verdictsNotice(verdictsErr)
	}
	return m, nil
}

// verdictsNotice says on the page that stored verdicts could not be read,
// and why; the page still shows the job, and verdicts can still be given.
func verdictsNotice(err error) string {
	if verdict.IsRefused(err) {
		return "Stored verdicts could not be read: CDF refused, and reading them needs the annotationsAcl:READ capability. Segments show no verdict here."
	}
	return withRequestID("Stored verdicts could not be read from CDF just now; segments show no verdict here.", err)
}

// transientError is an error that says whether it may pass by itself
// (cdf's errors implement it).
type transientError interface{ Transient() bool }

// namesOptional reports whether a failure to read file metadata may leave
// the job page without file names rather than fail it: CDF or the network
// failing after retries, but not a refusal of access, which the page must
// show as such, nor the request's own end.
func namesOptional(err error) bool {
	var t transientError
	if errors.As(err, &t) {
		return t.Transient()
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return isNetError(err)
}

// filesNotice says on the page that file names are missing, and why.
func filesNotice(err error) string {
	return withRequestID("File names could not be read from CDF just now; files are shown by id.", err)
}

// withRequestID adds the CDF request id of err, when it has one, to msg.
func withRequestID(msg string, err error) string {
	var r requestIDError
	if errors.As(err, &r) && r.CDFRequestID() != "" {
		msg += " CDF request id: " + r.CDFRequestID() + "."
	}
	return msg
}

// triagedOn is the page's notice of n, a triage posted without the script
// (parseTriageNotice), when n is for one of the files the page reviews.
func triagedOn(m templates.JobPage, project string, n *triageNotice) *templates.TriageNotice {
	if n == nil || m.Review == nil {
		return nil
	}
	for _, f := range m.Files {
		if f.ID == n.FileID && f.TriageURL != "" {
			t := &templates.TriageNotice{FileID: n.FileID, Message: n.Message, Undo: n.Undo}
			if n.Undo != "" {
				t.UndoURL = fileRoutePath(project, m.JobID, n.FileID, "triage/undo")
			}
			return t
		}
	}
	return nil
}
