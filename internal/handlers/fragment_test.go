package handlers

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/net/html"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/htmltest"
	"github.com/segview/segview/internal/verdict"
)

func TestParseFragment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query   string
		want    fragment
		wantErr string // in the inputError's message; "" when valid
	}{
		{"", fragment{}, ""},
		{"min_score=0.5", fragment{}, ""},
		{"fragment=view", fragment{kind: fragmentView}, ""},
		{"fragment=view&fragment=other", fragment{kind: fragmentView}, ""},
		{"fragment=segments-12", fragment{kind: fragmentSegments, fileID: 12}, ""},
		{"fragment=segments-9223372036854775807", fragment{kind: fragmentSegments, fileID: 9223372036854775807}, ""},
		{"fragment=", fragment{}, `fragment ""`},
		{"fragment=files", fragment{}, `"files"`},
		{"fragment=View", fragment{}, `"View"`},
		{"fragment=segments", fragment{}, `"segments"`},
		{"fragment=segments-", fragment{}, "file id"},
		{"fragment=segments-0", fragment{}, `"0"`},
		{"fragment=segments--3", fragment{}, `"-3"`},
		{"fragment=segments-1x", fragment{}, `"1x"`},
		{"fragment=segments-9223372036854775808", fragment{}, "file id"},
		{"fragment=" + strings.Repeat("x", 500), fragment{}, "…"},
	}
	for _, tt := range tests {
		q, err := url.ParseQuery(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseFragment(q)
		if tt.wantErr == "" {
			if err != nil || got != tt.want {
				t.Errorf("parseFragment(%q) = %+v, %v; want %+v", tt.query, got, err, tt.want)
			}
			continue
		}
		var in *inputError
		if !errors.As(err, &in) || !strings.Contains(in.msg, tt.wantErr) {
			t.Errorf("parseFragment(%q) = %+v, %v; want an *inputError containing %q", tt.query, got, err, tt.wantErr)
		}
		if in != nil && len(in.msg) > 400 {
			t.Errorf("parseFragment(%q): message of %d bytes echoes too much", tt.query, len(in.msg))
		}
	}
}

// fragmentReader serves one completed job, 7, of two files, 11 and 12,
// and counts the calls.
type fragmentReader struct{ calls *int }

func (r fragmentReader) SegmentJob(_ context.Context, id int64) (*cdf.SegmentJob, error) {
	*r.calls++
	if id != 7 {
		return nil, &cdf.APIError{Status: http.StatusNotFound, Message: "no such job"}
	}
	segs := []cdf.Segment{
		{Score: 0.9, Polygons: []cdf.Polygon{square(0, 0, 0.5, 0.5)}},
		{Score: 0.6, Polygons: []cdf.Polygon{square(0.5, 0.5, 1, 1)}},
		{Score: 0.2, Polygons: []cdf.Polygon{square(0.2, 0.2, 0.4, 0.4)}},
	}
	return &cdf.SegmentJob{JobID: id, Status: cdf.StatusCompleted, StartTime: ms(testNow), StatusTime: ms(testNow),
		Items: []cdf.SegmentItem{{FileID: 11, Segments: segs}, {FileID: 12, Segments: segs}}}, nil
}

func (r fragmentReader) FilesByIDs(_ context.Context, ids []cdf.FileIdentifier, _ bool) ([]cdf.File, error) {
	*r.calls++
	out := make([]cdf.File, len(ids))
	for i, id := range ids {
		out[i] = cdf.File{ID: id.ID, Name: "photo.jpg"}
	}
	return out, nil
}

// storedVerdicts is a VerdictStore that only reads.
type storedVerdicts struct {
	VerdictStore // nil: writing panics
	stored       map[verdict.Key]string
}

func (s storedVerdicts) Load(context.Context, int64, []int64) (map[verdict.Key]string, error) {
	return s.stored, nil
}

