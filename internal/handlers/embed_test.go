package handlers

import (
	"testing"

	"github.com/segview/segview/web/templates"
)

func TestEmbedSources(t *testing.T) {
	tests := []struct {
		name, overlay, src, srcset string
	}{
		{name: "no view", overlay: "/projects/demo/jobs/7/files/11/overlay.jpg",
			src: "/projects/demo/jobs/7/files/11/overlay.jpg?width=640",
			srcset: "/projects/demo/jobs/7/files/11/overlay.jpg?width=320 320w, /projects/demo/jobs/7/files/11/overlay.jpg?width=480 480w, " +
				"/projects/demo/jobs/7/files/11/overlay.jpg?width=640 640w, /projects/demo/jobs/7/files/11/overlay.jpg?width=960 960w, " +
				"/projects/demo/jobs/7/files/11/overlay.jpg?width=1280 1280w, /projects/demo/jobs/7/files/11/overlay.jpg?width=1600 1600w"},
		{name: "the view's commas and spaces stay escaped", overlay: "/projects/a%20b/jobs/7/files/11/overlay.jpg?layers=segments%2Coutlines&min_score=0.5",
			src: "/projects/a%20b/jobs/7/files/11/overlay.jpg?layers=segments%2Coutlines&min_score=0.5&width=640",
			srcset: "/projects/a%20b/jobs/7/files/11/overlay.jpg?layers=segments%2Coutlines&min_score=0.5&width=320 320w, " +
				"/projects/a%20b/jobs/7/files/11/overlay.jpg?layers=segments%2Coutlines&min_score=0.5&width=480 480w, " +
				"/projects/a%20b/jobs/7/files/11/overlay.jpg?layers=segments%2Coutlines&min_score=0.5&width=640 640w, " +
				"/projects/a%20b/jobs/7/files/11/overlay.jpg?layers=segments%2Coutlines&min_score=0.5&width=960 960w, " +
				"/projects/a%20b/jobs/7/files/11/overlay.jpg?layers=segments%2Coutlines&min_score=0.5&width=1280 1280w, " +
				"/projects/a%20b/jobs/7/files/11/overlay.jpg?layers=segments%2Coutlines&min_score=0.5&width=1600 1600w"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, srcset := embedSources(tt.overlay)
			if src != tt.src {
				t.Errorf("src = %q, want %q", src, tt.src)
			}
			if srcset != tt.srcset {
				t.Errorf("srcset = %q, want %q", srcset, tt.srcset)
			}
		})
	}
}

// TestBuildEmbed: the embed keeps the job's error and failed files, and
// offers sizes only for files whose overlay is drawn.
func TestBuildEmbed(t *testing.T) {
	m := templates.JobPage{JobID: 7, Status: "Failed", Terminal: true, SelfURL: "/projects/demo/jobs/7",
		ErrorMessage: "boom",
		FailedGroups: []templates.FailedGroup{{Message: "bad file", Files: []string{"a.png · id 11", "id 12"}}},
		Files: []templates.FileView{
			{Name: "a.png", FullURL: "/projects/demo/jobs/7/files/11/overlay.jpg", OverlayURL: "/projects/demo/jobs/7/files/11/overlay.jpg?width=1600"},
			{Name: "b.png", NotRendered: "too many vertices"},
		}}
	e := buildEmbed(m, "dark", View{})
	if e.ErrorMessage != "boom" || len(e.FailedGroups) != 1 || len(e.FailedGroups[0].Files) != 2 {
		t.Errorf("error %q, failed groups %v: want the job page's", e.ErrorMessage, e.FailedGroups)
	}
	if len(e.Files) != 2 {
		t.Fatalf("%d files, want 2", len(e.Files))
	}
	if f := e.Files[0]; f.OverlayURL != "/projects/demo/jobs/7/files/11/overlay.jpg?width=640" || f.SrcSet == "" || f.Sizes != "100vw" {
		t.Errorf("drawn file: src %q srcset %q sizes %q", f.OverlayURL, f.SrcSet, f.Sizes)
	}
	if f := e.Files[1]; f.OverlayURL != "" || f.SrcSet != "" || f.Sizes != "" || f.NotRendered == "" {
		t.Errorf("undrawn file: src %q srcset %q sizes %q", f.OverlayURL, f.SrcSet, f.Sizes)
	}
}
