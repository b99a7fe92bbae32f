//go:build cgo && linux

package jpegturbo

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>

// The part of the TurboJPEG 2.x API (turbojpeg.h) that segview uses,
// declared here instead of included, so that building needs no -dev package:
// the library is opened at run time. libjpeg-turbo 3 keeps these functions
// and the soname.
typedef void *tjhandle;
typedef struct { int num; int denom; } tjscalingfactor;

static tjhandle (*sv_tjInitDecompress)(void);
static tjhandle (*sv_tjInitCompress)(void);
static int (*sv_tjDecompressHeader3)(tjhandle, const unsigned char *, unsigned long, int *, int *, int *, int *);
static tjscalingfactor *(*sv_tjGetScalingFactors)(int *);
static int (*sv_tjDecompress2)(tjhandle, const unsigned char *, unsigned long, unsigned char *, int, int, int, int, int);
static int (*sv_tjDecompressToYUVPlanes)(tjhandle, const unsigned char *, unsigned long, unsigned char **, int, int *, int, int);
static int (*sv_tjPlaneWidth)(int, int, int);
static int (*sv_tjPlaneHeight)(int, int, int);
static int (*sv_tjCompress2)(tjhandle, const unsigned char *, int, int, int, int, unsigned char **, unsigned long *, int, int, int);
static void (*sv_tjFree)(unsigned char *);
static int (*sv_tjDestroy)(tjhandle);
static char *(*sv_tjGetErrorStr2)(tjhandle);

// sv_load opens the library and resolves every function, returning NULL on
// success or a message saying what failed. It is called once.
static const char *sv_load(const char *name) {
	void *lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		return dlerror();
	}
#define SV_SYM(sym) \
	if ((sv_##sym = (__typeof__(sv_##sym))dlsym(lib, #sym)) == NULL) { \
		const char *e = dlerror(); \
		return e != NULL ? e : "missing symbol " #sym; \
	}
	SV_SYM(tjInitDecompress)
	SV_SYM(tjInitCompress)
	SV_SYM(tjDecompressHeader3)
	SV_SYM(tjGetScalingFactors)
	SV_SYM(tjDecompress2)
	SV_SYM(tjDecompressToYUVPlanes)
	SV_SYM(tjPlaneWidth)
	SV_SYM(tjPlaneHeight)
	SV_SYM(tjCompress2)
	SV_SYM(tjFree)
	SV_SYM(tjDestroy)
	SV_SYM(tjGetErrorStr2)
#undef SV_SYM
	return NULL;
}

// Go cannot call C function pointers; these call through them.
static tjhandle sv_init_decompress(void) { return sv_tjInitDecompress(); }
static tjhandle sv_init_compress(void) { return sv_tjInitCompress(); }
static int sv_decompress_header(tjhandle h, const unsigned char *buf, unsigned long size, int *w, int *ht, int *subsamp, int *cs) {
	return sv_tjDecompressHeader3(h, buf, size, w, ht, subsamp, cs);
}
static tjscalingfactor *sv_scaling_factors(int *n) { return sv_tjGetScalingFactors(n); }
static int sv_decompress(tjhandle h, const unsigned char *buf, unsigned long size, unsigned char *dst, int w, int pitch, int ht, int pf, int flags) {
	return sv_tjDecompress2(h, buf, size, dst, w, pitch, ht, pf, flags);
}
static int sv_decompress_planes(tjhandle h, const unsigned char *buf, unsigned long size, unsigned char *y, unsigned char *u, unsigned char *v, int w, int ys, int cs, int ht, int flags) {
	unsigned char *planes[3] = {y, u, v};
	int strides[3] = {ys, cs, cs};
	return sv_tjDecompressToYUVPlanes(h, buf, size, planes, w, strides, ht, flags);
}
static int sv_plane_width(int c, int w, int subsamp) { return sv_tjPlaneWidth(c, w, subsamp); }
static int sv_plane_height(int c, int h, int subsamp) { return sv_tjPlaneHeight(c, h, subsamp); }
static int sv_compress(tjhandle h, const unsigned char *src, int w, int pitch, int ht, int pf, unsigned char **out, unsigned long *size, int subsamp, int quality, int flags) {
	return sv_tjCompress2(h, src, w, pitch, ht, pf, out, size, subsamp, quality, flags);
}
static void sv_free(unsigned char *p) { sv_tjFree(p); }
static void sv_destroy(tjhandle h) { sv_tjDestroy(h); }
static const char *sv_error(tjhandle h) { return sv_tjGetErrorStr2(h); }
*/
import "C"

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// library is the outcome of opening libjpeg-turbo.
type library struct {
	err     error   // why it cannot be used, or nil
	factors []scale // the scaling factors used
}

