package handlers

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
)

// MaxZoom is the largest zoom factor of the job page's image stage, over
// the image fitted to it.
const MaxZoom = 64

// Zoom is where the job page's image stage looks: Factor times the size
// that fits the stage, centred on the image point (X, Y), normalized (0..1,
// y down). The zero value is the fitted image; X and Y are set only when
// Factor is above 1. It changes nothing in the images the server draws.
type Zoom struct {
	Factor float64
	X, Y   float64
}

// parseZoom reads zoom (a number from 1 to MaxZoom, relative to the fitted
// image) and at ("cx,cy", the visible centre, normalized like crop, at
// most cropDecimals decimals) from q. A factor of 1 (or none) is the
// fitted image, whose centre is fixed: at is then checked but dropped, so
// that equal views have one URL. at defaults to the image's centre.
func parseZoom(q url.Values) (Zoom, error) {
	raw := strings.TrimSpace(q.Get("zoom"))
	factor := 1.0
	if raw != "" {
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(f) || f < 1 || f > MaxZoom || len(raw) > 16 {
			return Zoom{}, &inputError{msg: fmt.Sprintf("The zoom value %q is not valid: it must be a number from 1 (the image fitted to the window) to %d.", clip(raw), MaxZoom)}
		}
		factor = f
	}
	x, y := 0.5, 0.5
	if at := q.Get("at"); at != "" {
		parts := strings.Split(at, ",")
		ok := len(parts) == 2 && len(at) <= 2*(2+cropDecimals)+1
		var m [2]int
		for i := 0; ok && i < 2; i++ {
			m[i], ok = parseMillionths(parts[i])
		}
		if !ok {
			return Zoom{}, &inputError{msg: fmt.Sprintf("The at value %q is not valid: it must be two numbers cx,cy from 0 to 1 with at most %d decimals, the image point at the centre of the view.", clip(at), cropDecimals)}
		}
		x, y = float64(m[0])/1e6, float64(m[1])/1e6
	}
	if factor == 1 {
		return Zoom{}, nil
	}
	return Zoom{Factor: factor, X: x, Y: y}, nil
}

// set writes the zoom into q: nothing for the fitted image.
func (z Zoom) set(q url.Values) {
	if z.Factor <= 1 {
		return
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	q.Set("zoom", f(z.Factor))
	q.Set("at", f(z.X)+","+f(z.Y))
}

// dropPlace removes the selection and the zoom from q: they are the page's,
// and change nothing in an image or an export.
func dropPlace(q url.Values) url.Values {
	q.Del("sel")
	q.Del("zoom")
	q.Del("at")
	return q
}
