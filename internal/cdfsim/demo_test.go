package cdfsim

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDemoJobsListing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, seeded)
	jobs := e.sim.DemoJobs()
	var ids []int64
	for _, j := range jobs {
		ids = append(ids, j.ID)
		if j.Title == "" || j.Description == "" || j.FileID == 0 {
			t.Errorf("demo job %d lacks a title, description or file: %+v", j.ID, j)
		}
	}
	if diff := cmp.Diff([]int64{1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008}, ids); diff != "" {
		t.Errorf("demo job ids (-want +got):\n%s", diff)
	}
	if again := e.sim.DemoJobs(); !cmp.Equal(jobs, again) {
		t.Error("DemoJobs is not stable")
	}
	if plain := newEnv(t); plain.sim.DemoJobs() != nil {
		t.Error("an unseeded server lists demo jobs")
	}
}

// demoJobGET fetches every demo job over HTTP.
func demoJobGET(t *testing.T, e *testEnv) map[int64]wireSegmentGetResponse {
	t.Helper()
	tok := e.token()
	out := map[int64]wireSegmentGetResponse{}
	for _, dj := range e.sim.DemoJobs() {
		res := e.callWithToken(tok, http.MethodGet, "/context/vision/segment/"+itoa64(dj.ID), nil)
		if res.status != http.StatusOK {
			t.Fatalf("GET job %d: %d %s", dj.ID, res.status, res.body)
		}
		var j wireSegmentGetResponse
		res.decode(t, &j)
		out[dj.ID] = j
	}
	return out
}

func TestDemoJobStatusesAreFixed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, seeded)
	want := map[int64]string{
		1001: StatusCompleted, 1002: StatusRunning, 1003: StatusQueued, 1004: StatusFailed,
		1005: StatusCompleted, 1006: StatusCompleted, 1007: StatusCompleted, 1008: StatusCompleted,
	}
	statuses := func() map[int64]string {
		got := map[int64]string{}
		for id, j := range demoJobGET(t, e) {
			got[id] = j.Status
		}
		return got
	}
	if diff := cmp.Diff(want, statuses()); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	e.clock.Advance(48 * time.Hour)
	if diff := cmp.Diff(want, statuses()); diff != "" {
		t.Errorf("statuses two days later (-want +got):\n%s", diff)
	}
}

// demoFile downloads a demo file through the API, as a client would.
type demoFile struct {
	meta wireFileMetadata
	data []byte
	img  image.Image
	kind string // decoded format
}

func fetchDemoFile(t *testing.T, e *testEnv, id int64) demoFile {
	t.Helper()
	var metas wireItems[wireFileMetadata]
	res := e.call(http.MethodPost, "/files/byids", map[string]any{"items": []map[string]int64{{"id": id}}})
	if res.status != http.StatusOK {
		t.Fatalf("file %d: %d %s", id, res.status, res.body)
	}
	res.decode(t, &metas)
	dl := e.get(downloadURL(t, e, id))
	if dl.status != http.StatusOK {
		t.Fatalf("download %d: %d", id, dl.status)
	}
	if got := dl.header.Get("Content-Type"); got != metas.Items[0].MimeType {
		t.Errorf("file %d: download Content-Type %q, metadata mimeType %q", id, got, metas.Items[0].MimeType)
	}
	f := demoFile{meta: metas.Items[0], data: dl.body}
	if strings.HasPrefix(f.meta.MimeType, "image/") {
		img, kind, err := image.Decode(bytes.NewReader(dl.body))
		if err == nil {
			f.img, f.kind = img, kind
		}
	}
	return f
}

