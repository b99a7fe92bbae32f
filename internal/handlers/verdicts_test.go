package handlers

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/segment"
)

func TestParseVerdict(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("9", 300) + ":approved"
	tests := []struct {
		raw        string
		wantRank   int
		wantStatus string
		wantInMsg  string // "" when valid
	}{
		{"3:approved", 3, "approved", ""},
		{"1:rejected", 1, "rejected", ""},
		{"12:suggested", 12, "suggested", ""},
		{"999999999:approved", 999999999, "approved", ""},
		{"", 0, "", `""`},
		{"3", 0, "", `"3"`},
		{"approved", 0, "", `"approved"`},
		{":approved", 0, "", "verdict"},
		{"0:approved", 0, "", `"0"`},
		{"-1:approved", 0, "", `"-1"`},
		{"+3:approved", 0, "", `"+3"`},
		{"1.5:approved", 0, "", `"1.5"`},
		{"x:approved", 0, "", `"x"`},
		{" 3:approved", 0, "", "verdict"},
		{"1000000000:approved", 0, "", "1000000000"},
		{"3:Approved", 0, "", `"3:Approved"`},
		{"3:maybe", 0, "", `"3:maybe"`},
		{"3:", 0, "", `"3:"`},
		{"3:approved ", 0, "", "3:approved "},
		{"3:approved:4", 0, "", "3:approved:4"},
		{"3;approved", 0, "", "3;approved"},
		{long, 0, "", "999…"},
	}
	for _, tt := range tests {
		rank, status, err := parseVerdict(tt.raw)
		if tt.wantInMsg == "" {
			if err != nil || rank != tt.wantRank || status != tt.wantStatus {
				t.Errorf("parseVerdict(%q) = %d, %q, %v; want %d, %q", tt.raw, rank, status, err, tt.wantRank, tt.wantStatus)
			}
			continue
		}
		var in *inputError
		if !errors.As(err, &in) {
			t.Errorf("parseVerdict(%q) = %d, %q, %v; want an *inputError", tt.raw, rank, status, err)
			continue
		}
		if !strings.Contains(in.msg, tt.wantInMsg) {
			t.Errorf("parseVerdict(%q): message %q does not contain %q", tt.raw, in.msg, tt.wantInMsg)
		}
		if len(in.msg) > 400 {
			t.Errorf("parseVerdict(%q): message of %d bytes echoes too much", tt.raw, len(in.msg))
		}
	}
}

func TestParseReturnView(t *testing.T) {
	t.Parallel()
	view := func(f func(*View)) View {
		v := View{View: segment.DefaultView()}
		f(&v)
		return v
	}
	tests := []struct {
		name    string
		raw     string
		want    View
		badName string // a word the error must contain; "" when valid
	}{
		{"empty is the default view", "", view(func(*View) {}), ""},
		{"min_score and sel", "min_score=0.5&sel=2", view(func(v *View) { v.MinScore, v.Sel = 0.5, 2 }), ""},
		{"everything", "min_score=0.3&opacity=0.8&layers=outlines,box&hide=4,1&sel=3&width=640",
			view(func(v *View) {
				v.MinScore, v.Opacity, v.Layers, v.Hide, v.Sel, v.Width = 0.3, 0.8, segment.LayerOutlines|segment.LayerBox, []int{1, 4}, 3, 640
			}), ""},
		{"no layers", "layers=", view(func(v *View) { v.Layers = 0 }), ""},
		{"unknown parameters are ignored", "foo=bar&min_score=0.1", view(func(v *View) { v.MinScore = 0.1 }), ""},
		{"min_score out of range", "min_score=2", View{}, "min_score"},
		{"bad layer", "layers=captions", View{}, "layers"},
		{"bad hide", "hide=0", View{}, "hide"},
		{"bad escape", "min_score=%zz", View{}, "view field"},
		{"semicolon", "min_score=0.5;sel=2", View{}, "view field"},
		{"too long", "min_score=0.5&" + strings.Repeat("x", maxReturnView), View{}, "view field"},
		{"verdict", "verdict=unreviewed", view(func(v *View) { v.Verdict = segment.VerdictUnreviewed }), ""},
		{"bad verdict", "verdict=done", View{}, "verdict"},
		{"bad queue", "queue=1,x", View{}, "queue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _, err := parseReturnView(tt.raw)
			if tt.badName != "" {
				var in *inputError
				if !errors.As(err, &in) {
					t.Fatalf("parseReturnView(%q) = %+v, %v; want an *inputError", tt.raw, got, err)
				}
				if !strings.Contains(in.msg, tt.badName) {
					t.Errorf("message %q does not name %s", in.msg, tt.badName)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseReturnView(%q): %v", tt.raw, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseReturnView(%q) (-want +got):\n%s", tt.raw, diff)
			}
		})
	}
}

// The page hands its view back through the form: what it writes, the
// verdict handler reads as the same view.
func TestReturnViewRoundTrips(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"", "min_score=0.35", "opacity=0&layers=", "hide=2,5&sel=1", "layers=segments,points", "verdict=approved,rejected"} {
		v, _, err := parseReturnView(raw)
		if err != nil {
			t.Fatal(err)
		}
		again, _, err := parseReturnView(v.Query().Encode())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(v, again); diff != "" {
			t.Errorf("%q does not round-trip (-want +got):\n%s", raw, diff)
		}
	}
}

func TestWantsJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		accept string
		want   bool
	}{
		{"", false},
		{"application/json", true},
		{"application/json, text/plain, */*", true},
		{"application/json;q=0.9", true},
		{"*/*", false},
		{"text/html", false},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false},
		{"text/html, application/json", false},
		{"application/json, text/html;q=0.1", false},
		{"application/xml", false},
		{"text/plain", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		if tt.accept != "" {
			r.Header.Set("Accept", tt.accept)
		}
		if got := wantsJSON(echo.New().NewContext(r, httptest.NewRecorder())); got != tt.want {
			t.Errorf("wantsJSON(Accept: %q) = %v, want %v", tt.accept, got, tt.want)
		}
	}
}

// The queue a page was opened from comes back through the form with the
// view, so that a verdict posted without the script returns to it.
func TestReturnViewKeepsQueue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want []int64
	}{
		{"", nil},
		{"min_score=0.5", nil},
		{"queue=1003%2C1001&verdict=unreviewed", []int64{1003, 1001}},
		{"queue=7,7,8", []int64{7, 8}},
	}
	for _, tt := range tests {
		_, got, err := parseReturnView(tt.raw)
		if err != nil {
			t.Fatalf("parseReturnView(%q): %v", tt.raw, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseReturnView(%q) queue (-want +got):\n%s", tt.raw, diff)
		}
	}
}
