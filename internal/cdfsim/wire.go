package cdfsim

import "encoding/json"

// Wire structs: the JSON shapes of shared/cdf-api.md, defined here on purpose
// instead of shared with internal/cdf, so that the client is tested against an
// independent reading of the spec.

// wireError is the CDF error body (§4.1).
type wireError struct {
	Error wireErrorBody `json:"error"`
}

type wireErrorBody struct {
	Code       int    `json:"code"`
	Message    string `json:"message"`
	Missing    []any  `json:"missing,omitempty"`
	Duplicated []any  `json:"duplicated,omitempty"`
}

// wireOAuthError is the RFC 6749 §5.2 error body of the token endpoint.
type wireOAuthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

type wireToken struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

type wireInstanceID struct {
	Space      string `json:"space"`
	ExternalID string `json:"externalId"`
}

// wireFileIdentity is one item of files/byids and files/downloadlink: exactly
// one of id, externalId or instanceId.
type wireFileIdentity struct {
	ID         *int64          `json:"id,omitempty"`
	ExternalID *string         `json:"externalId,omitempty"`
	InstanceID *wireInstanceID `json:"instanceId,omitempty"`
}

type wireByIDsRequest struct {
	Items            []wireFileIdentity `json:"items"`
	IgnoreUnknownIDs bool               `json:"ignoreUnknownIds"`
}

type wireDownloadLinkRequest struct {
	Items []wireFileIdentity `json:"items"`
}

// wireFileMetadata is FilesMetadata (§3).
type wireFileMetadata struct {
	ID              int64           `json:"id"`
	ExternalID      string          `json:"externalId,omitempty"`
	InstanceID      *wireInstanceID `json:"instanceId,omitempty"`
	Name            string          `json:"name"`
	MimeType        string          `json:"mimeType,omitempty"`
	Uploaded        bool            `json:"uploaded"`
	UploadedTime    int64           `json:"uploadedTime,omitempty"`
	CreatedTime     int64           `json:"createdTime"`
	LastUpdatedTime int64           `json:"lastUpdatedTime"`
}

type wireItems[T any] struct {
	Items []T `json:"items"`
}

type wireDownloadLink struct {
	wireFileIdentity
	DownloadURL string `json:"downloadUrl"`
}

// wireFileRef is the vision FileReference: exactly one of the three.
type wireFileRef struct {
	FileID         *int64          `json:"fileId,omitempty"`
	FileExternalID *string         `json:"fileExternalId,omitempty"`
	FileInstanceID *wireInstanceID `json:"fileInstanceId,omitempty"`
}

// wirePointIn is a prompt point as sent; pointers tell "absent" from zero.
type wirePointIn struct {
	X     *float64 `json:"x"`
	Y     *float64 `json:"y"`
	Label *float64 `json:"label"`
}

type wireBoxIn struct {
	XMin *float64 `json:"xMin"`
	YMin *float64 `json:"yMin"`
	XMax *float64 `json:"xMax"`
	YMax *float64 `json:"yMax"`
}

// wireSegmentRequest is VisionSegmentPostRequestSchema (§1.3).
type wireSegmentRequest struct {
	Items       []wireFileRef `json:"items"`
	Points      []wirePointIn `json:"points"`
	BoundingBox *wireBoxIn    `json:"boundingBox"`
}

type wirePoint struct {
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	Label int     `json:"label"`
}

type wireBox struct {
	XMin float64 `json:"xMin"`
	YMin float64 `json:"yMin"`
	XMax float64 `json:"xMax"`
	YMax float64 `json:"yMax"`
}

// wireStatus is StatusSchema; errorMessage is null unless the job failed.
type wireStatus struct {
	Status       string  `json:"status"`
	CreatedTime  int64   `json:"createdTime"`
	StartTime    int64   `json:"startTime"`
	StatusTime   int64   `json:"statusTime"`
	JobID        int64   `json:"jobId"`
	ErrorMessage *string `json:"errorMessage"`
}

// wireFileIDs is VisionAllOfFileId: fileId always, the others when known.
type wireFileIDs struct {
	FileID         int64           `json:"fileId"`
	FileExternalID string          `json:"fileExternalId,omitempty"`
	FileInstanceID *wireInstanceID `json:"fileInstanceId,omitempty"`
}

