package cdfsim

import (
	"image"
	"image/color"
	"math"
	"strconv"

	"github.com/fogleman/gg"
)

// Drawing primitives for the demo scenes. Every object is drawn from a small
// geometry value (rect, circle, gaugeGeom, wheelGeom) and the demo segments
// are traced from the same values, so the masks really lie on the objects.

type rect struct{ x, y, w, h float64 }

func (r rect) cx() float64 { return r.x + r.w/2 }
func (r rect) cy() float64 { return r.y + r.h/2 }

type circle struct{ cx, cy, r float64 }

// gaugeGeom is a dial gauge: a bezel ring from face to outer radius.
type gaugeGeom struct {
	cx, cy, outer, face float64
	value               float64 // needle position, 0..1 of the scale
}

// wheelGeom is a valve handwheel seen face on; r is the rim's centre line.
type wheelGeom struct {
	cx, cy, r, rim float64
	spokes         int
}

func (g wheelGeom) outer() float64 { return g.r + g.rim/2 }

func rgb(hex uint32) color.RGBA {
	return color.RGBA{uint8(hex >> 16), uint8(hex >> 8), uint8(hex), 0xFF}
}

// shade scales a colour's brightness by k (k > 1 lightens).
func shade(c color.RGBA, k float64) color.RGBA {
	f := func(v uint8) uint8 { return uint8(math.Min(255, math.Max(0, float64(v)*k))) }
	return color.RGBA{f(c.R), f(c.G), f(c.B), c.A}
}

var (
	colWall     = rgb(0x6b7a86)
	colFloor    = rgb(0x3b4046)
	colGalv     = rgb(0x9aa4ad) // galvanised pipe
	colMotor    = rgb(0x2f5d8c)
	colPump     = rgb(0x3f6f9e)
	colCast     = rgb(0x4d5359) // cast iron valve body
	colWheel    = rgb(0xc0262d) // handwheel red
	colTag      = rgb(0xf2c200) // safety yellow
	colInk      = rgb(0x1a1a1a)
	colSkidBase = rgb(0x2a3a4a)
)

// drawWall paints a panelled wall above floorY and floor grating below it.
func drawWall(dc *gg.Context, floorY float64) {
	w, h := float64(dc.Width()), float64(dc.Height())
	g := gg.NewLinearGradient(0, 0, 0, floorY)
	g.AddColorStop(0, shade(colWall, 1.15))
	g.AddColorStop(1, shade(colWall, 0.85))
	dc.SetFillStyle(g)
	dc.DrawRectangle(0, 0, w, floorY)
	dc.Fill()
	// Panel seams and rivets.
	dc.SetLineWidth(3)
	for x := w / 6; x < w; x += w / 6 {
		dc.SetColor(shade(colWall, 0.7))
		dc.DrawLine(x, 0, x, floorY)
		dc.Stroke()
		dc.SetColor(shade(colWall, 1.3))
		dc.DrawLine(x+3, 0, x+3, floorY)
		dc.Stroke()
		for y := 40.0; y < floorY-30; y += 120 {
			dc.SetColor(shade(colWall, 0.6))
			dc.DrawCircle(x-12, y, 4)
			dc.Fill()
		}
	}
	// Hazard stripe on the kick plate.
	stripe := 18.0
	dc.SetColor(colTag)
	dc.DrawRectangle(0, floorY-stripe, w, stripe)
	dc.Fill()
	dc.SetColor(colInk)
	for x := -stripe; x < w; x += 2 * stripe {
		dc.MoveTo(x, floorY)
		dc.LineTo(x+stripe, floorY-stripe)
		dc.LineTo(x+2*stripe, floorY-stripe)
		dc.LineTo(x+stripe, floorY)
		dc.ClosePath()
		dc.Fill()
	}
	// Floor grating, darker towards the camera.
	fg := gg.NewLinearGradient(0, floorY, 0, h)
	fg.AddColorStop(0, shade(colFloor, 1.2))
	fg.AddColorStop(1, shade(colFloor, 0.7))
	dc.SetFillStyle(fg)
	dc.DrawRectangle(0, floorY, w, h-floorY)
	dc.Fill()
	dc.SetColor(color.RGBA{0x8a, 0x90, 0x96, 0x90})
	dc.SetLineWidth(2)
	for y := floorY + 10; y < h; y += 14 + (y-floorY)*0.03 {
		dc.DrawLine(0, y, w, y)
		dc.Stroke()
	}
	for x := -h; x < w+h; x += 40 {
		dc.DrawLine(x, floorY, x+(x-w/2)*0.6, h)
		dc.Stroke()
	}
}

