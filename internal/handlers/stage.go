package handlers

import (
	"net/url"
	"strconv"

	"github.com/segview/segview/web/templates"
)

// texts is the zoom as the URL writes it: "" and "" when fitted.
func (z Zoom) texts() (zoom, at string) {
	q := url.Values{}
	z.set(q)
	return q.Get("zoom"), q.Get("at")
}

// stageView is the image stage's model of a file whose display overlay is
// overlay.jpg with the image query q (the view without the page's
// selection and zoom): the plain photo is overlay.jpg with no layers, the
// same for every view, so that it stays cached while the view changes.
func stageView(jpg string, q url.Values, zoom Zoom) templates.StageView {
	photo := url.Values{"layers": {""}}
	s := templates.StageView{
		OverlayBase: withQuery(jpg, q),
		PhotoBase:   withQuery(jpg, photo),
		Width:       displayWidth,
	}
	photo.Set("width", strconv.Itoa(displayWidth))
	s.PhotoURL = withQuery(jpg, photo)
	s.Zoom, s.At = zoom.texts()
	return s
}
