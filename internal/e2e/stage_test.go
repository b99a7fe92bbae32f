package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg"
	"image/png"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// stageReady: the stage has started (its overlay loaded, the photo under
// it loaded too).
const stageReady = `(() => {
  const s = document.querySelector('[data-testid="stage"]');
  const p = s && s.querySelector('[data-testid="stage-photo"]');
  return !!s && s.classList.contains("stage-on") && !!p && p.complete && p.naturalWidth > 0;
})()`

// stageBox is where the stage shows the image: the transformed box's
// rectangle relative to the stage's, the URL's zoom and at, and the
// transform's scale.
type stageBox struct {
	Left, Top, Width, Height float64
	StageW, StageH           float64
	Zoom, At                 string
	Scale                    float64
}

const readStageBox = `(() => {
  const s = document.querySelector('[data-testid="stage"]');
  const v = s.querySelector('[data-testid="stage-view"]');
  const r = v.getBoundingClientRect(), sr = s.getBoundingClientRect();
  const q = new URL(location.href).searchParams;
  const m = new DOMMatrixReadOnly(getComputedStyle(v).transform);
  return { left: r.left - sr.left, top: r.top - sr.top, width: r.width, height: r.height,
    stageW: sr.width, stageH: sr.height, zoom: q.get("zoom") || "", at: q.get("at") || "", scale: m.a };
})()`

func readBox(t *testing.T, ctx context.Context) stageBox {
	t.Helper()
	return run(t, ctx, chromedp.Evaluate[stageBox](readStageBox))
}

// stagePoint is the viewport position of the stage point (fx, fy),
// fractions of the stage's size, once the stage is scrolled into view
// (input events land only within the viewport).
func stagePoint(t *testing.T, ctx context.Context, fx, fy float64) (x, y float64) {
	t.Helper()
	p := run(t, ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(`(() => {
  const s = document.querySelector('[data-testid="stage"]');
  s.scrollIntoView({ block: "nearest" });
  const r = s.getBoundingClientRect();
  return [r.left + r.width * %g, r.top + r.height * %g];
})()`, fx, fy)))
	return p[0], p[1]
}

func wheel(x, y, deltaY float64, mods ...chromedp.Modifier) chromedp.Action[chromedp.Void] {
	return chromedp.MouseEvent(input.DispatchMouseEventTypeMouseWheel, x, y, func(p *input.DispatchMouseEventParams) {
		// CDP wants both deltas, and a zero one is left out of the call.
		p.DeltaX, p.DeltaY = 1e-6, deltaY
		for _, m := range mods {
			p.Modifiers |= int64(m)
		}
	})
}

