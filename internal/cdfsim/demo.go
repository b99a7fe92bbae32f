package cdfsim

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// DemoJob describes a seeded demo job for the home page.
type DemoJob struct {
	ID          int64
	Title       string
	Description string
	FileID      int64 // the job's (first) file
}

// DemoJobs returns the seeded demo jobs of the default project in a stable
// order (by id), or nil if the server was not seeded.
func (s *Server) DemoJobs() []DemoJob { return s.DemoJobsIn(s.project) }

// Ids of the demo project. File ids look like CDF's (large, below 2^53).
const (
	DemoFilePumpSkid   int64 = 7322174101553901 // PNG, externalId img_pump_skid_p101a
	DemoFileGauge      int64 = 1893446220718032 // JPEG, externalId img_gauge_pi204
	DemoFileValvePhone int64 = 5540118373926114 // JPEG with EXIF Orientation 6
	DemoFileSiteValve  int64 = 6018552904471385 // PNG, instance id site_a/img_valve_01 only
	DemoFileTagWall    int64 = 2764390115802247 // JPEG, externalId img_tag_plates_l3
	DemoFileReport     int64 = 8120004337165510 // PDF: not an image
	DemoFileCorrupt    int64 = 4401987262530078 // "JPEG" that does not decode; instance id only

	DemoSpace = "site_a"

	DemoJobPumpSkid     int64 = 1001
	DemoJobRunning      int64 = 1002
	DemoJobQueued       int64 = 1003
	DemoJobFailed       int64 = 1004
	DemoJobPartial      int64 = 1005
	DemoJobEXIF         int64 = 1006
	DemoJobInstanceFile int64 = 1007
	DemoJobSeveralFiles int64 = 1008
)

// demoAssets are the rendered demo files, shared read-only by every seeded
// server in the process: rendering takes a few hundred milliseconds.
type demoAssets struct {
	pumpSkid, gauge, valvePhone, siteValve, tagWall, report, corrupt []byte
}

