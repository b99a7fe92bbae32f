package cdfsim

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // decode configs of stored JPEGs
	_ "image/png"  // and PNGs
	"math"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Job statuses (StatusSchema.status).
const (
	StatusQueued    = "Queued"
	StatusRunning   = "Running"
	StatusCompleted = "Completed"
	StatusFailed    = "Failed"
)

// Job is a stored segmentation job. Its fields mirror the GET response of
// /context/vision/segment/{jobId} (cdf-api.md §1.5).
type Job struct {
	ID                         int64
	Status                     string
	Created, Started, StatusAt time.Time
	Items                      []JobItem
	Points                     []Point
	Box                        *Box
	ErrorMessage               string
	Failed                     []FailedBatch
}

// JobItem is one file of a job and the segments found in it.
type JobItem struct {
	FileID         int64
	FileExternalID string
	Segments       []Segment
}

// Segment is one mask: a score and polygons in normalized image coordinates
// (origin top left, as displayed). Several polygons can mean parts or holes.
type Segment struct {
	Score    float64
	Polygons [][]Vertex
}

// Vertex is a polygon vertex, x and y in [0,1].
type Vertex struct{ X, Y float64 }

// Point is a prompt point; Label 1 is foreground, 0 background.
type Point struct {
	X, Y  float64
	Label int
}

// Box is a prompt bounding box in normalized coordinates.
type Box struct{ XMin, YMin, XMax, YMax float64 }

// FailedBatch is one entry of failedItems.
type FailedBatch struct {
	ErrorMessage string
	Items        []FailedRef
}

// FailedRef names a file of a failed batch; FileID is always sent, the rest
// when set.
type FailedRef struct {
	FileID                    int64
	FileExternalID            string
	Space, InstanceExternalID string
}

// storedJob is a job as kept by the server. Jobs added with AddJob keep
// their status; POSTed jobs are "timed": their status is derived from Now.
type storedJob struct {
	Job
	timed     bool
	postItems []wireFileIDs // items as the POST response echoed them
}

// AddJob stores j as is in the default project. Its status never changes.
// ID 0 gets the next free id; a zero Created becomes Now, zero Started and
// StatusAt become Created.
func (s *Server) AddJob(j Job) { s.AddJobTo(s.project, j) }

// addJobLocked stores j in p. s.mu must be held.
func (s *Server) addJobLocked(p *projectData, j Job) int64 {
	if j.ID == 0 {
		for p.jobs[p.nextJobID] != nil {
			p.nextJobID++
		}
		j.ID = p.nextJobID
		p.nextJobID++
	}
	if j.Created.IsZero() {
		j.Created = s.now()
	}
	if j.Started.IsZero() {
		j.Started = j.Created
	}
	if j.StatusAt.IsZero() {
		j.StatusAt = j.Started
	}
	p.jobs[j.ID] = &storedJob{Job: cloneJob(j)}
	return j.ID
}

// Job returns the job with the given id in the default project as a GET
// would see it now.
func (s *Server) Job(id int64) (Job, bool) { return s.JobIn(s.project, id) }

func cloneJob(j Job) Job {
	j.Items = append([]JobItem(nil), j.Items...)
	for i := range j.Items {
		segs := append([]Segment(nil), j.Items[i].Segments...)
		for k := range segs {
			polys := make([][]Vertex, len(segs[k].Polygons))
			for p, poly := range segs[k].Polygons {
				polys[p] = append([]Vertex(nil), poly...)
			}
			segs[k].Polygons = polys
		}
		j.Items[i].Segments = segs
	}
	j.Points = append([]Point(nil), j.Points...)
	if j.Box != nil {
		b := *j.Box
		j.Box = &b
	}
	j.Failed = append([]FailedBatch(nil), j.Failed...)
	for i := range j.Failed {
		j.Failed[i].Items = append([]FailedRef(nil), j.Failed[i].Items...)
	}
	return j
}

