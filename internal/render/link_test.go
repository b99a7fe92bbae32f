package render

import (
	"bytes"
	"image/png"
	"net/http"
	"testing"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/overlay"
)

// The download link is asked for while the job and the file's version are
// still being read, and the render then uses it instead of asking again.
func TestPrefetchLinkOverlaps(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t, cdfsim.Options{})
	hold, held := make(chan struct{}), make(chan string)
	remove := e.sim.InjectFault(cdfsim.Fault{Match: "/files/downloadlink", Hold: hold, Held: held, Times: 1})
	defer remove()
	link := e.svc.PrefetchLink(t.Context(), e.req)
	if link == nil {
		t.Fatal("PrefetchLink = nil for an image never drawn")
	}
	<-held // the link request is in flight...
	// ...while the file's version is read: the two overlap.
	if _, err := e.svc.cdf.(jobSource).FilesByIDs(t.Context(), []cdf.FileIdentifier{cdf.ByID(11)}, false); err != nil {
		t.Fatal(err)
	}
	close(hold)
	req := e.req
	req.Link = link
	res, err := e.svc.renderRead(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(res.Body)); err != nil {
		t.Errorf("not a PNG: %v", err)
	}
	if links, downloads := e.counts(); links != 1 || downloads != 1 {
		t.Errorf("links = %d, downloads = %d; want 1 and 1 (the prefetched link used)", links, downloads)
	}
}

func TestPrefetchLinkWhenNeeded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// drawn first renders the request once, so its image is cached.
		drawn bool
		edit  func(r *Request)
		want  bool
	}{
		{name: "never drawn", want: true},
		{name: "cached at this width", drawn: true, want: false},
		{name: "another file drawn", drawn: true, edit: func(r *Request) { r.FileID = 12 }, want: true},
		{name: "a crop of a cached image", drawn: true, edit: func(r *Request) { r.Crop = &overlay.Crop{X0: 0.25, Y0: 0.25, X1: 0.75, Y1: 0.75} }, want: false},
		{name: "a revalidation", edit: func(r *Request) { r.IfNoneMatch = `"x"` }, want: false},
		{name: "a layer needs no pixels", edit: func(r *Request) { r.Format = FormatLayer }, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newSimEnv(t, cdfsim.Options{})
			if tt.drawn {
				if _, err := e.svc.renderRead(t.Context(), e.req); err != nil {
					t.Fatal(err)
				}
			}
			req := e.req
			if tt.edit != nil {
				tt.edit(&req)
			}
			link := e.svc.PrefetchLink(t.Context(), req)
			if got := link != nil; got != tt.want {
				t.Errorf("PrefetchLink started = %t, want %t", got, tt.want)
			}
			if link != nil {
				<-link.done
			}
		})
	}
}

// A prefetched link that failed is not the answer: the render asks CDF
// again, as it would without the prefetch.
func TestPrefetchLinkFailed(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t, cdfsim.Options{})
	e.sim.InjectFault(cdfsim.Fault{Match: "/files/downloadlink", Status: http.StatusBadRequest, Times: 1})
	req := e.req
	req.Link = e.svc.PrefetchLink(t.Context(), req)
	<-req.Link.done
	if _, err := e.svc.renderRead(t.Context(), req); err != nil {
		t.Fatalf("Render: %v", err)
	}
	if links, downloads := e.counts(); links != 2 || downloads != 1 {
		t.Errorf("links = %d, downloads = %d; want 2 and 1", links, downloads)
	}
}