// drawPipeH draws a horizontal pipe of radius r along y=cy, shaded as a
// cylinder lit from above.
func drawPipeH(dc *gg.Context, x0, x1, cy, r float64, base color.RGBA) {
	g := gg.NewLinearGradient(0, cy-r, 0, cy+r)
	g.AddColorStop(0, shade(base, 0.55))
	g.AddColorStop(0.3, shade(base, 1.35))
	g.AddColorStop(0.55, base)
	g.AddColorStop(1, shade(base, 0.45))
	dc.SetFillStyle(g)
	dc.DrawRectangle(x0, cy-r, x1-x0, 2*r)
	dc.Fill()
}

// drawPipeV draws a vertical pipe of radius r along x=cx, lit from the left.
func drawPipeV(dc *gg.Context, cx, y0, y1, r float64, base color.RGBA) {
	g := gg.NewLinearGradient(cx-r, 0, cx+r, 0)
	g.AddColorStop(0, shade(base, 0.55))
	g.AddColorStop(0.3, shade(base, 1.35))
	g.AddColorStop(0.55, base)
	g.AddColorStop(1, shade(base, 0.45))
	dc.SetFillStyle(g)
	dc.DrawRectangle(cx-r, y0, 2*r, y1-y0)
	dc.Fill()
}

// drawFlangeV draws a pipe flange seen from the side on a horizontal pipe.
func drawFlangeV(dc *gg.Context, x, cy, halfH, thick float64) {
	drawPipeV(dc, x, cy-halfH, cy+halfH, thick/2, colGalv)
	dc.SetColor(shade(colGalv, 0.4))
	for _, dy := range []float64{-halfH * 0.75, halfH * 0.75} {
		dc.DrawRectangle(x-thick/2-4, cy+dy-4, thick+8, 8) // bolt heads
		dc.Fill()
	}
}

// drawBox draws a shaded block (valve body, bonnet, coupling guard).
func drawBox(dc *gg.Context, r rect, base color.RGBA, radius float64) {
	g := gg.NewLinearGradient(r.x, r.y, r.x+r.w, r.y+r.h)
	g.AddColorStop(0, shade(base, 1.3))
	g.AddColorStop(1, shade(base, 0.6))
	dc.SetFillStyle(g)
	dc.DrawRoundedRectangle(r.x, r.y, r.w, r.h, radius)
	dc.Fill()
	dc.SetColor(shade(base, 0.45))
	dc.SetLineWidth(2)
	dc.DrawRoundedRectangle(r.x, r.y, r.w, r.h, radius)
	dc.Stroke()
}

// drawText draws s centred at (cx, cy) with gg's built-in 7x13 face scaled
// by k, so the demo needs no font files.
func drawText(dc *gg.Context, s string, cx, cy, k float64, c color.Color) {
	dc.Push()
	dc.Translate(cx, cy)
	dc.Scale(k, k)
	dc.SetColor(c)
	dc.DrawStringAnchored(s, 0, 0, 0.5, 0.35)
	dc.Pop()
}

