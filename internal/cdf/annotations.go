package cdf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// Annotation statuses, types and limits of the Annotations API.
const (
	AnnotationSuggested = "suggested"
	AnnotationApproved  = "approved"
	AnnotationRejected  = "rejected"

	// AnnotationTypeObjectDetection is the annotation type whose data is
	// an [ObjectDetection].
	AnnotationTypeObjectDetection = "images.ObjectDetection"

	// MaxAnnotationsPerRequest is how many items CDF accepts in one
	// create, update or list request.
	MaxAnnotationsPerRequest = 1000
)

// annotatedFile is the only annotatedResourceType segview uses.
const annotatedFile = "file"

const annotationsPath = "/annotations"

// Annotation is one CDF annotation (read and create shape). On create, ID
// and the times are left zero; an empty AnnotatedResourceType is sent as
// "file".
type Annotation struct {
	ID                    int64           `json:"id,omitempty"`
	CreatedTime           int64           `json:"createdTime,omitempty"`
	LastUpdatedTime       int64           `json:"lastUpdatedTime,omitempty"`
	AnnotatedResourceType string          `json:"annotatedResourceType"` // "file"
	AnnotatedResourceID   int64           `json:"annotatedResourceId"`
	AnnotationType        string          `json:"annotationType"`
	CreatingApp           string          `json:"creatingApp"`
	CreatingAppVersion    string          `json:"creatingAppVersion"`
	CreatingUser          *string         `json:"creatingUser"`
	Status                string          `json:"status"`
	Data                  ObjectDetection `json:"data"`
}

// ObjectDetection is the data of an images.ObjectDetection annotation:
// a label with exactly one of a polygon or a bounding box, in normalized
// image coordinates (0..1, origin at the top left).
type ObjectDetection struct {
	Label       string                         `json:"label"`
	Confidence  *float64                       `json:"confidence,omitempty"`
	Polygon     *AnnotationPolygon             `json:"polygon,omitempty"`
	BoundingBox *AnnotationBoundingBox         `json:"boundingBox,omitempty"`
	Attributes  map[string]AnnotationAttribute `json:"attributes,omitempty"`
}

// AnnotationPolygon is a closed polygon without holes; CDF accepts 3 to
// 1000 vertices.
type AnnotationPolygon struct {
	Vertices []AnnotationPoint `json:"vertices"`
}

// AnnotationPoint is a vertex in normalized image coordinates.
type AnnotationPoint struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// AnnotationBoundingBox is a box in normalized image coordinates.
type AnnotationBoundingBox struct {
	XMin float64 `json:"xMin"`
	XMax float64 `json:"xMax"`
	YMin float64 `json:"yMin"`
	YMax float64 `json:"yMax"`
}

// Attribute types of [AnnotationAttribute].
const (
	attributeNumerical = "numerical"
	attributeBoolean   = "boolean"
)

// AnnotationAttribute is CDF's {"type":"numerical"|"boolean","value":...,"description"?}.
type AnnotationAttribute struct {
	Type        string          `json:"type"`
	Value       json.RawMessage `json:"value"`
	Description string          `json:"description,omitempty"`
}

// NumericAttribute returns a numerical attribute with value v. NaN and the
// infinities have no JSON form: an annotation carrying one fails to encode.
func NumericAttribute(v float64) AnnotationAttribute {
	return AnnotationAttribute{Type: attributeNumerical, Value: json.RawMessage(strconv.FormatFloat(v, 'g', -1, 64))}
}

// Number returns the value of a numerical attribute. ok is false for
// other types and for values that are not a JSON number.
func (a AnnotationAttribute) Number() (float64, bool) {
	if a.Type != attributeNumerical {
		return 0, false
	}
	var v any
	if json.Unmarshal(a.Value, &v) != nil {
		return 0, false
	}
	f, ok := v.(float64)
	return f, ok
}

// AnnotationFilter selects annotations for ListAnnotations.
type AnnotationFilter struct {
	// FileIDs are the annotated files: required, 1 to 1000.
	FileIDs []int64
	// AnnotationType, CreatingApp and Status, when not empty, must match
	// exactly.
	AnnotationType string
	CreatingApp    string
	Status         string
}

// CreateAnnotations creates 1 to 1000 annotations in one request and
// returns them as CDF stored them, with ids. CDF creates all or none. The
// call is retried only after a 429: a create that reached CDF may have
// been applied even if its response was lost.
func (c *Client) CreateAnnotations(ctx context.Context, items []Annotation) ([]Annotation, error) {
	if err := checkBatch("annotations to create", len(items)); err != nil {
		return nil, err
	}
	send := make([]Annotation, len(items))
	for i, a := range items {
		if a.AnnotatedResourceType == "" {
			a.AnnotatedResourceType = annotatedFile
		}
		switch {
		case a.AnnotatedResourceType != annotatedFile:
			return nil, fmt.Errorf("cdf: annotation %d: annotatedResourceType %q is not %q", i, a.AnnotatedResourceType, annotatedFile)
		case a.AnnotatedResourceID <= 0:
			return nil, fmt.Errorf("cdf: annotation %d: invalid file id %d", i, a.AnnotatedResourceID)
		}
		if err := checkStatus(a.Status); err != nil {
			return nil, fmt.Errorf("cdf: annotation %d: %w", i, err)
		}
		a.ID, a.CreatedTime, a.LastUpdatedTime = 0, 0, 0
		send[i] = a
	}
	var out struct {
		Items []Annotation `json:"items"`
	}
	err := c.do(ctx, call{
		method: http.MethodPost,
		path:   annotationsPath,
		in: struct {
			Items []Annotation `json:"items"`
		}{send},
		out:   &out,
		retry: retryThrottled,
	})
	if err != nil {
		return nil, err
	}
	return out.Items, nil
}

