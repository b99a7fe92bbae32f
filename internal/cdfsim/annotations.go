package cdfsim

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Limits and values of the Annotations API (§8, §8.1).
const (
	maxAnnotationItems = 1000
	// defaultAnnotationsLimit is the documented default limit of
	// POST /annotations/list: 25, where most CDF lists default to 100.
	defaultAnnotationsLimit = 25
	maxCursorLength         = 255
	maxExternalIDLength     = 255

	annotatedFile        = "file"
	annotatedThreeDModel = "threedmodel"
)

func validAnnotationStatus(s string) bool {
	return s == "suggested" || s == "approved" || s == "rejected"
}

// checkStatus checks a required status at where.
func checkStatus(where string, st *string) error {
	switch {
	case st == nil:
		return badRequest("%s is required (suggested, approved or rejected)", where)
	case !validAnnotationStatus(*st):
		return badRequest("%s must be suggested, approved or rejected, got %q", where, *st)
	}
	return nil
}

// checkCount checks that a request names 1 to 1000 items, as every
// Annotations API request body does.
func checkCount(where string, n int) error {
	if n < 1 || n > maxAnnotationItems {
		return badRequest("%s must contain between 1 and %d elements, got %d", where, maxAnnotationItems, n)
	}
	return nil
}

func checkID(where string, id *int64) error {
	switch {
	case id == nil:
		return badRequest("%s is required", where)
	case *id < 1 || *id > maxCDFID:
		return badRequest("%s must be between 1 and %d, got %d", where, maxCDFID, *id)
	}
	return nil
}

func idRef(id int64) map[string]int64 { return map[string]int64{"id": id} }

// createAnnotations serves POST /annotations: every item is checked, and
// the resources it annotates looked up, before any is stored.
func (s *Server) createAnnotations(w http.ResponseWriter, r *http.Request) error {
	var req wireItems[wireAnnotationIn]
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := checkCount("items", len(req.Items)); err != nil {
		return err
	}
	created := make([]wireAnnotation, len(req.Items))
	for i, in := range req.Items {
		where := fmt.Sprintf("items[%d]", i)
		a, err := newAnnotation(where, in.wireAnnotationSuggestIn)
		if err != nil {
			return err
		}
		if err := checkStatus(where+".status", in.Status); err != nil {
			return err
		}
		a.Status = *in.Status
		created[i] = a
	}
	return s.storeAnnotations(w, s.projectOf(r), created)
}

// suggestAnnotations serves POST /annotations/suggest: as create, without
// a status; the annotations are stored as suggested.
func (s *Server) suggestAnnotations(w http.ResponseWriter, r *http.Request) error {
	var req wireItems[wireAnnotationSuggestIn]
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := checkCount("items", len(req.Items)); err != nil {
		return err
	}
	created := make([]wireAnnotation, len(req.Items))
	for i, in := range req.Items {
		a, err := newAnnotation(fmt.Sprintf("items[%d]", i), in)
		if err != nil {
			return err
		}
		a.Status = "suggested"
		created[i] = a
	}
	return s.storeAnnotations(w, s.projectOf(r), created)
}

// storeAnnotations stores checked annotations, all or none: every
// annotated resource must exist, else 400 with the missing ones.
func (s *Server) storeAnnotations(w http.ResponseWriter, p *projectData, created []wireAnnotation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var missing []any
	seen := map[int64]bool{}
	for _, a := range created {
		// The simulator has files only: no 3D model exists.
		exists := a.AnnotatedResourceType == annotatedFile && p.files[a.AnnotatedResourceID] != nil
		if id := a.AnnotatedResourceID; !exists && !seen[id] {
			seen[id] = true
			missing = append(missing, idRef(id))
		}
	}
	if missing != nil {
		return &apiError{status: http.StatusBadRequest, message: "Annotated resources not found", missing: missing}
	}
	now := s.now().UnixMilli()
	for i := range created {
		a := &created[i]
		a.ID = p.nextAnnotID
		p.nextAnnotID++
		a.CreatedTime, a.LastUpdatedTime = now, now
		stored := *a
		p.annotations[a.ID] = &stored
	}
	writeJSON(w, http.StatusCreated, wireItems[wireAnnotation]{Items: created})
	return nil
}

