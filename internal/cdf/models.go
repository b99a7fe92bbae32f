package cdf

import (
	"encoding/json"
	"math"
	"time"
)

// JobStatus is the state of a CDF contextualization job.
type JobStatus string

// The job states CDF reports for vision jobs.
const (
	StatusQueued    JobStatus = "Queued"
	StatusRunning   JobStatus = "Running"
	StatusCompleted JobStatus = "Completed"
	StatusFailed    JobStatus = "Failed"
)

// Terminal reports whether the job has finished, successfully or not, so
// that polling can stop.
func (s JobStatus) Terminal() bool {
	return s == StatusCompleted || s == StatusFailed
}

// Millis is a CDF timestamp: milliseconds since the Unix epoch.
type Millis int64

// Time returns m as a UTC time, or the zero time.Time when m is 0.
func (m Millis) Time() time.Time {
	if m == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(m)).UTC()
}

// InstanceID identifies a data-modeling instance (for example a
// CogniteFile node).
type InstanceID struct {
	Space      string `json:"space"`
	ExternalID string `json:"externalId"`
}

// Vertex is a polygon corner in normalized image coordinates (0..1, origin
// at the top left). Confidence is nil when CDF sends null or omits it.
type Vertex struct {
	X          float64  `json:"x"`
	Y          float64  `json:"y"`
	Confidence *float64 `json:"confidence"`
}

// Polygon is a closed polygon: the last vertex connects to the first.
type Polygon struct {
	Vertices   []Vertex `json:"vertices"`
	Confidence *float64 `json:"confidence"`
}

// Segment is one segmentation result: a mask score from the model and the
// polygons outlining the mask.
type Segment struct {
	Score    float64   `json:"score"`
	Polygons []Polygon `json:"polygons"`
}

// SegmentItem is a file of a segmentation job with its results. In a POST
// response, Segments is empty; FileInstanceID is only echoed there.
type SegmentItem struct {
	FileID         int64       `json:"fileId"`
	FileExternalID string      `json:"fileExternalId,omitempty"`
	FileInstanceID *InstanceID `json:"fileInstanceId,omitempty"`
	Segments       []Segment   `json:"segments"`
}

// Labels of a [PromptPoint].
const (
	LabelBackground = 0
	LabelForeground = 1
)

// PromptPoint is a prompt point in normalized image coordinates. Label is
// [LabelForeground] (1) or [LabelBackground] (0). When decoding, a missing
// or null label means foreground, as the API documents; note that the Go
// zero value is background.
type PromptPoint struct {
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	Label int     `json:"label"`
}

// UnmarshalJSON decodes a point, defaulting a missing label to 1. The API
// types the label as a number, so 1.0 is accepted too.
func (p *PromptPoint) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var w struct {
		X     float64  `json:"x"`
		Y     float64  `json:"y"`
		Label *float64 `json:"label"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*p = PromptPoint{X: w.X, Y: w.Y, Label: LabelForeground}
	if w.Label != nil {
		p.Label = int(math.Round(*w.Label))
	}
	return nil
}

// BoundingBox is a box prompt in normalized image coordinates.
type BoundingBox struct {
	XMin float64 `json:"xMin"`
	YMin float64 `json:"yMin"`
	XMax float64 `json:"xMax"`
	YMax float64 `json:"yMax"`
}

// Prompt is the input a segmentation job was run with: points, a box, or
// both.
type Prompt struct {
	Points      []PromptPoint `json:"points,omitempty"`
	BoundingBox *BoundingBox  `json:"boundingBox,omitempty"`
}

// FileRef names a file in a job response. FileID is always set by CDF.
type FileRef struct {
	FileID         int64       `json:"fileId"`
	FileExternalID string      `json:"fileExternalId,omitempty"`
	FileInstanceID *InstanceID `json:"fileInstanceId,omitempty"`
}

// FailedBatch is a group of files a job could not process.
type FailedBatch struct {
	ErrorMessage string    `json:"errorMessage,omitempty"`
	Items        []FileRef `json:"items,omitempty"`
}

// SegmentJob is a vision segmentation job as returned by
// GET /context/vision/segment/{jobId} or POST /context/vision/segment.
// It marshals in the GET shape (prompt nested under "prompt").
type SegmentJob struct {
	JobID        int64         `json:"jobId"`
	Status       JobStatus     `json:"status"`
	CreatedTime  Millis        `json:"createdTime"`
	StartTime    Millis        `json:"startTime"`
	StatusTime   Millis        `json:"statusTime"`
	Items        []SegmentItem `json:"items"`
	Prompt       Prompt        `json:"prompt"`
	ErrorMessage string        `json:"errorMessage,omitempty"`
	FailedItems  []FailedBatch `json:"failedItems,omitempty"`
}

// UnmarshalJSON decodes both response shapes: the GET shape nests the
// prompt under "prompt", the POST shape echoes "points" and "boundingBox"
// at the top level. If both are present the nested prompt wins. A null
// errorMessage decodes as "".
func (j *SegmentJob) UnmarshalJSON(b []byte) error {
	type plain SegmentJob // drops the methods, so no recursion
	var w struct {
		plain
		Prompt      *Prompt       `json:"prompt"` // shadows plain.Prompt
		Points      []PromptPoint `json:"points"`
		BoundingBox *BoundingBox  `json:"boundingBox"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*j = SegmentJob(w.plain)
	if w.Prompt != nil {
		j.Prompt = *w.Prompt
	} else {
		j.Prompt = Prompt{Points: w.Points, BoundingBox: w.BoundingBox}
	}
	return nil
}

// File is the subset of CDF file metadata segview uses.
type File struct {
	ID              int64       `json:"id"`
	ExternalID      string      `json:"externalId,omitempty"`
	InstanceID      *InstanceID `json:"instanceId,omitempty"`
	Name            string      `json:"name"`
	MimeType        string      `json:"mimeType,omitempty"`
	Uploaded        bool        `json:"uploaded"`
	CreatedTime     Millis      `json:"createdTime"`
	LastUpdatedTime Millis      `json:"lastUpdatedTime"`
}

// Identifier returns the identifier that addresses f by its internal id.
func (f File) Identifier() FileIdentifier { return ByID(f.ID) }
