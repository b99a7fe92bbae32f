package imaging

import (
	"image"
	"image/draw"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// Resize returns img scaled to exactly w×h pixels as a new *image.RGBA with
// its origin at (0, 0). It resamples once, straight from the pixels as
// stored, with a separable Catmull-Rom cubic (Pillow's BICUBIC, a = −0.5)
// whose support widens with the reduction, so that every source pixel
// counts and a large reduction does not alias: the same filter as Pillow's
// resize and thumbnail.
//
// The work is split into bands of output rows run on all cores. Each pixel
// layout has its own loop: an *image.YCbCr (what image/jpeg decodes) is
// resampled plane by plane, the chroma planes at their own subsampled
// resolution, and converted to RGB only at the output size, without a
// full-size RGBA copy; *image.RGBA (what libjpeg-turbo decodes) and
// *image.Gray are resampled in place; other types are converted to RGBA
// first. Translucent RGBA is resampled premultiplied, as stored.
//
// w and h must be positive; img must not be empty.
func Resize(img image.Image, w, h int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	b := img.Bounds()
	switch m := img.(type) {
	case *image.YCbCr:
		if cw, ch, ok := chromaExtent(m.SubsampleRatio, b.Dx(), b.Dy()); ok {
			resizeYCbCr(dst, m, cw, ch)
			return dst
		}
	case *image.RGBA:
		resizePlane(dst.Pix, dst.Stride, w, h, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, b.Dx(), b.Dy(), 4)
		return dst
	case *image.Gray:
		resizeGray(dst, m)
		return dst
	}
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
	resizePlane(dst.Pix, dst.Stride, w, h, rgba.Pix, rgba.Stride, b.Dx(), b.Dy(), 4)
	return dst
}

// chromaExtent is the size of an image's chroma planes in chroma samples,
// as fractions when the luma size is odd (a 4:2:0 chroma sample covers two
// luma pixels each way; the last one may cover one).
func chromaExtent(r image.YCbCrSubsampleRatio, w, h int) (float64, float64, bool) {
	fw, fh := float64(w), float64(h)
	switch r {
	case image.YCbCrSubsampleRatio444:
		return fw, fh, true
	case image.YCbCrSubsampleRatio422:
		return fw / 2, fh, true
	case image.YCbCrSubsampleRatio420:
		return fw / 2, fh / 2, true
	case image.YCbCrSubsampleRatio440:
		return fw, fh / 2, true
	case image.YCbCrSubsampleRatio411:
		return fw / 4, fh, true
	case image.YCbCrSubsampleRatio410:
		return fw / 4, fh / 2, true
	}
	return 0, 0, false
}

// Fixed point: filter weights have weightBits fractional bits; the vertical
// pass keeps midBits of the fraction for the horizontal one.
const (
	weightBits = 14
	midBits    = 6
)

// kernel is the filter of one axis: for output i, the weights w[i*n:][:count[i]]
// apply to source samples start[i], start[i]+1, ...
type kernel struct {
	start, count []int
	w            []int32
	n            int
}

// filterSupport is the half-width of filter, in source samples at scale 1.
const filterSupport = 1

// filter is the triangle (tent): linear interpolation when enlarging or at
// scale 1, an average weighted by distance when reducing (stretched by the
// reduction). Its weights are all positive, so it never rings; it is a
// little softer than the cubic.
func filter(x float64) float64 {
	return max(0, 1-math.Abs(x))
}

// cubic is the Catmull-Rom cubic (Keys, a = −0.5), support 2.
func cubic(x float64) float64 {
	const a = -0.5
	x = math.Abs(x)
	switch {
	case x < 1:
		return ((a+2)*x-(a+3))*x*x + 1
	case x < 2:
		return (((x-5)*x+8)*x - 4) * a
	}
	return 0
}

// newKernel maps dst output samples onto a source axis extent samples long
// (fractional for chroma of an odd luma size) of which n are stored: output
// i's centre (i+½) lands at (i+½)·extent/dst. When reducing, the filter is
// stretched by the reduction so that it averages every source sample. At
// the edges the window is cut and its weights renormalized, as Pillow does.
func newKernel(dst int, extent float64, n int) kernel {
	scale := extent / float64(dst)
	fscale := max(scale, 1)
	support := filterSupport * fscale
	taps := min(int(math.Ceil(support))*2+1, max(n, 1))
	k := kernel{start: make([]int, dst), count: make([]int, dst), w: make([]int32, dst*taps), n: taps}
	fw := make([]float64, taps)
	for i := range dst {
		center := (float64(i) + 0.5) * scale
		lo := max(int(math.Floor(center-support+0.5)), 0)
		hi := min(int(math.Floor(center+support+0.5)), n)
		if hi > lo+taps {
			hi = lo + taps
		}
		if lo >= hi { // past the stored samples: take the last one
			lo, hi = min(lo, n-1), min(lo, n-1)+1
		}
		var sum float64
		for j := lo; j < hi; j++ {
			v := filter((float64(j) + 0.5 - center) / fscale)
			fw[j-lo] = v
			sum += v
		}
		ws := k.w[i*taps : i*taps+hi-lo]
		if sum == 0 {
			ws[0] = 1 << weightBits
		} else {
			// Round each weight and give the rounding error to the largest,
			// so that the weights add up to exactly one: a uniform area
			// keeps its value.
			var isum int32
			big := 0
			for j := range ws {
				ws[j] = int32(math.Round(fw[j] / sum * (1 << weightBits)))
				isum += ws[j]
				if ws[j] > ws[big] {
					big = j
				}
			}
			ws[big] += 1<<weightBits - isum
		}
		k.start[i], k.count[i] = lo, hi-lo
	}
	return k
}

// fixed returns k with every window widened to the same number of taps,
// the widest, padded with zero weights and moved back from the end of the
// axis where needed, so that the horizontal pass runs one loop shape for
// every output sample. n is the number of samples on the axis.
func (k kernel) fixed(n int) kernel {
	taps := 1
	for _, c := range k.count {
		taps = max(taps, c)
	}
	taps = min(taps, n)
	out := kernel{start: make([]int, len(k.start)), count: make([]int, len(k.start)), w: make([]int32, len(k.start)*taps), n: taps}
	for i, lo := range k.start {
		start := min(lo, n-taps)
		ws := k.w[i*k.n : i*k.n+k.count[i]]
		copy(out.w[i*taps+lo-start:], ws)
		out.start[i], out.count[i] = start, taps
	}
	return out
}

// bands runs f over [0, n) in chunks of rows that one goroutine per core
// (fewer for small outputs), the caller's included, takes in turn until
// none is left, and waits for them. Taking small chunks in turn rather
// than one band each keeps a shared, busy machine from making the whole
// image wait for one descheduled thread.
func bands(n, work int, f func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), max(1, work/(256<<10)), n)
	if workers <= 1 {
		f(0, n)
		return
	}
	const chunk = 16
	var next atomic.Int64
	run := func() {
		for {
			lo := int(next.Add(chunk)) - chunk
			if lo >= n {
				return
			}
			f(lo, min(lo+chunk, n))
		}
	}
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Go(run)
	}
	run()
	wg.Wait()
}