// newAnnotation checks an item of a create or suggest request (where
// names it) and returns it in the read shape, without id, times and
// status. Every field is required (§8.1); creatingUser may be null.
func newAnnotation(where string, in wireAnnotationSuggestIn) (wireAnnotation, error) {
	var a wireAnnotation
	switch t := in.AnnotatedResourceType; {
	case t == nil:
		return a, badRequest("%s.annotatedResourceType is required", where)
	case *t != annotatedFile && *t != annotatedThreeDModel:
		return a, badRequest("%s.annotatedResourceType must be %q or %q, got %q", where, annotatedFile, annotatedThreeDModel, *t)
	}
	if err := checkID(where+".annotatedResourceId", in.AnnotatedResourceID); err != nil {
		return a, err
	}
	if err := checkAnnotationType(where+".annotationType", in.AnnotationType); err != nil {
		return a, err
	}
	if in.CreatingApp == nil {
		return a, badRequest("%s.creatingApp is required", where)
	}
	switch v := in.CreatingAppVersion; {
	case v == nil:
		return a, badRequest("%s.creatingAppVersion is required", where)
	case !validSemVer(*v):
		return a, badRequest("%s.creatingAppVersion must be a valid semantic version (SemVer 2.0.0, https://semver.org), got %q", where, *v)
	}
	user, err := creatingUser(where+".creatingUser", in.CreatingUser)
	if err != nil {
		return a, err
	}
	data, err := objectDetection(where+".data", in.Data)
	if err != nil {
		return a, err
	}
	return wireAnnotation{
		AnnotatedResourceType: *in.AnnotatedResourceType,
		AnnotatedResourceID:   *in.AnnotatedResourceID,
		AnnotationType:        *in.AnnotationType,
		CreatingApp:           *in.CreatingApp,
		CreatingAppVersion:    *in.CreatingAppVersion,
		CreatingUser:          user,
		Data:                  data,
	}, nil
}

// creatingUser decodes a creatingUser that must be present: a string, or
// null when a service creates the annotation.
func creatingUser(where string, raw json.RawMessage) (*string, error) {
	if len(raw) == 0 {
		return nil, badRequest("%s is required: a user, or null when a service creates the annotation", where)
	}
	if string(raw) == "null" {
		return nil, nil
	}
	var u string
	if err := json.Unmarshal(raw, &u); err != nil {
		return nil, badRequest("%s must be a string or null", where)
	}
	return &u, nil
}

// annotationQuery is a checked POST /annotations/list request.
type annotationQuery struct {
	resourceType                                            string
	ids                                                     map[int64]bool
	externalIDs                                             []string
	annotationType, creatingApp, creatingAppVersion, status *string
	userSet                                                 bool
	user                                                    *string
	data                                                    map[string]any
	limit                                                   int
	after                                                   int64
}

