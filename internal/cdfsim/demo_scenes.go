package cdfsim

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"

	"github.com/fogleman/gg"
)

// The demo scenes. Each layout is a value the drawing code and the seeded
// segments both read, so seeded masks sit exactly on the drawn objects.

// pumpSkidLayout is a pump skid: motor, coupling guard, pump, discharge pipe
// with a pressure gauge and a handwheel valve, and a tag plate on the wall.
var pumpSkidLayout = struct {
	w, h        int
	floorY      float64
	base, motor rect
	guard       rect
	pump        circle
	riser       circle // vertical discharge pipe: cx, top (cy), radius
	header      rect   // horizontal discharge pipe
	pipeSection rect   // the header between the riser and the valve flange
	valveBody   rect
	bonnet      rect
	wheel       wheelGeom
	gauge       gaugeGeom
	tag         rect
}{
	w: 1280, h: 960, floorY: 600,
	base:        rect{110, 690, 1000, 55},
	motor:       rect{150, 470, 380, 200},
	guard:       rect{530, 520, 90, 100},
	pump:        circle{740, 570, 115},
	riser:       circle{740, 240, 32},
	header:      rect{740, 208, 540, 64},
	pipeSection: rect{772, 208, 180, 64},
	valveBody:   rect{968, 198, 84, 84},
	bonnet:      rect{990, 130, 40, 70},
	wheel:       wheelGeom{cx: 1010, cy: 100, r: 62, rim: 13, spokes: 5},
	gauge:       gaugeGeom{cx: 890, cy: 360, outer: 66, face: 54, value: 0.38},
	tag:         rect{200, 300, 220, 84},
}

func drawPumpSkid() image.Image {
	l := pumpSkidLayout
	dc := gg.NewContext(l.w, l.h)
	drawWall(dc, l.floorY)
	drawTag(dc, l.tag, "P-101A")

	dc.SetColor(color.RGBA{0, 0, 0, 0x60})
	dc.DrawEllipse(l.base.cx(), l.base.y+l.base.h, l.base.w*0.55, 28)
	dc.Fill()
	drawPipeH(dc, 840, float64(l.w), 610, 36, colGalv) // suction line
	drawFlangeV(dc, 1120, 610, 52, 16)
	drawBox(dc, l.base, colSkidBase, 2)
	drawMotor(dc, l.motor)
	drawBox(dc, l.guard, rgb(0xe07b00), 6)

	p := l.pump
	dc.SetColor(colSkidBase)
	dc.DrawRectangle(p.cx-70, p.cy+60, 140, l.base.y-(p.cy+60))
	dc.Fill()
	vol := gg.NewRadialGradient(p.cx-p.r*0.35, p.cy-p.r*0.35, p.r*0.1, p.cx, p.cy, p.r)
	vol.AddColorStop(0, shade(colPump, 1.5))
	vol.AddColorStop(1, shade(colPump, 0.6))
	dc.SetFillStyle(vol)
	dc.DrawCircle(p.cx, p.cy, p.r)
	dc.Fill()
	dc.SetColor(shade(colPump, 0.5))
	dc.SetLineWidth(3)
	dc.DrawCircle(p.cx, p.cy, p.r*0.55)
	dc.Stroke()

	rz := l.riser
	drawPipeV(dc, rz.cx, rz.cy, p.cy-p.r+10, rz.r, colGalv)
	drawPipeH(dc, l.header.x, l.header.x+l.header.w, l.header.cy(), l.header.h/2, colGalv)
	elbow := gg.NewRadialGradient(rz.cx-rz.r*0.3, rz.cy-rz.r*0.3, 2, rz.cx, rz.cy, rz.r)
	elbow.AddColorStop(0, shade(colGalv, 1.35))
	elbow.AddColorStop(1, shade(colGalv, 0.55))
	dc.SetFillStyle(elbow)
	dc.DrawCircle(rz.cx, rz.cy, rz.r)
	dc.Fill()

	for _, x := range []float64{960, 1060} {
		drawFlangeV(dc, x, l.header.cy(), 48, 16)
	}
	drawBox(dc, l.bonnet, colCast, 4)
	drawBox(dc, l.valveBody, colCast, 10)
	dc.SetColor(shade(colGalv, 1.2))
	dc.SetLineWidth(8)
	dc.DrawLine(l.wheel.cx, l.wheel.cy, l.wheel.cx, l.bonnet.y)
	dc.Stroke()
	drawHandwheel(dc, l.wheel)

	g := l.gauge
	drawPipeH(dc, rz.cx+rz.r, g.cx-g.outer+4, g.cy, 9, colGalv)
	drawGauge(dc, g)
	return dc.Image()
}

