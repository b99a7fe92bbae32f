package handlers

import (
	"github.com/labstack/echo/v4"

	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// inputError is bad input from the browser: a 400 with a message that says
// what was wrong. Nothing was sent upstream.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

// conflictError is a request that does not fit the state of what it
// changes (409), such as a verdict on a job still running.
type conflictError struct{ msg string }

func (e *conflictError) Error() string { return e.msg }

// notFoundError is a 404 decided by segview itself.
type notFoundError struct{ msg string }

func (e *notFoundError) Error() string { return e.msg }

// parseID parses a CDF id: a positive int64 written in decimal digits only.
func parseID(raw, what string) (int64, error) {
	bad := &inputError{msg: fmt.Sprintf("The %s %q is not valid: it must be a positive whole number.", what, clip(raw))}
	if raw == "" || len(raw) > 19 {
		return 0, bad
	}
	for _, r := range raw {
		if r < '0' || r > '9' {
			return 0, bad
		}
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n <= 0 {
		return 0, bad
	}
	return n, nil
}

// maxWidthAsk is what a width of more digits than fit stands for: more
// pixels than any image has, capped like any larger ask.
const maxWidthAsk = 1 << 30

// parseWidth parses the optional width query value: 0 when absent, else a
// positive number of pixels, in ASCII digits, no larger than max (larger
// asks are capped, however many digits they have; max 0 caps nothing here,
// and the renderer caps at the image's width).
func parseWidth(raw string, max int) (int, error) {
	if raw == "" {
		return 0, nil
	}
	bad := &inputError{msg: fmt.Sprintf("The width %q is not valid: it must be a positive whole number of pixels.", clip(raw))}
	for _, r := range raw {
		if r < '0' || r > '9' {
			return 0, bad
		}
	}
	n := maxWidthAsk // more than nine digits: more than maxWidthAsk
	if digits := strings.TrimLeft(raw, "0"); len(digits) <= 9 {
		n, _ = strconv.Atoi(raw)
	}
	if n <= 0 {
		return 0, bad
	}
	if max > 0 && n > max {
		n = max
	}
	return n, nil
}

// parseExport parses the optional export query value: "1" asks for the
// full-resolution image as a download, "0" or nothing for the display size.
func parseExport(raw string) (bool, error) {
	switch raw {
	case "", "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, &inputError{msg: fmt.Sprintf("The export value %q is not valid: use export=1 for the full-resolution image.", clip(raw))}
}

// checkProject rejects projects other than the configured one.
func checkProject(got, want string) error {
	if got != want {
		return &notFoundError{msg: fmt.Sprintf("Project %q is not served by this dashboard; it shows project %q.", clip(got), want)}
	}
	return nil
}

// jobPath is the job page's URL path.
func jobPath(project string, jobID int64) string {
	return "/projects/" + url.PathEscape(project) + "/jobs/" + strconv.FormatInt(jobID, 10)
}

// fileRoutePath is the URL path of the route leaf under one file of a job,
// .../jobs/:jobId/files/:fileId/leaf: an image (see overlayPath),
// "hits.json", or the verdict forms' "verdicts" and "triage".
func fileRoutePath(project string, jobID, fileID int64, leaf string) string {
	return jobPath(project, jobID) + "/files/" + strconv.FormatInt(fileID, 10) + "/" + leaf
}

// overlayPath is the URL path of a file's overlay image named name
// ("overlay.png", "overlay.jpg" or "layer.png").
func overlayPath(project string, jobID, fileID int64, name string) string {
	return fileRoutePath(project, jobID, fileID, name)
}

// clip shortens echoed input so an error page cannot be made huge.
func clip(s string) string {
	const max = 64
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max]) + "…"
}

// parseFileRoute checks the project of a .../jobs/:jobId/files/:fileId
// route and parses its job and file ids.
func parseFileRoute(c echo.Context, project string) (jobID, fileID int64, err error) {
	if err := checkProject(c.Param("project"), project); err != nil {
		return 0, 0, err
	}
	if jobID, err = parseID(c.Param("jobId"), "job id"); err != nil {
		return 0, 0, err
	}
	if fileID, err = parseID(c.Param("fileId"), "file id"); err != nil {
		return 0, 0, err
	}
	return jobID, fileID, nil
}