var loadDemoAssets = sync.OnceValues(func() (*demoAssets, error) {
	var a demoAssets
	var errs [5]error
	var wg sync.WaitGroup
	render := func(i int, dst *[]byte, f func() ([]byte, error)) {
		wg.Go(func() { *dst, errs[i] = f() })
	}
	render(0, &a.pumpSkid, func() ([]byte, error) { return encodePNG(drawPumpSkid()) })
	render(1, &a.gauge, func() ([]byte, error) { return encodeJPEG(drawGaugeCloseUp()) })
	render(2, &a.valvePhone, func() ([]byte, error) {
		b, err := encodeJPEG(storeForOrientation6(drawValvePhone()))
		if err != nil {
			return nil, err
		}
		return withEXIFOrientation(b, 6), nil
	})
	render(3, &a.siteValve, func() ([]byte, error) { return encodePNG(drawSiteValve()) })
	render(4, &a.tagWall, func() ([]byte, error) { return encodeJPEG(drawTagWall()) })
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	a.report = []byte("%PDF-1.4\n% segview demo inspection report\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	a.corrupt = a.gauge[:2048] // a JPEG cut off mid-scan, as after a failed upload
	return &a, nil
})

// seedDemo adds the demo files and jobs. Times are relative to Now at
// construction; seeded jobs keep their status forever.
func (s *Server) seedDemo() error {
	a, err := loadDemoAssets()
	if err != nil {
		return err
	}
	t0 := s.now().Truncate(time.Millisecond)
	p := s.mustProject(s.project)
	s.mu.Lock()
	defer s.mu.Unlock()

	days := func(d float64) time.Time { return t0.Add(-time.Duration(d * 24 * float64(time.Hour))) }
	for _, f := range []struct {
		f       File
		created time.Time
	}{
		{File{ID: DemoFilePumpSkid, ExternalID: "img_pump_skid_p101a", Name: "pump-skid-p101a.png", MimeType: "image/png", Data: a.pumpSkid}, days(41)},
		{File{ID: DemoFileGauge, ExternalID: "img_gauge_pi204", Name: "gauge-pi204.jpg", MimeType: "image/jpeg", Data: a.gauge}, days(33)},
		{File{ID: DemoFileValvePhone, ExternalID: "img_valve_hv310_phone", Name: "IMG_20240611_101522.jpg", MimeType: "image/jpeg", Data: a.valvePhone}, days(20)},
		{File{ID: DemoFileSiteValve, Space: DemoSpace, InstanceExternalID: "img_valve_01", Name: "valve-hv112.png", MimeType: "image/png", Data: a.siteValve}, days(12)},
		{File{ID: DemoFileTagWall, ExternalID: "img_tag_plates_l3", Name: "tag-plates-line3.jpg", MimeType: "image/jpeg", Data: a.tagWall}, days(9)},
		{File{ID: DemoFileReport, ExternalID: "doc_inspection_report", Name: "inspection-report.pdf", MimeType: "application/pdf", Data: a.report}, days(8)},
		{File{ID: DemoFileCorrupt, Space: DemoSpace, InstanceExternalID: "img_corrupt_02", Name: "img-corrupt-02.jpg", MimeType: "image/jpeg", Data: a.corrupt}, days(8)},
	} {
		s.addFileLocked(p, f.f, f.created)
	}

	ago := func(d time.Duration) time.Time { return t0.Add(-d) }
	seeded := map[int64]Job{}
	add := func(dj DemoJob, j Job) {
		j.ID = dj.ID
		s.addJobLocked(p, j)
		p.demoJobs = append(p.demoJobs, dj)
		seeded[dj.ID] = j
	}

	pl := pumpSkidLayout
	pw, ph := pl.w, pl.h
	pt := func(x, y float64, label int) Point {
		return Point{X: round4(x / float64(pw)), Y: round4(y / float64(ph)), Label: label}
	}
	g, wh := pl.gauge, pl.wheel
	add(DemoJob{
		ID:    DemoJobPumpSkid,
		Title: "Completed — pump skid P-101A",
		Description: "Five segments on pump skid P-101A: the pressure gauge bezel (a ring: outer polygon plus the dial as a hole), " +
			"the valve handwheel, the tag plate, a pipe section and the motor. Scores from 0.97 down to 0.41; prompt with foreground and background points and a box.",
		FileID: DemoFilePumpSkid,
	}, Job{
		Status: StatusCompleted, Created: ago(3*time.Hour + 12*time.Minute),
		Started: ago(3*time.Hour + 11*time.Minute + 56*time.Second), StatusAt: ago(3*time.Hour + 11*time.Minute + 39*time.Second),
		Items: []JobItem{{FileID: DemoFilePumpSkid, FileExternalID: "img_pump_skid_p101a", Segments: []Segment{
			{Score: 0.97, Polygons: [][]Vertex{
				circlePoly(g.cx, g.cy, g.outer, 96, pw, ph),
				circlePoly(g.cx, g.cy, g.face, 96, pw, ph),
			}},
			{Score: 0.91, Polygons: [][]Vertex{circlePoly(wh.cx, wh.cy, wh.outer(), 72, pw, ph)}},
			{Score: 0.84, Polygons: [][]Vertex{rectPoly(pl.tag, 6, pw, ph)}},
			{Score: 0.66, Polygons: [][]Vertex{rectPoly(pl.pipeSection, 0, pw, ph)}},
			{Score: 0.41, Polygons: [][]Vertex{rectPoly(pl.motor, 20, pw, ph)}},
		}}},
		Points: []Point{
			pt(g.cx+(g.outer+g.face)/2, g.cy, 1),
			pt(wh.cx, wh.cy-wh.r, 1),
			pt(pl.tag.cx(), pl.tag.cy(), 1),
			pt(80, 160, 0),
		},
		Box: &Box{XMin: round4(150.0 / 1280), YMin: round4(20.0 / 960), XMax: round4(1100.0 / 1280), YMax: round4(700.0 / 960)},
	})

	gl := gaugeLayout
	gaugePrompt := []Point{{X: round4(gl.gauge.cx / float64(gl.w)), Y: round4(gl.gauge.cy / float64(gl.h)), Label: 1}}
	add(DemoJob{
		ID:          DemoJobRunning,
		Title:       "Running — pressure gauge PI-204",
		Description: "A job that is still running: the item is listed but has no segments yet.",
		FileID:      DemoFileGauge,
	}, Job{
		Status: StatusRunning, Created: ago(2 * time.Minute), Started: ago(110 * time.Second), StatusAt: ago(110 * time.Second),
		Items:  []JobItem{{FileID: DemoFileGauge, FileExternalID: "img_gauge_pi204"}},
		Points: gaugePrompt,
	})

	tl := tagWallLayout
	tagBox := func(r rect) *Box {
		return &Box{XMin: round4((r.x - 10) / float64(tl.w)), YMin: round4((r.y - 10) / float64(tl.h)),
			XMax: round4((r.x + r.w + 10) / float64(tl.w)), YMax: round4((r.y + r.h + 10) / float64(tl.h))}
	}
	add(DemoJob{
		ID:          DemoJobQueued,
		Title:       "Queued — tag plates on line 3",
		Description: "A job waiting in the queue: created, not started, no results.",
		FileID:      DemoFileTagWall,
	}, Job{
		Status: StatusQueued, Created: ago(40 * time.Second),
		Items: []JobItem{{FileID: DemoFileTagWall, FileExternalID: "img_tag_plates_l3"}},
		Box:   tagBox(tl.tags[2]),
	})

	add(DemoJob{
		ID:          DemoJobFailed,
		Title:       "Failed — pressure gauge PI-204",
		Description: "A failed job: errorMessage says why, and there are no segments.",
		FileID:      DemoFileGauge,
	}, Job{
		Status: StatusFailed, Created: ago(26 * time.Hour), Started: ago(26*time.Hour - 3*time.Second), StatusAt: ago(26*time.Hour - 9*time.Second),
		Items:        []JobItem{{FileID: DemoFileGauge, FileExternalID: "img_gauge_pi204"}},
		Points:       append(gaugePrompt, Point{X: 0.05, Y: 0.9, Label: 0}),
		ErrorMessage: "Image could not be processed: unsupported colour space",
	})

	add(DemoJob{
		ID:    DemoJobPartial,
		Title: "Completed with failed items — tag plates",
		Description: "A completed job whose result also lists failed items: one batch naming a file by fileId " +
			"and a file by fileInstanceId, with the batch's error message.",
		FileID: DemoFileTagWall,
	}, Job{
		Status: StatusCompleted, Created: ago(5*time.Hour + 2*time.Minute), Started: ago(5*time.Hour + time.Minute + 57*time.Second), StatusAt: ago(5*time.Hour + time.Minute + 31*time.Second),
		Items: []JobItem{{FileID: DemoFileTagWall, FileExternalID: "img_tag_plates_l3", Segments: []Segment{
			{Score: 0.94, Polygons: [][]Vertex{rectPoly(tl.tags[0], 6, tl.w, tl.h)}},
			{Score: 0.88, Polygons: [][]Vertex{rectPoly(tl.tags[1], 6, tl.w, tl.h)}},
		}}},
		Points: []Point{
			{X: round4(tl.tags[0].cx() / float64(tl.w)), Y: round4(tl.tags[0].cy() / float64(tl.h)), Label: 1},
			{X: round4(tl.tags[1].cx() / float64(tl.w)), Y: round4(tl.tags[1].cy() / float64(tl.h)), Label: 1},
		},
		Failed: []FailedBatch{{
			ErrorMessage: "Image could not be processed: file is not a decodable PNG or JPEG",
			Items: []FailedRef{
				{FileID: DemoFileReport},
				{FileID: DemoFileCorrupt, Space: DemoSpace, InstanceExternalID: "img_corrupt_02"},
			},
		}},
	})

	vl := valvePhoneLayout
	vw, vh := vl.w, vl.h // as displayed, after EXIF orientation
	add(DemoJob{
		ID:    DemoJobEXIF,
		Title: "Completed — valve HV-310, phone photo (EXIF orientation 6)",
		Description: "A portrait phone photo stored sideways with EXIF Orientation 6. Segment coordinates refer to the " +
			"image as displayed (upright), so a viewer must apply the orientation before drawing them.",
		FileID: DemoFileValvePhone,
	}, Job{
		Status: StatusCompleted, Created: ago(50 * time.Minute), Started: ago(50*time.Minute - 2*time.Second), StatusAt: ago(50*time.Minute - 14*time.Second),
		Items: []JobItem{{FileID: DemoFileValvePhone, FileExternalID: "img_valve_hv310_phone", Segments: []Segment{
			{Score: 0.95, Polygons: [][]Vertex{circlePoly(vl.wheel.cx, vl.wheel.cy, vl.wheel.outer(), 80, vw, vh)}},
			{Score: 0.88, Polygons: [][]Vertex{rectPoly(vl.tag, 6, vw, vh)}},
			{Score: 0.74, Polygons: [][]Vertex{rectPoly(vl.valveBody, 16, vw, vh)}},
		}}},
		Points: []Point{
			{X: round4((vl.wheel.cx + vl.wheel.r) / float64(vw)), Y: round4(vl.wheel.cy / float64(vh)), Label: 1},
			{X: round4(vl.tag.cx() / float64(vw)), Y: round4(vl.tag.cy() / float64(vh)), Label: 1},
			{X: round4(vl.pipe.cx / float64(vw)), Y: round4(60.0 / float64(vh)), Label: 0},
		},
	})

	sl := siteValveLayout
	sw, sh := sl.w, sl.h
	add(DemoJob{
		ID:    DemoJobInstanceFile,
		Title: "Completed — gate valve HV-112 (file by instance id)",
		Description: fmt.Sprintf("The file is a data-modeling file known only by instance id %s/img_valve_01 (no externalId). "+
			"The POST response echoed fileInstanceId; GET items carry only fileId.", DemoSpace),
		FileID: DemoFileSiteValve,
	}, Job{
		Status: StatusCompleted, Created: ago(26 * time.Minute), Started: ago(26*time.Minute - 1*time.Second), StatusAt: ago(26*time.Minute - 11*time.Second),
		Items: []JobItem{{FileID: DemoFileSiteValve, Segments: []Segment{
			{Score: 0.93, Polygons: [][]Vertex{circlePoly(sl.wheel.cx, sl.wheel.cy, sl.wheel.outer(), 72, sw, sh)}},
			{Score: 0.81, Polygons: [][]Vertex{rectPoly(sl.valveBody, 14, sw, sh)}},
			{Score: 0.57, Polygons: [][]Vertex{rectPoly(sl.tag, 6, sw, sh)}},
		}}},
		Box: &Box{
			XMin: round4((sl.wheel.cx - sl.wheel.outer() - 20) / float64(sw)), YMin: round4((sl.wheel.cy - sl.wheel.outer() - 20) / float64(sh)),
			XMax: round4((sl.valveBody.x + sl.valveBody.w + 20) / float64(sw)), YMax: round4((sl.valveBody.y + sl.valveBody.h + 20) / float64(sh)),
		},
	})

	// Three photos of one inspection round in one job, so that the job
	// page's file list (keys , and .) can be tried: the pump skid, the gate
	// valve and the phone photo of the valve, each with its own demo job's
	// segments, under the pump skid job's prompt (a job has one prompt for
	// all its images). CDF's POST takes one image per job today, but its
	// results list items, and segview reads every one.
	round := seeded[DemoJobPumpSkid]
	round.Items = nil
	for _, id := range []int64{DemoJobPumpSkid, DemoJobInstanceFile, DemoJobEXIF} {
		round.Items = append(round.Items, seeded[id].Items...)
	}
	round.Created, round.Started, round.StatusAt = ago(15*time.Minute), ago(15*time.Minute-2*time.Second), ago(15*time.Minute-21*time.Second)
	add(DemoJob{
		ID:    DemoJobSeveralFiles,
		Title: "Completed — inspection round, three photos (several files)",
		Description: "One job over three photos: pump skid P-101A, gate valve HV-112 and valve HV-310 (a phone photo, EXIF orientation 6), " +
			"each with its own segments. The job page shows one file at a time with a file list (keys , and .). " +
			"CDF's POST takes one image per job today; its results list items, and this job shows how segview handles several.",
		FileID: DemoFilePumpSkid,
	}, round)
	return nil
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }
