package handlers

import "github.com/segview/segview/web/templates"

// reviewProgress counts the segments of the job's files (each file once:
// a job may list a file twice) and those with a verdict, before the page
// picks the file it shows.
func reviewProgress(files []templates.FileView) *templates.ReviewProgress {
	p := &templates.ReviewProgress{}
	seen := map[int64]bool{}
	for _, f := range files {
		if seen[f.ID] {
			continue
		}
		seen[f.ID] = true
		p.JobReviewed += f.Reviewed
		p.JobTotal += len(f.Segments)
	}
	return p
}