// wireSegmentPostResponse is VisionSegmentPostResponse (§1.4).
type wireSegmentPostResponse struct {
	wireStatus
	Items       []wireFileIDs `json:"items"`
	Points      []wirePoint   `json:"points,omitempty"`
	BoundingBox *wireBox      `json:"boundingBox,omitempty"`
}

// wireSegmentGetResponse is VisionSegmentGetResponse (§1.5).
type wireSegmentGetResponse struct {
	wireStatus
	Items       []wireSegmentItem `json:"items"`
	Prompt      wirePrompt        `json:"prompt"`
	FailedItems []wireFailedBatch `json:"failedItems,omitempty"`
}

type wirePrompt struct {
	Points      []wirePoint `json:"points,omitempty"`
	BoundingBox *wireBox    `json:"boundingBox,omitempty"`
}

// wireSegmentItem is VisionSegmentItem: no fileInstanceId in the GET schema.
type wireSegmentItem struct {
	FileID         int64         `json:"fileId"`
	FileExternalID string        `json:"fileExternalId,omitempty"`
	Segments       []wireSegment `json:"segments"`
}

type wireSegment struct {
	Score    float64       `json:"score"`
	Polygons []wirePolygon `json:"polygons"`
}

// wirePolygon and wireVertex send confidence as an explicit null, as CDF does.
type wirePolygon struct {
	Vertices   []wireVertex `json:"vertices"`
	Confidence *float64     `json:"confidence"`
}

type wireVertex struct {
	X          float64  `json:"x"`
	Y          float64  `json:"y"`
	Confidence *float64 `json:"confidence"`
}

type wireFailedBatch struct {
	ErrorMessage string        `json:"errorMessage,omitempty"`
	Items        []wireFileIDs `json:"items,omitempty"`
}

// wireAnnotation is an annotation in its read shape (§8). The simulator
// stores only images.ObjectDetection annotations.
type wireAnnotation struct {
	ID                    int64               `json:"id"`
	CreatedTime           int64               `json:"createdTime"`
	LastUpdatedTime       int64               `json:"lastUpdatedTime"`
	AnnotatedResourceType string              `json:"annotatedResourceType"`
	AnnotatedResourceID   int64               `json:"annotatedResourceId"`
	AnnotationType        string              `json:"annotationType"`
	CreatingApp           string              `json:"creatingApp"`
	CreatingAppVersion    string              `json:"creatingAppVersion"`
	CreatingUser          *string             `json:"creatingUser"`
	Status                string              `json:"status"`
	Data                  wireObjectDetection `json:"data"`
}

// wireObjectDetection is the images.ObjectDetection data (§8.1): a label
// and exactly one of boundingBox, polygon and polyline.
type wireObjectDetection struct {
	Label       string                   `json:"label"`
	Confidence  *float64                 `json:"confidence,omitempty"`
	BoundingBox *wireAnnotationBox       `json:"boundingBox,omitempty"`
	Polygon     *wireAnnotationPoly      `json:"polygon,omitempty"`
	Polyline    *wireAnnotationPoly      `json:"polyline,omitempty"`
	Attributes  map[string]wireAttribute `json:"attributes,omitempty"`
}

type wireAnnotationBox struct {
	XMin       float64  `json:"xMin"`
	XMax       float64  `json:"xMax"`
	YMin       float64  `json:"yMin"`
	YMax       float64  `json:"yMax"`
	Confidence *float64 `json:"confidence,omitempty"`
}

// wireAnnotationPoly is a polygon (closed: the last vertex joins the
// first) or a polyline.
type wireAnnotationPoly struct {
	Vertices   []wireAnnotationPoint `json:"vertices"`
	Confidence *float64              `json:"confidence,omitempty"`
}

type wireAnnotationPoint struct {
	X          float64  `json:"x"`
	Y          float64  `json:"y"`
	Confidence *float64 `json:"confidence,omitempty"`
}

type wireAttribute struct {
	Type        string          `json:"type"`
	Value       json.RawMessage `json:"value"`
	Description *string         `json:"description,omitempty"`
}

