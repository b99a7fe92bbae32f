package cdfsim

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Limits and values of the Annotations API (§8).
const (
	maxAnnotationItems      = 1000
	defaultAnnotationsLimit = 25
	maxPolygonVertices      = 1000
	maxAttributes           = 10

	annotationTypeObjectDetection = "images.ObjectDetection"
	annotatedFile                 = "file"
)

func validAnnotationStatus(s string) bool {
	return s == "suggested" || s == "approved" || s == "rejected"
}

// createAnnotations serves POST /annotations: all items are checked, and
// their files looked up, before any is stored.
func (s *Server) createAnnotations(w http.ResponseWriter, r *http.Request) error {
	var req wireItems[wireAnnotationIn]
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if n := len(req.Items); n < 1 || n > maxAnnotationItems {
		return badRequest("items must contain between 1 and %d elements, got %d", maxAnnotationItems, n)
	}
	created := make([]wireAnnotation, len(req.Items))
	for i, in := range req.Items {
		a, err := newAnnotation(i, in)
		if err != nil {
			return err
		}
		created[i] = a
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var missing []any
	seen := map[int64]bool{}
	for _, a := range created {
		if id := a.AnnotatedResourceID; s.files[id] == nil && !seen[id] {
			seen[id] = true
			missing = append(missing, map[string]int64{"id": id})
		}
	}
	if missing != nil {
		return &apiError{status: http.StatusBadRequest, message: "Annotated files not found", missing: missing}
	}
	now := s.now().UnixMilli()
	for i := range created {
		a := &created[i]
		a.ID = s.nextAnnotID
		s.nextAnnotID++
		a.CreatedTime, a.LastUpdatedTime = now, now
		stored := *a
		s.annotations[a.ID] = &stored
	}
	writeJSON(w, http.StatusCreated, wireItems[wireAnnotation]{Items: created})
	return nil
}

// newAnnotation checks item i of a create request and returns it in the
// read shape, without id and times.
func newAnnotation(i int, in wireAnnotationIn) (wireAnnotation, error) {
	switch {
	case in.AnnotatedResourceType != annotatedFile:
		return wireAnnotation{}, badRequest("items[%d].annotatedResourceType must be %q, got %q", i, annotatedFile, in.AnnotatedResourceType)
	case in.AnnotatedResourceID == nil:
		return wireAnnotation{}, badRequest("items[%d].annotatedResourceId is required", i)
	case *in.AnnotatedResourceID < 1 || *in.AnnotatedResourceID > maxCDFID:
		return wireAnnotation{}, badRequest("items[%d].annotatedResourceId must be between 1 and %d", i, maxCDFID)
	case !validAnnotationStatus(in.Status):
		return wireAnnotation{}, badRequest("items[%d].status must be suggested, approved or rejected, got %q", i, in.Status)
	case strings.TrimSpace(in.CreatingApp) == "":
		return wireAnnotation{}, badRequest("items[%d].creatingApp is required", i)
	case strings.TrimSpace(in.CreatingAppVersion) == "":
		return wireAnnotation{}, badRequest("items[%d].creatingAppVersion is required", i)
	case in.AnnotationType == "":
		return wireAnnotation{}, badRequest("items[%d].annotationType is required", i)
	case in.AnnotationType != annotationTypeObjectDetection:
		return wireAnnotation{}, badRequest("items[%d].annotationType %q is not supported by the simulator (only %s)", i, in.AnnotationType, annotationTypeObjectDetection)
	}
	data, err := objectDetection(fmt.Sprintf("items[%d].data", i), in.Data)
	if err != nil {
		return wireAnnotation{}, err
	}
	return wireAnnotation{
		AnnotatedResourceType: in.AnnotatedResourceType,
		AnnotatedResourceID:   *in.AnnotatedResourceID,
		AnnotationType:        in.AnnotationType,
		CreatingApp:           in.CreatingApp,
		CreatingAppVersion:    in.CreatingAppVersion,
		CreatingUser:          in.CreatingUser,
		Status:                in.Status,
		Data:                  data,
	}, nil
}

// objectDetection strictly decodes and checks images.ObjectDetection data;
// where names the field in error messages.
func objectDetection(where string, raw json.RawMessage) (wireObjectDetection, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return wireObjectDetection{}, badRequest("%s is required", where)
	}
	var in wireObjectDetectionIn
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return wireObjectDetection{}, badRequest("%s: %s", where, jsonError(err).message)
	}
	out := wireObjectDetection{Label: in.Label, Confidence: in.Confidence}
	if strings.TrimSpace(in.Label) == "" {
		return out, badRequest("%s.label must be a non-empty string", where)
	}
	if c := in.Confidence; c != nil && !unit(*c) {
		return out, badRequest("%s.confidence must be between 0 and 1, got %g", where, *c)
	}
	if len(in.Polyline) > 0 && string(in.Polyline) != "null" {
		return out, badRequest("%s.polyline is not supported by the simulator: use polygon or boundingBox", where)
	}
	if (in.Polygon == nil) == (in.BoundingBox == nil) {
		return out, badRequest("%s must have exactly one of polygon and boundingBox", where)
	}
	if b := in.BoundingBox; b != nil {
		if b.XMin == nil || b.XMax == nil || b.YMin == nil || b.YMax == nil {
			return out, badRequest("%s.boundingBox needs xMin, xMax, yMin and yMax", where)
		}
		box := wireAnnotationBox{XMin: *b.XMin, XMax: *b.XMax, YMin: *b.YMin, YMax: *b.YMax}
		if !unit(box.XMin) || !unit(box.XMax) || !unit(box.YMin) || !unit(box.YMax) {
			return out, badRequest("%s.boundingBox coordinates must be between 0 and 1", where)
		}
		if box.XMin >= box.XMax || box.YMin >= box.YMax {
			return out, badRequest("%s.boundingBox must have xMin < xMax and yMin < yMax", where)
		}
		out.BoundingBox = &box
	}
	if p := in.Polygon; p != nil {
		if n := len(p.Vertices); n < 3 || n > maxPolygonVertices {
			return out, badRequest("%s.polygon.vertices must contain between 3 and %d elements, got %d", where, maxPolygonVertices, n)
		}
		poly := &wireAnnotationPolygon{Vertices: make([]wireXY, len(p.Vertices))}
		for j, v := range p.Vertices {
			if v.X == nil || v.Y == nil {
				return out, badRequest("%s.polygon.vertices[%d] needs x and y", where, j)
			}
			if !unit(*v.X) || !unit(*v.Y) {
				return out, badRequest("%s.polygon.vertices[%d] (%g, %g) must be between 0 and 1", where, j, *v.X, *v.Y)
			}
			poly.Vertices[j] = wireXY{X: *v.X, Y: *v.Y}
		}
		out.Polygon = poly
	}
	attrs, err := attributes(where, in.Attributes)
	if err != nil {
		return out, err
	}
	out.Attributes = attrs
	return out, nil
}

