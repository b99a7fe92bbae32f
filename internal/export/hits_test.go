package export

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/segment"
)

func TestHitAreas(t *testing.T) {
	ring := func(pts ...float64) cdf.Polygon {
		var p cdf.Polygon
		for i := 0; i+1 < len(pts); i += 2 {
			p.Vertices = append(p.Vertices, cdf.Vertex{X: pts[i], Y: pts[i+1]})
		}
		return p
	}
	tests := []struct {
		name string
		segs []cdf.Segment
		want []HitArea
	}{
		{name: "none", want: []HitArea{}},
		{
			name: "ranked by score, rings joined",
			segs: []cdf.Segment{
				{Score: 0.5, Polygons: []cdf.Polygon{ring(0, 0, 1, 0, 1, 1)}},
				{Score: 0.9, Polygons: []cdf.Polygon{ring(0.1, 0.1, 0.2, 0.1, 0.2, 0.2), ring(0.5, 0.5, 0.6, 0.5, 0.6, 0.6)}},
			},
			want: []HitArea{
				{Rank: 1, Score: 0.9, Path: "M0.1 0.1L0.2 0.1L0.2 0.2Z M0.5 0.5L0.6 0.5L0.6 0.6Z"},
				{Rank: 2, Score: 0.5, Path: "M0 0L1 0L1 1Z"},
			},
		},
		{
			name: "rounded and clamped",
			segs: []cdf.Segment{{Score: 1, Polygons: []cdf.Polygon{ring(0.123456789, -0.5, 1.5, 0.333333333, 0.5, 0.5)}}},
			want: []HitArea{{Rank: 1, Score: 1, Path: "M0.12346 0L1 0.33333L0.5 0.5Z"}},
		},
		{
			name: "rings under three finite vertices left out, rank kept",
			segs: []cdf.Segment{
				{Score: 0.9, Polygons: []cdf.Polygon{ring(0, 0, 1, math.NaN(), 1, 1, 0, 1)}},
				{Score: 0.8, Polygons: []cdf.Polygon{ring(0, 0, 1, 1)}},
				{Score: 0.7, Polygons: []cdf.Polygon{ring(0, 0, 1, 0, 1, 1)}},
			},
			want: []HitArea{
				{Rank: 1, Score: 0.9, Path: "M0 0L1 1L0 1Z"},
				{Rank: 3, Score: 0.7, Path: "M0 0L1 0L1 1Z"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, HitAreas(segment.Rank(tt.segs))); diff != "" {
				t.Errorf("HitAreas (-want +got):\n%s", diff)
			}
		})
	}
}
