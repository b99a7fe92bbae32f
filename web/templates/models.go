// Package templates holds segview's templ components and the typed view
// models they render. Components never call APIs: handlers build a model and
// the component turns it into HTML.
package templates

// Base is what every page needs.
type Base struct {
	Title string
	// Demo shows the "demo data" badge.
	Demo bool
	// Project is the page's CDF project.
	Project string
	// ProjectHref, when set (several projects served), makes the header's
	// project name a link to it: /projects/{project}, which leads to the
	// project's section of the home page.
	ProjectHref string
	// CSS, JS and Icon are the fingerprinted URLs of the embedded assets;
	// JS is the page script's entry module, and Modules are the modules it
	// imports, preloaded.
	CSS, JS, Icon string
	Modules       []string
	// Styles are the stylesheets after CSS (stage.css).
	Styles []string
	// RefreshSeconds, when above zero, makes the page reload itself when
	// JavaScript is off (the meta refresh sits in <noscript>; with
	// JavaScript the page's script polls instead).
	RefreshSeconds int
	// User is the signed-in person's name (SEGVIEW_AUTH=oidc); with it the
	// header shows a sign-out form that sends CSRFToken back.
	User      string
	CSRFToken string
	// Nonce is the request's Content-Security-Policy nonce, carried by
	// segview's own script tags.
	Nonce string
}

// JobLink is one job in a list of links.
type JobLink struct {
	Href        string
	Label       string
	Description string
}

// HomePage is the start page.
type HomePage struct {
	Base
	DemoJobs []JobLink
	Recent   []JobLink
	// ReviewAction is the review queue's path, where the form of pasted
	// job ids goes.
	ReviewAction string
	// Several says the dashboard serves several projects (or any the
	// person reaches): Projects lists them, each with its forms, instead
	// of the one project's forms; ProjectsNote says why none is listed.
	Several      bool
	Projects     []ProjectLink
	ProjectsNote string
}

// ProjectLink is a project on the start page, with the ids of its forms'
// fields.
type ProjectLink struct {
	Name         string
	ReviewAction string
	JobInputID   string
	QueueInputID string
	// Anchor is the id of the project's entry (/projects/{project}
	// leads there); OpenTestID and QueueTestID are its forms' test ids,
	// one per project (open-form-{project}, queue-form-{project}).
	Anchor                  string
	OpenTestID, QueueTestID string
}

// JobPage shows one segmentation job.
type JobPage struct {
	Base
	JobID    int64
	Status   string // Queued, Running, Completed, Failed (or whatever CDF sent)
	Terminal bool
	Times    []TimeRow
	Duration string
	// ErrorMessage is the job's own error, shown when it failed.
	ErrorMessage string
	Prompt       PromptView
	Files        []FileView
	// HiddenFiles counts files left out by the item limit.
	HiddenFiles  int
	ItemLimit    int
	FailedGroups []FailedGroup
	SelfURL      string
	// ViewURL is the page's own link to its view (SelfURL with the view's
	// parameters, as the server writes them); the script puts it in the
	// address when it swaps in what the view changes.
	ViewURL string
	// Downloads are the job's exports, with the page's view applied: the
	// job's, then the shown file's.
	Downloads []JobLink
	// DownloadsNote says what the view does to the exports, as "Exports
	// hold 3 of 5 segments, approved only." (the job's and the file's
	// counts when they differ).
	DownloadsNote string
	// StatusURL, set while the job is not terminal, is polled by the page's
	// script, which reloads the page when the status changes.
	StatusURL string
	// FilesNotice says that file metadata could not be read, when so.
	FilesNotice string
	// Controls is the GET form that changes the view parameters.
	Controls ViewControls
	// Review, when set, lets people record verdicts on the segments of a
	// completed job.
	Review *ReviewControls
	// VerdictsNotice says that stored verdicts could not be read, when so.
	VerdictsNotice string
	// Triaged, when set, is what a triage (or its undo) posted without the
	// script did: the page says it in its status line and offers the undo.
	Triaged *TriageNotice
	// Progress, set with Review, counts the job's segments with a verdict.
	Progress *ReviewProgress
	// Queue, when the page was opened from a review queue, links the
	// queue's previous and next jobs.
	Queue *QueueNav
	// FileNav, on a job of several files, links each of them: the page
	// shows one file at a time (Files holds it).
	FileNav *FileNav
}

// TriageNotice is the outcome of a triage or its undo, on the file it was
// for.
type TriageNotice struct {
	FileID  int64
	Message string
	// UndoURL and Undo, for a triage that changed something, are the
	// "Undo triage" form's action and its undo record.
	UndoURL, Undo string
}

// triagedHere is n when it is for file f and has an undo record to post.
func triagedHere(n *TriageNotice, f FileView) *TriageNotice {
	if n == nil || n.FileID != f.ID || n.Undo == "" || n.UndoURL == "" {
		return nil
	}
	return n
}

// ReviewControls are the verdict forms' shared values.
type ReviewControls struct {
	// View is the page's view as a query string, so that a form that
	// reloads the page keeps it.
	View string
	// High and Low are the bulk triage form's default thresholds.
	High, Low string
}

