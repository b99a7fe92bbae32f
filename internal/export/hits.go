package export

import (
	"io"
	"iter"
	"math"
	"strconv"
	"strings"

	"github.com/segview/segview/internal/segment"
)

// HitArea is one segment's shape for pointing at it on the job page: an
// SVG path of all its rings in the image's normalized coordinates (0..1,
// y down), to be drawn with the even-odd rule in a viewBox of 0 0 1 1
// stretched over the overlay image.
type HitArea struct {
	Rank  int     `json:"rank"`
	Score float64 `json:"score"`
	Path  string  `json:"d"`
}

// hitDecimals keeps a hundred-thousandth of the image: a tenth of a pixel
// at 10,000 px, far below what a pointer can tell apart.
const hitDecimals = 5

// HitAreas returns a hit area for every ranked segment with at least one
// ring of three finite vertices, in rank order, whatever the view hides:
// the page shows and hides them as its controls change. Vertices are
// clamped to the image.
func HitAreas(ranked []segment.Ranked) []HitArea {
	out := []HitArea{}
	for h := range hitAreas(ranked) {
		out = append(out, h)
	}
	return out
}

// WriteHits writes {"segments": HitAreas(ranked)} to w as JSON, the bytes
// json.Encoder gives it (a newline at the end), one segment at a time. It
// fails only when w does.
func WriteHits(w io.Writer, ranked []segment.Ranked) error {
	s := newJSONStream(w)
	s.raw(`{"segments":`)
	array(s, hitAreas(ranked))
	s.raw("}\n")
	return s.close()
}

func hitAreas(ranked []segment.Ranked) iter.Seq[HitArea] {
	return func(yield func(HitArea) bool) {
		var b strings.Builder
		for _, r := range ranked {
			b.Reset()
			for _, ring := range r.Polygons {
				n := 0
				for _, p := range ring {
					if finite(p.X, p.Y) {
						n++
					}
				}
				if n < 3 {
					continue
				}
				cmd := "M"
				for _, p := range ring {
					if !finite(p.X, p.Y) {
						continue
					}
					if b.Len() > 0 && cmd == "M" {
						b.WriteByte(' ')
					}
					b.WriteString(cmd)
					b.WriteString(hitNum(p.X))
					b.WriteByte(' ')
					b.WriteString(hitNum(p.Y))
					cmd = "L"
				}
				b.WriteByte('Z')
			}
			if b.Len() == 0 {
				continue
			}
			if !yield(HitArea{Rank: r.Rank, Score: finiteOr0(r.Score), Path: b.String()}) {
				return
			}
		}
	}
}

func hitNum(v float64) string {
	p := math.Pow10(hitDecimals)
	return strconv.FormatFloat(math.Round(clamp01(v)*p)/p, 'f', -1, 64)
}