func TestDemoSeedInvariants(t *testing.T) {
	t.Parallel()
	e := newEnv(t, seeded)
	jobs := demoJobGET(t, e)
	for _, dj := range e.sim.DemoJobs() {
		j := jobs[dj.ID]
		t.Run(itoa64(dj.ID), func(t *testing.T) {
			// One item, as CDF's POST takes, but for the job that shows
			// several files; the first is the demo job's file.
			if len(j.Items) == 0 || j.Items[0].FileID != dj.FileID || (len(j.Items) != 1) != (dj.ID == DemoJobSeveralFiles) {
				t.Fatalf("items %+v, want one item for file %d (several for job %d)", j.Items, dj.FileID, DemoJobSeveralFiles)
			}
			if j.Prompt.Points == nil && j.Prompt.BoundingBox == nil {
				t.Error("prompt has neither points nor a box")
			}
			if !(j.CreatedTime <= j.StartTime && j.StartTime <= j.StatusTime && j.StatusTime <= e.clock.Now().UnixMilli()) {
				t.Errorf("times out of order: created %d start %d status %d", j.CreatedTime, j.StartTime, j.StatusTime)
			}
			if (j.Status == StatusFailed) != (j.ErrorMessage != nil) {
				t.Errorf("status %s with errorMessage %v", j.Status, j.ErrorMessage)
			}
			seen := map[int64]bool{}
			for _, item := range j.Items {
				if seen[item.FileID] {
					t.Errorf("file %d listed twice", item.FileID)
				}
				seen[item.FileID] = true
				f := fetchDemoFile(t, e, item.FileID)
				wantKind := map[string]string{"image/png": "png", "image/jpeg": "jpeg"}[f.meta.MimeType]
				if f.img == nil || f.kind != wantKind {
					t.Fatalf("file %d (%s) decodes as %q, want %q", item.FileID, f.meta.MimeType, f.kind, wantKind)
				}
				if b := f.img.Bounds(); b.Dx() < 960 || b.Dy() < 720 {
					t.Errorf("file %d is only %v", item.FileID, b.Size())
				}
				if f.meta.ExternalID != "" && item.FileExternalID != f.meta.ExternalID {
					t.Errorf("item fileExternalId %q, file has %q", item.FileExternalID, f.meta.ExternalID)
				}
				segs := item.Segments
				if (j.Status == StatusCompleted) != (len(segs) > 0) {
					t.Errorf("file %d: status %s with %d segments", item.FileID, j.Status, len(segs))
				}
				for i, s := range segs {
					if !(s.Score > 0 && s.Score < 1) {
						t.Errorf("segment %d: score %v", i, s.Score)
					}
					for _, p := range s.Polygons {
						if n := len(p.Vertices); n < 3 || n > 1000 {
							t.Errorf("segment %d: %d vertices", i, n)
						}
						for _, v := range p.Vertices {
							if v.X < 0 || v.X > 1 || v.Y < 0 || v.Y > 1 {
								t.Fatalf("segment %d: vertex %+v outside [0,1]", i, v)
							}
						}
					}
				}
			}
			for _, fb := range j.FailedItems {
				for _, ref := range fb.Items {
					if ff := fetchDemoFile(t, e, ref.FileID); ff.meta.ID != ref.FileID {
						t.Errorf("failed item %d does not exist", ref.FileID)
					}
				}
			}
		})
	}
}

func TestDemoJobDetails(t *testing.T) {
	t.Parallel()
	e := newEnv(t, seeded)
	jobs := demoJobGET(t, e)

	pump := jobs[DemoJobPumpSkid]
	segs := pump.Items[0].Segments
	if n := len(segs); n < 4 || n > 6 {
		t.Errorf("job 1001 has %d segments, want 4 to 6", n)
	}
	holes, minScore, maxScore := 0, 1.0, 0.0
	for _, s := range segs {
		if len(s.Polygons) == 2 {
			holes++
		}
		minScore, maxScore = math.Min(minScore, s.Score), math.Max(maxScore, s.Score)
	}
	if holes != 1 || minScore > 0.45 || maxScore < 0.95 {
		t.Errorf("job 1001: %d segments with a hole, scores %v..%v; want 1 and a spread from <0.45 to >0.95", holes, minScore, maxScore)
	}
	labels := map[int]int{}
	for _, p := range pump.Prompt.Points {
		labels[p.Label]++
	}
	if labels[0] == 0 || labels[1] == 0 || pump.Prompt.BoundingBox == nil {
		t.Errorf("job 1001 prompt %+v, want foreground and background points and a box", pump.Prompt)
	}

	for _, id := range []int64{DemoJobRunning, DemoJobQueued, DemoJobFailed} {
		if n := len(jobs[id].Items[0].Segments); n != 0 {
			t.Errorf("job %d (%s) has %d segments", id, jobs[id].Status, n)
		}
	}
	if m := jobs[DemoJobFailed].ErrorMessage; m == nil || *m != "Image could not be processed: unsupported colour space" {
		t.Errorf("job 1004 errorMessage = %v", m)
	}

	partial := jobs[DemoJobPartial]
	if len(partial.FailedItems) != 1 || partial.FailedItems[0].ErrorMessage == "" {
		t.Fatalf("job 1005 failedItems = %+v", partial.FailedItems)
	}
	var byID, byInstance int
	for _, ref := range partial.FailedItems[0].Items {
		if ref.FileInstanceID != nil {
			byInstance++
		} else {
			byID++
		}
	}
	if byID != 1 || byInstance != 1 {
		t.Errorf("job 1005 failed items %+v, want one by fileId and one with fileInstanceId", partial.FailedItems[0].Items)
	}

	inst := fetchDemoFile(t, e, DemoFileSiteValve)
	if inst.meta.ExternalID != "" || inst.meta.InstanceID == nil || inst.meta.InstanceID.Space != "site_a" || inst.meta.InstanceID.ExternalID != "img_valve_01" {
		t.Errorf("instance-id file metadata = %+v", inst.meta)
	}
	if it := jobs[DemoJobInstanceFile].Items[0]; it.FileID != DemoFileSiteValve || it.FileExternalID != "" {
		t.Errorf("job 1007 item = %+v, want only fileId", it)
	}
}

