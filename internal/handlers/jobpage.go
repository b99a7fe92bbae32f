package handlers

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/geom"
	"github.com/segview/segview/internal/segment"
	"github.com/segview/segview/internal/verdict"
	"github.com/segview/segview/web/templates"
)

// refreshSeconds is how often a page of an unfinished job reloads itself.
const refreshSeconds = 5

// displayWidth is the overlay width the job page asks for.
const displayWidth = 1600

// jobPageInput holds what buildJobPage needs besides the job: the page's
// settings, the files' metadata, the clock, the limits, the URL's View and
// the verdicts. (The page's model it builds is a templates.JobPage.)
type jobPageInput struct {
	Page        Page
	Files       map[int64]cdf.File // file metadata by id; may miss some
	Now         time.Time
	MaxItems    int
	MaxVertices int
	View        View
	// Review offers verdict forms on a completed job's segments.
	Review bool
	// Verdicts are the stored verdicts of the job's segments.
	Verdicts map[verdict.Key]string
}

// buildJobPage turns a CDF job into the job page's model. It is pure: all
// inputs are arguments, so it is table-tested without HTTP.
func buildJobPage(job *cdf.SegmentJob, v jobPageInput) templates.JobPage {
	m := templates.JobPage{
		Base:         v.Page.Base(fmt.Sprintf("Job %d", job.JobID)),
		JobID:        job.JobID,
		Status:       string(job.Status),
		Terminal:     job.Status.Terminal(),
		ErrorMessage: job.ErrorMessage,
		Prompt:       promptView(job.Prompt),
		ItemLimit:    v.MaxItems,
		SelfURL:      jobPath(v.Page.Project, job.JobID),
		Controls:     controls(jobPath(v.Page.Project, job.JobID), v.View),
	}
	if m.Status == "" {
		m.Status = "Unknown"
	}
	if !m.Terminal {
		m.RefreshSeconds = refreshSeconds
		m.StatusURL = jobPath(v.Page.Project, job.JobID) + "/status"
	}
	m.Times = []templates.TimeRow{
		timeRow("Created", job.CreatedTime, v.Now),
		timeRow("Started", job.StartTime, v.Now),
		timeRow("Status since", job.StatusTime, v.Now),
	}
	m.Duration = jobDuration(job, v.Now)

	items := job.Items
	if v.MaxItems > 0 && len(items) > v.MaxItems {
		m.HiddenFiles = len(items) - v.MaxItems
		items = items[:v.MaxItems]
	}
	review := v.Review && job.Status == cdf.StatusCompleted
	if review {
		m.Review = &templates.ReviewControls{View: v.View.Query().Encode(),
			High: strconv.FormatFloat(verdict.DefaultHigh, 'g', -1, 64), Low: strconv.FormatFloat(verdict.DefaultLow, 'g', -1, 64)}
	}
	for _, it := range items {
		fv := fileView(job, it, v)
		if review {
			fv.VerdictURL = fileRoutePath(v.Page.Project, job.JobID, it.FileID, "verdicts")
			fv.TriageURL = fileRoutePath(v.Page.Project, job.JobID, it.FileID, "triage")
		}
		m.Files = append(m.Files, fv)
	}
	if review {
		m.Progress = reviewProgress(m.Files)
	}
	m.FailedGroups = failedGroups(job.FailedItems, v.Files)
	if len(m.Files) > 0 {
		m.Downloads, m.DownloadsNote = downloadList(v.Page.Project, job, v.View, v.Verdicts)
	}
	return m
}