// vertical writes to mid the source rows around output row y filtered by
// kv: samples bytes a row, rows stride apart, with midBits of fraction.
// Rows are taken four at a time and summed in registers, so a window of
// up to four rows (a reduction up to about 1.5:1 with the tent) is one
// pass over the row, and wider ones a pass per four rows.
func vertical(mid []int32, src []byte, stride, samples int, kv *kernel, y int) {
	mid = mid[:samples]
	ws := kv.w[y*kv.n : y*kv.n+kv.count[y]]
	base := kv.start[y] * stride
	for k := 0; k < len(ws); k += 4 {
		var rows [4][]byte
		var w [4]int32
		for j := range min(4, len(ws)-k) {
			o := base + (k+j)*stride
			rows[j], w[j] = src[o:o+samples], ws[k+j]
		}
		verticalGroup(mid, rows, w, min(4, len(ws)-k), k == 0, k+4 >= len(ws))
	}
}

// verticalGroup adds n (1..4) rows weighted by w to mid, or sets mid when
// first; when last it then drops the fraction down to midBits.
func verticalGroup(mid []int32, rows [4][]byte, w [4]int32, n int, first, last bool) {
	const shift = weightBits - midBits
	const half = 1 << (shift - 1)
	var add, round int32 = 1, 0
	var sh uint = 0
	if first {
		add = 0
	}
	if last {
		round, sh = half, shift
	}
	switch n {
	case 1:
		r0 := rows[0][:len(mid)]
		for i := range mid {
			mid[i] = (add*mid[i] + w[0]*int32(r0[i]) + round) >> sh
		}
	case 2:
		r0, r1 := rows[0][:len(mid)], rows[1][:len(mid)]
		for i := range mid {
			mid[i] = (add*mid[i] + w[0]*int32(r0[i]) + w[1]*int32(r1[i]) + round) >> sh
		}
	case 3:
		r0, r1, r2 := rows[0][:len(mid)], rows[1][:len(mid)], rows[2][:len(mid)]
		for i := range mid {
			mid[i] = (add*mid[i] + w[0]*int32(r0[i]) + w[1]*int32(r1[i]) + w[2]*int32(r2[i]) + round) >> sh
		}
	default:
		r0, r1, r2, r3 := rows[0][:len(mid)], rows[1][:len(mid)], rows[2][:len(mid)], rows[3][:len(mid)]
		for i := range mid {
			mid[i] = (add*mid[i] + w[0]*int32(r0[i]) + w[1]*int32(r1[i]) + w[2]*int32(r2[i]) + w[3]*int32(r3[i]) + round) >> sh
		}
	}
}