var load = sync.OnceValue(func() library {
	if forcedOff() {
		return library{err: fmt.Errorf("%w: %s=go", ErrUnavailable, EnvVar)}
	}
	name := C.CString(libraryName)
	defer C.free(unsafe.Pointer(name))
	if msg := C.sv_load(name); msg != nil {
		return library{err: fmt.Errorf("%w: %s", ErrUnavailable, C.GoString(msg))}
	}

	var n C.int
	list := C.sv_scaling_factors(&n)
	if list == nil || n <= 0 {
		return library{err: fmt.Errorf("%w: tjGetScalingFactors returned none", ErrUnavailable)}
	}
	var factors []scale
	for _, f := range unsafe.Slice(list, int(n)) {
		if s := (scale{int(f.num), int(f.denom)}); usable(s) {
			factors = append(factors, s)
		}
	}

	// Create and discard one handle, so that a library that loads but does
	// not work is reported now rather than on the first request.
	h, err := newHandle(false)
	if err != nil {
		return library{err: fmt.Errorf("%w: %w", ErrUnavailable, err)}
	}
	h.close()
	return library{factors: factors}
})

// handle is a TurboJPEG instance. An instance is not safe for concurrent
// use, so each call takes one from a pool and returns it when done.
type handle struct {
	p       C.tjhandle
	cleanup runtime.Cleanup
}

// Pools of idle handles. The pools drop idle handles at garbage
// collections; a cleanup then destroys the instance.
var decompressors, compressors sync.Pool

func newHandle(compress bool) (*handle, error) {
	var p C.tjhandle
	if compress {
		p = C.sv_init_compress()
	} else {
		p = C.sv_init_decompress()
	}
	if p == nil {
		return nil, fmt.Errorf("jpegturbo: creating an instance: %s", C.GoString(C.sv_error(nil)))
	}
	h := &handle{p: p}
	h.cleanup = runtime.AddCleanup(h, func(p C.tjhandle) { C.sv_destroy(p) }, p)
	return h, nil
}

func getHandle(pool *sync.Pool, compress bool) (*handle, error) {
	if h, ok := pool.Get().(*handle); ok {
		return h, nil
	}
	return newHandle(compress)
}

// fail returns the instance's last error as an error saying what was being
// done, and destroys the instance rather than reuse it after a failure.
func (h *handle) fail(doing string) error {
	err := fmt.Errorf("jpegturbo: %s: %s", doing, C.GoString(C.sv_error(h.p)))
	h.close()
	return err
}

func (h *handle) close() {
	h.cleanup.Stop()
	C.sv_destroy(h.p)
	h.p = nil
}

// header is what a JPEG's header says.
type header struct {
	width, height int
	colorSpace    int
	subsamp       int
}

func readHeader(h *handle, data []byte) (header, error) {
	if len(data) == 0 {
		return header{}, errors.New("jpegturbo: empty data")
	}
	var w, ht, subsamp, cs C.int
	if C.sv_decompress_header(h.p, (*C.uchar)(&data[0]), C.ulong(len(data)), &w, &ht, &subsamp, &cs) != 0 {
		return header{}, h.fail("reading header")
	}
	if w <= 0 || ht <= 0 {
		return header{}, fmt.Errorf("jpegturbo: header declares an empty %d×%d image", w, ht)
	}
	return header{width: int(w), height: int(ht), colorSpace: int(cs), subsamp: int(subsamp)}, nil
}

// DecodeConfig returns the dimensions a JPEG's header declares, without
// decoding any pixels.
func DecodeConfig(data []byte) (width, height int, err error) {
	if err := load().err; err != nil {
		return 0, 0, err
	}
	h, err := getHandle(&decompressors, false)
	if err != nil {
		return 0, 0, err
	}
	hdr, err := readHeader(h, data)
	if h.p != nil {
		decompressors.Put(h)
	}
	return hdr.width, hdr.height, err
}

