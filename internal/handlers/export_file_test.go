package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/cdf"
)

// TestExportRoutesBadInput: the new export routes refuse bad input with
// 400 naming the parameter, before any call to CDF (the reader fails the
// test if called).
func TestExportRoutesBadInput(t *testing.T) {
	t.Parallel()
	exports := &Export{Reader: readerOf(noCallReader{t}), Project: "demo"}
	e := echo.New()
	e.HTTPErrorHandler = ErrorHandler(Page{Project: "demo"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.GET("/projects/:project/jobs/:jobId/export/coco.json", exports.COCO, plainErrors)
	e.GET("/projects/:project/jobs/:jobId/files/:fileId/yolo.txt", exports.YOLO, plainErrors)
	e.GET("/projects/:project/jobs/:jobId/files/:fileId/mask.png", exports.Mask, plainErrors)
	e.GET("/projects/:project/review/export.zip", exports.ZIP, plainErrors)
	tests := []struct {
		path, names string
	}{
		{"/projects/demo/jobs/4/export/coco.json?masks=png", "masks"},
		{"/projects/demo/jobs/4/export/coco.json?verdict=maybe", "verdict"},
		{"/projects/demo/jobs/4/files/x/yolo.txt", "file id"},
		{"/projects/demo/jobs/4/files/7/yolo.txt?min_score=2", "min_score"},
		{"/projects/demo/jobs/4/files/7/mask.png?hide=0", "hide"},
		{"/projects/demo/review/export.zip", "jobs"},
		{"/projects/demo/review/export.zip?jobs=1,x2", "x2"},
		{"/projects/demo/review/export.zip?jobs=" + manyIDs(101), "at most 100"},
		{"/projects/demo/review/export.zip?jobs=1&masks=x", "masks"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tt.names) {
			t.Errorf("%s: %d %s, want 400 naming %q", tt.path, rec.Code, rec.Body, tt.names)
		}
	}
}

// manyIDs lists n distinct job ids.
func manyIDs(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = strconv.Itoa(1000 + i)
	}
	return strings.Join(ids, ",")
}

// noCallReader fails the test when segview reads CDF.
type noCallReader struct{ t *testing.T }

func (r noCallReader) SegmentJob(context.Context, int64) (*cdf.SegmentJob, error) {
	r.t.Error("CDF was called for bad input")
	return nil, context.Canceled
}
