package handlers

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/segment"
)

func TestParseView(t *testing.T) {
	t.Parallel()
	def := func(f func(*View)) View {
		v := View{View: segment.DefaultView()}
		f(&v)
		return v
	}
	many := strings.Repeat("1,", maxHidden) + "2"
	tests := []struct {
		name    string
		query   string
		want    View
		badName string // the parameter the error must name; "" when valid
	}{
		{"empty", "", def(func(*View) {}), ""},
		{"all set", "min_score=0.5&opacity=0.8&layers=points,box&hide=3,1&sel=2&width=800",
			def(func(v *View) {
				v.MinScore, v.Opacity, v.Layers, v.Hide, v.Sel, v.Width = 0.5, 0.8, segment.LayerPoints|segment.LayerBox, []int{1, 3}, 2, 800
			}), ""},
		{"bounds", "min_score=1&opacity=0", def(func(v *View) { v.MinScore, v.Opacity = 1, 0 }), ""},
		{"empty values are defaults", "min_score=&opacity=&sel=&width=", def(func(*View) {}), ""},
		{"layers from checkboxes", "layers=&layers=segments&layers=outlines", def(func(v *View) { v.Layers = segment.LayerSegments | segment.LayerOutlines }), ""},
		{"no layers", "layers=", def(func(v *View) { v.Layers = 0 }), ""},
		{"duplicate layers", "layers=box,box", def(func(v *View) { v.Layers = segment.LayerBox }), ""},
		{"duplicate hidden ranks", "hide=2,2,1,", def(func(v *View) { v.Hide = []int{1, 2} }), ""},
		{"hide empty", "hide=", def(func(*View) {}), ""},
		{"min_score NaN", "min_score=NaN", View{}, "min_score"},
		{"min_score Inf", "min_score=Inf", View{}, "min_score"},
		{"min_score negative", "min_score=-0.1", View{}, "min_score"},
		{"min_score above 1", "min_score=1.5", View{}, "min_score"},
		{"min_score text", "min_score=high", View{}, "min_score"},
		{"opacity above 1", "opacity=2", View{}, "opacity"},
		{"opacity -Inf", "opacity=-Inf", View{}, "opacity"},
		{"unknown layer", "layers=segments,captions", View{}, "layers"},
		{"labels", "layers=segments,labels", def(func(v *View) { v.Layers = segment.LayerSegments | segment.LayerLabels }), ""},
		{"hide zero", "hide=0", View{}, "hide"},
		{"hide negative", "hide=-1", View{}, "hide"},
		{"hide text", "hide=1,x", View{}, "hide"},
		{"hide too many", "hide=" + many, View{}, "hide"},
		{"sel zero", "sel=0", View{}, "sel"},
		{"sel text", "sel=first", View{}, "sel"},
		{"sel with a sign", "sel=%2B2", View{}, "sel"},
		{"hide with a sign", "hide=%2B1", View{}, "hide"},
		{"width", "width=-5", View{}, "width"},
		{"verdict one", "verdict=approved", def(func(v *View) { v.Verdict = segment.VerdictApproved }), ""},
		{"verdict two", "verdict=unreviewed,rejected", def(func(v *View) { v.Verdict = segment.VerdictUnreviewed | segment.VerdictRejected }), ""},
		{"verdict from checkboxes", "verdict=&verdict=approved&verdict=rejected", def(func(v *View) { v.Verdict = segment.VerdictApproved | segment.VerdictRejected }), ""},
		{"verdict repeated", "verdict=approved,approved", def(func(v *View) { v.Verdict = segment.VerdictApproved }), ""},
		{"verdict every state is no filter", "verdict=rejected,approved,unreviewed", def(func(*View) {}), ""},
		{"verdict empty is no filter", "verdict=", def(func(*View) {}), ""},
		{"verdict unknown", "verdict=approved,maybe", View{}, "verdict"},
		{"verdict as CDF's status", "verdict=suggested", View{}, "verdict"},
		{"verdict in capitals", "verdict=Approved", View{}, "verdict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseView(q)
			if tt.badName != "" {
				var in *inputError
				if !errors.As(err, &in) {
					t.Fatalf("parseView(%q) error = %v, want an *inputError", tt.query, err)
				}
				if !strings.Contains(in.msg, tt.badName) {
					t.Errorf("message %q does not name %s", in.msg, tt.badName)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseView(%q): %v", tt.query, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseView(%q) (-want +got):\n%s", tt.query, diff)
			}
		})
	}
}

func TestViewQueryRoundTrips(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"", "min_score=0.35", "opacity=0", "layers=", "layers=outlines,box", "layers=segments,outlines,points,box,labels", "hide=1,4&sel=3",
		"verdict=rejected,unreviewed", "verdict=approved&hide=2"} {
		q, _ := url.ParseQuery(raw)
		v, err := parseView(q)
		if err != nil {
			t.Fatal(err)
		}
		again, err := parseView(v.Query())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(v, again); diff != "" {
			t.Errorf("%q: Query does not round-trip (-want +got):\n%s", raw, diff)
		}
	}
}