func fileView(job *cdf.SegmentJob, it cdf.SegmentItem, v jobPageInput) templates.FileView {
	f, known := v.Files[it.FileID]
	fv := templates.FileView{ID: it.FileID, ExternalID: it.FileExternalID, Name: f.Name}
	if fv.ExternalID == "" {
		fv.ExternalID = f.ExternalID
	}
	if id := it.FileInstanceID; id != nil {
		fv.InstanceID = id.Space + ":" + id.ExternalID
	} else if id := f.InstanceID; id != nil {
		fv.InstanceID = id.Space + ":" + id.ExternalID
	}
	if !known || fv.Name == "" {
		fv.Name = fmt.Sprintf("File %d", it.FileID)
	}
	ranked := segment.Rank(it.Segments)
	shown := 0
	for _, r := range ranked {
		status := v.Verdicts[verdict.Key{FileID: it.FileID, Rank: r.Rank}]
		if status != "" {
			fv.Reviewed++
		}
		visible := v.View.ShowsStatus(r, status)
		if visible {
			shown++
		}
		fv.Segments = append(fv.Segments, templates.SegmentRow{
			Hidden: !visible,
			// Left out of the table: its "Hide" box stays in the view form.
			Filtered:     !v.View.Verdict.Allows(status),
			Selected:     r.Rank == v.View.Sel,
			Rank:         r.Rank,
			ScoreValue:   strconv.FormatFloat(r.Score, 'g', -1, 64),
			HiddenByRank: slices.Contains(v.View.Hide, r.Rank),
			SelectURL:    selectURL(jobPath(v.Page.Project, job.JobID), v.View, r.Rank, it.FileID),
			Verdict:      status,
			Color:        fmt.Sprintf("#%02x%02x%02x", r.Color.R, r.Color.G, r.Color.B),
			Score:        strconv.FormatFloat(r.Score, 'f', 2, 64),
			Polygons:     len(r.Polygons),
			Vertices:     r.Vertices,
			Area:         formatPercent(r.Area),
		})
		for _, p := range geom.Validate(r.Polygons, 0) {
			fv.Problems = append(fv.Problems, fmt.Sprintf("Segment %d, polygon %d: %s.", r.Rank, p.Polygon+1, p.Detail))
		}
	}
	if v.View.Filters() && len(ranked) > 0 {
		fv.ShownCount = fmt.Sprintf("%d of %d shown", shown, len(ranked))
	}
	n := segment.Vertices(ranked)
	switch {
	case v.MaxVertices > 0 && n > v.MaxVertices:
		fv.NotRendered = fmt.Sprintf("The overlay is not drawn: this file has %d vertices, above the limit of %d (SEGVIEW_MAX_VERTICES).", n, v.MaxVertices)
	default:
		// JPEG for the page and the larger view: a fraction of a PNG's bytes
		// and encoding time; the lossless full-resolution PNG is an export.
		// The images show the page's view; its width is the page's own.
		jpg := overlayPath(v.Page.Project, job.JobID, it.FileID, "overlay.jpg")
		// The page and its script show the selection and the zoom; the
		// images do not change with them, and stay cached while j and k
		// move the selection or the image is zoomed.
		q := dropPlace(v.View.Query())
		q.Del("file") // the page's, as the selection
		if v.View.Verdict != 0 {
			// The image changes with the verdicts, its address with them.
			q.Set(verdictsSeenParam, verdictsSeen(ranked, v.Verdicts, it.FileID))
		}
		fv.FullURL = withQuery(jpg, q)
		fv.Stage = stageView(jpg, q, v.View.Zoom)
		q.Set("width", strconv.Itoa(displayWidth))
		fv.OverlayURL = withQuery(jpg, q)
		q.Del("width")
		q.Set("export", "1")
		fv.ExportURL = withQuery(overlayPath(v.Page.Project, job.JobID, it.FileID, "overlay.png"), q)
		fv.HitsURL = fileRoutePath(v.Page.Project, job.JobID, it.FileID, "hits.json")
		fv.OverlayAlt = fmt.Sprintf("%s with %d segments drawn over it", fv.Name, len(ranked))
	}
	return fv
}

// selectURL is the job page with the view and the segment of rank
// selected, scrolled to the file.
func selectURL(page string, view View, rank int, fileID int64) string {
	view.Sel = rank
	return withQuery(page, view.Query()) + "#file-" + strconv.FormatInt(fileID, 10)
}

// withQuery appends q to path, when it has any parameters.
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// controls is the view form's model for the view v.
func controls(action string, v View) templates.ViewControls {
	c := templates.ViewControls{
		Action:   action,
		MinScore: strconv.FormatFloat(v.MinScore, 'g', -1, 64),
		Opacity:  strconv.FormatFloat(v.Opacity, 'g', -1, 64),
		Hide:     joinInts(v.Hide),
	}
	if v.Sel > 0 {
		c.Sel = strconv.Itoa(v.Sel)
	}
	c.Zoom, c.At = v.Zoom.texts()
	if v.File > 0 {
		c.File = strconv.FormatInt(v.File, 10)
	}
	labels := map[string]string{"segments": "Fills", "outlines": "Outlines", "points": "Prompt points", "box": "Prompt box", "labels": "Labels"}
	for _, l := range segment.LayerNames() {
		c.Layers = append(c.Layers, templates.LayerOption{Name: l.Name, Label: labels[l.Name], Checked: v.Layers&l.Layer != 0})
	}
	verdictLabels := map[string]string{"unreviewed": "Unreviewed", "approved": "Approved", "rejected": "Rejected"}
	for _, name := range segment.VerdictNames() {
		f, _ := segment.ParseVerdict(name)
		c.Verdicts = append(c.Verdicts, templates.LayerOption{Name: name, Label: verdictLabels[name], Checked: v.Verdict == 0 || v.Verdict&f != 0})
	}
	return c
}