// attributes checks the attributes of ObjectDetection data: at most 10,
// each numerical with a number or boolean with a boolean.
func attributes(where string, in map[string]wireAttributeIn) (map[string]wireAttribute, error) {
	if len(in) > maxAttributes {
		return nil, badRequest("%s.attributes must have at most %d entries, got %d", where, maxAttributes, len(in))
	}
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]wireAttribute, len(in))
	for _, k := range slices.Sorted(maps.Keys(in)) {
		a := in[k]
		if strings.TrimSpace(k) == "" {
			return nil, badRequest("%s.attributes has an empty key", where)
		}
		var v any
		if len(a.Value) > 0 {
			if err := json.Unmarshal(a.Value, &v); err != nil {
				return nil, badRequest("%s.attributes[%q].value is not JSON", where, k)
			}
		}
		switch a.Type {
		case "numerical":
			if _, ok := v.(float64); !ok {
				return nil, badRequest("%s.attributes[%q].value must be a number for type numerical", where, k)
			}
		case "boolean":
			if _, ok := v.(bool); !ok {
				return nil, badRequest("%s.attributes[%q].value must be true or false for type boolean", where, k)
			}
		default:
			return nil, badRequest("%s.attributes[%q].type must be numerical or boolean, got %q", where, k, a.Type)
		}
		value, _ := json.Marshal(v) // compact; v came from JSON
		attr := wireAttribute{Type: a.Type, Value: value}
		if a.Description != nil {
			attr.Description = *a.Description
		}
		out[k] = attr
	}
	return out, nil
}

func unit(v float64) bool { return v >= 0 && v <= 1 }

