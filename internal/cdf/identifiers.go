package cdf

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// FileIdentifier addresses a file by exactly one of its internal id, its
// external id or its data-modeling instance id. Build one with [ByID],
// [ByExternalID] or [ByInstanceID].
//
// It marshals as {"id":..}, {"externalId":..} or {"instanceId":{..}}, the
// form the Files API takes; [SegmentRequest] translates it to the
// fileId/fileExternalId/fileInstanceId form of the vision API.
type FileIdentifier struct {
	ID         int64
	ExternalID string
	InstanceID *InstanceID
}

// ByID returns the identifier of the file with internal id id.
func ByID(id int64) FileIdentifier { return FileIdentifier{ID: id} }

// ByExternalID returns the identifier of the file with external id s.
func ByExternalID(s string) FileIdentifier { return FileIdentifier{ExternalID: s} }

// ByInstanceID returns the identifier of the file node space/externalID.
func ByInstanceID(space, externalID string) FileIdentifier {
	return FileIdentifier{InstanceID: &InstanceID{Space: space, ExternalID: externalID}}
}

// Validate reports whether exactly one of the three forms is set and
// well formed.
func (f FileIdentifier) Validate() error {
	if p := f.problem(); p != "" {
		return errors.New("cdf: " + p)
	}
	return nil
}

// problem describes what is wrong with f, or returns "".
func (f FileIdentifier) problem() string {
	n := 0
	if f.ID != 0 {
		n++
	}
	if f.ExternalID != "" {
		n++
	}
	if f.InstanceID != nil {
		n++
	}
	switch {
	case n == 0:
		return "empty file identifier"
	case n > 1:
		return "file identifier sets more than one of id, externalId, instanceId"
	case f.ID < 0:
		return fmt.Sprintf("file id %d is not positive", f.ID)
	case f.InstanceID != nil && (f.InstanceID.Space == "" || f.InstanceID.ExternalID == ""):
		return "file instance id needs both space and externalId"
	}
	return ""
}

// String returns a short human-readable form such as "id:123",
// "externalId:abc" or "instanceId:space/abc".
func (f FileIdentifier) String() string {
	switch {
	case f.InstanceID != nil:
		return "instanceId:" + f.InstanceID.Space + "/" + f.InstanceID.ExternalID
	case f.ExternalID != "":
		return "externalId:" + f.ExternalID
	default:
		return "id:" + strconv.FormatInt(f.ID, 10)
	}
}

// key identifies f for matching response items to request items.
func (f FileIdentifier) key() string {
	switch {
	case f.InstanceID != nil:
		return "i\x00" + f.InstanceID.Space + "\x00" + f.InstanceID.ExternalID
	case f.ExternalID != "":
		return "x\x00" + f.ExternalID
	default:
		return "n\x00" + strconv.FormatInt(f.ID, 10)
	}
}

// filesIdentifier is the wire form used by the Files API.
type filesIdentifier struct {
	ID         int64       `json:"id,omitempty"`
	ExternalID string      `json:"externalId,omitempty"`
	InstanceID *InstanceID `json:"instanceId,omitempty"`
}

// MarshalJSON encodes f in the Files API form. It fails unless exactly one
// form is set.
func (f FileIdentifier) MarshalJSON() ([]byte, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(filesIdentifier(f))
}

// UnmarshalJSON decodes the Files API form.
func (f *FileIdentifier) UnmarshalJSON(b []byte) error {
	var w filesIdentifier
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*f = FileIdentifier(w)
	return nil
}

// fileReference is the wire form used by the vision API.
type fileReference struct {
	FileID         int64       `json:"fileId,omitempty"`
	FileExternalID string      `json:"fileExternalId,omitempty"`
	FileInstanceID *InstanceID `json:"fileInstanceId,omitempty"`
}

// DownloadLink is one item of a /files/downloadlink response: the
// identifier as it was requested and a short-lived signed URL. Treat URL as
// a secret: it grants access to the file without credentials.
type DownloadLink struct {
	FileIdentifier
	URL string
}