// clamp8 rounds a horizontal sum (weightBits+midBits of fraction) to a byte.
func clamp8(v int32) uint8 {
	v = (v + 1<<(weightBits+midBits-1)) >> (weightBits + midBits)
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}

// horizontal1 filters one row of single samples with a fixed kernel
// (kernel.fixed): every output sample takes kh.n taps.
func horizontal1(out []uint8, mid []int32, kh *kernel) {
	switch kh.n {
	case 1:
		for x := range out {
			out[x] = clamp8(kh.w[x] * mid[kh.start[x]])
		}
	case 2:
		w := kh.w[:2*len(out)]
		for x := range out {
			s := mid[kh.start[x]:]
			s = s[:2]
			out[x] = clamp8(w[2*x]*s[0] + w[2*x+1]*s[1])
		}
	case 3:
		w := kh.w[:3*len(out)]
		for x := range out {
			s := mid[kh.start[x]:]
			s = s[:3]
			ws := w[3*x : 3*x+3 : 3*x+3]
			out[x] = clamp8(ws[0]*s[0] + ws[1]*s[1] + ws[2]*s[2])
		}
	case 4:
		w := kh.w[:4*len(out)]
		for x := range out {
			s := mid[kh.start[x]:]
			s = s[:4]
			ws := w[4*x : 4*x+4 : 4*x+4]
			out[x] = clamp8(ws[0]*s[0] + ws[1]*s[1] + ws[2]*s[2] + ws[3]*s[3])
		}
	default:
		for x := range out {
			ws := kh.w[x*kh.n : x*kh.n+kh.n]
			s := mid[kh.start[x] : kh.start[x]+len(ws)]
			var sum int32
			for j, w := range ws {
				sum += w * s[j]
			}
			out[x] = clamp8(sum)
		}
	}
}

// horizontal4 filters one row of RGBA samples, keeping each colour within
// its alpha (premultiplied).
func horizontal4(out []uint8, mid []int32, kh *kernel) {
	for x := range len(out) / 4 {
		ws := kh.w[x*kh.n : x*kh.n+kh.count[x]]
		s := mid[4*kh.start[x] : 4*(kh.start[x]+len(ws))]
		var r, g, b, a int32
		for j, w := range ws {
			p := s[4*j:]
			p = p[:4:4]
			r += w * p[0]
			g += w * p[1]
			b += w * p[2]
			a += w * p[3]
		}
		o := out[4*x : 4*x+4 : 4*x+4]
		o[3] = clamp8(a)
		o[0], o[1], o[2] = min(clamp8(r), o[3]), min(clamp8(g), o[3]), min(clamp8(b), o[3])
	}
}

// resizePlane resamples sw×sh pixels of ch interleaved bytes (1 or 4),
// rows stride apart, to dw×dh pixels of dst.
func resizePlane(dst []byte, dstStride, dw, dh int, src []byte, stride, sw, sh, ch int) {
	kh, kv := newKernel(dw, float64(sw), sw).fixed(sw), newKernel(dh, float64(sh), sh)
	bands(dh, dw*dh*ch+sw*sh*ch, func(lo, hi int) {
		mid := make([]int32, sw*ch)
		for y := lo; y < hi; y++ {
			vertical(mid, src, stride, sw*ch, &kv, y)
			out := dst[y*dstStride : y*dstStride+dw*ch]
			if ch == 4 {
				horizontal4(out, mid, &kh)
			} else {
				horizontal1(out, mid, &kh)
			}
		}
	})
}

// resizeGray resamples a grey image into the RGBA dst.
func resizeGray(dst *image.RGBA, m *image.Gray) {
	b := m.Bounds()
	dw, dh := dst.Rect.Dx(), dst.Rect.Dy()
	grey := make([]byte, dw*dh)
	resizePlane(grey, dw, dw, dh, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, b.Dx(), b.Dy(), 1)
	for i, v := range grey {
		p := dst.Pix[4*i : 4*i+4 : 4*i+4]
		p[0], p[1], p[2], p[3] = v, v, v, 255
	}
}