// gaugeLayout is a close-up of pressure gauge PI-204 on a riser.
var gaugeLayout = struct {
	w, h   int
	floorY float64
	riser  circle // cx, unused, radius
	gauge  gaugeGeom
	tag    rect
}{
	w: 1024, h: 768, floorY: 640,
	riser: circle{170, 0, 48},
	gauge: gaugeGeom{cx: 600, cy: 330, outer: 235, face: 196, value: 0.61},
	tag:   rect{80, 440, 200, 80},
}

func drawGaugeCloseUp() image.Image {
	l := gaugeLayout
	dc := gg.NewContext(l.w, l.h)
	drawWall(dc, l.floorY)
	drawPipeV(dc, l.riser.cx, 0, l.floorY+20, l.riser.r, colGalv)
	drawPipeH(dc, l.riser.cx+l.riser.r, l.gauge.cx, l.gauge.cy, 16, colGalv)
	drawGauge(dc, l.gauge)
	drawTag(dc, l.tag, "PI-204")
	img := dc.Image().(*image.RGBA)
	tone(img, 204)
	return img
}

// valvePhoneLayout is an upright (as displayed) phone photo of valve HV-310
// on a vertical line; it is stored rotated with EXIF Orientation 6.
var valvePhoneLayout = struct {
	w, h      int
	floorY    float64
	pipe      circle // cx, unused, radius
	valveBody rect
	bonnet    rect
	wheel     wheelGeom
	tag       rect
}{
	w: 960, h: 1280, floorY: 1040,
	pipe:      circle{480, 0, 56},
	valveBody: rect{390, 640, 180, 230},
	bonnet:    rect{450, 560, 60, 90},
	wheel:     wheelGeom{cx: 480, cy: 470, r: 190, rim: 28, spokes: 6},
	tag:       rect{600, 900, 250, 90},
}

func drawValvePhone() image.Image {
	l := valvePhoneLayout
	dc := gg.NewContext(l.w, l.h)
	drawWall(dc, l.floorY)
	drawPipeV(dc, l.pipe.cx, 0, l.floorY+40, l.pipe.r, colGalv)
	for _, y := range []float64{l.valveBody.y - 8, l.valveBody.y + l.valveBody.h - 8} {
		drawPipeH(dc, l.pipe.cx-l.pipe.r-20, l.pipe.cx+l.pipe.r+20, y+8, 9, colGalv) // flanges
	}
	drawBox(dc, l.valveBody, colCast, 16)
	drawBox(dc, l.bonnet, colCast, 6)
	drawHandwheel(dc, l.wheel)
	dc.SetColor(shade(colGalv, 0.5))
	dc.SetLineWidth(2)
	dc.DrawLine(l.tag.cx(), l.tag.y, l.pipe.cx+l.pipe.r, l.tag.y-60) // tag wire
	dc.Stroke()
	drawTag(dc, l.tag, "HV-310")
	img := dc.Image().(*image.RGBA)
	tone(img, 310)
	return img
}

// siteValveLayout is a gate valve on a horizontal line at site A, stored as
// a data-modeling file (instance id only).
var siteValveLayout = struct {
	w, h      int
	floorY    float64
	pipe      circle // unused, cy, radius
	valveBody rect
	bonnet    rect
	wheel     wheelGeom
	tag       rect
}{
	w: 1280, h: 960, floorY: 700,
	pipe:      circle{0, 520, 42},
	valveBody: rect{575, 455, 130, 130},
	bonnet:    rect{610, 300, 60, 160},
	wheel:     wheelGeom{cx: 640, cy: 230, r: 120, rim: 22, spokes: 5},
	tag:       rect{860, 600, 220, 80},
}

