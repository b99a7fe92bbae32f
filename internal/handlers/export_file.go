package handlers

import (
	"context"
	"fmt"
	"image/png"
	"io"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/export"
	"github.com/segview/segview/internal/imaging"
	"github.com/segview/segview/internal/segment"
)

// YOLO handles GET .../jobs/:jobId/files/:fileId/yolo.txt: one file's
// segments as YOLO segmentation labels (export.WriteYOLO), with the view
// applied as for COCO.
func (h *Export) YOLO(c echo.Context) error {
	return h.fileExport(c, "text/plain; charset=utf-8", "yolo.txt", false, func(w io.Writer, f exportFile) error {
		return export.WriteYOLO(w, f.results.FileID, f.results.Ranked, f.opts)
	})
}

// Mask handles GET .../jobs/:jobId/files/:fileId/mask.png: one file's
// instance mask (export.InstanceMask), a 16-bit gray PNG of the image's
// size, 0 for background and each segment's rank where it is, with the
// view applied as for COCO. An image above the pixel limit is refused
// (422), as the overlay refuses it.
func (h *Export) Mask(c echo.Context) error {
	return h.fileExport(c, "image/png", "mask.png", true, func(w io.Writer, f exportFile) error {
		return writeMaskPNG(w, f)
	})
}

func writeMaskPNG(w io.Writer, f exportFile) error {
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(w, export.InstanceMask(f.results.FileID, f.results.Ranked, f.image, f.opts))
}

// exportFile is what an export of one file is written from.
type exportFile struct {
	results segment.FileResults
	image   export.Image
	opts    export.Options
}

// fileExport parses the job and file ids and the view, refusing bad input
// before any call to CDF, waits for a turn of the gate, reads the job
// (the file's results within the vertex limit), the file's metadata and,
// when sized is set, its image size (within the pixel limit) and the
// verdicts, and streams what write makes of them.
func (h *Export) fileExport(c echo.Context, contentType, suffix string, sized bool, write func(io.Writer, exportFile) error) error {
	jobID, fileID, err := parseFileRoute(c, h.Project)
	if err != nil {
		return err
	}
	view, err := parseView(c.QueryParams())
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	release, err := h.Gate.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	f, err := h.readFile(ctx, jobID, fileID, sized)
	if err != nil {
		return err
	}
	f.opts.View = view.View
	return stream(c, contentType, export.FileName(h.Project, jobID, fmt.Sprintf("file-%d-%s", fileID, suffix)), func(w io.Writer) error {
		return write(w, f)
	})
}

// readFile reads what an export of one file needs: its results, its
// verdicts and, when sized is set, its image size.
func (h *Export) readFile(ctx context.Context, jobID, fileID int64, sized bool) (exportFile, error) {
	job, err := h.Reader.SegmentJob(ctx, jobID)
	if err != nil {
		return exportFile{}, err
	}
	results, err := segment.Results(job, fileID, segment.Limits{MaxVertices: h.MaxVertices})
	if err != nil {
		return exportFile{}, err
	}
	f := exportFile{results: results}
	if sized {
		files, err := h.Reader.Files(ctx, []int64{fileID})
		if err != nil {
			return exportFile{}, err
		}
		meta, ok := files[fileID]
		if !ok {
			return exportFile{}, &notFoundError{msg: fmt.Sprintf("CDF has no file %d.", fileID)}
		}
		size, err := h.Reader.HeaderSize(ctx, meta)
		if err != nil {
			return exportFile{}, err
		}
		if px := int64(size.X) * int64(size.Y); h.MaxPixels > 0 && px > h.MaxPixels {
			return exportFile{}, &imaging.TooLargeError{Width: size.X, Height: size.Y, MaxPixels: h.MaxPixels}
		}
		f.image = export.Image{Name: meta.Name, Width: size.X, Height: size.Y}
	}
	if f.opts.Verdicts, err = h.verdicts(ctx, job, []int64{fileID}); err != nil {
		return exportFile{}, err
	}
	return f, nil
}