// urlSettled waits for the address to carry the zoom the page shows (the
// stage writes it once the view rests).
func urlZoomed(want bool) chromedp.Action[chromedp.Void] {
	if want {
		return waitTrue(`new URL(location.href).searchParams.has("zoom") && new URL(location.href).searchParams.has("at")`)
	}
	return waitTrue(`!new URL(location.href).searchParams.has("zoom") && !new URL(location.href).searchParams.has("at")`)
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// TestStageZoom: the wheel zooms around the pointer, + and - zoom around
// the centre, 0 fits, a drag pans; the address gets zoom and at, and the
// copied link opened in a fresh tab shows the same part of the image at
// the same place.
func TestStageZoom(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, openFirstDemoJob(base))
	run(t, ctx, waitTrue(stageReady))

	fit := readBox(t, ctx)
	if fit.Zoom != "" || !near(fit.Scale, 1, 1e-9) {
		t.Fatalf("fitted: %+v", fit)
	}
	// The fitted image fills the stage one way and is centred the other.
	if !(near(fit.Width, fit.StageW, 1) || near(fit.Height, fit.StageH, 1)) ||
		!near(fit.Left, (fit.StageW-fit.Width)/2, 1) || !near(fit.Top, (fit.StageH-fit.Height)/2, 1) {
		t.Errorf("fitted image %+v is not contained and centred", fit)
	}

	// The wheel, at a third of the way across the stage.
	px, py := stagePoint(t, ctx, 1.0/3, 0.4)
	sx, sy := stagePoint(t, ctx, 0, 0)
	u := (px - sx - fit.Left) / fit.Width
	v := (py - sy - fit.Top) / fit.Height
	run(t, ctx, wheel(px, py, -400))
	run(t, ctx, urlZoomed(true))
	z1 := readBox(t, ctx)
	if z1.Scale <= 1.2 {
		t.Fatalf("after the wheel: scale %g, want zoomed in", z1.Scale)
	}
	if u2, v2 := (px-sx-z1.Left)/z1.Width, (py-sy-z1.Top)/z1.Height; !near(u2, u, 0.002) || !near(v2, v, 0.002) {
		t.Errorf("the image point under the pointer moved: (%g, %g), then (%g, %g)", u, v, u2, v2)
	}
	if zoom, _ := strconv.ParseFloat(z1.Zoom, 64); !near(zoom, z1.Scale, 0.001) {
		t.Errorf("URL zoom %q, transform scale %g", z1.Zoom, z1.Scale)
	}

	// A pinch (ctrl+wheel) zooms too.
	run(t, ctx, wheel(px, py, -20, chromedp.ModifierCtrl))
	run(t, ctx, waitTrue(fmt.Sprintf(`Number(new URL(location.href).searchParams.get("zoom")) > %g`, z1.Scale+0.01)))
	z1 = readBox(t, ctx)

	// + zooms in around the centre by a step, - back.
	run(t, ctx, chromedp.KeyEvent("+"))
	run(t, ctx, waitTrue(fmt.Sprintf(`Math.abs(Number(new URL(location.href).searchParams.get("zoom")) - %g) < 0.002`, z1.Scale*1.25)))
	z2 := readBox(t, ctx)
	if !near(z2.Scale, z1.Scale*1.25, 0.002) || z2.At != z1.At {
		t.Errorf("+: %+v, want scale %g at %s", z2, z1.Scale*1.25, z1.At)
	}
	run(t, ctx, chromedp.KeyEvent("-"))
	run(t, ctx, waitTrue(fmt.Sprintf(`Math.abs(Number(new URL(location.href).searchParams.get("zoom")) - %g) < 0.002`, z1.Scale)))

	// 0 fits the window.
	run(t, ctx, chromedp.KeyEvent("0"))
	run(t, ctx, urlZoomed(false))
	if b := readBox(t, ctx); !near(b.Scale, 1, 1e-9) || !near(b.Left, fit.Left, 0.5) || !near(b.Width, fit.Width, 0.5) {
		t.Errorf("0: %+v, want the fitted %+v", b, fit)
	}

	// Zoom again, then drag: the image follows the pointer.
	run(t, ctx, chromedp.Steps(chromedp.KeyEvent("+"), chromedp.KeyEvent("+"), chromedp.KeyEvent("+")))
	run(t, ctx, waitTrue(`Number(new URL(location.href).searchParams.get("zoom")) > 1.9`))
	before := readBox(t, ctx)
	cx, cy := stagePoint(t, ctx, 0.5, 0.5)
	run(t, ctx, chromedp.Steps(
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, cx, cy, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, cx+40, cy+30, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, cx+80, cy+60, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, cx+80, cy+60, chromedp.ButtonLeft, chromedp.ClickCount(1)),
	))
	run(t, ctx, waitTrue(fmt.Sprintf(`new URL(location.href).searchParams.get("at") !== %q`, before.At)))
	after := readBox(t, ctx)
	if !near(after.Left-before.Left, 80, 1) || !near(after.Top-before.Top, 60, 1) {
		t.Errorf("a drag of (80, 60) moved the image by (%g, %g)", after.Left-before.Left, after.Top-before.Top)
	}
	// An arrow key pans a tenth of the stage.
	run(t, ctx, chromedp.KeyEvent(kb.ArrowRight))
	run(t, ctx, waitTrue(fmt.Sprintf(`new URL(location.href).searchParams.get("at") !== %q`, after.At)))
	if b := readBox(t, ctx); !near(after.Left-b.Left, after.StageW/10, 1) || !near(b.Top, after.Top, 0.5) {
		t.Errorf("ArrowRight moved the image from %+v to %+v, want a tenth of the stage left", after, b)
	}
	after = readBox(t, ctx)
	// The page's own links keep the zoom: a rank's link, the view form.
	link := run(t, ctx, chromedp.Evaluate[string](`document.querySelector('a.rank-link').getAttribute("href")`))
	if lu, err := url.Parse(link); err != nil || lu.Query().Get("zoom") != after.Zoom || lu.Query().Get("at") != after.At {
		t.Errorf("rank link %q does not keep zoom=%s at=%s", link, after.Zoom, after.At)
	}

	saveScreenshot(t, ctx, "stage-zoomed.png")

	// The copied link, in a fresh tab, shows the same.
	copied := run(t, ctx, chromedp.Evaluate[string](`location.href`))
	tab, cancel := chromedp.NewContext(ctx)
	defer cancel()
	run(t, tab, chromedp.Navigate(copied))
	run(t, tab, waitTrue(stageReady))
	run(t, tab, waitTrue(`document.querySelector('[data-testid="stage-view"]').style.transform !== ""`))
	again := readBox(t, tab)
	if again.Zoom != after.Zoom || again.At != after.At || !near(again.Scale, after.Scale, 1e-6) ||
		!near(again.Left, after.Left, 1.5) || !near(again.Top, after.Top, 1.5) || !near(again.Width, after.Width, 1) {
		t.Errorf("the copied link reopened at %+v, want %+v", again, after)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %q", p)
	}
}