func TestDemoEXIFOrientation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, seeded)
	f := fetchDemoFile(t, e, DemoFileValvePhone)
	d := f.data
	if len(d) < 20 || !bytes.Equal(d[:4], []byte{0xFF, 0xD8, 0xFF, 0xE1}) || string(d[6:12]) != "Exif\x00\x00" {
		t.Fatalf("file does not start with SOI + APP1 Exif: % x", d[:min(len(d), 12)])
	}
	if o := exifOrientation(d); o != 6 {
		t.Errorf("EXIF orientation = %d, want 6", o)
	}
	if b := f.img.Bounds(); b.Dx() <= b.Dy() {
		t.Errorf("stored pixels are %v: want landscape (a portrait photo stored sideways)", b.Size())
	}
	for _, other := range []int64{DemoFilePumpSkid, DemoFileGauge, DemoFileTagWall} {
		if o := exifOrientation(fetchDemoFile(t, e, other).data); o != 1 {
			t.Errorf("file %d has orientation %d, want none (1)", other, o)
		}
	}
}

func TestExifOrientationParsing(t *testing.T) {
	t.Parallel()
	base := jpegBytes(t, 8, 8)
	le := []byte{0xFF, 0xD8, 0xFF, 0xE1, 0, 34}
	le = append(le, "Exif\x00\x00II\x2a\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00"...)
	le = append(le, base[2:]...)
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"no exif", base, 1},
		{"big endian, 6", withEXIFOrientation(base, 6), 6},
		{"big endian, 8", withEXIFOrientation(base, 8), 8},
		{"little endian, 3", le, 3},
		{"out of range value", withEXIFOrientation(base, 9), 1},
		{"not a jpeg", pngBytes(t, 2, 2), 1},
		{"truncated", withEXIFOrientation(base, 6)[:10], 1},
		{"empty", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := exifOrientation(tt.data); got != tt.want {
				t.Errorf("exifOrientation = %d, want %d", got, tt.want)
			}
		})
	}
}

// The seeded masks are traced from the geometry the scenes are drawn with;
// sampling the decoded pixels inside them proves they sit on the objects.
func TestDemoSegmentsLieOnTheirObjects(t *testing.T) {
	t.Parallel()
	e := newEnv(t, seeded)
	jobs := demoJobGET(t, e)
	tests := []struct {
		job   int64
		kinds []string // per segment, in order
	}{
		{DemoJobPumpSkid, []string{"gauge ring", "wheel", "tag", "pipe", "motor"}},
		{DemoJobPartial, []string{"tag", "tag"}},
		{DemoJobEXIF, []string{"wheel", "tag", "valve body"}},
		{DemoJobInstanceFile, []string{"wheel", "valve body", "tag"}},
	}
	for _, tt := range tests {
		t.Run(itoa64(tt.job), func(t *testing.T) {
			item := jobs[tt.job].Items[0]
			f := fetchDemoFile(t, e, item.FileID)
			// pixel reads the displayed image: apply EXIF orientation 6.
			b := f.img.Bounds()
			w, h := b.Dx(), b.Dy()
			pixel := func(x, y float64) color.RGBA {
				px, py := int(x), int(y)
				if exifOrientation(f.data) == 6 {
					w, h = b.Dy(), b.Dx()
					px, py = int(y), b.Dy()-1-int(x) // upright (x, y) is stored (y, W-1-x)
				}
				return color.RGBAModel.Convert(f.img.At(px, py)).(color.RGBA)
			}
			if exifOrientation(f.data) == 6 {
				w, h = b.Dy(), b.Dx()
			}
			if len(item.Segments) != len(tt.kinds) {
				t.Fatalf("%d segments, want %d", len(item.Segments), len(tt.kinds))
			}
			for i, s := range item.Segments {
				outer := toPixels(s.Polygons[0].Vertices, w, h)
				var samples []color.RGBA
				var want func(color.RGBA) bool
				switch tt.kinds[i] {
				case "gauge ring":
					inner := toPixels(s.Polygons[1].Vertices, w, h)
					cx, cy, ro := circleOf(outer)
					_, _, ri := circleOf(inner)
					samples, want = ringSamples(pixel, cx, cy, (ro+ri)/2, 16), isGrey(110, 255)
					face := ringSamples(pixel, cx, cy, ri*0.3, 8)
					if n := count(face, isGrey(200, 255)); n < 6 {
						t.Errorf("segment %d: hole: only %d of 8 samples look like the white dial: %v", i, n, face)
					}
				case "wheel":
					cx, cy, r := circleOf(outer)
					samples, want = ringSamples(pixel, cx, cy, r-4, 16), isRed
				case "tag":
					x0, y0, x1, y1 := bbox(outer)
					samples = []color.RGBA{pixel(x0+14, y0+3), pixel(x1-14, y0+3), pixel(x0+14, y1-3), pixel(x1-14, y1-3)}
					want = isYellow
				case "pipe":
					x0, y0, x1, y1 := bbox(outer)
					samples, want = []color.RGBA{pixel((x0+x1)/2, (y0+y1)/2), pixel(x0+10, (y0+y1)/2)}, isGrey(90, 255)
				case "motor":
					x0, y0, x1, y1 := bbox(outer)
					samples, want = []color.RGBA{pixel((x0+x1)/2, (y0+y1)/2)}, isBlue
				case "valve body":
					x0, y0, x1, y1 := bbox(outer)
					samples, want = []color.RGBA{pixel((x0+x1)/2, (y0+y1)/2+20)}, isGrey(30, 130)
				}
				if n := count(samples, want); n != len(samples) {
					t.Errorf("segment %d (%s): %d of %d samples match: %v", i, tt.kinds[i], n, len(samples), samples)
				}
			}
		})
	}
}

