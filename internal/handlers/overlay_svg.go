package handlers

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/export"
	"github.com/segview/segview/internal/render"
	"github.com/segview/segview/internal/segment"
)

// OverlaySVG serves a file's overlay as vector shapes over the photo.
type OverlaySVG struct {
	Reader   Reader
	Renderer OverlayRenderer
	Project  string
	// PublicURL is the dashboard's address, for an absolute link to the
	// photo that still works in a downloaded file; "" links relative to
	// the SVG's own address. The request's Host is never used: it is the
	// client's to choose.
	PublicURL   string
	MaxVertices int
	// Gate bounds the drawings built at once; nil does not.
	Gate *exportGate
	// Verdicts are read for a view filtered by verdict; nil means none
	// are stored.
	Verdicts VerdictStore
}

// SVG handles GET .../files/:fileId/overlay.svg: the view's segments,
// points and box over the photo, embedded as a JPEG data: URI so that the
// file stands alone (embed=1, the default), or with embed=0 linked to
// overlay.jpg with no layers: at SEGVIEW_PUBLIC_URL when it is set, else
// relative to the SVG's own address.
func (h *OverlaySVG) SVG(c echo.Context) error {
	req, err := parseOverlayRequest(c, h.Project, render.FormatJPEG)
	if err != nil {
		return err
	}
	if req.Crop != nil {
		// Vectors zoom without it: the page scales the SVG itself.
		return &inputError{msg: "The crop parameter is for overlay.png, overlay.jpg and layer.png; overlay.svg is vector and always shows the whole image."}
	}
	embed, err := parseEmbed(c.QueryParam("embed"))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	// The drawing, and the embedded photo, are built in memory.
	release, err := h.Gate.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	// The job and the file's version, read once for the drawing and the
	// photo alike.
	results, file, err := h.Reader.FileResults(ctx, req.JobID, req.FileID, segment.Limits{MaxVertices: h.MaxVertices})
	if err != nil {
		return err
	}
	view, err := resolveView(ctx, h.Verdicts, *req.View, results)
	if err != nil {
		return err
	}

	// The photo alone: the overlay route with its layers given and empty,
	// next to this SVG.
	const photoQuery = "?layers="
	photo := render.FormatJPEG.String() + photoQuery
	if h.PublicURL != "" {
		photo = strings.TrimSuffix(h.PublicURL, "/") + overlayPath(h.Project, req.JobID, req.FileID, render.FormatJPEG.String()) + photoQuery
	}
	if embed {
		// Drawn before the size is asked: the photo's decode leaves its
		// size in the renderer's cache, so the image is downloaded once.
		res, err := h.Renderer.Render(ctx, render.Request{JobID: req.JobID, FileID: req.FileID, Format: render.FormatJPEG,
			Width: req.Width, Export: req.Export, View: &segment.View{Opacity: req.View.Opacity}, Results: &results,
			FileUpdated: file.LastUpdatedTime})
		if err != nil {
			return err
		}
		photo = "data:" + res.ContentType + ";base64," + base64.StdEncoding.EncodeToString(res.Body)
	}
	size, err := h.Reader.ImageSize(ctx, file)
	if err != nil {
		return err
	}

	body := export.ToSVG(export.Overlay{
		Title:     fmt.Sprintf("Segmentation overlay: project %s, job %d, file %d", h.Project, req.JobID, req.FileID),
		Width:     size.X,
		Height:    size.Y,
		ImageHref: photo,
		Ranked:    results.Ranked,
		Prompt:    results.Prompt,
		View:      view,
	})
	hdr := c.Response().Header()
	// A running job's results change, and they are a customer's data.
	hdr.Set("Cache-Control", "no-store")
	name := export.FileName(h.Project, req.JobID, fmt.Sprintf("file-%d-overlay.svg", req.FileID))
	hdr.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	return c.Blob(http.StatusOK, "image/svg+xml", body)
}

// parseEmbed parses the optional embed query value of overlay.svg: the
// photo is embedded unless embed=0 asks for the linked-photo variant.
func parseEmbed(raw string) (bool, error) {
	switch raw {
	case "", "1":
		return true, nil
	case "0":
		return false, nil
	}
	return false, &inputError{msg: fmt.Sprintf("The embed value %q is not valid: the photo is embedded by default; use embed=0 to link it instead.", clip(raw))}
}
