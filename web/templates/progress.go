package templates

// ReviewProgress is how far the review of a completed job has come: the
// side panel's "N of M reviewed" for the file shown and for the job, and,
// once every segment has a verdict, the way on (the next job of the
// review queue, or the queue when the job was its last).
type ReviewProgress struct {
	// JobReviewed counts the job's segments with a verdict, of JobTotal.
	JobReviewed, JobTotal int
}

// Finished says that every segment of the job has a verdict.
func (p ReviewProgress) Finished() bool { return p.JobTotal > 0 && p.JobReviewed >= p.JobTotal }
