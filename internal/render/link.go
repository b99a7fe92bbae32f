package render

import (
	"context"
	"sync"

	"github.com/segview/segview/internal/cdf"
)

// Link is a file's download link fetched ahead of need: asked for while the
// caller still reads the job and the file's version, which a cold render
// must wait for anyway. The link does not depend on them, only on the file
// id, so the three CDF reads overlap; the download itself still follows the
// version read, as before. A Link is used once, by the render of the
// request that started it; a render that finds its image cached leaves it
// unused.
type Link struct {
	fileID int64
	done   chan struct{}
	url    string
	err    error
	used   sync.Once
}

// PrefetchLink starts fetching the download link of req's file, when the
// render of req will probably download it: no image of the file is cached
// at req's width (at any version the Service has seen), and the request is
// not a revalidation (If-None-Match), which is mostly answered without a
// download, and the Service shares no work with peers. It returns nil
// otherwise. Pass the result as Request.Link. The
// fetch stops with ctx.
func (s *Service) PrefetchLink(ctx context.Context, req Request) *Link {
	if req.IfNoneMatch != "" || req.Format == FormatLayer {
		return nil
	}
	if s.sourceGroup != nil || s.outputGroup != nil {
		// Replicas share their work: the replica that owns the image
		// downloads it, often another one, with a link of its own.
		return nil
	}
	if updated, ok := s.latest.Get(fileKey{s.project, req.FileID}); ok {
		v := versionKey{Project: s.project, FileID: req.FileID, Updated: updated, IgnoreEXIF: s.ignoreEXIF}
		width := s.targetWidth(req)
		if req.Crop != nil {
			width = cropSourceWidth(*req.Crop, width) // as cropCanvas asks
		}
		if _, ok := s.images.Get(s.sourceKey(v, width)); ok {
			return nil
		}
	}
	l := &Link{fileID: req.FileID, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		links, err := s.cdf.DownloadLinks(ctx, []cdf.FileIdentifier{cdf.ByID(req.FileID)})
		switch {
		case err != nil:
			l.err = err
		case len(links) == 0 || links[0].URL == "":
			l.err = ErrNoDownloadLink
		default:
			l.url = links[0].URL
		}
	}()
	return l
}

// take returns the prefetched link of fileID once: ok is false when l is
// nil, for another file, already taken, or its fetch failed (the caller
// then asks CDF itself, and reports that error if it fails again).
func (l *Link) take(ctx context.Context, fileID int64) (url string, ok bool) {
	if l == nil || l.fileID != fileID {
		return "", false
	}
	first := false
	l.used.Do(func() { first = true })
	if !first {
		return "", false
	}
	select {
	case <-l.done:
	case <-ctx.Done():
		return "", false
	}
	return l.url, l.err == nil
}

type linkKey struct{}

// withLink carries a prefetched link to download.
func withLink(ctx context.Context, l *Link) context.Context {
	if l == nil {
		return ctx
	}
	return context.WithValue(ctx, linkKey{}, l)
}

func linkFrom(ctx context.Context) *Link {
	l, _ := ctx.Value(linkKey{}).(*Link)
	return l
}
