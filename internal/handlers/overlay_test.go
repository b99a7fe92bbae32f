package handlers

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/overlay"
	"github.com/segview/segview/internal/render"
	"github.com/segview/segview/internal/segment"
)

func TestParseOverlayRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		project     string
		job, file   string
		query       string
		ifNoneMatch []string
		want        render.Request
		wantErr     any
	}{
		{name: "plain", project: "demo", job: "7", file: "11",
			want: render.Request{JobID: 7, FileID: 11, Format: render.FormatJPEG}},
		{name: "width is passed on uncapped; the renderer caps it", project: "demo", job: "7", file: "11", query: "width=99999",
			want: render.Request{JobID: 7, FileID: 11, Format: render.FormatJPEG, Width: 99999}},
		{name: "export", project: "demo", job: "7", file: "11", query: "export=1&width=800",
			want: render.Request{JobID: 7, FileID: 11, Format: render.FormatJPEG, Width: 800, Export: true}},
		{name: "export=0", project: "demo", job: "7", file: "11", query: "export=0",
			want: render.Request{JobID: 7, FileID: 11, Format: render.FormatJPEG}},
		{name: "If-None-Match headers are joined", project: "demo", job: "7", file: "11", ifNoneMatch: []string{`"a"`, `W/"b", "c"`},
			want: render.Request{JobID: 7, FileID: 11, Format: render.FormatJPEG, IfNoneMatch: `"a",W/"b", "c"`}},
		{name: "the view is passed on", project: "demo", job: "7", file: "11", query: "min_score=0.5&opacity=0.2&layers=outlines&hide=2",
			want: render.Request{JobID: 7, FileID: 11, Format: render.FormatJPEG,
				View: &segment.View{MinScore: 0.5, Opacity: 0.2, Layers: segment.LayerOutlines, Hide: []int{2}}}},
		{name: "bad view", project: "demo", job: "7", file: "11", query: "opacity=NaN", wantErr: new(*inputError)},
		{name: "other project", project: "other", job: "7", file: "11", wantErr: new(*notFoundError)},
		{name: "bad job", project: "demo", job: "x", file: "11", wantErr: new(*inputError)},
		{name: "bad file", project: "demo", job: "7", file: "0", wantErr: new(*inputError)},
		{name: "bad width", project: "demo", job: "7", file: "11", query: "width=-1", wantErr: new(*inputError)},
		{name: "bad export", project: "demo", job: "7", file: "11", query: "export=yes", wantErr: new(*inputError)},
		{name: "crop, with width", project: "demo", job: "7", file: "11", query: "crop=0.25,0.5,0.75,1&width=800",
			want: render.Request{JobID: 7, FileID: 11, Format: render.FormatJPEG, Width: 800, Crop: &overlay.Crop{X0: 0.25, Y0: 0.5, X1: 0.75, Y1: 1}}},
		{name: "bad crop", project: "demo", job: "7", file: "11", query: "crop=0.75,0,0.25,1", wantErr: new(*inputError)},
	}
	e := echo.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/x?"+tt.query, nil)
			for _, v := range tt.ifNoneMatch {
				r.Header.Add("If-None-Match", v)
			}
			c := e.NewContext(r, httptest.NewRecorder())
			c.SetParamNames("project", "jobId", "fileId")
			c.SetParamValues(tt.project, tt.job, tt.file)
			got, err := parseOverlayRequest(c, "demo", render.FormatJPEG)
			if tt.wantErr != nil {
				if !errors.As(err, tt.wantErr) {
					t.Fatalf("err = %T %v, want %T", err, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.want.View == nil {
				def := segment.DefaultView()
				tt.want.View = &def
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}