// Decode decodes a JPEG into a new *image.RGBA with its origin at (0, 0),
// fully opaque, at full size or at a reduced scale as opts allow.
//
// It reads the header first and returns an error wrapping ErrTooLarge,
// without allocating for pixels, when the image is above opts.MaxPixels. A
// CMYK or YCCK JPEG yields ErrColorSpace. Damaged data, including a
// truncated file that libjpeg-turbo would otherwise complete with grey,
// yields an error. EXIF orientation is not applied.
func Decode(data []byte, opts Options) (*image.RGBA, error) {
	h, _, w, ht, err := prepare(data, opts)
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, w, ht))
	// libjpeg-turbo writes straight into the image's Go-allocated pixels;
	// asked for exactly the scaled size, it picks the factor chosen here.
	if C.sv_decompress(h.p, (*C.uchar)(&data[0]), C.ulong(len(data)),
		(*C.uchar)(&img.Pix[0]), C.int(w), C.int(img.Stride), C.int(ht), C.int(tjpfRGBA), C.int(decodeFlags)) != 0 {
		return nil, h.fail("decoding")
	}
	decompressors.Put(h)
	return img, nil
}

// DecodePlanes decodes a JPEG as Decode does, at the same scale, but
// returns its planes as stored, without upsampling the chroma or
// converting to RGB: an *image.YCbCr (4:4:4, 4:2:2, 4:2:0, 4:4:0 or 4:1:1)
// or, for a greyscale JPEG, an *image.Gray, with its origin at (0, 0). The
// colour conversion, and the chroma's interpolation, are left to whoever
// resamples the planes. Other subsamplings yield ErrColorSpace, as CMYK
// does.
func DecodePlanes(data []byte, opts Options) (image.Image, error) {
	h, hdr, w, ht, err := prepare(data, opts)
	if err != nil {
		return nil, err
	}
	ratio, ok := ratios[hdr.subsamp]
	if !ok && hdr.subsamp != tjsampGray {
		decompressors.Put(h)
		return nil, ErrColorSpace
	}
	sub := C.int(hdr.subsamp)
	yw, yh := int(C.sv_plane_width(0, C.int(w), sub)), int(C.sv_plane_height(0, C.int(ht), sub))
	var out image.Image
	var planes [3][]byte
	var cw int
	if hdr.subsamp == tjsampGray {
		g := &image.Gray{Pix: make([]byte, yw*yh), Stride: yw, Rect: image.Rect(0, 0, w, ht)}
		planes[0] = g.Pix
		out = g
	} else {
		cw = int(C.sv_plane_width(1, C.int(w), sub))
		ch := int(C.sv_plane_height(1, C.int(ht), sub))
		m := &image.YCbCr{Y: make([]byte, yw*yh), Cb: make([]byte, cw*ch), Cr: make([]byte, cw*ch),
			YStride: yw, CStride: cw, SubsampleRatio: ratio, Rect: image.Rect(0, 0, w, ht)}
		planes = [3][]byte{m.Y, m.Cb, m.Cr}
		out = m
	}
	ptr := func(b []byte) *C.uchar {
		if len(b) == 0 {
			return nil
		}
		return (*C.uchar)(&b[0])
	}
	if C.sv_decompress_planes(h.p, (*C.uchar)(&data[0]), C.ulong(len(data)), ptr(planes[0]), ptr(planes[1]), ptr(planes[2]),
		C.int(w), C.int(yw), C.int(cw), C.int(ht), C.int(decodeFlags)) != 0 {
		return nil, h.fail("decoding")
	}
	decompressors.Put(h)
	return out, nil
}

// prepare reads data's header with a pooled decompressor, checks it
// against opts and returns the handle, which the caller puts back, and the
// scaled size to decode at.
func prepare(data []byte, opts Options) (*handle, header, int, int, error) {
	lib := load()
	if lib.err != nil {
		return nil, header{}, 0, 0, lib.err
	}
	h, err := getHandle(&decompressors, false)
	if err != nil {
		return nil, header{}, 0, 0, err
	}
	hdr, err := readHeader(h, data)
	if err != nil {
		if h.p != nil {
			decompressors.Put(h)
		}
		return nil, header{}, 0, 0, err
	}
	if hdr.colorSpace == tjcsCMYK || hdr.colorSpace == tjcsYCCK {
		decompressors.Put(h)
		return nil, header{}, 0, 0, ErrColorSpace
	}
	if opts.MaxPixels > 0 && int64(hdr.width)*int64(hdr.height) > opts.MaxPixels {
		decompressors.Put(h)
		return nil, header{}, 0, 0, fmt.Errorf("%w: %d×%d is more than %d pixels", ErrTooLarge, hdr.width, hdr.height, opts.MaxPixels)
	}
	s := pickScale(hdr.width, hdr.height, opts.MinWidth, opts.MinHeight, lib.factors)
	return h, hdr, s.of(hdr.width), s.of(hdr.height), nil
}

