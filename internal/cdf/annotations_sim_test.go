package cdf_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/cdfsim"
)

// The annotation calls against the simulator: create, list, review,
// and the errors callers branch on.
func TestAnnotationsAgainstSimulator(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)}
	sim, c := simClient(t, cdfsim.Options{Now: clk.Now}, "right-secret")
	sim.AddFile(cdfsim.File{ID: 501, Name: "a.png", Data: []byte("\x89PNG\r\n\x1a\n")})
	sim.AddFile(cdfsim.File{ID: 502, Name: "b.png", Data: []byte("\x89PNG\r\n\x1a\n")})
	ctx := context.Background()

	one := 1.0
	item := func(file int64, label string) cdf.Annotation {
		return cdf.Annotation{
			AnnotatedResourceID: file, AnnotationType: cdf.AnnotationTypeObjectDetection,
			CreatingApp: "segview", CreatingAppVersion: "1.0.0", Status: cdf.AnnotationSuggested,
			Data: cdf.ObjectDetection{Label: label, Confidence: &one,
				Polygon:    &cdf.AnnotationPolygon{Vertices: []cdf.AnnotationPoint{{X: 0.1, Y: 0.1}, {X: 0.9, Y: 0.1}, {X: 0.5, Y: 0.8}}},
				Attributes: map[string]cdf.AnnotationAttribute{"score": cdf.NumericAttribute(0.875)}},
		}
	}
	created, err := c.CreateAnnotations(ctx, []cdf.Annotation{item(501, "crack"), item(501, "rust"), item(502, "dent")})
	if err != nil {
		t.Fatal(err)
	}
	if len(created) != 3 || created[0].ID == 0 || created[0].CreatedTime != clk.Now().UnixMilli() || created[0].AnnotatedResourceType != "file" {
		t.Fatalf("created = %+v", created)
	}
	if v, ok := created[0].Data.Attributes["score"].Number(); !ok || v != 0.875 {
		t.Errorf("score attribute = %v, %v", v, ok)
	}

	clk.Add(time.Second)
	updated, err := c.UpdateAnnotationStatus(ctx, []int64{created[1].ID}, cdf.AnnotationApproved)
	if err != nil {
		t.Fatal(err)
	}
	if len(updated) != 1 || updated[0].Status != cdf.AnnotationApproved || updated[0].LastUpdatedTime != clk.Now().UnixMilli() {
		t.Errorf("updated = %+v", updated)
	}
	if diff := cmp.Diff(map[int64]string{created[0].ID: "suggested", created[1].ID: "approved"}, sim.AnnotationStatuses(501)); diff != "" {
		t.Errorf("simulator statuses (-want +got):\n%s", diff)
	}

	all, err := c.ListAnnotations(ctx, cdf.AnnotationFilter{FileIDs: []int64{501, 502}}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]cdf.Annotation{created[0], updated[0], created[2]}, all); diff != "" {
		t.Errorf("listed (-want +got):\n%s", diff)
	}
	approved, err := c.ListAnnotations(ctx, cdf.AnnotationFilter{FileIDs: []int64{501}, Status: cdf.AnnotationApproved, CreatingApp: "segview"}, 10)
	if err != nil || len(approved) != 1 || approved[0].ID != created[1].ID {
		t.Errorf("approved = %+v, %v", approved, err)
	}
	var le *cdf.LimitError
	if _, err := c.ListAnnotations(ctx, cdf.AnnotationFilter{FileIDs: []int64{501, 502}}, 2); !errors.As(err, &le) {
		t.Errorf("over the maximum: err = %v, want *cdf.LimitError", err)
	}

	// Paging beyond one page of 1000.
	many := make([]cdf.Annotation, cdf.MaxAnnotationsPerRequest)
	for i := range many {
		many[i] = item(502, "speck")
	}
	if _, err := c.CreateAnnotations(ctx, many); err != nil {
		t.Fatal(err)
	}
	if got, err := c.ListAnnotations(ctx, cdf.AnnotationFilter{FileIDs: []int64{502}}, 5000); err != nil || len(got) != 1001 {
		t.Errorf("paged list: %d annotations, %v; want 1001", len(got), err)
	}

	// Errors callers branch on.
	var apiErr *cdf.APIError
	_, err = c.CreateAnnotations(ctx, []cdf.Annotation{item(999, "ghost")})
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || len(apiErr.Missing) != 1 || apiErr.Missing[0]["id"] != 999.0 {
		t.Errorf("unknown file: %v (missing %v)", err, apiErr.Missing)
	}
	_, err = c.UpdateAnnotationStatus(ctx, []int64{123}, cdf.AnnotationRejected)
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || len(apiErr.Missing) != 1 {
		t.Errorf("unknown annotation: %v", err)
	}
	restore := sim.RevokeCapability(cdfsim.CapAnnotationsWrite)
	_, err = c.UpdateAnnotationStatus(ctx, []int64{created[0].ID}, cdf.AnnotationRejected)
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden || apiErr.RequestID == "" {
		t.Errorf("revoked write: err = %v, want a 403 *cdf.APIError", err)
	}
	if _, err := c.ListAnnotations(ctx, cdf.AnnotationFilter{FileIDs: []int64{501}}, 10); err != nil {
		t.Errorf("list without write access: %v", err)
	}
	restore()

	// Throttled creates are retried; failed ones are not.
	remove := sim.InjectFault(cdfsim.Fault{Match: "/annotations", Status: http.StatusTooManyRequests, Times: 1})
	if _, err := c.CreateAnnotations(ctx, []cdf.Annotation{item(501, "after-429")}); err != nil {
		t.Errorf("create after a 429: %v", err)
	}
	remove()
	before := sim.APIRequests("/annotations")
	remove = sim.InjectFault(cdfsim.Fault{Match: "/annotations", Status: http.StatusServiceUnavailable, Times: 1})
	if _, err := c.CreateAnnotations(ctx, []cdf.Annotation{item(501, "after-503")}); !errors.As(err, &apiErr) || apiErr.Status != http.StatusServiceUnavailable {
		t.Errorf("create after a 503: %v, want the 503", err)
	}
	remove()
	if n := sim.APIRequests("/annotations") - before; n != 1 {
		t.Errorf("a 503 create was sent %d times, want once", n)
	}
}
