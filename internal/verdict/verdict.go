// Package verdict stores reviewers' verdicts on segments in CDF through the
// Annotations API, and reads them back.
//
// A segment is identified by its job, its file and its rank (the order of
// the job's segments by decreasing score, which a finished job never
// changes). CDF's images.ObjectDetection annotation holds one polygon
// without holes, so a segment of several polygons is stored as one
// annotation per polygon, all with the segment's score as confidence and
// the same verdict. Each carries the numerical attributes segviewJob,
// segviewRank and segviewPolygon, and creatingApp "segview", by which they
// are found again. A segment's verdict is the status of its most recently
// updated annotation.
package verdict

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"

	"github.com/segview/segview/internal/buildversion"
	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/segment"
)

// Statuses a verdict may take, CDF's annotation statuses: suggested means
// no verdict (yet).
const (
	Suggested = cdf.AnnotationSuggested
	Approved  = cdf.AnnotationApproved
	Rejected  = cdf.AnnotationRejected
)

// App is the creatingApp of segview's annotations.
const App = "segview"

// Label is the label of every segment's annotation: the job's prompt
// names no class.
const Label = "segment"

// Attribute names on each annotation.
const (
	attrJob     = "segviewJob"
	attrRank    = "segviewRank"
	attrPolygon = "segviewPolygon"
)

// DefaultMaxAnnotations bounds the annotations read for one page.
const DefaultMaxAnnotations = 100_000

// maxVertices is CDF's limit on an annotation polygon.
const maxVertices = 1000

// Annotations is what verdicts need of the CDF client.
type Annotations interface {
	ListAnnotations(ctx context.Context, f cdf.AnnotationFilter, max int) ([]cdf.Annotation, error)
	CreateAnnotations(ctx context.Context, items []cdf.Annotation) ([]cdf.Annotation, error)
	UpdateAnnotationStatus(ctx context.Context, ids []int64, status string) ([]cdf.Annotation, error)
}

// Store reads and writes verdicts.
type Store struct {
	CDF Annotations
	// AppVersion is the creatingAppVersion of new annotations, a SemVer
	// version as CDF requires; empty means buildversion.Derived().
	AppVersion string
	// MaxAnnotations bounds how many annotations one Load reads
	// (SEGVIEW_MAX_ANNOTATIONS); 0 means DefaultMaxAnnotations.
	MaxAnnotations int
}

// Key names one segment of a job: its file and rank.
type Key struct {
	FileID int64
	Rank   int
}

// Op is what a failed call was doing, for the message people see.
type Op string

// Ops of Error.
const (
	OpRead  Op = "read"
	OpWrite Op = "write"
)

// Error is a failure to read or write verdicts in CDF. Nothing was
// written when a write fails with a refusal (CDF's create and update are
// atomic, and updates go first).
type Error struct {
	Op  Op
	Err error
}