// TestStagePhotoAndCompare: h switches to the preloaded photo with no new
// request; the compare slider shows the overlay left of its divider and
// the photo right of it.
func TestStagePhotoAndCompare(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, openFirstDemoJob(base))
	run(t, ctx, waitTrue(stageReady))
	// Move the pointer away from the image, where it would mark a segment.
	run(t, ctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 1, 1))

	const resources = `performance.getEntriesByType("resource").map(e => e.name)`
	before := run(t, ctx, chromedp.Evaluate[[]string](resources))
	photos := 0
	for _, n := range before {
		if strings.Contains(n, "overlay.jpg?layers=&width=") {
			photos++
		}
	}
	if photos != 1 {
		t.Fatalf("the photo was requested %d times, want once: %q", photos, before)
	}
	const shown = `(() => {
  const s = document.querySelector('[data-testid="stage"]');
  const vis = (el) => getComputedStyle(el).visibility;
  return vis(s.querySelector('[data-testid="stage-ink"]')) + "/" + vis(s.querySelector('[data-testid="stage-photo"]'));
})()`
	for i, want := range []string{"hidden/visible", "visible/visible", "hidden/visible"} {
		run(t, ctx, chromedp.KeyEvent("h"))
		if got := run(t, ctx, chromedp.Evaluate[string](shown)); got != want {
			t.Errorf("h #%d: overlay/photo %s, want %s", i+1, got, want)
		}
	}
	shotPhoto := run(t, ctx, chromedp.Screenshot(chromedp.CSS(`[data-testid="stage-view"]`)))
	run(t, ctx, chromedp.KeyEvent("h"))
	if after := run(t, ctx, chromedp.Evaluate[[]string](resources)); len(after) != len(before) {
		t.Errorf("h made requests: %q", after[len(before):])
	}
	shotOverlay := run(t, ctx, chromedp.Screenshot(chromedp.CSS(`[data-testid="stage-view"]`)))

	// The slider at 50: the overlay on the left half, the photo on the right.
	run(t, ctx, chromedp.Evaluate[bool](`(() => {
  const i = document.querySelector('input[data-testid="compare"]');
  i.value = "50";
  i.dispatchEvent(new Event("input", { bubbles: true }));
  return true;
})()`))
	clip := run(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="stage-ink"]').style.clipPath`))
	if !strings.HasPrefix(clip, "inset(0") || !strings.Contains(clip, "50%") {
		t.Errorf("clip-path %q, want the right half clipped", clip)
	}
	shotSplit := run(t, ctx, chromedp.Screenshot(chromedp.CSS(`[data-testid="stage-view"]`)))
	saveScreenshot(t, ctx, "stage-compare.png")
	photo, overlay, split := decodePNG(t, shotPhoto), decodePNG(t, shotOverlay), decodePNG(t, shotSplit)
	if !split.Bounds().Eq(photo.Bounds()) || !split.Bounds().Eq(overlay.Bounds()) {
		t.Fatalf("screenshot sizes %v %v %v", photo.Bounds(), overlay.Bounds(), split.Bounds())
	}
	w := split.Bounds().Dx()
	// Away from the divider (a few pixels wide at the middle).
	left := image.Rect(0, 0, w/2-6, split.Bounds().Dy())
	right := image.Rect(w/2+6, 0, w, split.Bounds().Dy())
	if d := meanDiff(split, overlay, left); d > 1 {
		t.Errorf("left half differs from the overlay by %.2f on average", d)
	}
	if d := meanDiff(split, photo, right); d > 1 {
		t.Errorf("right half differs from the photo by %.2f on average", d)
	}
	if d := meanDiff(photo, overlay, left); d < 3 {
		t.Errorf("the overlay and the photo differ by only %.2f on the left: the check shows nothing", d)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %q", p)
	}
}

