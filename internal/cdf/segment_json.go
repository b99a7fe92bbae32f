package cdf

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// SegmentJobJSON returns the body of GET /context/vision/segment/{jobId}
// as CDF sent it, for exporting the job unchanged. The body is checked to be
// JSON (a *DecodeError otherwise); the call is retried like SegmentJob.
func (c *Client) SegmentJobJSON(ctx context.Context, jobID int64) ([]byte, error) {
	if jobID <= 0 {
		return nil, fmt.Errorf("cdf: invalid segment job id %d", jobID)
	}
	var body json.RawMessage
	err := c.do(ctx, call{
		method:   http.MethodGet,
		path:     segmentPath + "/" + strconv.FormatInt(jobID, 10),
		endpoint: segmentPath + "/{id}",
		out:      &body,
		retry:    retryTransient,
	})
	if err != nil {
		return nil, err
	}
	return body, nil
}