// parseAnnotationList checks a list request (§8.1): the filter with its
// required annotatedResourceType and annotatedResourceIds, limit 1..1000
// and a cursor the simulator issued.
func parseAnnotationList(req wireAnnotationListRequest) (annotationQuery, error) {
	q := annotationQuery{limit: defaultAnnotationsLimit, ids: map[int64]bool{}}
	f := req.Filter
	if f == nil {
		return q, badRequest("filter is required")
	}
	switch t := f.AnnotatedResourceType; {
	case t == nil:
		return q, badRequest("filter.annotatedResourceType is required")
	case *t != annotatedFile && *t != annotatedThreeDModel:
		return q, badRequest("filter.annotatedResourceType must be %q or %q, got %q", annotatedFile, annotatedThreeDModel, *t)
	default:
		q.resourceType = *t
	}
	if err := checkCount("filter.annotatedResourceIds", len(f.AnnotatedResourceIDs)); err != nil {
		return q, err
	}
	for i, ref := range f.AnnotatedResourceIDs {
		where := fmt.Sprintf("filter.annotatedResourceIds[%d]", i)
		switch {
		case (ref.ID == nil) == (ref.ExternalID == nil):
			return q, badRequest("%s must have exactly one of id and externalId", where)
		case ref.ID != nil:
			if err := checkID(where+".id", ref.ID); err != nil {
				return q, err
			}
			q.ids[*ref.ID] = true
		default:
			if n := len(*ref.ExternalID); n < 1 || n > maxExternalIDLength {
				return q, badRequest("%s.externalId must be 1 to %d characters long", where, maxExternalIDLength)
			}
			q.externalIDs = append(q.externalIDs, *ref.ExternalID)
		}
	}
	if f.Status != nil {
		if err := checkStatus("filter.status", f.Status); err != nil {
			return q, err
		}
	}
	q.annotationType, q.creatingApp, q.creatingAppVersion, q.status = f.AnnotationType, f.CreatingApp, f.CreatingAppVersion, f.Status
	if len(f.CreatingUser) > 0 {
		u, err := creatingUser("filter.creatingUser", f.CreatingUser)
		if err != nil {
			return q, err
		}
		q.userSet, q.user = true, u
	}
	if len(f.Data) > 0 && string(f.Data) != "null" {
		if err := json.Unmarshal(f.Data, &q.data); err != nil || q.data == nil {
			return q, badRequest("filter.data must be an object")
		}
	}
	if req.Limit != nil {
		q.limit = *req.Limit
		if q.limit < 1 || q.limit > maxAnnotationItems {
			return q, badRequest("limit must be between 1 and %d, got %d", maxAnnotationItems, q.limit)
		}
	}
	if c := req.Cursor; c != nil {
		var ok bool
		if q.after, ok = parseAnnotationCursor(*c); !ok {
			return q, badRequest("Invalid cursor %q", *c)
		}
	}
	return q, nil
}

// match reports whether a, one of the annotations after the cursor,
// passes the filter. files are the ids the filter's externalIds resolved
// to.
func (q *annotationQuery) match(a *wireAnnotation, files map[int64]bool) bool {
	eq := func(want *string, got string) bool { return want == nil || *want == got }
	return a.ID > q.after &&
		a.AnnotatedResourceType == q.resourceType &&
		(q.ids[a.AnnotatedResourceID] || files[a.AnnotatedResourceID]) &&
		eq(q.annotationType, a.AnnotationType) &&
		eq(q.creatingApp, a.CreatingApp) &&
		eq(q.creatingAppVersion, a.CreatingAppVersion) &&
		eq(q.status, a.Status) &&
		(!q.userSet || reflect.DeepEqual(q.user, a.CreatingUser)) &&
		(q.data == nil || dataContains(a.Data, q.data))
}

// dataContains reports whether want is a part of the annotation data d:
// every key of want is in d with an equal value, objects compared the
// same way, key by key.
func dataContains(d wireObjectDetection, want map[string]any) bool {
	b, err := json.Marshal(d)
	if err != nil {
		return false
	}
	var got any
	if json.Unmarshal(b, &got) != nil {
		return false
	}
	return contains(got, want)
}

func contains(got, want any) bool {
	w, ok := want.(map[string]any)
	if !ok {
		return reflect.DeepEqual(got, want)
	}
	g, ok := got.(map[string]any)
	if !ok {
		return false
	}
	for k, wv := range w {
		gv, ok := g[k]
		if !ok || !contains(gv, wv) {
			return false
		}
	}
	return true
}