// TestStageCropMatchesSource: zoomed past the loaded pixels, the stage
// loads a crop of the visible part whose pixels are the source's, one for
// one, not an upscaled display image: with the page's overlay narrower
// than the source (SEGVIEW_MAX_OVERLAY_WIDTH=640) and as wide (the demo's
// 1280 px photo whole), where once a crop has shown that the source has no
// more pixels, zooming further asks for none. The crop's drawing is the
// full-resolution drawing over the same rectangle, pixel for pixel.
func TestStageCropMatchesSource(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		// more says that the source has more pixels than the page's
		// overlay, so that zooming further asks for new crops.
		more bool
	}{
		{"overlay narrower than the source", map[string]string{"SEGVIEW_MAX_OVERLAY_WIDTH": "640"}, true},
		{"overlay as wide as the source", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testCropMatchesSource(t, tt.env, tt.more)
		})
	}
}

func testCropMatchesSource(t *testing.T, env map[string]string, more bool) {
	base := demoServerWith(t, env, nil)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, openFirstDemoJob(base))
	run(t, ctx, waitTrue(stageReady))
	loadedW := run(t, ctx, chromedp.Evaluate[int](`document.querySelector('img[data-testid="overlay"]').naturalWidth`))
	// Look at the demo's ring (the gauge bezel), where there is drawing
	// to compare: open the page at zoom 1.25⁷ there, then zoom in with +.
	run(t, ctx, waitTrue(`document.querySelectorAll('[data-testid="stage"] path.hit').length > 0`))
	there := run(t, ctx, chromedp.Evaluate[string](`(() => {
  const p = Array.from(document.querySelectorAll('[data-testid="stage"] path.hit')).find(p => (p.getAttribute("d").match(/M/g) || []).length >= 2);
  const b = p.getBBox();
  const u = new URL(location.href);
  u.searchParams.set("zoom", "4.768");
  u.searchParams.set("at", (b.x + b.width / 2).toFixed(4) + "," + (b.y + b.height / 2).toFixed(4));
  return u.href;
})()`))
	run(t, ctx, chromedp.Navigate(there))
	run(t, ctx, waitTrue(stageReady))
	run(t, ctx, chromedp.KeyEvent("+"))
	// The view rests at 1.25⁸, and the crops it asked for then load.
	run(t, ctx, waitTrue(fmt.Sprintf(`Math.abs(Number(new URL(location.href).searchParams.get("zoom")) - %g) < 0.001`, math.Pow(1.25, 8))))
	const loaded = `(() => {
  const want = document.querySelector('[data-testid="stage"]').dataset.crop;
  const p = document.querySelector('img[data-testid="stage-crop-photo"]:not(.stage-crop-pending)');
  const o = document.querySelector('img[data-testid="stage-crop-overlay"]:not(.stage-crop-pending)');
  return !!want && !!p && !!o && p.complete && o.complete && p.naturalWidth > 0 && p.dataset.crop === want && o.dataset.crop === want;
})()`
	run(t, ctx, waitTrue(loaded))
	type cropInfo struct {
		Src, Ink, Crop, Level string
		NaturalW, NaturalH    int
		ShownW                float64
	}
	info := run(t, ctx, chromedp.Evaluate[cropInfo](`(() => {
  const p = document.querySelector('img[data-testid="stage-crop-photo"]:not(.stage-crop-pending)');
  const o = document.querySelector('img[data-testid="stage-crop-overlay"]:not(.stage-crop-pending)');
  return { src: p.getAttribute("src"), ink: o.getAttribute("src"), crop: p.getAttribute("data-crop"), level: document.querySelector('[data-testid="zoom-level"]').textContent,
    naturalW: p.naturalWidth, naturalH: p.naturalHeight, shownW: p.getBoundingClientRect().width };
})()`))
	if float64(info.NaturalW) > info.ShownW+1 {
		t.Errorf("the crop has %d pixels across, shown on %g: not past the display resolution", info.NaturalW, info.ShownW)
	}
	crop := fetchImage(t, base+info.Src)
	if crop.Bounds().Dx() != info.NaturalW {
		t.Fatalf("crop %v, browser saw %d wide", crop.Bounds(), info.NaturalW)
	}
	// The source's pixels, lossless: the photo at full resolution.
	srcURL, _ := url.Parse(base + info.Src)
	q := srcURL.Query()
	q.Del("crop")
	q.Del("width")
	q.Set("export", "1")
	srcURL.Path = strings.TrimSuffix(srcURL.Path, "overlay.jpg") + "overlay.png"
	srcURL.RawQuery = q.Encode()
	full := fetchImage(t, srcURL.String())
	var c [4]float64
	for i, s := range strings.Split(info.Crop, ",") {
		c[i], _ = strconv.ParseFloat(s, 64)
	}
	fw, fh := float64(full.Bounds().Dx()), float64(full.Bounds().Dy())
	r := image.Rect(int(math.Round(c[0]*fw)), int(math.Round(c[1]*fh)), int(math.Round(c[2]*fw)), int(math.Round(c[3]*fh)))
	// At 1:1 or more the crop is the source's own pixels: as many.
	if crop.Bounds().Dx() != r.Dx() || crop.Bounds().Dy() != r.Dy() {
		t.Fatalf("crop %s is %v, the source's %v is %d×%d (zoom level %s)", info.Crop, crop.Bounds().Size(), r, r.Dx(), r.Dy(), info.Level)
	}
	region := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(region, region.Rect, full, r.Min, draw.Src)
	if d := meanDiff(crop, region, crop.Bounds()); d > 3 {
		t.Errorf("the crop differs from the source by %.2f on average (JPEG allows ~1–2)", d)
	}
	// The drawing's crop is the full-resolution drawing over the same
	// rectangle: the same line widths and colours, nothing drawn along the
	// crop's edges. Compared losslessly: the page's crop as PNG.
	inkURL, _ := url.Parse(base + info.Ink)
	inkURL.Path = strings.TrimSuffix(inkURL.Path, "overlay.jpg") + "overlay.png"
	ink := fetchImage(t, inkURL.String())
	q = inkURL.Query()
	q.Del("crop")
	q.Del("width")
	q.Set("export", "1")
	inkURL.RawQuery = q.Encode()
	inkFull := fetchImage(t, inkURL.String())
	inkRegion := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(inkRegion, inkRegion.Rect, inkFull, r.Min, draw.Src)
	if !ink.Bounds().Size().Eq(inkRegion.Rect.Size()) {
		t.Errorf("the drawing's crop is %v, the photo's %v", ink.Bounds().Size(), inkRegion.Rect.Size())
	} else if d, far := meanDiff(ink, inkRegion, ink.Bounds()), farShare(ink, inkRegion, ink.Bounds()); d > 0.1 || far > 0 {
		// Measured: identical, every pixel.
		t.Errorf("the drawing's crop differs from the full-resolution drawing by %.2f on average, %.2f%% of its pixels by more than 40", d, 100*far)
	}
	if far := farShare(inkRegion, region, inkRegion.Rect); far < 0.05 { // measured: 12–13%
		t.Errorf("only %.1f%% of the crop's pixels are drawn on: the drawing check shows little", 100*far)
	}
	// The crop has more of the source's pixels than the page's overlay
	// over the same part, or as many when that overlay is the whole source.
	if overlayPx := (c[2] - c[0]) * float64(loadedW); more != (float64(crop.Bounds().Dx()) > overlayPx+1) {
		t.Errorf("crop %d px across, the page's %d px overlay has %.0f there: want more=%v", crop.Bounds().Dx(), loadedW, overlayPx, more)
	}

	// Zoom further: a new crop only when the source has more to give. The
	// view rests (the address changes) in the task that asks for crops.
	const crops = `performance.getEntriesByType("resource").filter(e => e.name.includes("crop=")).length`
	before := run(t, ctx, chromedp.Evaluate[int](crops))
	zoom := run(t, ctx, chromedp.Evaluate[string](`new URL(location.href).searchParams.get("zoom")`))
	run(t, ctx, chromedp.KeyEvent("+"))
	run(t, ctx, waitTrue(fmt.Sprintf(`new URL(location.href).searchParams.get("zoom") !== %q`, zoom)))
	if more {
		run(t, ctx, waitTrue(fmt.Sprintf(`%s >= %d`, crops, before+2)))
	} else if after := run(t, ctx, chromedp.Evaluate[int](crops)); after != before {
		t.Errorf("zooming an image whose source is all loaded asked for %d more crops", after-before)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %q", p)
	}
}