// listAnnotations serves POST /annotations/list: the matching annotations
// in id order, limit at a time, with an opaque cursor while more remain.
func (s *Server) listAnnotations(w http.ResponseWriter, r *http.Request) error {
	var req wireAnnotationListRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	f := req.Filter
	switch {
	case f == nil:
		return badRequest("filter is required")
	case f.AnnotatedResourceType == nil:
		return badRequest("filter.annotatedResourceType is required")
	case *f.AnnotatedResourceType != annotatedFile:
		return badRequest("filter.annotatedResourceType must be %q, got %q", annotatedFile, *f.AnnotatedResourceType)
	case len(f.AnnotatedResourceIDs) < 1 || len(f.AnnotatedResourceIDs) > maxAnnotationItems:
		return badRequest("filter.annotatedResourceIds must contain between 1 and %d elements, got %d", maxAnnotationItems, len(f.AnnotatedResourceIDs))
	case f.Status != nil && !validAnnotationStatus(*f.Status):
		return badRequest("filter.status must be suggested, approved or rejected, got %q", *f.Status)
	}
	files := make(map[int64]bool, len(f.AnnotatedResourceIDs))
	for i, ref := range f.AnnotatedResourceIDs {
		if ref.ID == nil || *ref.ID < 1 || *ref.ID > maxCDFID {
			return badRequest("filter.annotatedResourceIds[%d].id must be between 1 and %d", i, maxCDFID)
		}
		files[*ref.ID] = true
	}
	limit := defaultAnnotationsLimit
	if req.Limit != nil {
		limit = *req.Limit
		if limit < 1 || limit > maxAnnotationItems {
			return badRequest("limit must be between 1 and %d, got %d", maxAnnotationItems, limit)
		}
	}
	var after int64
	if req.Cursor != nil {
		var ok bool
		if after, ok = parseAnnotationCursor(*req.Cursor); !ok {
			return badRequest("Invalid cursor %q", *req.Cursor)
		}
	}
	match := func(a *wireAnnotation) bool {
		return files[a.AnnotatedResourceID] && a.ID > after &&
			(f.AnnotationType == nil || a.AnnotationType == *f.AnnotationType) &&
			(f.CreatingApp == nil || a.CreatingApp == *f.CreatingApp) &&
			(f.CreatingUser == nil || a.CreatingUser != nil && *a.CreatingUser == *f.CreatingUser) &&
			(f.Status == nil || a.Status == *f.Status)
	}
	s.mu.Lock()
	var found []wireAnnotation
	for _, a := range s.annotations {
		if match(a) {
			found = append(found, *a)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(found, func(a, b wireAnnotation) int { return cmp.Compare(a.ID, b.ID) })
	out := wireAnnotationList{Items: found}
	if len(found) > limit {
		out.Items = found[:limit]
		out.NextCursor = annotationCursor(found[limit-1].ID)
	}
	if out.Items == nil {
		out.Items = []wireAnnotation{}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// cursorPrefix marks the simulator's cursors; the rest is the last id
// listed. Clients must treat cursors as opaque.
const cursorPrefix = "annotations-after:"

func annotationCursor(lastID int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(lastID, 10)))
}

func parseAnnotationCursor(c string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(b), cursorPrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil && id > 0
}

// updateAnnotations serves POST /annotations/update: status and data can
// be set; every id must exist, and nothing changes unless all items are
// valid.
func (s *Server) updateAnnotations(w http.ResponseWriter, r *http.Request) error {
	var req wireItems[wireAnnotationUpdateItem]
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if n := len(req.Items); n < 1 || n > maxAnnotationItems {
		return badRequest("items must contain between 1 and %d elements, got %d", maxAnnotationItems, n)
	}
	type change struct {
		id     int64
		status *string
		data   *wireObjectDetection
	}
	changes := make([]change, len(req.Items))
	seen := map[int64]bool{}
	var dup []any
	for i, it := range req.Items {
		switch {
		case it.ID == nil:
			return badRequest("items[%d].id is required", i)
		case *it.ID < 1 || *it.ID > maxCDFID:
			return badRequest("items[%d].id must be between 1 and %d", i, maxCDFID)
		case it.Update == nil || it.Update.Status == nil && it.Update.Data == nil:
			return badRequest("items[%d].update must set status or data", i)
		}
		c := change{id: *it.ID}
		if st := it.Update.Status; st != nil {
			if st.Set == nil || !validAnnotationStatus(*st.Set) {
				return badRequest("items[%d].update.status.set must be suggested, approved or rejected", i)
			}
			c.status = st.Set
		}
		if d := it.Update.Data; d != nil {
			data, err := objectDetection(fmt.Sprintf("items[%d].update.data.set", i), d.Set)
			if err != nil {
				return err
			}
			c.data = &data
		}
		if seen[c.id] {
			dup = append(dup, map[string]int64{"id": c.id})
		}
		seen[c.id] = true
		changes[i] = c
	}
	if dup != nil {
		return &apiError{status: http.StatusBadRequest, message: "Duplicate annotation ids in items", duplicated: dup}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var missing []any
	for _, c := range changes {
		if s.annotations[c.id] == nil {
			missing = append(missing, map[string]int64{"id": c.id})
		}
	}
	if missing != nil {
		return &apiError{status: http.StatusBadRequest, message: "Annotations not found", missing: missing}
	}
	now := s.now().UnixMilli()
	out := make([]wireAnnotation, len(changes))
	for i, c := range changes {
		// Replace rather than modify: copies handed out share nested data.
		a := *s.annotations[c.id]
		if c.status != nil {
			a.Status = *c.status
		}
		if c.data != nil {
			a.Data = *c.data
		}
		a.LastUpdatedTime = now
		s.annotations[c.id] = &a
		out[i] = a
	}
	writeJSON(w, http.StatusOK, wireItems[wireAnnotation]{Items: out})
	return nil
}

// AnnotationStatuses returns the status of every annotation of the file
// fileID, by annotation id.
func (s *Server) AnnotationStatuses(fileID int64) map[int64]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64]string{}
	for id, a := range s.annotations {
		if a.AnnotatedResourceID == fileID {
			out[id] = a.Status
		}
	}
	return out
}

// annotationsOf returns the annotations of fileID in id order, as stored.
func (s *Server) annotationsOf(fileID int64) []wireAnnotation {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []wireAnnotation
	for _, a := range s.annotations {
		if a.AnnotatedResourceID == fileID {
			out = append(out, *a)
		}
	}
	slices.SortFunc(out, func(a, b wireAnnotation) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