// listAnnotations serves POST /annotations/list: the matching annotations
// in id order, limit at a time, with an opaque cursor while more remain.
func (s *Server) listAnnotations(w http.ResponseWriter, r *http.Request) error {
	var req wireAnnotationListRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	q, err := parseAnnotationList(req)
	if err != nil {
		return err
	}
	p := s.projectOf(r)
	s.mu.Lock()
	files := map[int64]bool{}
	for _, ext := range q.externalIDs {
		if id, ok := p.fileByExtID[ext]; ok {
			files[id] = true
		}
	}
	var found []wireAnnotation
	for _, a := range p.annotations {
		if q.match(a, files) {
			found = append(found, *a)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(found, func(a, b wireAnnotation) int { return cmp.Compare(a.ID, b.ID) })
	out := wireAnnotationList{Items: found}
	if len(found) > q.limit {
		out.Items = found[:q.limit]
		c := annotationCursor(found[q.limit-1].ID)
		out.NextCursor = &c
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

// parseAnnotationCursor accepts only cursors the simulator issued (CDF
// cursors are 1 to 255 characters).
func parseAnnotationCursor(c string) (int64, bool) {
	if c == "" || len(c) > maxCursorLength {
		return 0, false
	}
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

// annotationRefs checks the {id} items of byids and delete: 1 to 1000,
// each id in range, none twice (else 400 with duplicated).
func annotationRefs(items []wireIDRef) ([]int64, error) {
	if err := checkCount("items", len(items)); err != nil {
		return nil, err
	}
	ids := make([]int64, len(items))
	seen := map[int64]int{}
	var dup []any
	for i, it := range items {
		if err := checkID(fmt.Sprintf("items[%d].id", i), it.ID); err != nil {
			return nil, err
		}
		ids[i] = *it.ID
		if seen[ids[i]]++; seen[ids[i]] == 2 {
			dup = append(dup, idRef(ids[i]))
		}
	}
	if dup != nil {
		return nil, &apiError{status: http.StatusBadRequest, message: "Duplicate annotation ids in items", duplicated: dup}
	}
	return ids, nil
}

// missingAnnotations returns the ids that name no annotation of p, as
// CDF's missing list. s.mu must be held.
func (p *projectData) missingAnnotations(ids []int64) []any {
	var missing []any
	for _, id := range ids {
		if p.annotations[id] == nil {
			missing = append(missing, idRef(id))
		}
	}
	return missing
}

func annotationsNotFound(missing []any) error {
	return &apiError{status: http.StatusBadRequest, message: "Annotations not found", missing: missing}
}

// annotationsByIDs serves POST /annotations/byids: the annotations in the
// order asked; an unknown id fails the request with missing unless
// ignoreUnknownIds is true.
func (s *Server) annotationsByIDs(w http.ResponseWriter, r *http.Request) error {
	var req wireAnnotationByIDsRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	ids, err := annotationRefs(req.Items)
	if err != nil {
		return err
	}
	ignoreUnknown := req.IgnoreUnknownIDs != nil && *req.IgnoreUnknownIDs
	p := s.projectOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if missing := p.missingAnnotations(ids); missing != nil && !ignoreUnknown {
		return annotationsNotFound(missing)
	}
	out := make([]wireAnnotation, 0, len(ids))
	for _, id := range ids {
		if a := p.annotations[id]; a != nil {
			out = append(out, *a)
		}
	}
	writeJSON(w, http.StatusOK, wireItems[wireAnnotation]{Items: out})
	return nil
}

// annotationByID serves GET /annotations/{annotationId}: the annotation
// itself, not wrapped in items. CDF documents 400 as its only failure, so
// an unknown id is a 400 with missing.
func (s *Server) annotationByID(w http.ResponseWriter, r *http.Request) error {
	raw := r.PathValue("annotationId")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id < 1 || id > maxCDFID {
		return badRequest("annotationId must be an integer between 1 and %d, got %q", maxCDFID, raw)
	}
	p := s.projectOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	a := p.annotations[id]
	if a == nil {
		return annotationsNotFound([]any{idRef(id)})
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// deleteAnnotations serves POST /annotations/delete: all the annotations
// named, or none when one is unknown. It answers an empty object.
func (s *Server) deleteAnnotations(w http.ResponseWriter, r *http.Request) error {
	var req wireItems[wireIDRef]
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	ids, err := annotationRefs(req.Items)
	if err != nil {
		return err
	}
	p := s.projectOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if missing := p.missingAnnotations(ids); missing != nil {
		return annotationsNotFound(missing)
	}
	for _, id := range ids {
		delete(p.annotations, id)
	}
	writeJSON(w, http.StatusOK, struct{}{})
	return nil
}

// annotationChange is a checked item of an update request.
type annotationChange struct {
	id             int64
	status         *string
	annotationType *string
	data           *wireObjectDetection
}

// parseAnnotationChange checks item i of an update request (§8.1): status,
// data and annotationType may be set; annotationType only together with
// data, which must then be data of that type.
func parseAnnotationChange(i int, it wireAnnotationUpdateItem) (annotationChange, error) {
	where := fmt.Sprintf("items[%d]", i)
	if err := checkID(where+".id", it.ID); err != nil {
		return annotationChange{}, err
	}
	c := annotationChange{id: *it.ID}
	u := it.Update
	if u == nil || u.Status == nil && u.Data == nil && u.AnnotationType == nil {
		return c, badRequest("%s.update must set status, data or annotationType", where)
	}
	if u.Status != nil {
		if err := checkStatus(where+".update.status.set", u.Status.Set); err != nil {
			return c, err
		}
		c.status = u.Status.Set
	}
	if u.AnnotationType != nil {
		if u.Data == nil {
			return c, badRequest("%s.update.annotationType must be set together with data of that type", where)
		}
		if err := checkAnnotationType(where+".update.annotationType.set", u.AnnotationType.Set); err != nil {
			return c, err
		}
		c.annotationType = u.AnnotationType.Set
	}
	if u.Data != nil {
		// Every stored annotation is images.ObjectDetection, and so is the
		// only type annotationType may be set to.
		data, err := objectDetection(where+".update.data.set", u.Data.Set)
		if err != nil {
			return c, err
		}
		c.data = &data
	}
	return c, nil
}

// updateAnnotations serves POST /annotations/update: every id must exist
// and appear once, and nothing changes unless all items are valid.
func (s *Server) updateAnnotations(w http.ResponseWriter, r *http.Request) error {
	var req wireItems[wireAnnotationUpdateItem]
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := checkCount("items", len(req.Items)); err != nil {
		return err
	}
	changes := make([]annotationChange, len(req.Items))
	ids := make([]int64, len(req.Items))
	seen := map[int64]int{}
	var dup []any
	for i, it := range req.Items {
		c, err := parseAnnotationChange(i, it)
		if err != nil {
			return err
		}
		changes[i], ids[i] = c, c.id
		if seen[c.id]++; seen[c.id] == 2 {
			dup = append(dup, idRef(c.id))
		}
	}
	if dup != nil {
		return &apiError{status: http.StatusBadRequest, message: "Duplicate annotation ids in items", duplicated: dup}
	}

	p := s.projectOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if missing := p.missingAnnotations(ids); missing != nil {
		return annotationsNotFound(missing)
	}
	now := s.now().UnixMilli()
	out := make([]wireAnnotation, len(changes))
	for i, c := range changes {
		// Replace rather than modify: copies handed out share nested data.
		a := *p.annotations[c.id]
		if c.status != nil {
			a.Status = *c.status
		}
		if c.annotationType != nil {
			a.AnnotationType = *c.annotationType
		}
		if c.data != nil {
			a.Data = *c.data
		}
		a.LastUpdatedTime = now
		p.annotations[c.id] = &a
		out[i] = a
	}
	writeJSON(w, http.StatusOK, wireItems[wireAnnotation]{Items: out})
	return nil
}

// AnnotationStatuses returns the status of every annotation of the file
// fileID in the default project, by annotation id.
func (s *Server) AnnotationStatuses(fileID int64) map[int64]string {
	return s.AnnotationStatusesIn(s.project, fileID)
}

// annotationsOf returns the annotations of fileID in the default project
// in id order, as stored.
func (s *Server) annotationsOf(fileID int64) []wireAnnotation {
	p := s.mustProject(s.project)
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []wireAnnotation
	for _, a := range p.annotations {
		if a.AnnotatedResourceType == annotatedFile && a.AnnotatedResourceID == fileID {
			out = append(out, *a)
		}
	}
	slices.SortFunc(out, func(a, b wireAnnotation) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