// drawTag draws a yellow equipment tag plate with black text and screws.
func drawTag(dc *gg.Context, r rect, text string) {
	dc.SetColor(color.RGBA{0, 0, 0, 0x50}) // drop shadow
	dc.DrawRoundedRectangle(r.x+5, r.y+6, r.w, r.h, 6)
	dc.Fill()
	dc.SetColor(colTag)
	dc.DrawRoundedRectangle(r.x, r.y, r.w, r.h, 6)
	dc.Fill()
	dc.SetColor(colInk)
	dc.SetLineWidth(4)
	dc.DrawRoundedRectangle(r.x+7, r.y+7, r.w-14, r.h-14, 4)
	dc.Stroke()
	k := math.Min((r.w-40)/(7*float64(len(text))), (r.h-30)/13)
	drawText(dc, text, r.cx(), r.cy(), k, colInk)
	dc.SetColor(shade(colGalv, 0.8))
	for _, x := range []float64{r.x + 4, r.x + r.w - 4} {
		dc.DrawCircle(x, r.cy(), 3)
		dc.Fill()
	}
}

// drawGauge draws a dial pressure gauge: chrome bezel ring, white face,
// 270° scale 0..10 bar, red needle.
func drawGauge(dc *gg.Context, g gaugeGeom) {
	dc.SetColor(color.RGBA{0, 0, 0, 0x55})
	dc.DrawCircle(g.cx+g.outer*0.06, g.cy+g.outer*0.08, g.outer)
	dc.Fill()
	bz := gg.NewLinearGradient(g.cx-g.outer, g.cy-g.outer, g.cx+g.outer, g.cy+g.outer)
	bz.AddColorStop(0, rgb(0xf1f3f5))
	bz.AddColorStop(0.5, rgb(0xb9c0c6))
	bz.AddColorStop(1, rgb(0x7d858c))
	dc.SetFillStyle(bz)
	dc.DrawCircle(g.cx, g.cy, g.outer)
	dc.Fill()
	dc.SetColor(rgb(0x5f666c))
	dc.SetLineWidth(math.Max(1.5, g.outer*0.015))
	dc.DrawCircle(g.cx, g.cy, g.face+1)
	dc.Stroke()
	dc.SetColor(rgb(0xf8f7f0))
	dc.DrawCircle(g.cx, g.cy, g.face)
	dc.Fill()

	const start, sweep = 135.0, 270.0 // degrees, clockwise from +x on screen
	angle := func(v float64) float64 { return gg.Radians(start + sweep*v) }
	dc.SetColor(colInk)
	for i := 0; i <= 50; i++ {
		a := angle(float64(i) / 50)
		inner := g.face * 0.86
		dc.SetLineWidth(math.Max(1, g.face*0.012))
		if i%5 == 0 {
			inner = g.face * 0.76
			dc.SetLineWidth(math.Max(2, g.face*0.03))
		}
		dc.DrawLine(g.cx+inner*math.Cos(a), g.cy+inner*math.Sin(a), g.cx+g.face*0.93*math.Cos(a), g.cy+g.face*0.93*math.Sin(a))
		dc.Stroke()
	}
	// A red band for the over-pressure range.
	dc.SetColor(colWheel)
	dc.SetLineWidth(math.Max(2, g.face*0.05))
	dc.DrawArc(g.cx, g.cy, g.face*0.89, angle(0.8), angle(1))
	dc.Stroke()
	k := math.Max(1, g.face/70)
	for i := 0; i <= 10; i += 2 {
		a := angle(float64(i) / 10)
		drawText(dc, strconv.Itoa(i), g.cx+g.face*0.6*math.Cos(a), g.cy+g.face*0.6*math.Sin(a), k, colInk)
	}
	drawText(dc, "bar", g.cx, g.cy+g.face*0.45, k, colInk)
	a := angle(g.value)
	dc.SetColor(colWheel)
	dc.SetLineCapRound()
	dc.SetLineWidth(math.Max(2, g.face*0.035))
	dc.DrawLine(g.cx-g.face*0.15*math.Cos(a), g.cy-g.face*0.15*math.Sin(a), g.cx+g.face*0.8*math.Cos(a), g.cy+g.face*0.8*math.Sin(a))
	dc.Stroke()
	dc.SetLineCapButt()
	dc.SetColor(colInk)
	dc.DrawCircle(g.cx, g.cy, math.Max(3, g.face*0.08))
	dc.Fill()
}