// at returns the job as seen at now. A timed job is Queued for one phase,
// Running for the next, then reaches its stored final status (Completed, or
// Failed for images that cannot be decoded); results appear only then.
func (j *storedJob) at(now time.Time, phase time.Duration) Job {
	v := j.Job
	if !j.timed {
		return v
	}
	elapsed := now.Sub(j.Created)
	switch {
	case elapsed < phase:
		v.Status, v.Started, v.StatusAt, v.ErrorMessage = StatusQueued, j.Created, j.Created, ""
	case elapsed < 2*phase:
		v.Status, v.Started, v.StatusAt, v.ErrorMessage = StatusRunning, j.Created.Add(phase), j.Created.Add(phase), ""
	default:
		v.Started, v.StatusAt = j.Created.Add(phase), j.Created.Add(2*phase)
	}
	if v.Status != StatusCompleted {
		v.Items = withoutSegments(v.Items)
	}
	return v
}

func withoutSegments(items []JobItem) []JobItem {
	out := make([]JobItem, len(items))
	for i, it := range items {
		out[i] = JobItem{FileID: it.FileID, FileExternalID: it.FileExternalID}
	}
	return out
}

var (
	// Patterns of VisionInstanceId (cdf-api.md §1.3).
	instanceSpaceRE      = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_-]{0,41}[a-zA-Z0-9]?$`)
	instanceExternalIDRE = regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9_]{0,253}[a-zA-Z0-9])?$`)
)

// segmentPrompt is a validated POST body.
type segmentPrompt struct {
	ref    wireFileRef
	points []Point
	box    *Box
}

// parseSegmentRequest validates a POST body against
// VisionSegmentPostRequestSchema. An empty points array counts as absent:
// the schema's anyOf would accept it, but there is nothing to segment.
func parseSegmentRequest(req wireSegmentRequest) (segmentPrompt, *apiError) {
	var p segmentPrompt
	if len(req.Items) != 1 {
		return p, badRequest("items must contain exactly 1 element (currently supporting only one image), got %d", len(req.Items))
	}
	ref := req.Items[0]
	n := 0
	if ref.FileID != nil {
		n++
		if *ref.FileID < 1 || *ref.FileID > maxCDFID {
			return p, badRequest("items[0].fileId must be between 1 and %d", maxCDFID)
		}
	}
	if ref.FileExternalID != nil {
		n++
		if l := utf8.RuneCountInString(*ref.FileExternalID); l < 1 || l > 255 {
			return p, badRequest("items[0].fileExternalId must be 1 to 255 characters")
		}
	}
	if ref.FileInstanceID != nil {
		n++
		if !instanceSpaceRE.MatchString(ref.FileInstanceID.Space) || len(ref.FileInstanceID.Space) > 43 {
			return p, badRequest("items[0].fileInstanceId.space %q is not a valid space", ref.FileInstanceID.Space)
		}
		if !instanceExternalIDRE.MatchString(ref.FileInstanceID.ExternalID) {
			return p, badRequest("items[0].fileInstanceId.externalId %q is not a valid external id", ref.FileInstanceID.ExternalID)
		}
	}
	if n != 1 {
		return p, badRequest("items[0] must have exactly one of fileId, fileExternalId or fileInstanceId")
	}
	p.ref = ref
	if len(req.Points) == 0 && req.BoundingBox == nil {
		return p, badRequest("The request must contain points, boundingBox or both")
	}
	seen := map[Point]bool{}
	var dup []any
	for i, pt := range req.Points {
		if pt.X == nil || pt.Y == nil {
			return p, badRequest("points[%d] must have x and y", i)
		}
		if !in01(*pt.X) || !in01(*pt.Y) {
			return p, badRequest("points[%d]: x and y must be between 0 and 1, got (%g, %g)", i, *pt.X, *pt.Y)
		}
		label := 1
		if pt.Label != nil {
			if *pt.Label != 0 && *pt.Label != 1 {
				return p, badRequest("points[%d].label must be 0 (background) or 1 (foreground), got %g", i, *pt.Label)
			}
			label = int(*pt.Label)
		}
		// uniqueItems: true compares whole items, labels included.
		pp := Point{X: *pt.X, Y: *pt.Y, Label: label}
		if seen[pp] {
			dup = append(dup, wirePoint{X: pp.X, Y: pp.Y, Label: pp.Label})
		}
		seen[pp] = true
		p.points = append(p.points, pp)
	}
	if dup != nil {
		return p, &apiError{status: http.StatusBadRequest, message: "points must be unique", duplicated: dup}
	}
	if b := req.BoundingBox; b != nil {
		if b.XMin == nil || b.YMin == nil || b.XMax == nil || b.YMax == nil {
			return p, badRequest("boundingBox must have xMin, yMin, xMax and yMax")
		}
		if !in01(*b.XMin) || !in01(*b.YMin) || !in01(*b.XMax) || !in01(*b.YMax) {
			return p, badRequest("boundingBox coordinates must be between 0 and 1")
		}
		if *b.XMin >= *b.XMax || *b.YMin >= *b.YMax {
			return p, badRequest("boundingBox must have xMin < xMax and yMin < yMax")
		}
		p.box = &Box{XMin: *b.XMin, YMin: *b.YMin, XMax: *b.XMax, YMax: *b.YMax}
	}
	return p, nil
}