func drawSiteValve() image.Image {
	l := siteValveLayout
	dc := gg.NewContext(l.w, l.h)
	drawWall(dc, l.floorY)
	drawPipeH(dc, 0, float64(l.w), l.pipe.cy, l.pipe.r, colGalv)
	for _, x := range []float64{560, 720} {
		drawFlangeV(dc, x, l.pipe.cy, 62, 18)
	}
	drawBox(dc, l.bonnet, colCast, 6)
	drawBox(dc, l.valveBody, colCast, 14)
	dc.SetColor(shade(colGalv, 1.2))
	dc.SetLineWidth(10)
	dc.DrawLine(l.wheel.cx, l.wheel.cy, l.wheel.cx, l.bonnet.y)
	dc.Stroke()
	drawHandwheel(dc, l.wheel)
	dc.SetColor(shade(colGalv, 0.5))
	dc.SetLineWidth(2)
	dc.DrawLine(l.tag.cx(), l.tag.y, l.tag.cx()-40, l.pipe.cy+l.pipe.r)
	dc.Stroke()
	drawTag(dc, l.tag, "HV-112")
	return dc.Image()
}

// tagWallLayout is a wall with conduits and three equipment tag plates.
var tagWallLayout = struct {
	w, h   int
	floorY float64
	tags   [3]rect
	texts  [3]string
}{
	w: 1280, h: 720, floorY: 640,
	tags:  [3]rect{{140, 250, 280, 110}, {520, 280, 250, 100}, {860, 240, 270, 110}},
	texts: [3]string{"P-101A", "PI-204", "HV-310"},
}

func drawTagWall() image.Image {
	l := tagWallLayout
	dc := gg.NewContext(l.w, l.h)
	drawWall(dc, l.floorY)
	drawPipeH(dc, 0, float64(l.w), 90, 14, colGalv)
	drawPipeH(dc, 0, float64(l.w), 130, 10, shade(colGalv, 0.9))
	drawPipeV(dc, 1200, 0, l.floorY+20, 30, colGalv)
	for i, r := range l.tags {
		drawTag(dc, r, l.texts[i])
	}
	img := dc.Image().(*image.RGBA)
	tone(img, 3)
	return img
}

func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func encodeJPEG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Polygon tracing, in normalized coordinates of a w×h image.

func circlePoly(cx, cy, r float64, n, w, h int) []Vertex {
	out := make([]Vertex, n)
	for i := range out {
		a := 2 * math.Pi * float64(i) / float64(n)
		out[i] = Vertex{unitRound((cx + r*math.Cos(a)) / float64(w)), unitRound((cy + r*math.Sin(a)) / float64(h))}
	}
	return out
}

// rectPoly traces a rectangle with corners rounded by radius (0: sharp),
// with intermediate vertices along the edges, clockwise from the top left.
func rectPoly(r rect, radius float64, w, h int) []Vertex {
	var out []Vertex
	add := func(x, y float64) { out = append(out, Vertex{unitRound(x / float64(w)), unitRound(y / float64(h))}) }
	corners := [4]struct{ cx, cy, a0 float64 }{
		{r.x + radius, r.y + radius, math.Pi},
		{r.x + r.w - radius, r.y + radius, 1.5 * math.Pi},
		{r.x + r.w - radius, r.y + r.h - radius, 0},
		{r.x + radius, r.y + r.h - radius, 0.5 * math.Pi},
	}
	for i, c := range corners {
		steps := 0
		if radius > 0 {
			steps = 5
		}
		for k := 0; k <= steps; k++ {
			a := c.a0 + 0.5*math.Pi*float64(k)/float64(max(steps, 1))
			add(c.cx+radius*math.Cos(a), c.cy+radius*math.Sin(a))
		}
		// Midpoint of the edge to the next corner.
		n := corners[(i+1)%4]
		mx, my := (c.cx+n.cx)/2, (c.cy+n.cy)/2
		switch i {
		case 0:
			my = r.y
		case 1:
			mx = r.x + r.w
		case 2:
			my = r.y + r.h
		case 3:
			mx = r.x
		}
		add(mx, my)
	}
	return out
}
