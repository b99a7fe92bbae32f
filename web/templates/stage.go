package templates

// StageView is the page's model of one file's image stage: the overlay
// (as FileView.OverlayURL) and, for the page's script, the plain photo
// and the bases of the sharp crops it loads when zoomed past the display
// resolution.
type StageView struct {
	// PhotoURL is the photo alone (no layers) at the display width; the
	// script lays it under the overlay, for h and the compare slider.
	PhotoURL string
	// OverlayBase and PhotoBase are the overlay and the photo without a
	// width: the script adds crop and width.
	OverlayBase, PhotoBase string
	// Width is the display width the overlay and photo were asked at.
	Width int
	// Zoom and At are the view's zoom and place ("" when fitted), as in
	// the URL.
	Zoom, At string
}
