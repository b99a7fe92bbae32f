package export

import (
	"bufio"
	"image"
	"io"
	"strconv"

	"github.com/segview/segview/internal/geom"
	"github.com/segview/segview/internal/overlay"
	"github.com/segview/segview/internal/segment"
)

// YOLOClass is the class of every line of the YOLO labels: the job's
// prompt names no class.
const YOLOClass = 0

// WriteYOLO writes one file's segments as YOLO segmentation labels (the
// .txt of Ultralytics' format): a line per polygon ring, "0 x1 y1 x2 y2
// ...", with coordinates normalized to the image (0..1, origin top-left,
// y down), six decimals, the ring not closed (its first point is not
// repeated). Segments come in rank order, those opts does not show left
// out; each ring is clipped to the image, as the overlay fills it.
//
// YOLO has no holes: each line is read as an object of its own. So that
// a segment with holes keeps them for a reader that looks, rings follow
// the even-odd nesting, as in the GeoJSON export: each outer ring is
// followed by its holes, outer rings are counterclockwise as the numbers
// read (a positive shoelace area, x right and y up) and holes clockwise
// (a negative one). A reader that ignores orientation reads a hole as one
// more object; use COCO (RLE) or GeoJSON to keep holes everywhere.
func WriteYOLO(w io.Writer, fileID int64, ranked []segment.Ranked, opts Options) error {
	bw := bufio.NewWriter(w)
	var line []byte
	for _, r := range ranked {
		if !opts.shows(r, opts.stored(fileID, r.Rank)) {
			continue
		}
		var rings []pixelRing
		for _, p := range r.Polygons {
			if c := overlay.ClipToImage(p); c != nil {
				rings = append(rings, pixelRing(c))
			}
		}
		for _, poly := range nest(rings) {
			for k, ring := range append([]pixelRing{poly.outer}, poly.holes...) {
				line = strconv.AppendInt(line[:0], YOLOClass, 10)
				for _, v := range oriented(ring, k == 0) {
					line = append(line, ' ')
					line = strconv.AppendFloat(line, v.X, 'f', 6, 64)
					line = append(line, ' ')
					line = strconv.AppendFloat(line, v.Y, 'f', 6, 64)
				}
				line = append(line, '\n')
				if _, err := bw.Write(line); err != nil {
					return err
				}
			}
		}
	}
	return bw.Flush()
}

// oriented returns r turned so that its signed area (x right, y up) is
// positive when ccw is true, negative otherwise.
func oriented(r pixelRing, ccw bool) []geom.Point {
	out := append([]geom.Point(nil), r...)
	if (signedArea(r) > 0) != ccw {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out
}

// InstanceMask returns one file's instance mask: a 16-bit gray image of
// img's size in which each pixel is the rank of the segment that covers it
// (overlay.Mask), 0 for none. Where segments overlap, the pixel takes the
// rank of the one the overlay draws on top: the one of smaller area
// within the image (segments are drawn largest area first,
// overlay.DrawOrder). Segments opts does not show are left out, and so
// are ranks above 65535, which 16 bits cannot hold.
func InstanceMask(fileID int64, ranked []segment.Ranked, img Image, opts Options) *image.Gray16 {
	out := image.NewGray16(image.Rect(0, 0, img.Width, img.Height))
	var shown []segment.Ranked
	var polys [][]geom.Polygon
	for _, r := range ranked {
		if r.Rank <= 0xffff && opts.shows(r, opts.stored(fileID, r.Rank)) {
			shown = append(shown, r)
			polys = append(polys, r.Polygons)
		}
	}
	masker := overlay.NewMasker(img.Width, img.Height)
	for _, i := range overlay.DrawOrder(polys) {
		r := shown[i]
		m := masker.Mask(r.Polygons)
		hi, lo := uint8(r.Rank>>8), uint8(r.Rank)
		for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
			row := m.Pix[(y-m.Rect.Min.Y)*m.Rect.Dx():][:m.Rect.Dx()]
			for dx, v := range row {
				if v != 0 {
					o := out.PixOffset(m.Rect.Min.X+dx, y)
					out.Pix[o], out.Pix[o+1] = hi, lo
				}
			}
		}
	}
	return out
}