func in01(v float64) bool { return v >= 0 && v <= 1 && !math.IsNaN(v) }

// postSegmentJob serves POST /context/vision/segment.
func (s *Server) postSegmentJob(w http.ResponseWriter, r *http.Request) error {
	var req wireSegmentRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	prompt, aerr := parseSegmentRequest(req)
	if aerr != nil {
		return aerr
	}
	p := s.projectOf(r)
	f := s.lookupFile(p, prompt.ref.FileID, prompt.ref.FileExternalID, prompt.ref.FileInstanceID)
	if f == nil {
		return &apiError{status: http.StatusBadRequest, message: "Files not found", missing: []any{prompt.ref}}
	}
	if err := checkImageFile(f); err != nil {
		return err
	}

	item := JobItem{FileID: f.ID, FileExternalID: f.ExternalID}
	final, errMsg := StatusCompleted, ""
	if aspect, err := displayAspect(f.Data); err != nil {
		final, errMsg = StatusFailed, "Image could not be processed: "+err.Error()
	} else {
		item.Segments = synthesizeSegments(f.ID, aspect, prompt.points, prompt.box)
	}
	now := s.now().Truncate(time.Millisecond)
	s.mu.Lock()
	id := s.addJobLocked(p, Job{
		Status: final, Created: now, Items: []JobItem{item},
		Points: prompt.points, Box: prompt.box, ErrorMessage: errMsg,
	})
	sj := p.jobs[id]
	sj.timed = true
	sj.postItems = []wireFileIDs{{FileID: f.ID, FileExternalID: f.ExternalID, FileInstanceID: f.instanceID()}}
	view := sj.at(now, s.jobPhase)
	s.mu.Unlock()

	resp := wireSegmentPostResponse{
		wireStatus:  statusWire(view),
		Items:       sj.postItems,
		Points:      pointsWire(view.Points),
		BoundingBox: boxWire(view.Box),
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// checkImageFile applies the documented file requirements: extension .jpeg,
// .jpg or .png and mimeType image/png or image/jpeg.
func checkImageFile(f *storedFile) *apiError {
	mime := strings.ToLower(strings.TrimSpace(f.MimeType))
	if mime != "image/png" && mime != "image/jpeg" {
		return badRequest("File %d has mimeType %q; only image/png and image/jpeg are supported", f.ID, f.MimeType)
	}
	switch strings.ToLower(path.Ext(f.Name)) {
	case ".png", ".jpg", ".jpeg":
		return nil
	}
	return badRequest("File %d (%s) must have file extension .jpeg, .jpg or .png", f.ID, f.Name)
}

// displayAspect returns width/height of the image as displayed, after its
// EXIF orientation, since result coordinates refer to the displayed image.
func displayAspect(data []byte) (float64, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, fmt.Errorf("not a decodable PNG or JPEG (%v)", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return 0, fmt.Errorf("empty %s image", format)
	}
	w, h := float64(cfg.Width), float64(cfg.Height)
	if format == "jpeg" && exifOrientation(data) >= 5 {
		w, h = h, w
	}
	return w / h, nil
}

// getSegmentJob serves GET /context/vision/segment/{jobId}.
//
// What CDF answers for an unknown job id is not documented. The simulator
// answers like other CDF lookups by id do: 400 with the id in "missing".
func (s *Server) getSegmentJob(w http.ResponseWriter, r *http.Request) error {
	raw := r.PathValue("jobId")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id < 1 {
		return badRequest("Invalid jobId %q: must be a positive integer", raw)
	}
	p := s.projectOf(r)
	s.mu.Lock()
	sj := p.jobs[id]
	var view Job
	if sj != nil {
		view = sj.at(s.now(), s.jobPhase)
	}
	s.mu.Unlock()
	if sj == nil {
		return &apiError{status: http.StatusBadRequest, message: fmt.Sprintf("Could not find job with id %d", id), missing: []any{map[string]int64{"jobId": id}}}
	}
	writeJSON(w, http.StatusOK, getResponseWire(view))
	return nil
}

func getResponseWire(j Job) wireSegmentGetResponse {
	resp := wireSegmentGetResponse{
		wireStatus: statusWire(j),
		Items:      make([]wireSegmentItem, len(j.Items)),
		Prompt:     wirePrompt{Points: pointsWire(j.Points), BoundingBox: boxWire(j.Box)},
	}
	for i, it := range j.Items {
		segs := make([]wireSegment, len(it.Segments))
		for k, sg := range it.Segments {
			polys := make([]wirePolygon, len(sg.Polygons))
			for p, poly := range sg.Polygons {
				vs := make([]wireVertex, len(poly))
				for v, vx := range poly {
					vs[v] = wireVertex{X: vx.X, Y: vx.Y}
				}
				polys[p] = wirePolygon{Vertices: vs}
			}
			segs[k] = wireSegment{Score: sg.Score, Polygons: polys}
		}
		resp.Items[i] = wireSegmentItem{FileID: it.FileID, FileExternalID: it.FileExternalID, Segments: segs}
	}
	for _, fb := range j.Failed {
		b := wireFailedBatch{ErrorMessage: fb.ErrorMessage}
		for _, ref := range fb.Items {
			ids := wireFileIDs{FileID: ref.FileID, FileExternalID: ref.FileExternalID}
			if ref.Space != "" || ref.InstanceExternalID != "" {
				ids.FileInstanceID = &wireInstanceID{Space: ref.Space, ExternalID: ref.InstanceExternalID}
			}
			b.Items = append(b.Items, ids)
		}
		resp.FailedItems = append(resp.FailedItems, b)
	}
	return resp
}

func statusWire(j Job) wireStatus {
	ws := wireStatus{
		Status:      j.Status,
		CreatedTime: j.Created.UnixMilli(),
		StartTime:   j.Started.UnixMilli(),
		StatusTime:  j.StatusAt.UnixMilli(),
		JobID:       j.ID,
	}
	if j.Status == StatusFailed || j.ErrorMessage != "" {
		msg := j.ErrorMessage
		ws.ErrorMessage = &msg
	}
	return ws
}

func pointsWire(ps []Point) []wirePoint {
	if len(ps) == 0 {
		return nil
	}
	out := make([]wirePoint, len(ps))
	for i, p := range ps {
		out[i] = wirePoint{X: p.X, Y: p.Y, Label: p.Label}
	}
	return out
}

func boxWire(b *Box) *wireBox {
	if b == nil {
		return nil
	}
	return &wireBox{XMin: b.XMin, YMin: b.YMin, XMax: b.XMax, YMax: b.YMax}
}