// resizeYCbCr resamples the three planes of m, whose chroma planes span
// cw×ch chroma samples, to the output size and converts each output row to
// RGB as image/color does.
func resizeYCbCr(dst *image.RGBA, m *image.YCbCr, cw, ch float64) {
	b := m.Rect
	dw, dh := dst.Rect.Dx(), dst.Rect.Dy()
	sw, sh := b.Dx(), b.Dy()
	// The chroma planes' stored size.
	cx0 := m.COffset(b.Min.X, b.Min.Y)
	csw, csh := int(math.Ceil(cw)), int(math.Ceil(ch))
	kh, kv := newKernel(dw, float64(sw), sw).fixed(sw), newKernel(dh, float64(sh), sh)
	ckh, ckv := newKernel(dw, cw, csw).fixed(csw), newKernel(dh, ch, csh)
	y0 := m.YOffset(b.Min.X, b.Min.Y)
	bands(dh, dw*dh*3+sw*sh*2, func(lo, hi int) {
		mid := make([]int32, max(sw, csw))
		yr, cbr, crr := make([]uint8, dw), make([]uint8, dw), make([]uint8, dw)
		for y := lo; y < hi; y++ {
			vertical(mid, m.Y[y0:], m.YStride, sw, &kv, y)
			horizontal1(yr, mid, &kh)
			vertical(mid, m.Cb[cx0:], m.CStride, csw, &ckv, y)
			horizontal1(cbr, mid, &ckh)
			vertical(mid, m.Cr[cx0:], m.CStride, csw, &ckv, y)
			horizontal1(crr, mid, &ckh)
			out := dst.Pix[y*dst.Stride : y*dst.Stride+4*dw]
			for x := range dw {
				r, g, bl := ycbcrToRGB(yr[x], cbr[x], crr[x])
				p := out[4*x : 4*x+4 : 4*x+4]
				p[0], p[1], p[2], p[3] = r, g, bl, 255
			}
		}
	})
}

// ycbcrToRGB converts a JFIF (full-range BT.601) sample to RGB, with 16
// bits of fraction: R = Y + 1.402 Cr', G = Y − 0.344136 Cb' − 0.714136 Cr',
// B = Y + 1.772 Cb', where Cb' and Cr' are centred on 0.
func ycbcrToRGB(y, cb, cr uint8) (uint8, uint8, uint8) {
	yy := int32(y)<<16 + 1<<15
	u, v := int32(cb)-128, int32(cr)-128
	return sat16(yy + 91881*v), sat16(yy - 22554*u - 46802*v), sat16(yy + 116130*u)
}

// sat16 drops 16 bits of fraction and saturates to a byte.
func sat16(v int32) uint8 {
	v >>= 16
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}

// DecodeSize decodes data as Decode does and returns it scaled to exactly
// size (as displayed, after orientation) with Resize, as a new *image.RGBA
// at the origin; a zero size, or the decoded size itself, means no scaling.
//
// The decode is scaled as opts.MinWidth allows (libjpeg-turbo's DCT
// scaling); the image is then resampled once, from the decoder's own pixel
// layout (the YCbCr planes of image/jpeg or of libjpeg-turbo, neither
// upsampled nor converted to RGB beforehand), and only
// the result is turned upright, so no full-size copy is made on the way.
func DecodeSize(data []byte, opts Options, size image.Point) (*image.RGBA, Info, error) {
	info, decode, err := header(data, opts)
	if err != nil {
		return nil, Info{}, err
	}
	// Planes only when they are resampled: at full size libjpeg-turbo's
	// own RGBA is the fastest way to the result.
	resample := size.X > 0 && size.Y > 0 && size != image.Pt(info.Width, info.Height)
	img, decoder, err := decodePixels(info.Format, data, opts, decode, resample)
	if err != nil {
		return nil, Info{}, &DamagedError{Format: info.Format, Err: err}
	}
	info.Decoder = decoder
	img = flatten(img)
	o := info.Orientation
	if opts.IgnoreEXIF {
		o = 1
	}
	stored := size
	if o >= 5 {
		stored.X, stored.Y = size.Y, size.X
	}
	b := img.Bounds()
	var out *image.RGBA
	if stored.X <= 0 || stored.Y <= 0 || b.Size() == stored {
		out = rgbaCopy(img)
	} else {
		out = Resize(img, stored.X, stored.Y)
	}
	if o >= 2 && o <= 8 {
		out = Orient(out, o).(*image.RGBA)
	}
	info.Width, info.Height = out.Rect.Dx(), out.Rect.Dy()
	return out, info, nil
}

// rgbaCopy returns img as an *image.RGBA at the origin: img itself when it
// already is one.
func rgbaCopy(img image.Image) *image.RGBA {
	if m, ok := img.(*image.RGBA); ok && m.Rect.Min == (image.Point{}) {
		return m
	}
	b := img.Bounds()
	m := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(m, m.Rect, img, b.Min, draw.Src)
	return m
}