// TestStageLabelsAndTip: on the demo's ring (the gauge bezel, its dial a
// hole), the labels layer's badge lies in the band, by the even-odd rule of
// the segment's own polygons; pointing there shows the segment's rank and
// score by the pointer; the selected segment is outlined on the image.
func TestStageLabelsAndTip(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, openFirstDemoJob(base))
	run(t, ctx, waitTrue(stageReady))
	run(t, ctx, waitTrue(`document.querySelectorAll('[data-testid="stage"] path.hit').length > 0`))
	type ring struct {
		Rank   string
		D      string
		Score  string
		Colour string
		Layer  string
	}
	rg := run(t, ctx, chromedp.Evaluate[ring](`(() => {
  const p = Array.from(document.querySelectorAll('[data-testid="stage"] path.hit')).find(p => (p.getAttribute("d").match(/M/g) || []).length >= 2);
  if (!p) return { rank: "" };
  const row = document.querySelector('[data-testid="segment-row"][data-rank="' + p.dataset.rank + '"]');
  const u = new URL(document.querySelector('[data-testid="stage"]').dataset.overlayBase, location.href);
  u.pathname = u.pathname.replace(/overlay\.jpg$/, "layer.png");
  u.searchParams.set("layers", "labels");
  return { rank: p.dataset.rank, d: p.getAttribute("d"), score: Number(row.dataset.score).toFixed(2),
    colour: row.querySelector("rect").getAttribute("fill"), layer: u.pathname + u.search };
})()`))
	if rg.Rank == "" {
		t.Fatal("no segment with a hole on the first demo job")
	}
	rings := parseHitPath(t, rg.D)
	layer := fetchImage(t, base+rg.Layer)
	bx, by, ok := badgeCentre(layer, rg.Colour)
	if !ok {
		t.Fatalf("no badge of colour %s on %s", rg.Colour, rg.Layer)
	}
	lw, lh := float64(layer.Bounds().Dx()), float64(layer.Bounds().Dy())
	nx, ny := bx/lw, by/lh
	if !evenOdd(rings, nx, ny) {
		t.Fatalf("the badge of segment %s at (%.4f, %.4f) is not inside it by the even-odd rule", rg.Rank, nx, ny)
	}
	if inside := run(t, ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
  const p = document.querySelector('[data-testid="stage"] path.hit[data-rank="%s"]');
  return p.isPointInFill(new DOMPoint(%g, %g));
})()`, rg.Rank, nx, ny))); !inside {
		t.Errorf("the browser's even-odd fill of segment %s does not hold its badge", rg.Rank)
	}

	// Point at the badge: the tip says the rank and the score.
	at := run(t, ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(`(() => {
  document.querySelector('[data-testid="stage"]').scrollIntoView({ block: "nearest" });
  const r = document.querySelector('[data-testid="stage-view"]').getBoundingClientRect();
  return [r.left + r.width * %g, r.top + r.height * %g];
})()`, nx, ny)))
	run(t, ctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, at[0]-3, at[1]-3))
	run(t, ctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, at[0], at[1]))
	run(t, ctx, waitTrue(`!document.querySelector('[data-testid="stage-tip"]').hidden`))
	tip := run(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="stage-tip"]').textContent`))
	if want := "Segment " + rg.Rank + " · score " + rg.Score; tip != want {
		t.Errorf("tip %q, want %q", tip, want)
	}

	// Click it: selected, and outlined on the image.
	run(t, ctx, chromedp.MouseClickXY(at[0], at[1]))
	run(t, ctx, waitTrue(fmt.Sprintf(`new URL(location.href).searchParams.get("sel") === %q`, rg.Rank)))
	stroke := run(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
  const p = document.querySelector('[data-testid="stage"] path.hit[data-rank="%s"]');
  return p.classList.contains("hit-selected") ? getComputedStyle(p).strokeWidth : "";
})()`, rg.Rank)))
	if stroke == "" || stroke == "0px" {
		t.Errorf("the selected segment is not outlined (stroke width %q)", stroke)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %q", p)
	}
}

func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func fetchImage(t *testing.T, u string) image.Image {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v %.200s", u, resp.StatusCode, err, body)
	}
	img, _, err := image.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return img
}

// meanDiff is the mean absolute difference of a and b's RGB over r (in
// each one's own coordinates from its origin), 0–255.
func meanDiff(a, b image.Image, r image.Rectangle) float64 {
	var sum float64
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c1 := color.RGBAModel.Convert(a.At(a.Bounds().Min.X+x, a.Bounds().Min.Y+y)).(color.RGBA)
			c2 := color.RGBAModel.Convert(b.At(b.Bounds().Min.X+x, b.Bounds().Min.Y+y)).(color.RGBA)
			sum += math.Abs(float64(c1.R)-float64(c2.R)) + math.Abs(float64(c1.G)-float64(c2.G)) + math.Abs(float64(c1.B)-float64(c2.B))
			n += 3
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// farShare is the share of pixels over r where a and b differ by more
// than 40 in some channel: what JPEG's error does not reach, and drawing
// on a photo does.
func farShare(a, b image.Image, r image.Rectangle) float64 {
	n, far := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c1 := color.RGBAModel.Convert(a.At(a.Bounds().Min.X+x, a.Bounds().Min.Y+y)).(color.RGBA)
			c2 := color.RGBAModel.Convert(b.At(b.Bounds().Min.X+x, b.Bounds().Min.Y+y)).(color.RGBA)
			n++
			if max(abs(int(c1.R)-int(c2.R)), abs(int(c1.G)-int(c2.G)), abs(int(c1.B)-int(c2.B))) > 40 {
				far++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(far) / float64(n)
}

// parseHitPath reads a hits.json path ("M x y L x y … Z M …Z") into rings.
func parseHitPath(t *testing.T, d string) [][][2]float64 {
	t.Helper()
	var rings [][][2]float64
	for part := range strings.SplitSeq(d, "M") {
		part = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(part), "Z"))
		if part == "" {
			continue
		}
		var ring [][2]float64
		for pt := range strings.SplitSeq(part, "L") {
			f := strings.Fields(pt)
			if len(f) != 2 {
				t.Fatalf("bad point %q in %q", pt, d)
			}
			x, err1 := strconv.ParseFloat(f[0], 64)
			y, err2 := strconv.ParseFloat(f[1], 64)
			if err1 != nil || err2 != nil {
				t.Fatalf("bad point %q", pt)
			}
			ring = append(ring, [2]float64{x, y})
		}
		rings = append(rings, ring)
	}
	return rings
}

// evenOdd reports whether (x, y) is inside the rings by the even-odd rule.
func evenOdd(rings [][][2]float64, x, y float64) bool {
	in := false
	for _, r := range rings {
		for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
			a, b := r[i], r[j]
			if (a[1] > y) != (b[1] > y) && x < (b[0]-a[0])*(y-a[1])/(b[1]-a[1])+a[0] {
				in = !in
			}
		}
	}
	return in
}

// badgeCentre finds the centre of the opaque pixels of the labels layer
// close to colour (#rrggbb, the badge's fill): the middle of their
// bounding box, as the text inside the badge is of another ink.
func badgeCentre(img image.Image, hex string) (x, y float64, ok bool) {
	v, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	if err != nil {
		return 0, 0, false
	}
	want := [3]int{int(v >> 16), int(v >> 8 & 0xff), int(v & 0xff)}
	box := image.Rectangle{}
	b := img.Bounds()
	for py := b.Min.Y; py < b.Max.Y; py++ {
		for px := b.Min.X; px < b.Max.X; px++ {
			c := color.NRGBAModel.Convert(img.At(px, py)).(color.NRGBA)
			if c.A < 250 {
				continue
			}
			if abs(int(c.R)-want[0])+abs(int(c.G)-want[1])+abs(int(c.B)-want[2]) > 12 {
				continue
			}
			box = box.Union(image.Rect(px, py, px+1, py+1))
		}
	}
	if box.Empty() {
		return 0, 0, false
	}
	return float64(box.Min.X+box.Max.X) / 2, float64(box.Min.Y+box.Max.Y) / 2, true
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// TestStageRevealsSelection: zoomed in away from a segment, selecting it
// with the keyboard brings it into view, at the same zoom.
func TestStageRevealsSelection(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, openFirstDemoJob(base))
	run(t, ctx, waitTrue(`document.querySelectorAll('[data-testid="stage"] path.hit[data-rank="1"]').length === 1`))
	// The corner of the image farthest from segment 1, at zoom 8.
	far := run(t, ctx, chromedp.Evaluate[string](`(() => {
  const b = document.querySelector('[data-testid="stage"] path.hit[data-rank="1"]').getBBox();
  const cx = b.x + b.width / 2 < 0.5 ? 0.95 : 0.05, cy = b.y + b.height / 2 < 0.5 ? 0.95 : 0.05;
  const u = new URL(location.href);
  u.searchParams.set("zoom", "8");
  u.searchParams.set("at", cx + "," + cy);
  return u.href;
})()`))
	run(t, ctx, chromedp.Navigate(far))
	run(t, ctx, waitTrue(stageReady))
	run(t, ctx, waitTrue(`document.querySelectorAll('[data-testid="stage"] path.hit[data-rank="1"]').length === 1`))
	const inView = `(() => {
  const s = document.querySelector('[data-testid="stage"]').getBoundingClientRect();
  const h = document.querySelector('[data-testid="stage"] path.hit[data-rank="1"]').getBoundingClientRect();
  return h.left < s.right && h.right > s.left && h.top < s.bottom && h.bottom > s.top;
})()`
	if run(t, ctx, chromedp.Evaluate[bool](inView)) {
		t.Fatal("segment 1 is in view before it is selected: the check shows nothing")
	}
	run(t, ctx, chromedp.KeyEvent("j"))
	run(t, ctx, waitTrue(`new URL(location.href).searchParams.get("sel") === "1"`))
	run(t, ctx, waitTrue(inView))
	if z := run(t, ctx, chromedp.Evaluate[string](`new URL(location.href).searchParams.get("zoom")`)); z != "8" {
		t.Errorf("zoom %s after the selection, want 8 kept", z)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %q", p)
	}
}

// touch sends a touch event with the points (x, y) of ids 0, 1, ….
func touch(typ input.DispatchTouchEventType, pts ...[2]float64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		p := input.DispatchTouchEventParams{Type: typ, TouchPoints: []*input.TouchPoint{}}
		for i, pt := range pts {
			id, one := float64(i), 1.0
			p.TouchPoints = append(p.TouchPoints, &input.TouchPoint{X: pt[0], Y: pt[1], RadiusX: &one, RadiusY: &one, Force: &one, ID: &id})
		}
		_, err := cdp.Call(ctx, t, input.DispatchTouchEvent, p)
		return err
	})
}

// TestStagePinch: two fingers spreading apart zoom the image in around
// their middle.
func TestStagePinch(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, openFirstDemoJob(base))
	run(t, ctx, waitTrue(stageReady))
	fit := readBox(t, ctx)
	cx, cy := stagePoint(t, ctx, 0.4, 0.5)
	sx, _ := stagePoint(t, ctx, 0, 0)
	u := (cx - sx - fit.Left) / fit.Width
	steps := []chromedp.Action[chromedp.Void]{touch(input.DispatchTouchEventTypeTouchStart, [2]float64{cx - 20, cy}, [2]float64{cx + 20, cy})}
	for d := 30.0; d <= 80; d += 10 {
		steps = append(steps, touch(input.DispatchTouchEventTypeTouchMove, [2]float64{cx - d, cy}, [2]float64{cx + d, cy}))
	}
	steps = append(steps, touch(input.DispatchTouchEventTypeTouchEnd))
	run(t, ctx, chromedp.Steps(steps...))
	run(t, ctx, urlZoomed(true))
	b := readBox(t, ctx)
	t.Logf("pinch: scale %g", b.Scale)
	// Spread from 40 to 160 px apart: four times as large, give or take
	// the first move the page sees.
	if b.Scale < 2.5 || b.Scale > 4.01 {
		t.Errorf("a pinch from 40 to 160 px gave scale %g, want about 4", b.Scale)
	}
	if u2 := (cx - sx - b.Left) / b.Width; !near(u2, u, 0.01) {
		t.Errorf("the image point between the fingers moved from %.4f to %.4f", u, u2)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %q", p)
	}
}
