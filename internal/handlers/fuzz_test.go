package handlers

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/web/templates"
)

// FuzzJobPage feeds arbitrary CDF job responses through decoding, the page
// model and the template: nothing may panic, whatever CDF sends.
func FuzzJobPage(f *testing.F) {
	seeds, _ := filepath.Glob("../cdf/testdata/segment_*.json")
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"jobId":1,"status":"Completed","items":[{"fileId":2,"segments":[{"score":0.5,"polygons":[{"vertices":[{"x":0,"y":0},{"x":1,"y":0},{"x":1e308,"y":-1}]}]}]}]}`))
	f.Add([]byte(`{"jobId":-1,"status":"\u003cscript\u003e","createdTime":-5,"startTime":9223372036854775807,"statusTime":1,"failedItems":[{"items":[{}]}],"prompt":{"points":[{"x":0.1,"y":0.2,"label":7}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var job cdf.SegmentJob
		if err := json.Unmarshal(data, &job); err != nil {
			return
		}
		m := buildJobPage(&job, jobPageInput{View: defaultView(), Page: Page{Project: "p"}, Files: map[int64]cdf.File{}, Now: testNow, MaxItems: 50, MaxVertices: 100_000})
		if len(m.Files) > 50 {
			t.Fatalf("item limit ignored: %d files", len(m.Files))
		}
		if err := templates.Job(m).Render(context.Background(), io.Discard); err != nil {
			t.Fatalf("render: %v", err)
		}
	})
}