// showJob serves GET /projects/demo/jobs/<job>?<query> with the job page
// handler and returns the answer, the handler's error and the calls to CDF.
func showJob(t *testing.T, job, query string) (*httptest.ResponseRecorder, error, int) {
	t.Helper()
	calls := 0
	h := &Job{Reader: readerOf(fragmentReader{calls: &calls}), Page: Page{Project: "demo"}, MaxItems: 10, MaxVertices: 1000,
		Verdicts: storedVerdicts{stored: map[verdict.Key]string{{FileID: 12, Rank: 2}: "approved"}},
		Now:      func() time.Time { return testNow }}
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/projects/demo/jobs/"+job+"?"+query, nil), rec)
	c.SetParamNames("project", "jobId")
	c.SetParamValues("demo", job)
	c.Set(ctxCSRFToken, "token-1")
	err := h.Show(c)
	return rec, err, calls
}

// topLevel returns the elements a fragment consists of: the children of
// the body html.Parse puts them in.
func topLevel(t *testing.T, doc *htmltest.Doc) []*html.Node {
	t.Helper()
	var out []*html.Node
	for c := doc.ByTag("body")[0].FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			out = append(out, c)
		}
	}
	return out
}

func outerHTML(t *testing.T, n *html.Node) string {
	t.Helper()
	var b bytes.Buffer
	if err := html.Render(&b, n); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func byID(doc *htmltest.Doc, id string) *html.Node {
	found := htmltest.Find(doc.Root, func(n *html.Node) bool { return htmltest.Attr(n, "id") == id })
	if len(found) != 1 {
		return nil
	}
	return found[0]
}

// TestJobFragments asks the job page for its fragments and checks that
// each holds just its parts, rendered as on the whole page for the same
// view, and that a fragment the page does not have is refused.
func TestJobFragments(t *testing.T) {
	t.Parallel()
	// The page shows one file at a time: the second, file 12.
	const view = "min_score=0.5&hide=1&layers=segments&layers=outlines&sel=2&file=12"
	tests := []struct {
		name     string
		fragment string
		wantIDs  []string // the fragment's top-level elements
		check    func(t *testing.T, doc *htmltest.Doc)
	}{
		{
			name: "view", fragment: "view", wantIDs: []string{"file-nav", "files"},
			check: func(t *testing.T, doc *htmltest.Doc) {
				files := byID(doc, "files")
				if got := htmltest.Attr(files, "data-view-url"); got != "/projects/demo/jobs/7?file=12&hide=1&layers=segments%2Coutlines&min_score=0.5&sel=2" {
					t.Errorf("data-view-url = %q", got)
				}
				if f := htmltest.ByTestID(files, "file"); len(f) != 1 || htmltest.Attr(f[0], "data-file-id") != "12" {
					t.Errorf("%d files, want file 12 alone", len(f))
				}
				for _, a := range htmltest.ByTestID(byID(doc, "file-nav"), "file-link") {
					if href := htmltest.Attr(a, "href"); !strings.Contains(href, "min_score=0.5") || !strings.Contains(href, "file="+htmltest.Attr(a, "data-file-id")) {
						t.Errorf("file link %q does not carry its file and the view", href)
					}
				}
				for _, c := range doc.ByTestID("shown-count") {
					if got := htmltest.Text(c); got != "1 of 3 shown" {
						t.Errorf("shown-count = %q, want 1 of 3 shown", got)
					}
				}
				for _, img := range doc.ByTestID("overlay") {
					if src := htmltest.Attr(img, "src"); !strings.Contains(src, "min_score=0.5") || strings.Contains(src, "sel=") {
						t.Errorf("overlay %q does not carry the view (without the selection)", src)
					}
				}
				for _, a := range htmltest.ByTag(byID(doc, "downloads"), "a")[:2] {
					if href := htmltest.Attr(a, "href"); !strings.Contains(href, "hide=1") {
						t.Errorf("download %q does not carry the view", href)
					}
				}
			},
		},
		{
			name: "one file's segments", fragment: "segments-12", wantIDs: []string{"review-progress", "segments-12"},
			check: func(t *testing.T, doc *htmltest.Doc) {
				rows := doc.ByTestID("segment-row")
				if len(rows) != 3 {
					t.Fatalf("%d rows, want 3", len(rows))
				}
				row := rows[1]
				if htmltest.Attr(row, "data-verdict") != "approved" || htmltest.Attr(row, "aria-selected") != "true" {
					t.Errorf("rank 2: verdict %q, selected %q", htmltest.Attr(row, "data-verdict"), htmltest.Attr(row, "aria-selected"))
				}
				approve := htmltest.ByTestID(row, "approve")[0]
				if htmltest.Attr(approve, "aria-pressed") != "true" || htmltest.Attr(approve, "value") != "2:suggested" {
					t.Errorf("rank 2's approve button: pressed %q, value %q", htmltest.Attr(approve, "aria-pressed"), htmltest.Attr(approve, "value"))
				}
				if got := htmltest.Attr(htmltest.ByTestID(rows[0], "reject")[0], "value"); got != "1:rejected" {
					t.Errorf("rank 1's reject button sends %q", got)
				}
				for _, f := range append(doc.ByTestID("verdict-form"), doc.ByTestID("triage-form")...) {
					if got := htmltest.Attr(f, "action"); !strings.HasPrefix(got, "/projects/demo/jobs/7/files/12/") {
						t.Errorf("form action %q is not file 12's", got)
					}
				}
				var tokens []string
				for _, in := range doc.ByTag("input") {
					if htmltest.Attr(in, "name") == "csrf_token" {
						tokens = append(tokens, htmltest.Attr(in, "value"))
					}
				}
				if strings.Join(tokens, ",") != "token-1,token-1" {
					t.Errorf("CSRF tokens %v, want the request's in both forms", tokens)
				}
			},
		},
	}
	page, err, _ := showJob(t, "7", view)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Result().Cookies()) == 0 {
		t.Fatal("the page set no cookie: the fragments' check below would prove nothing")
	}
	full := htmltest.Parse(t, page.Body.Bytes())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec, err, _ := showJob(t, "7", view+"&fragment="+tt.fragment)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" ||
				!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
				t.Errorf("status %d, Cache-Control %q, Content-Type %q", rec.Code, rec.Header().Get("Cache-Control"), rec.Header().Get("Content-Type"))
			}
			if len(rec.Result().Cookies()) != 0 {
				t.Errorf("a fragment set cookies: %v", rec.Result().Cookies())
			}
			doc := htmltest.Parse(t, rec.Body.Bytes())
			var ids []string
			for _, n := range topLevel(t, doc) {
				ids = append(ids, htmltest.Attr(n, "id"))
				// The same component as on the page renders it.
				on := byID(full, htmltest.Attr(n, "id"))
				if on == nil {
					t.Errorf("the page has no #%s", htmltest.Attr(n, "id"))
				} else if a, b := outerHTML(t, n), outerHTML(t, on); a != b {
					t.Errorf("#%s differs from the page's:\n%s\npage:\n%s", htmltest.Attr(n, "id"), a, b)
				}
			}
			if strings.Join(ids, " ") != strings.Join(tt.wantIDs, " ") {
				t.Errorf("top-level elements %q, want %q", ids, tt.wantIDs)
			}
			if len(doc.ByTag("script")) != 0 || len(doc.ByTestID("view-form")) != 0 || len(doc.ByTestID("review-status")) != 0 {
				t.Errorf("the fragment holds more than its parts")
			}
			tt.check(t, doc)
		})
	}

	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		for _, tt := range []struct {
			query     string
			wantErr   any
			wantCalls int
		}{
			{"fragment=files", new(*inputError), 0},
			{"fragment=", new(*inputError), 0},
			{"fragment=segments-x", new(*inputError), 0},
			{"fragment=view&min_score=2", new(*inputError), 0},
			{"fragment=segments-99", new(*notFoundError), 2},
			{"fragment=segments-12", new(*notFoundError), 2}, // file 11 is shown
			{"fragment=view&file=99", new(*inputError), 2},   // not a file of the job
			{"fragment=view&file=x", new(*inputError), 0},
		} {
			_, err, calls := showJob(t, "7", tt.query)
			if !errors.As(err, tt.wantErr) || calls != tt.wantCalls {
				t.Errorf("%s: error %v (%T), %d calls to CDF; want %T, %d calls", tt.query, err, err, calls, tt.wantErr, tt.wantCalls)
			}
		}
	})
}