func promptView(p cdf.Prompt) templates.PromptView {
	var pv templates.PromptView
	for i, pt := range p.Points {
		v := templates.PointView{Index: i + 1, X: coord(pt.X), Y: coord(pt.Y), Label: "foreground", Class: "fg"}
		if pt.Label == 0 {
			v.Label, v.Class = "background", "bg"
		}
		pv.Points = append(pv.Points, v)
	}
	if b := p.BoundingBox; b != nil {
		pv.Box = &templates.BoxView{XMin: coord(b.XMin), YMin: coord(b.YMin), XMax: coord(b.XMax), YMax: coord(b.YMax)}
	}
	return pv
}

// failedGroups groups failed files by their error message, in the order
// the messages first appear.
func failedGroups(batches []cdf.FailedBatch, files map[int64]cdf.File) []templates.FailedGroup {
	var out []templates.FailedGroup
	index := map[string]int{}
	for _, b := range batches {
		msg := strings.TrimSpace(b.ErrorMessage)
		if msg == "" {
			msg = "CDF gave no error message."
		}
		i, ok := index[msg]
		if !ok {
			i = len(out)
			index[msg] = i
			out = append(out, templates.FailedGroup{Message: msg})
		}
		for _, ref := range b.Items {
			out[i].Files = append(out[i].Files, describeRef(ref, files))
		}
	}
	return out
}

func describeRef(ref cdf.FileRef, files map[int64]cdf.File) string {
	var parts []string
	if f, ok := files[ref.FileID]; ok && f.Name != "" {
		parts = append(parts, f.Name)
	}
	if ref.FileID != 0 {
		parts = append(parts, "id "+strconv.FormatInt(ref.FileID, 10))
	}
	if ref.FileExternalID != "" {
		parts = append(parts, "externalId "+ref.FileExternalID)
	}
	if id := ref.FileInstanceID; id != nil {
		parts = append(parts, "instanceId "+id.Space+":"+id.ExternalID)
	}
	if len(parts) == 0 {
		return "an unnamed file"
	}
	return strings.Join(parts, " · ")
}

func timeRow(label string, ms cdf.Millis, now time.Time) templates.TimeRow {
	if ms <= 0 {
		return templates.TimeRow{Label: label}
	}
	t := ms.Time()
	return templates.TimeRow{Label: label, ISO: t.UTC().Format(time.RFC3339), Relative: relative(t, now)}
}

// jobDuration is how long the job ran: until its last status change when
// finished, until now while it runs, and empty before it started.
func jobDuration(job *cdf.SegmentJob, now time.Time) string {
	if job.StartTime <= 0 || job.Status == cdf.StatusQueued {
		return ""
	}
	end := now
	if job.Status.Terminal() && job.StatusTime > 0 {
		end = job.StatusTime.Time()
	}
	d := end.Sub(job.StartTime.Time())
	if d < 0 {
		return ""
	}
	s := humanDuration(d)
	if !job.Status.Terminal() {
		s += " so far"
	}
	return s
}

// relative says how long ago (or ahead) t is from now, in the largest unit.
func relative(t, now time.Time) string {
	d := now.Sub(t)
	suffix := "ago"
	if d < 0 {
		d, suffix = -d, "from now"
	}
	if d < 5*time.Second {
		return "just now"
	}
	return humanDuration(d) + " " + suffix
}

func humanDuration(d time.Duration) string {
	units := []struct {
		name string
		size time.Duration
	}{
		{"day", 24 * time.Hour}, {"hour", time.Hour}, {"minute", time.Minute}, {"second", time.Second},
	}
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	for _, u := range units {
		if d >= u.size {
			n := int64(d / u.size)
			if n == 1 {
				return "1 " + u.name
			}
			return strconv.FormatInt(n, 10) + " " + u.name + "s"
		}
	}
	return "0 seconds"
}

func coord(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "invalid"
	}
	return strconv.FormatFloat(f, 'f', 3, 64)
}

func formatPercent(frac float64) string {
	if math.IsNaN(frac) || math.IsInf(frac, 0) {
		return "–"
	}
	return strconv.FormatFloat(frac*100, 'f', 1, 64) + "\u00a0%"
}

// fileIDs lists the distinct file ids a job refers to, sorted.
func fileIDs(job *cdf.SegmentJob, maxItems int) []int64 {
	seen := map[int64]bool{}
	items := job.Items
	if maxItems > 0 && len(items) > maxItems {
		items = items[:maxItems]
	}
	for _, it := range items {
		seen[it.FileID] = true
	}
	for _, b := range job.FailedItems {
		for _, r := range b.Items {
			if r.FileID > 0 {
				seen[r.FileID] = true
			}
		}
	}
	ids := make([]int64, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}
