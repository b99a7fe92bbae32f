package cdfsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Annotation types, and the limits of images.ObjectDetection data (§8.1).
const (
	annotationTypeObjectDetection = "images.ObjectDetection"

	// CDF's generated types give no vertex counts for annotations: a
	// polygon needs 3 vertices and a polyline 2 to be one, and the vision
	// predictions of the same shape carry at most 1000 (§2, §8.1).
	minPolygonVertices  = 3
	minPolylineVertices = 2
	maxVertices         = 1000
)

// annotationTypes are CDF's globally available annotation types, the
// kinds of data CDF's Annotations API documents. annotationType must be
// one of them; the simulator stores only images.ObjectDetection.
var annotationTypes = []string{
	"diagrams.AssetLink", "diagrams.FileLink", "diagrams.InstanceLink", "diagrams.Junction",
	"diagrams.Line", "diagrams.UnhandledSymbolObject", "diagrams.UnhandledTextObject",
	"documents.ExtractedText", "forms.Detection",
	"images.AssetLink", "images.Classification", "images.InstanceLink", "images.KeypointCollection",
	annotationTypeObjectDetection, "images.TextRegion",
	"isoplan.IsoPlanAnnotation", "pointcloud.BoundingVolume",
}

// checkAnnotationType checks the annotationType at where: one of CDF's
// types, and one the simulator supports.
func checkAnnotationType(where string, t *string) error {
	switch {
	case t == nil:
		return badRequest("%s is required", where)
	case !slices.Contains(annotationTypes, *t):
		return badRequest("%s %q is not one of the annotation types CDF knows", where, *t)
	case *t != annotationTypeObjectDetection:
		return badRequest("%s %q is not supported by the simulator (only %s)", where, *t, annotationTypeObjectDetection)
	}
	return nil
}

// objectDetection strictly decodes and checks images.ObjectDetection
// data; where names the field in error messages.
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
	var out wireObjectDetection
	if in.Label == nil {
		return out, badRequest("%s.label is required", where)
	}
	out.Label = *in.Label
	if err := checkConfidence(where, in.Confidence); err != nil {
		return out, err
	}
	out.Confidence = in.Confidence

	shapes := 0
	for _, set := range []bool{in.BoundingBox != nil, in.Polygon != nil, in.Polyline != nil} {
		if set {
			shapes++
		}
	}
	if shapes != 1 {
		return out, badRequest("%s must have exactly one of boundingBox, polygon and polyline, got %d", where, shapes)
	}
	var err error
	switch {
	case in.BoundingBox != nil:
		out.BoundingBox, err = boundingBox(where+".boundingBox", in.BoundingBox)
	case in.Polygon != nil:
		out.Polygon, err = poly(where+".polygon", in.Polygon, minPolygonVertices)
	default:
		out.Polyline, err = poly(where+".polyline", in.Polyline, minPolylineVertices)
	}
	if err != nil {
		return out, err
	}
	out.Attributes, err = attributes(where+".attributes", in.Attributes)
	return out, err
}

// boundingBox checks a box: all four coordinates in 0..1, xMin < xMax
// and yMin < yMax ("strictly less than" in CDF's types).
func boundingBox(where string, b *wireAnnotationBoxIn) (*wireAnnotationBox, error) {
	coords := []struct {
		name string
		v    *float64
	}{{"xMin", b.XMin}, {"xMax", b.XMax}, {"yMin", b.YMin}, {"yMax", b.YMax}}
	for _, c := range coords {
		if c.v == nil {
			return nil, badRequest("%s.%s is required", where, c.name)
		}
		if !unit(*c.v) {
			return nil, badRequest("%s.%s must be between 0 and 1, got %g", where, c.name, *c.v)
		}
	}
	if *b.XMin >= *b.XMax || *b.YMin >= *b.YMax {
		return nil, badRequest("%s must have xMin < xMax and yMin < yMax", where)
	}
	if err := checkConfidence(where, b.Confidence); err != nil {
		return nil, err
	}
	return &wireAnnotationBox{XMin: *b.XMin, XMax: *b.XMax, YMin: *b.YMin, YMax: *b.YMax, Confidence: b.Confidence}, nil
}

// poly checks a polygon or polyline of at least minVertices vertices,
// each x and y in 0..1.
func poly(where string, p *wireAnnotationPolyIn, minVertices int) (*wireAnnotationPoly, error) {
	if n := len(p.Vertices); n < minVertices || n > maxVertices {
		return nil, badRequest("%s.vertices must contain between %d and %d elements, got %d", where, minVertices, maxVertices, n)
	}
	if err := checkConfidence(where, p.Confidence); err != nil {
		return nil, err
	}
	out := &wireAnnotationPoly{Vertices: make([]wireAnnotationPoint, len(p.Vertices)), Confidence: p.Confidence}
	for j, v := range p.Vertices {
		switch {
		case v.X == nil || v.Y == nil:
			return nil, badRequest("%s.vertices[%d] needs x and y", where, j)
		case !unit(*v.X) || !unit(*v.Y):
			return nil, badRequest("%s.vertices[%d] (%g, %g) must be between 0 and 1", where, j, *v.X, *v.Y)
		}
		if err := checkConfidence(fmt.Sprintf("%s.vertices[%d]", where, j), v.Confidence); err != nil {
			return nil, err
		}
		out.Vertices[j] = wireAnnotationPoint{X: *v.X, Y: *v.Y, Confidence: v.Confidence}
	}
	return out, nil
}

// attributes checks the attributes of ObjectDetection data: each is
// {type:"numerical", value:number} or {type:"boolean", value:bool}, with an
// optional string description.
func attributes(where string, in map[string]wireAttributeIn) (map[string]wireAttribute, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]wireAttribute, len(in))
	for _, k := range slices.Sorted(maps.Keys(in)) {
		a := in[k]
		at := fmt.Sprintf("%s[%q]", where, k)
		if a.Type == nil {
			return nil, badRequest("%s.type is required (numerical or boolean)", at)
		}
		var v any
		if len(a.Value) > 0 {
			if err := json.Unmarshal(a.Value, &v); err != nil {
				return nil, badRequest("%s.value is not JSON", at)
			}
		}
		switch *a.Type {
		case "numerical":
			if _, ok := v.(float64); !ok {
				return nil, badRequest("%s.value must be a number for type numerical", at)
			}
		case "boolean":
			if _, ok := v.(bool); !ok {
				return nil, badRequest("%s.value must be true or false for type boolean", at)
			}
		default:
			return nil, badRequest("%s.type must be numerical or boolean, got %q", at, *a.Type)
		}
		value, _ := json.Marshal(v) // compact; v came from JSON
		out[k] = wireAttribute{Type: *a.Type, Value: value, Description: a.Description}
	}
	return out, nil
}

func checkConfidence(where string, c *float64) error {
	if c != nil && !unit(*c) {
		return badRequest("%s.confidence must be between 0 and 1, got %g", where, *c)
	}
	return nil
}

func unit(v float64) bool { return v >= 0 && v <= 1 }
