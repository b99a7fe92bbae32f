package render

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/segview/segview/internal/overlay"
	"github.com/segview/segview/internal/segment"
)

// etag is the strong entity tag of a finished job's output: a hash of
// everything that decides its bytes. The job's results are fixed once it
// has finished, so its id stands for them; the file's lastUpdatedTime
// stands for the source; target is the resolved width limit (0: full size),
// so a change of SEGVIEW_MAX_OVERLAY_WIDTH changes the default-width tags;
// the view decides what is drawn, and the crop (if any) which part.
func (s *Service) etag(jobID int64, v versionKey, f Format, target int, view segment.View, crop *overlay.Crop) string {
	h := sha256.New()
	fmt.Fprintf(h, "segview overlay\x00render=%s\x00build=%s\x00jpeg=%s\x00project=%s\x00job=%d\x00file=%d\x00updated=%d\x00exif-ignored=%t\x00format=%s\x00width=%d\x00view=%s\x00crop=%s",
		Version, s.buildVersion, jpegCodec(), v.Project, jobID, v.FileID, v.Updated, v.IgnoreEXIF, f, target, view.Key(), cropKey(crop))
	return `"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18]) + `"`
}

// etagMatches reports whether an If-None-Match header value matches etag,
// by the weak comparison RFC 9110 prescribes for If-None-Match: a "W/"
// prefix is ignored, and "*" matches any current representation.
func etagMatches(header, etag string) bool {
	if header == "" || etag == "" {
		return false
	}
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}