// annotationResourceID is an item of filter.annotatedResourceIds.
type annotationResourceID struct {
	ID int64 `json:"id"`
}

type annotationFilterWire struct {
	AnnotatedResourceType string                 `json:"annotatedResourceType"`
	AnnotatedResourceIDs  []annotationResourceID `json:"annotatedResourceIds"`
	AnnotationType        string                 `json:"annotationType,omitempty"`
	CreatingApp           string                 `json:"creatingApp,omitempty"`
	Status                string                 `json:"status,omitempty"`
}

// ListAnnotations returns every annotation matching f, following CDF's
// cursors, in the order CDF lists them. When more than max match, it
// fails with a *LimitError (What "annotations") rather than return part of
// them. The call is retried on transient failures.
func (c *Client) ListAnnotations(ctx context.Context, f AnnotationFilter, max int) ([]Annotation, error) {
	if err := checkBatch("file ids in the annotation filter", len(f.FileIDs)); err != nil {
		return nil, err
	}
	if max < 1 {
		return nil, fmt.Errorf("cdf: annotation list maximum must be positive, got %d", max)
	}
	filter := annotationFilterWire{
		AnnotatedResourceType: annotatedFile,
		AnnotatedResourceIDs:  make([]annotationResourceID, len(f.FileIDs)),
		AnnotationType:        f.AnnotationType,
		CreatingApp:           f.CreatingApp,
		Status:                f.Status,
	}
	for i, id := range f.FileIDs {
		if id <= 0 {
			return nil, fmt.Errorf("cdf: annotation filter: invalid file id %d", id)
		}
		filter.AnnotatedResourceIDs[i] = annotationResourceID{id}
	}
	if f.Status != "" {
		if err := checkStatus(f.Status); err != nil {
			return nil, fmt.Errorf("cdf: annotation filter: %w", err)
		}
	}
	var all []Annotation
	cursor := ""
	for {
		var out struct {
			Items      []Annotation `json:"items"`
			NextCursor string       `json:"nextCursor"`
		}
		err := c.do(ctx, call{
			method: http.MethodPost,
			path:   annotationsPath + "/list",
			in: struct {
				Filter annotationFilterWire `json:"filter"`
				Limit  int                  `json:"limit"`
				Cursor string               `json:"cursor,omitempty"`
			}{filter, MaxAnnotationsPerRequest, cursor},
			out:   &out,
			retry: retryTransient,
		})
		if err != nil {
			return nil, err
		}
		all = append(all, out.Items...)
		if len(all) > max {
			return nil, &LimitError{What: whatAnnotations, Limit: int64(max)}
		}
		if out.NextCursor == "" {
			return all, nil
		}
		if out.NextCursor == cursor {
			return nil, errors.New("cdf: POST /annotations/list: CDF returned the same cursor twice")
		}
		cursor = out.NextCursor
	}
}

// UpdateAnnotationStatus sets the status of 1 to 1000 annotations in one
// request and returns them as updated. CDF updates all or none; an unknown
// id fails the call with an *APIError whose Missing names it. Setting a
// status is idempotent, so the call is retried on transient failures.
func (c *Client) UpdateAnnotationStatus(ctx context.Context, ids []int64, status string) ([]Annotation, error) {
	if err := checkBatch("annotation ids to update", len(ids)); err != nil {
		return nil, err
	}
	if err := checkStatus(status); err != nil {
		return nil, fmt.Errorf("cdf: %w", err)
	}
	type statusSet struct {
		Set string `json:"set"`
	}
	type update struct {
		ID     int64 `json:"id"`
		Update struct {
			Status statusSet `json:"status"`
		} `json:"update"`
	}
	items := make([]update, len(ids))
	seen := make(map[int64]bool, len(ids))
	for i, id := range ids {
		switch {
		case id <= 0:
			return nil, fmt.Errorf("cdf: invalid annotation id %d", id)
		case seen[id]:
			return nil, fmt.Errorf("cdf: annotation id %d given twice", id)
		}
		seen[id] = true
		items[i].ID = id
		items[i].Update.Status.Set = status
	}
	var out struct {
		Items []Annotation `json:"items"`
	}
	err := c.do(ctx, call{
		method: http.MethodPost,
		path:   annotationsPath + "/update",
		in: struct {
			Items []update `json:"items"`
		}{items},
		out:   &out,
		retry: retryTransient,
	})
	if err != nil {
		return nil, err
	}
	return out.Items, nil
}

// checkBatch checks that a request carries 1 to MaxAnnotationsPerRequest
// items.
func checkBatch(what string, n int) error {
	switch {
	case n == 0:
		return fmt.Errorf("cdf: no %s", what)
	case n > MaxAnnotationsPerRequest:
		return fmt.Errorf("cdf: %d %s, at most %d per request", n, what, MaxAnnotationsPerRequest)
	}
	return nil
}

func checkStatus(s string) error {
	switch s {
	case AnnotationSuggested, AnnotationApproved, AnnotationRejected:
		return nil
	}
	return fmt.Errorf("invalid annotation status %q: want %q, %q or %q", s, AnnotationSuggested, AnnotationApproved, AnnotationRejected)
}