// Encode writes img to w as a baseline JPEG of the given quality (clamped
// to 1..100) with 4:2:0 chroma subsampling. Alpha is ignored, as image/jpeg
// does for an *image.RGBA: the premultiplied colour is what is encoded.
// An image of a quarter megapixel or more is encoded in strips of a fixed
// height on all cores (GOMAXPROCS), joined with restart markers
// (strips.go): the same pixels as encoding it whole, sooner, and the same
// bytes whatever the number of cores.
func Encode(w io.Writer, img *image.RGBA, quality int) error {
	return encodeStrips(w, img, quality, runtime.GOMAXPROCS(0))
}

// encodeStrips is Encode with workers encoders at most; the bytes do not
// depend on workers.
func encodeStrips(w io.Writer, img *image.RGBA, quality, workers int) error {
	if img.Rect.Empty() {
		return fmt.Errorf("jpegturbo: cannot encode an empty %d×%d image", img.Rect.Dx(), img.Rect.Dy())
	}
	// A sub-image is encoded in place: the pitch skips the rest of each row.
	pix := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y):]
	width, height := img.Rect.Dx(), img.Rect.Dy()
	if plan := planStrips(width, height); plan.count > 1 {
		strips := make([][]byte, plan.count)
		errs := make([]error, plan.count)
		var next atomic.Int64
		run := func() {
			for i := int(next.Add(1) - 1); i < plan.count; i = int(next.Add(1) - 1) {
				y0 := i * plan.rows
				var buf bytes.Buffer
				errs[i] = encode(&buf, pix[y0*img.Stride:], width, min(plan.rows, height-y0), img.Stride, tjpfRGBA, tjsamp420, quality, 0)
				strips[i] = buf.Bytes()
			}
		}
		var wg sync.WaitGroup
		for range min(workers, plan.count) - 1 {
			wg.Go(run)
		}
		run()
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		if out, ok := joinStrips(strips, height, plan); ok {
			_, err := w.Write(out)
			return err
		}
	}
	return encode(w, pix, width, height, img.Stride, tjpfRGBA, tjsamp420, quality, 0)
}

// encode compresses width×height pixels of format pf, rows stride bytes
// apart, with subsampling subsamp and TurboJPEG flags. Tests use it for
// inputs image/jpeg cannot write: other subsamplings, progressive, CMYK.
func encode(w io.Writer, pix []byte, width, height, stride, pf, subsamp, quality, flags int) error {
	if err := load().err; err != nil {
		return err
	}
	if width <= 0 || height <= 0 || len(pix) < (height-1)*stride+width*4 {
		return fmt.Errorf("jpegturbo: %d×%d pixels do not fit a %d-byte buffer", width, height, len(pix))
	}
	quality = min(max(quality, 1), 100)

	h, err := getHandle(&compressors, true)
	if err != nil {
		return err
	}
	var out *C.uchar
	var size C.ulong
	rc := C.sv_compress(h.p, (*C.uchar)(&pix[0]), C.int(width), C.int(stride), C.int(height), C.int(pf),
		&out, &size, C.int(subsamp), C.int(quality), C.int(flags))
	if out != nil {
		defer C.sv_free(out)
	}
	if rc != 0 {
		return h.fail("encoding")
	}
	if flags&tjflagProgressive != 0 {
		// libjpeg-turbo 2.1 keeps state from a progressive compression in
		// the instance: baseline images it writes next have corrupt Huffman
		// data. Such an instance is not reused.
		h.close()
	} else {
		compressors.Put(h)
	}
	// Written straight from the library's buffer, freed on return; the
	// io.Writer contract forbids w to keep it.
	_, err = w.Write(unsafe.Slice((*byte)(unsafe.Pointer(out)), int(size)))
	return err
}
