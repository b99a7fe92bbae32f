package cdfsim

import (
	"fmt"
	"time"
)

// seedExtra seeds project, the i-th of Options.Projects, with two completed
// jobs. They reuse the ids of the default project's jobs DemoJobPumpSkid
// and DemoJobRunning, and of those jobs' files DemoFilePumpSkid and
// DemoFileGauge, but show other photos with other segments: a dashboard
// that keys a cache by job or file id without the project shows the wrong
// image. Even and odd extra projects swap the two photos, so that two
// extra projects differ from each other too.
func (s *Server) seedExtra(project string, i int) error {
	a, err := loadDemoAssets()
	if err != nil {
		return err
	}
	t0 := s.now().Truncate(time.Millisecond)
	p := s.mustProject(project)

	sl := siteValveLayout
	sw, sh := sl.w, sl.h
	valve := func(fileID int64) (File, Job, string) {
		ext := project + "_img_valve_hv112"
		return File{ID: fileID, ExternalID: ext, Name: "valve-hv112-" + project + ".png", MimeType: "image/png", Data: a.siteValve},
			Job{Items: []JobItem{{FileID: fileID, FileExternalID: ext, Segments: []Segment{
				{Score: 0.92, Polygons: [][]Vertex{circlePoly(sl.wheel.cx, sl.wheel.cy, sl.wheel.outer(), 72, sw, sh)}},
				{Score: 0.79, Polygons: [][]Vertex{rectPoly(sl.valveBody, 14, sw, sh)}},
			}}}, Points: []Point{{X: round4(sl.wheel.cx / float64(sw)), Y: round4((sl.wheel.cy - sl.wheel.r) / float64(sh)), Label: 1}}},
			"gate valve HV-112"
	}
	tl := tagWallLayout
	tags := func(fileID int64) (File, Job, string) {
		ext := project + "_img_tag_plates_l3"
		var segs []Segment
		var pts []Point
		for k, score := range []float64{0.96, 0.9, 0.83} {
			segs = append(segs, Segment{Score: score, Polygons: [][]Vertex{rectPoly(tl.tags[k], 6, tl.w, tl.h)}})
			pts = append(pts, Point{X: round4(tl.tags[k].cx() / float64(tl.w)), Y: round4(tl.tags[k].cy() / float64(tl.h)), Label: 1})
		}
		return File{ID: fileID, ExternalID: ext, Name: "tag-plates-line3-" + project + ".jpg", MimeType: "image/jpeg", Data: a.tagWall},
			Job{Items: []JobItem{{FileID: fileID, FileExternalID: ext, Segments: segs}}, Points: pts},
			"three tag plates on line 3"
	}
	first, second := valve, tags
	if i%2 == 1 {
		first, second = tags, valve
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for k, sc := range []struct {
		jobID, fileID int64
		scene         func(int64) (File, Job, string)
		ago           time.Duration
	}{
		{DemoJobPumpSkid, DemoFilePumpSkid, first, 70 * time.Minute},
		{DemoJobRunning, DemoFileGauge, second, 35 * time.Minute},
	} {
		f, j, what := sc.scene(sc.fileID)
		s.addFileLocked(p, f, t0.Add(-time.Duration(k+2)*24*time.Hour))
		j.ID, j.Status = sc.jobID, StatusCompleted
		j.Created = t0.Add(-sc.ago)
		j.Started, j.StatusAt = j.Created.Add(2*time.Second), j.Created.Add(15*time.Second)
		s.addJobLocked(p, j)
		p.demoJobs = append(p.demoJobs, DemoJob{
			ID:    sc.jobID,
			Title: fmt.Sprintf("Completed — %s (project %s)", what, project),
			Description: fmt.Sprintf("A job of project %s. Its id %d and its file's id %d are also used in project %s, "+
				"for another photo: the dashboard must tell them apart by project.", project, sc.jobID, sc.fileID, s.project),
			FileID: sc.fileID,
		})
	}
	return nil
}
