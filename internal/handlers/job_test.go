package handlers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/render"
)

// The errors the job page and the exports ask for behaviour.
var (
	_ transientError = (*cdf.APIError)(nil)
	_ transientError = (*cdf.AuthError)(nil)
	_ skipFileError  = (*cdf.LimitError)(nil)
	_ skipFileError  = (*render.ImageHeaderError)(nil)
	_ requestIDError = (*cdf.APIError)(nil)
)

// TestNamesOptional checks which failures to read file names leave the
// job page with file ids and a notice (true) and which fail it.
func TestNamesOptional(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"CDF busy", &cdf.APIError{Status: http.StatusTooManyRequests}, true},
		{"CDF failing", &cdf.APIError{Status: http.StatusBadGateway}, true},
		{"CDF failing, wrapped", fmt.Errorf("files: %w", &cdf.APIError{Status: 500}), true},
		{"refused", &cdf.APIError{Status: http.StatusForbidden}, false},
		{"bad request", &cdf.APIError{Status: http.StatusBadRequest}, false},
		{"no token", &cdf.AuthError{Err: errors.New("token endpoint returned 401")}, false},
		{"request cancelled", context.Canceled, false},
		{"request's deadline", fmt.Errorf("read: %w", context.DeadlineExceeded), false},
		{"network", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{"anything else", errors.New("boom"), false},
	}
	for _, tt := range tests {
		if got := namesOptional(tt.err); got != tt.want {
			t.Errorf("%s: namesOptional = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestNotices checks the notices the job page shows for missing names and
// verdicts: why, and CDF's request id when there is one.
func TestNotices(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"names, with a request id", filesNotice(&cdf.APIError{Status: 503, RequestID: "r-1"}),
			"File names could not be read from CDF just now; files are shown by id. CDF request id: r-1."},
		{"names, network", filesNotice(&net.OpError{Op: "dial", Err: errors.New("refused")}),
			"File names could not be read from CDF just now; files are shown by id."},
		{"verdicts refused", verdictsNotice(&cdf.APIError{Status: 403, RequestID: "r-2"}),
			"Stored verdicts could not be read: CDF refused, and reading them needs the annotationsAcl:READ capability. Segments show no verdict here."},
		{"verdicts, CDF failing", verdictsNotice(fmt.Errorf("load: %w", &cdf.APIError{Status: 500, RequestID: "r-3"})),
			"Stored verdicts could not be read from CDF just now; segments show no verdict here. CDF request id: r-3."},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, tt.got, tt.want)
		}
	}
}