type downloadLinkWire struct {
	ID          int64       `json:"id,omitempty"`
	ExternalID  string      `json:"externalId,omitempty"`
	InstanceID  *InstanceID `json:"instanceId,omitempty"`
	DownloadURL string      `json:"downloadUrl"`
}

// MarshalJSON encodes l in the wire form (identifier plus "downloadUrl").
func (l DownloadLink) MarshalJSON() ([]byte, error) {
	return json.Marshal(downloadLinkWire{
		ID: l.ID, ExternalID: l.ExternalID, InstanceID: l.InstanceID, DownloadURL: l.URL,
	})
}

// UnmarshalJSON decodes the wire form.
func (l *DownloadLink) UnmarshalJSON(b []byte) error {
	var w downloadLinkWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*l = DownloadLink{
		FileIdentifier: FileIdentifier{ID: w.ID, ExternalID: w.ExternalID, InstanceID: w.InstanceID},
		URL:            w.DownloadURL,
	}
	return nil
}

// SegmentRequest is the body of POST /context/vision/segment. CDF
// currently accepts exactly one item, and needs points, a bounding box, or
// both.
type SegmentRequest struct {
	Items       []FileIdentifier
	Points      []PromptPoint
	BoundingBox *BoundingBox
}

type segmentRequestWire struct {
	Items       []fileReference `json:"items"`
	Points      []PromptPoint   `json:"points,omitempty"`
	BoundingBox *BoundingBox    `json:"boundingBox,omitempty"`
}

// Validate checks what the API schema requires: at least one valid item,
// a prompt, coordinates in 0..1, labels 0 or 1, and a box with min <= max.
// It does not enforce the current one-item limit, which CDF reports itself.
func (r SegmentRequest) Validate() error {
	if len(r.Items) == 0 {
		return errors.New("cdf: segment request has no items")
	}
	for i, it := range r.Items {
		if p := it.problem(); p != "" {
			return fmt.Errorf("cdf: segment request item %d: %s", i, p)
		}
	}
	if len(r.Points) == 0 && r.BoundingBox == nil {
		return errors.New("cdf: segment request needs points or a bounding box")
	}
	for i, p := range r.Points {
		if !unit(p.X) || !unit(p.Y) {
			return fmt.Errorf("cdf: point %d (%g, %g) is outside 0..1", i, p.X, p.Y)
		}
		if p.Label != LabelBackground && p.Label != LabelForeground {
			return fmt.Errorf("cdf: point %d has label %d, want 0 or 1", i, p.Label)
		}
	}
	if b := r.BoundingBox; b != nil {
		if !unit(b.XMin) || !unit(b.YMin) || !unit(b.XMax) || !unit(b.YMax) {
			return errors.New("cdf: bounding box is outside 0..1")
		}
		if b.XMin > b.XMax || b.YMin > b.YMax {
			return errors.New("cdf: bounding box has min greater than max")
		}
	}
	return nil
}

func unit(v float64) bool { return !math.IsNaN(v) && v >= 0 && v <= 1 }

// MarshalJSON encodes r in the vision API form, with items as
// {"fileId":..}, {"fileExternalId":..} or {"fileInstanceId":{..}}.
func (r SegmentRequest) MarshalJSON() ([]byte, error) {
	w := segmentRequestWire{
		Items:       make([]fileReference, len(r.Items)),
		Points:      r.Points,
		BoundingBox: r.BoundingBox,
	}
	for i, it := range r.Items {
		if p := it.problem(); p != "" {
			return nil, fmt.Errorf("cdf: segment request item %d: %s", i, p)
		}
		w.Items[i] = fileReference{FileID: it.ID, FileExternalID: it.ExternalID, FileInstanceID: it.InstanceID}
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes the vision API form, so that a fake server can
// read requests with the same type.
func (r *SegmentRequest) UnmarshalJSON(b []byte) error {
	var w segmentRequestWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = SegmentRequest{Points: w.Points, BoundingBox: w.BoundingBox}
	if w.Items != nil {
		r.Items = make([]FileIdentifier, len(w.Items))
		for i, it := range w.Items {
			r.Items[i] = FileIdentifier{ID: it.FileID, ExternalID: it.FileExternalID, InstanceID: it.FileInstanceID}
		}
	}
	return nil
}