// drawHandwheel draws a red spoked valve handwheel seen face on.
func drawHandwheel(dc *gg.Context, g wheelGeom) {
	dc.SetColor(color.RGBA{0, 0, 0, 0x50})
	dc.SetLineWidth(g.rim)
	dc.DrawCircle(g.cx+g.r*0.05, g.cy+g.r*0.07, g.r)
	dc.Stroke()
	dc.SetColor(shade(colWheel, 0.8))
	dc.SetLineWidth(g.rim * 0.45)
	for i := range g.spokes {
		a := 2*math.Pi*float64(i)/float64(g.spokes) - math.Pi/2
		dc.DrawLine(g.cx, g.cy, g.cx+g.r*math.Cos(a), g.cy+g.r*math.Sin(a))
		dc.Stroke()
	}
	dc.SetColor(shade(colWheel, 0.75))
	dc.SetLineWidth(g.rim)
	dc.DrawCircle(g.cx, g.cy, g.r)
	dc.Stroke()
	dc.SetColor(shade(colWheel, 1.2))
	dc.SetLineWidth(g.rim * 0.35)
	dc.DrawArc(g.cx, g.cy, g.r-g.rim*0.12, gg.Radians(190), gg.Radians(300))
	dc.Stroke()
	hub := gg.NewRadialGradient(g.cx-g.rim*0.4, g.cy-g.rim*0.4, 0, g.cx, g.cy, g.rim*1.4)
	hub.AddColorStop(0, shade(colCast, 1.6))
	hub.AddColorStop(1, shade(colCast, 0.8))
	dc.SetFillStyle(hub)
	dc.DrawCircle(g.cx, g.cy, g.rim*1.3)
	dc.Fill()
	dc.SetColor(shade(colGalv, 1.1))
	dc.DrawCircle(g.cx, g.cy, g.rim*0.4)
	dc.Fill()
}

// drawMotor draws an electric motor: a finned horizontal cylinder with an end
// cap on the left and a terminal box on top.
func drawMotor(dc *gg.Context, r rect) {
	drawPipeH(dc, r.x+r.h*0.12, r.x+r.w, r.cy(), r.h/2, colMotor)
	dc.SetLineWidth(3)
	for x := r.x + r.h*0.25; x < r.x+r.w-10; x += 16 {
		dc.SetColor(shade(colMotor, 0.6))
		dc.DrawLine(x, r.y+8, x, r.y+r.h-8)
		dc.Stroke()
	}
	endCap := gg.NewLinearGradient(0, r.y, 0, r.y+r.h)
	endCap.AddColorStop(0, shade(colMotor, 0.7))
	endCap.AddColorStop(0.35, shade(colMotor, 1.4))
	endCap.AddColorStop(1, shade(colMotor, 0.45))
	dc.SetFillStyle(endCap)
	dc.DrawEllipse(r.x+r.h*0.12, r.cy(), r.h*0.12, r.h/2)
	dc.Fill()
	drawBox(dc, rect{r.x + r.w*0.45, r.y - r.h*0.16, r.w * 0.22, r.h * 0.2}, shade(colMotor, 0.9), 4)
}

// tone adds deterministic sensor noise and a slight vignette so the JPEG
// "photos" do not look like flat vector art.
func tone(img *image.RGBA, seed uint32) {
	b := img.Bounds()
	cx, cy := float64(b.Dx())/2, float64(b.Dy())/2
	maxD := math.Hypot(cx, cy)
	state := seed | 1
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			state ^= state << 13
			state ^= state >> 17
			state ^= state << 5
			n := float64(int(state&15) - 8)
			v := 1 - 0.25*math.Pow(math.Hypot(float64(x)-cx, float64(y)-cy)/maxD, 2)
			i := img.PixOffset(x, y)
			for c := range 3 {
				img.Pix[i+c] = uint8(math.Min(255, math.Max(0, float64(img.Pix[i+c])*v+n)))
			}
		}
	}
}