// ViewControls is the form of view parameters on the job page; its values
// are those of the URL's view (handlers.View).
type ViewControls struct {
	Action   string // the job page's path
	MinScore string
	Opacity  string
	Layers   []LayerOption
	// Hide lists the ranks hidden (each row's "Hide" box belongs to the
	// form); Sel carries the selection, so that applying the form keeps it.
	Hide, Sel string
	// Queue carries the review queue the page was opened from, if any.
	Queue string
	// Zoom and At carry the image's zoom and place, so that applying the
	// form keeps them ("" when fitted).
	Zoom, At string
	// Verdicts are the verdict filter's boxes (the verdict parameter):
	// all checked when the view shows every segment.
	Verdicts []LayerOption
	// File carries the file shown ("" for the first).
	File string
}

// LayerOption is one layer checkbox.
type LayerOption struct {
	Name    string // as in the layers parameter
	Label   string
	Checked bool
}

// TimeRow is one of the job's timestamps.
type TimeRow struct {
	Label    string
	ISO      string // RFC 3339 in UTC, or "" when CDF sent none
	Relative string // "3 minutes ago"
}

// PromptView is the page's model of the prompt the job was started with.
// This file's *View types are page models (what a template shows), not
// the URL's view (handlers.View) nor the drawing filter (segment.View).
type PromptView struct {
	Points []PointView
	Box    *BoxView
}

// PointView is the page's model of one prompt point.
type PointView struct {
	Index int
	X, Y  string
	Label string // "foreground" or "background"
	Class string // "fg" or "bg"
}

// BoxView is the page's model of the prompt box.
type BoxView struct {
	XMin, YMin, XMax, YMax string
}

// FileView is the page's model of one file of the job with its segments.
type FileView struct {
	Name        string
	ID          int64
	ExternalID  string
	InstanceID  string
	OverlayURL  string // display-size overlay for the page
	FullURL     string // larger overlay, up to SEGVIEW_MAX_OVERLAY_WIDTH
	ExportURL   string // full-resolution PNG, as a download
	OverlayAlt  string
	Segments    []SegmentRow
	Problems    []string
	NotRendered string // why no overlay is shown, when it is not
	// ShownCount says how many segments the view shows ("3 of 7 shown"),
	// when it filters any by score or rank.
	ShownCount string
	// HitsURL is the file's hit areas, for the page's script.
	HitsURL string
	// Reviewed counts the file's segments with a verdict, of
	// len(Segments).
	Reviewed int
	// Stage is the image stage's model: photo and crop URLs and the zoom.
	Stage StageView
	// VerdictURL and TriageURL receive the verdict forms; "" without review.
	VerdictURL, TriageURL string
}

// SegmentRow is one row of a file's segment table.
type SegmentRow struct {
	Rank     int
	Color    string // #rrggbb
	Score    string // two decimals
	Polygons int
	Vertices int
	Area     string // percent of the image
	// Hidden says that the view does not draw the segment (below the
	// minimum score, or hidden by rank).
	Hidden bool
	// Selected marks the segment chosen with the sel parameter.
	Selected bool
	// ScoreValue is the score in full.
	ScoreValue string
	// Verdict is approved, rejected or "" (none yet).
	Verdict string
	// Filtered says that the view's verdict filter leaves the segment
	// out: its row is in the table, hidden, so that its "Hide" box still
	// belongs to the view form.
	Filtered bool
	// HiddenByRank says that the view's hide parameter lists the segment:
	// its "Hide" box, which belongs to the view form, is checked.
	HiddenByRank bool
	// SelectURL is the page with this segment selected, for browsers
	// without the script.
	SelectURL string
}

// FailedGroup lists the files that failed with one error message.
type FailedGroup struct {
	Message string
	Files   []string
}

// SignedOutPage confirms that the person signed out.
type SignedOutPage struct {
	Base
	// SignInURL starts a new sign-in.
	SignInURL string
}

// ErrorPage explains a failed request.
type ErrorPage struct {
	Base
	Status    int
	Heading   string
	Message   string
	Detail    string // CDF's own message, when there is one
	RequestID string // CDF x-request-id, when there is one
	Hint      string
}

// EmbedPage is the chromeless job view shown in other sites' frames.
type EmbedPage struct {
	Base
	// Theme is "light" or "dark".
	Theme    string
	JobID    int64
	Status   string
	Terminal bool
	// JobURL is the full job page with the same view.
	JobURL string
	// StatusURL, set while the job is not terminal, is polled by the
	// script, which reloads the frame when the status changes.
	StatusURL string
	// ErrorMessage is the job's own error, shown when it failed.
	ErrorMessage string
	// FailedGroups lists the files that failed, by error message.
	FailedGroups []FailedGroup
	Files        []EmbedFile
}

// EmbedFile is one file of the embed: its overlay and legend.
type EmbedFile struct {
	Name        string
	OverlayURL  string // the default size, for browsers without srcset
	OverlayAlt  string
	NotRendered string
	// SrcSet offers the overlay at several widths; Sizes says how wide
	// it is shown, so the browser picks the one the frame needs.
	SrcSet, Sizes string
	// Legend lists the segments the view shows, best first.
	Legend []LegendEntry
}

// LegendEntry is one shown segment in the embed's legend.
type LegendEntry struct {
	Rank  int
	Color string // #rrggbb
	Score string // two decimals
}

// EmbedErrorPage explains a failed request inside a frame: the error
// page without the site's header and links.
type EmbedErrorPage struct {
	ErrorPage
	Theme string
	// FullURL is the full page of the address, opened in a new window.
	FullURL string
}

// EmbedSignInPage asks for sign-in inside a frame.
type EmbedSignInPage struct {
	Base
	Theme string
	// SignInURL starts the sign-in, returning to the full job page.
	SignInURL string
}
