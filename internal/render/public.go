package render

import (
	"net/http"
	"strings"

	"github.com/segview/segview/internal/cdf"
)

// SkipFile says that the file's data is the problem, so that work over
// many files (an export) may leave this one out, and why.
func (e *ImageHeaderError) SkipFile() (reason string, ok bool) {
	return "its data is not a JPEG or PNG image segview can read (" + strings.TrimPrefix(e.Err.Error(), "imaging: ") + ")", true
}

// What this package's errors mean on segview's error page: HTTPStatus,
// PublicHeading, PublicMessage, PublicHint and ErrorKind (a short name for
// logs), which segview's one error handler (internal/handlers) asks for by
// an interface of its own.

// HTTPStatus is 503: the request waited its turn to draw and got none;
// RetryAfter says when to ask again.
func (e *BusyError) HTTPStatus() int       { return http.StatusServiceUnavailable }
func (e *BusyError) PublicHeading() string { return "Busy drawing other images" }
func (e *BusyError) PublicMessage() string {
	return "segview is drawing as many images as it may at once and none finished in time: " + e.Error() + "."
}
func (e *BusyError) PublicHint() string { return "Try again in a moment." }
func (e *BusyError) ErrorKind() string  { return "render_busy" }

// HTTPStatus is 502: CDF's file storage, or something in its place,
// answered with a web page instead of the image.
func (e *NotAnImageError) HTTPStatus() int       { return http.StatusBadGateway }
func (e *NotAnImageError) PublicHeading() string { return "No image from CDF" }
func (e *NotAnImageError) PublicMessage() string {
	return "The download of the image answered with a web page (" + cdf.MediaType(e.ContentType) + ") instead of the image."
}
func (e *NotAnImageError) PublicHint() string {
	return "Something between segview and CDF's file storage, such as a proxy, may have answered in its place."
}
func (e *NotAnImageError) ErrorKind() string { return "download_not_image" }

// noDownloadLinkError is the type of ErrNoDownloadLink.
type noDownloadLinkError struct{}

func (*noDownloadLinkError) Error() string { return "CDF returned no download link for the file" }

// HTTPStatus is 502: CDF gave no link to download the image from.
func (*noDownloadLinkError) HTTPStatus() int       { return http.StatusBadGateway }
func (*noDownloadLinkError) PublicHeading() string { return "No image from CDF" }
func (*noDownloadLinkError) PublicMessage() string {
	return "CDF returned no download link for the file."
}
func (*noDownloadLinkError) PublicHint() string { return "" }
func (*noDownloadLinkError) ErrorKind() string  { return "cdf_no_link" }

// SkipFile says that CDF gave no link for this file, so that work over
// many files (an export) may leave it out.
func (*noDownloadLinkError) SkipFile() (reason string, ok bool) {
	return "CDF returned no download link for it", true
}