// wireAnnotationSuggestIn is an item of POST /annotations/suggest as sent:
// pointers and raw messages tell "absent" from zero and from null, and
// data is decoded once the type is known.
type wireAnnotationSuggestIn struct {
	AnnotatedResourceType *string         `json:"annotatedResourceType"`
	AnnotatedResourceID   *int64          `json:"annotatedResourceId"`
	AnnotationType        *string         `json:"annotationType"`
	CreatingApp           *string         `json:"creatingApp"`
	CreatingAppVersion    *string         `json:"creatingAppVersion"`
	CreatingUser          json.RawMessage `json:"creatingUser"`
	Data                  json.RawMessage `json:"data"`
}

// wireAnnotationIn is an item of POST /annotations: a suggestion with a
// status.
type wireAnnotationIn struct {
	wireAnnotationSuggestIn
	Status *string `json:"status"`
}

// wireObjectDetectionIn is images.ObjectDetection data as sent.
type wireObjectDetectionIn struct {
	Label       *string                    `json:"label"`
	Confidence  *float64                   `json:"confidence"`
	BoundingBox *wireAnnotationBoxIn       `json:"boundingBox"`
	Polygon     *wireAnnotationPolyIn      `json:"polygon"`
	Polyline    *wireAnnotationPolyIn      `json:"polyline"`
	Attributes  map[string]wireAttributeIn `json:"attributes"`
}

type wireAnnotationBoxIn struct {
	XMin       *float64 `json:"xMin"`
	XMax       *float64 `json:"xMax"`
	YMin       *float64 `json:"yMin"`
	YMax       *float64 `json:"yMax"`
	Confidence *float64 `json:"confidence"`
}

type wireAnnotationPolyIn struct {
	Vertices   []wireAnnotationPointIn `json:"vertices"`
	Confidence *float64                `json:"confidence"`
}

type wireAnnotationPointIn struct {
	X          *float64 `json:"x"`
	Y          *float64 `json:"y"`
	Confidence *float64 `json:"confidence"`
}

type wireAttributeIn struct {
	Type        *string         `json:"type"`
	Value       json.RawMessage `json:"value"`
	Description *string         `json:"description"`
}

// wireAnnotationListRequest is the body of POST /annotations/list.
type wireAnnotationListRequest struct {
	Filter *wireAnnotationFilter `json:"filter"`
	Limit  *int                  `json:"limit"`
	Cursor *string               `json:"cursor"`
}

// wireAnnotationFilter is the list filter; creatingUser and data are raw
// so that null (a service created it) differs from absent.
type wireAnnotationFilter struct {
	AnnotatedResourceType *string           `json:"annotatedResourceType"`
	AnnotatedResourceIDs  []wireResourceRef `json:"annotatedResourceIds"`
	AnnotationType        *string           `json:"annotationType"`
	CreatingApp           *string           `json:"creatingApp"`
	CreatingAppVersion    *string           `json:"creatingAppVersion"`
	CreatingUser          json.RawMessage   `json:"creatingUser"`
	Status                *string           `json:"status"`
	Data                  json.RawMessage   `json:"data"`
}

// wireResourceRef is an item of filter.annotatedResourceIds: exactly one
// of id and externalId.
type wireResourceRef struct {
	ID         *int64  `json:"id"`
	ExternalID *string `json:"externalId"`
}

// wireIDRef references an annotation by its id.
type wireIDRef struct {
	ID *int64 `json:"id"`
}

// wireAnnotationByIDsRequest is the body of POST /annotations/byids.
type wireAnnotationByIDsRequest struct {
	Items            []wireIDRef `json:"items"`
	IgnoreUnknownIDs *bool       `json:"ignoreUnknownIds"`
}

// wireAnnotationList is a page of POST /annotations/list; nextCursor is
// null on the last page, as CDF sends it.
type wireAnnotationList struct {
	Items      []wireAnnotation `json:"items"`
	NextCursor *string          `json:"nextCursor"`
}

// wireAnnotationUpdateItem is an item of POST /annotations/update.
type wireAnnotationUpdateItem struct {
	ID     *int64                `json:"id"`
	Update *wireAnnotationUpdate `json:"update"`
}

type wireAnnotationUpdate struct {
	Status         *wireSetString `json:"status"`
	Data           *wireSetRaw    `json:"data"`
	AnnotationType *wireSetString `json:"annotationType"`
}

type wireSetString struct {
	Set *string `json:"set"`
}

type wireSetRaw struct {
	Set json.RawMessage `json:"set"`
}