type pt struct{ x, y float64 }

func toPixels(vs []wireVertex, w, h int) []pt {
	out := make([]pt, len(vs))
	for i, v := range vs {
		out[i] = pt{v.X * float64(w), v.Y * float64(h)}
	}
	return out
}

// circleOf returns the centre and mean radius of a traced circle.
func circleOf(ps []pt) (cx, cy, r float64) {
	for _, p := range ps {
		cx, cy = cx+p.x, cy+p.y
	}
	cx, cy = cx/float64(len(ps)), cy/float64(len(ps))
	for _, p := range ps {
		r += math.Hypot(p.x-cx, p.y-cy)
	}
	return cx, cy, r / float64(len(ps))
}

func bbox(ps []pt) (x0, y0, x1, y1 float64) {
	x0, y0, x1, y1 = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range ps {
		x0, y0, x1, y1 = math.Min(x0, p.x), math.Min(y0, p.y), math.Max(x1, p.x), math.Max(y1, p.y)
	}
	return x0, y0, x1, y1
}

func ringSamples(pixel func(x, y float64) color.RGBA, cx, cy, r float64, n int) []color.RGBA {
	out := make([]color.RGBA, n)
	for i := range out {
		a := 2*math.Pi*float64(i)/float64(n) + 0.1
		out[i] = pixel(cx+r*math.Cos(a), cy+r*math.Sin(a))
	}
	return out
}

func count(cs []color.RGBA, ok func(color.RGBA) bool) int {
	n := 0
	for _, c := range cs {
		if ok(c) {
			n++
		}
	}
	return n
}

func isGrey(lo, hi int) func(color.RGBA) bool {
	return func(c color.RGBA) bool {
		mx := max(c.R, c.G, c.B)
		mn := min(c.R, c.G, c.B)
		return int(mx)-int(mn) < 40 && int(mn) >= lo && int(mx) <= hi
	}
}

func isRed(c color.RGBA) bool    { return int(c.R) > int(c.G)+60 && int(c.R) > int(c.B)+60 }
func isYellow(c color.RGBA) bool { return c.R > 190 && c.G > 150 && c.B < 90 }
func isBlue(c color.RGBA) bool   { return int(c.B) > int(c.R)+40 }

// TestDemoJobSeveralFiles: the demo job of several files lists the pump
// skid, the gate valve and the phone photo, each with its own demo job's
// segments, so that the job page's file list can be tried.
func TestDemoJobSeveralFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, seeded)
	jobs := demoJobGET(t, e)
	var want []wireSegmentItem
	for _, id := range []int64{DemoJobPumpSkid, DemoJobInstanceFile, DemoJobEXIF} {
		want = append(want, jobs[id].Items...)
	}
	got := jobs[DemoJobSeveralFiles]
	if got.Status != StatusCompleted {
		t.Errorf("status %s", got.Status)
	}
	if diff := cmp.Diff(want, got.Items); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
}