func (e *Error) Error() string { return "verdict: " + string(e.Op) + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Frame says how the failure reads for a verdict on segview's error page.
// Given the heading, message, hint and kind (for logs) the page would
// show for Err, it returns those of e; status, CDF's message and request
// id stay Err's. A refusal (HTTP 403) names the Annotations API
// capability the read or write needs and says that nothing was changed;
// any other failure keeps its meaning, and a failed write adds that the
// verdict may not have been stored.
func (e *Error) Frame(heading, message, hint, kind string) (string, string, string, string) {
	refused := IsRefused(e.Err)
	switch {
	case refused && e.Op == OpWrite:
		return "Verdict not saved",
			"CDF refused to store the verdict. Recording verdicts needs the annotationsAcl:WRITE capability (and annotationsAcl:READ and filesAcl:READ) in this project. Nothing was changed in CDF, and the page keeps your view.",
			"Ask a CDF administrator to grant annotationsAcl:WRITE to the group of the identity segview uses, then try again.",
			"verdict_403"
	case refused:
		return "Access denied by CDF",
			"CDF refused to list the stored verdicts. Reading them needs the annotationsAcl:READ capability in this project. Nothing was changed.",
			"Ask a CDF administrator to grant annotationsAcl:READ to the group of the identity segview uses.",
			"verdict_403"
	case e.Op == OpWrite:
		return "Verdict not saved", message + " The verdict may not have been stored; reload the page to see what CDF holds.", hint, kind
	}
	return heading, message, hint, kind
}

// InputError is a verdict that cannot be stored: an unknown rank or
// status, or a segment CDF cannot hold.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// HTTPStatus is 400: the request named a verdict that cannot be stored.
// HTTPStatus, PublicHeading, PublicMessage, PublicHint and ErrorKind are
// what segview's error page shows.
func (e *InputError) HTTPStatus() int       { return http.StatusBadRequest }
func (e *InputError) PublicHeading() string { return "Verdict not saved" }
func (e *InputError) PublicMessage() string { return e.Msg }
func (e *InputError) PublicHint() string    { return "" }
func (e *InputError) ErrorKind() string     { return "verdict_input" }

// ValidStatus reports whether s is a status a verdict may take.
func ValidStatus(s string) bool { return s == Suggested || s == Approved || s == Rejected }

// Load returns the verdicts stored for the job's segments in the files:
// approved or rejected by key; segments without a verdict are absent.
func (s *Store) Load(ctx context.Context, jobID int64, fileIDs []int64) (map[Key]string, error) {
	out := map[Key]string{}
	anns, err := s.list(ctx, jobID, fileIDs)
	if err != nil {
		return nil, err
	}
	for k, a := range latest(anns) {
		if a.Status != Suggested {
			out[k] = a.Status
		}
	}
	return out, nil
}

// list reads segview's annotations of the files that belong to the job.
func (s *Store) list(ctx context.Context, jobID int64, fileIDs []int64) ([]cdf.Annotation, error) {
	limit := cmp.Or(s.MaxAnnotations, DefaultMaxAnnotations)
	var out []cdf.Annotation
	for chunk := range slices.Chunk(fileIDs, cdf.MaxAnnotationsPerRequest) {
		anns, err := s.CDF.ListAnnotations(ctx, cdf.AnnotationFilter{
			FileIDs: chunk, AnnotationType: cdf.AnnotationTypeObjectDetection, CreatingApp: App,
		}, limit)
		if err != nil {
			return nil, &Error{Op: OpRead, Err: err}
		}
		for _, a := range anns {
			if job, ok := a.Data.Attributes[attrJob].Number(); ok && job == float64(jobID) {
				out = append(out, a)
			}
		}
		if len(out) > limit {
			return nil, &Error{Op: OpRead, Err: &cdf.LimitError{What: "annotations", Limit: int64(limit)}}
		}
	}
	return out, nil
}

// keyOf returns the segment an annotation of segview's belongs to.
func keyOf(a cdf.Annotation) (Key, bool) {
	rank, ok := a.Data.Attributes[attrRank].Number()
	if !ok || rank < 1 || rank != math.Trunc(rank) || rank > math.MaxInt32 {
		return Key{}, false
	}
	return Key{FileID: a.AnnotatedResourceID, Rank: int(rank)}, true
}

// latest returns, per segment, its most recently updated annotation (the
// larger id on a tie).
func latest(anns []cdf.Annotation) map[Key]cdf.Annotation {
	out := map[Key]cdf.Annotation{}
	for _, a := range anns {
		k, ok := keyOf(a)
		if !ok {
			continue
		}
		if cur, seen := out[k]; !seen || a.LastUpdatedTime > cur.LastUpdatedTime ||
			a.LastUpdatedTime == cur.LastUpdatedTime && a.ID > cur.ID {
			out[k] = a
		}
	}
	return out
}

// Set stores verdicts (rank → status) on segments of one file of a
// finished job, its results as segment.Results gives them, on behalf of
// user ("" when segview acts as itself), and returns the file's verdicts
// afterwards. Segments with annotations have them all updated; the others
// get new ones, unless the verdict is Suggested (no verdict), which needs
// none.
func (s *Store) Set(ctx context.Context, file segment.FileResults, verdicts map[int]string, user string) (map[int]string, error) {
	jobID, fileID, ranked := file.JobID, file.FileID, file.Ranked
	for rank, status := range verdicts {
		if rank < 1 || rank > len(ranked) {
			return nil, &InputError{Msg: fmt.Sprintf("File %d has no segment %d in job %d; it has %d.", fileID, rank, jobID, len(ranked))}
		}
		if !ValidStatus(status) {
			return nil, &InputError{Msg: fmt.Sprintf("%q is not a verdict: use approved, rejected or suggested.", status)}
		}
	}
	anns, err := s.list(ctx, jobID, []int64{fileID})
	if err != nil {
		// Reading is the first step of writing: the verdict was not saved.
		var verr *Error
		if errors.As(err, &verr) {
			verr.Op = OpWrite
		}
		return nil, err
	}
	have := map[int][]int64{} // rank → annotation ids
	for _, a := range anns {
		if k, ok := keyOf(a); ok && k.FileID == fileID {
			have[k.Rank] = append(have[k.Rank], a.ID)
		}
	}
	updates := map[string][]int64{} // status → ids
	var creates []cdf.Annotation
	for _, rank := range slices.Sorted(maps.Keys(verdicts)) {
		status := verdicts[rank]
		if ids := have[rank]; len(ids) > 0 {
			updates[status] = append(updates[status], ids...)
			continue
		}
		if status == Suggested {
			continue
		}
		items, err := s.annotations(jobID, fileID, ranked[rank-1], status, user)
		if err != nil {
			return nil, err
		}
		creates = append(creates, items...)
	}
	// Updates first: they may be retried, and a refusal stops before
	// anything was created.
	for _, status := range slices.Sorted(maps.Keys(updates)) {
		for chunk := range slices.Chunk(updates[status], cdf.MaxAnnotationsPerRequest) {
			if _, err := s.CDF.UpdateAnnotationStatus(ctx, chunk, status); err != nil {
				return nil, &Error{Op: OpWrite, Err: err}
			}
		}
	}
	// CDF creates at most 1000 annotations a request, each request all or
	// nothing; a bulk triage of a larger file takes several.
	for chunk := range slices.Chunk(creates, cdf.MaxAnnotationsPerRequest) {
		if _, err := s.CDF.CreateAnnotations(ctx, chunk); err != nil {
			return nil, &Error{Op: OpWrite, Err: err}
		}
	}
	// The file's verdicts afterwards: those read before, with the ones
	// just written in their place.
	out := map[int]string{}
	for k, a := range latest(anns) {
		if k.FileID == fileID && a.Status != Suggested {
			out[k.Rank] = a.Status
		}
	}
	for rank, status := range verdicts {
		if status == Suggested {
			delete(out, rank)
		} else {
			out[rank] = status
		}
	}
	return out, nil
}

// annotations builds the annotations of one segment: one per polygon CDF
// can hold (three to 1000 finite vertices, clamped to the image).
func (s *Store) annotations(jobID, fileID int64, seg segment.Ranked, status, user string) ([]cdf.Annotation, error) {
	var creator *string
	if user != "" {
		creator = &user
	}
	// CDF holds confidences from 0 to 1; a model's score outside that
	// range is clamped rather than refused.
	score := clamp01(seg.Score)
	if math.IsNaN(score) {
		score = 0
	}
	var out []cdf.Annotation
	for i, ring := range seg.Polygons {
		var vs []cdf.AnnotationPoint
		for _, p := range ring {
			if math.IsNaN(p.X) || math.IsNaN(p.Y) || math.IsInf(p.X, 0) || math.IsInf(p.Y, 0) {
				continue
			}
			vs = append(vs, cdf.AnnotationPoint{X: clamp01(p.X), Y: clamp01(p.Y)})
		}
		if len(vs) < 3 {
			continue
		}
		if len(vs) > maxVertices {
			return nil, &InputError{Msg: fmt.Sprintf("Segment %d has a polygon of %d vertices; CDF annotations hold at most %d.", seg.Rank, len(vs), maxVertices)}
		}
		out = append(out, cdf.Annotation{
			AnnotatedResourceType: "file",
			AnnotatedResourceID:   fileID,
			AnnotationType:        cdf.AnnotationTypeObjectDetection,
			CreatingApp:           App,
			CreatingAppVersion:    cmp.Or(s.AppVersion, buildversion.Derived()),
			CreatingUser:          creator,
			Status:                status,
			Data: cdf.ObjectDetection{
				Label:      Label,
				Confidence: &score,
				Polygon:    &cdf.AnnotationPolygon{Vertices: vs},
				Attributes: map[string]cdf.AnnotationAttribute{
					attrJob:     cdf.NumericAttribute(float64(jobID)),
					attrRank:    cdf.NumericAttribute(float64(seg.Rank)),
					attrPolygon: cdf.NumericAttribute(float64(i + 1)),
				},
			},
		})
	}
	if len(out) == 0 {
		return nil, &InputError{Msg: fmt.Sprintf("Segment %d has no polygon CDF can store (each needs three vertices).", seg.Rank)}
	}
	return out, nil
}

func clamp01(v float64) float64 { return min(max(v, 0), 1) }

// Default triage thresholds, as in Cognite's Vision app.
const (
	DefaultHigh = 0.75
	DefaultLow  = 0.25
)

// Triage returns the verdicts of bulk triage of ranked segments: approved
// for every segment with score ≥ high, rejected for every one below low;
// the rest keep theirs. It needs low ≤ high.
func Triage(ranked []segment.Ranked, high, low float64) (map[int]string, error) {
	if !(low >= 0 && high <= 1 && low <= high) {
		return nil, &InputError{Msg: fmt.Sprintf("Triage needs 0 ≤ low ≤ high ≤ 1; got low %g and high %g.", low, high)}
	}
	out := map[int]string{}
	for _, r := range ranked {
		switch {
		case r.Score >= high:
			out[r.Rank] = Approved
		case r.Score < low:
			out[r.Rank] = Rejected
		}
	}
	return out, nil
}

// IsRefused reports whether err is CDF refusing the caller (HTTP 403):
// a capability is missing.
func IsRefused(err error) bool {
	var api *cdf.APIError
	return errors.As(err, &api) && api.Status == 403
}
