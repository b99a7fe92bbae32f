package templates

// QueuePage is the review queue: jobs to go through in order.
type QueuePage struct {
	Base
	// SelfURL is the queue's canonical link, the one people share.
	SelfURL string
	Rows    []QueueRow
	// ZipURL downloads the queue's jobs (COCO and masks) in one ZIP: all of
	// them, or its first ZipJobs when the queue holds more than one ZIP
	// may (SEGVIEW_MAX_ZIP_JOBS), which the page then says.
	ZipURL  string
	ZipJobs int
}

// QueueRow is one job of the review queue.
type QueueRow struct {
	JobID int64
	// JobURL is the job's page, carrying the queue.
	JobURL string
	Status string
	// StatusURL, set while the job is queued or running, is polled by the
	// page's script, which reloads the page when the status changes.
	StatusURL string
	// ThumbURL is a small overlay of the job's first file; "" without one.
	ThumbURL, ThumbAlt string
	Segments           int
	// Reviewed counts the segments with a verdict, when HasReviewed;
	// ReviewedNotice says why they were not counted, when so.
	Reviewed       int
	HasReviewed    bool
	ReviewedNotice string
	// Error says why the job could not be read; the row shows nothing else.
	Error string
}

// QueueNav is a job page's place in a review queue, with links to its
// neighbours (the n and p keys follow them).
type QueueNav struct {
	Position, Total  int
	QueueURL         string
	PrevURL, NextURL string
	PrevID, NextID   int64
}
