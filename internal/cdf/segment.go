package cdf

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
)

const segmentPath = "/context/vision/segment"

// SegmentJob returns the segmentation job jobID with whatever results it
// has so far. The call is retried on transient failures.
func (c *Client) SegmentJob(ctx context.Context, jobID int64) (*SegmentJob, error) {
	if jobID <= 0 {
		return nil, fmt.Errorf("cdf: invalid segment job id %d", jobID)
	}
	var job SegmentJob
	err := c.do(ctx, call{
		method:   http.MethodGet,
		path:     segmentPath + "/" + strconv.FormatInt(jobID, 10),
		endpoint: segmentPath + "/{id}",
		out:      &job,
		retry:    retryTransient,
	})
	if err != nil {
		return nil, err
	}
	return &job, nil
}

// CreateSegmentJob starts a segmentation job. req is validated first. The
// call is not retried: a POST that reached CDF may have created a job even
// if the response was lost.
func (c *Client) CreateSegmentJob(ctx context.Context, req SegmentRequest) (*SegmentJob, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	var job SegmentJob
	err := c.do(ctx, call{
		method: http.MethodPost,
		path:   segmentPath,
		in:     req,
		out:    &job,
	})
	if err != nil {
		return nil, err
	}
	return &job, nil
}
