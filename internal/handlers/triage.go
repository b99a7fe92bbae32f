package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/auth"
	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/segment"
	"github.com/segview/segview/internal/verdict"
)

// triageBody is the JSON answer to a triage or its undo: what changed, in
// words and by rank, the file's verdicts afterwards, and, for a triage,
// the record that undoes it.
//
// Undo is kept by the client, not the server: it lists, for each segment
// the triage changed, its verdict before and the one set
// (verdict.Plan.Undo), and posting it back to .../triage/undo restores
// the previous verdicts of the segments that still have the triage's.
// Nothing is stored beside CDF's annotations, so undo works on any
// replica and after a restart, and it can never restore more than the
// person could set with the verdict form (it needs the same CSRF token);
// a segment whose verdict someone changed since is left as it is, and
// counted.
type triageBody struct {
	FileID   int64             `json:"fileId"`
	Message  string            `json:"message"`
	Changed  map[string]string `json:"changed"`
	Verdicts map[string]string `json:"verdicts"`
	Undo     string            `json:"undo,omitempty"`
	// Saved is the number of segments whose verdict was stored.
	Saved int `json:"saved"`
}

// Triage handles POST .../files/:fileId/triage with the fields high and
// low: approve every unreviewed segment scoring at least high, reject
// every unreviewed one below low. With reviewed=1 ("also change reviewed
// segments") it changes reviewed segments too. The answer says what it
// did ("approved 3, rejected 1, left 2 reviewed segments as they were")
// and carries the undo record (triageBody).
func (h *Verdicts) Triage(c echo.Context) error {
	form, err := readForm(c)
	if err != nil {
		return err
	}
	high, err := parseUnit(form, "high", verdict.DefaultHigh)
	if err != nil {
		return err
	}
	low, err := parseUnit(form, "low", verdict.DefaultLow)
	if err != nil {
		return err
	}
	if low > high {
		return &inputError{msg: fmt.Sprintf("The low threshold (%g) is above the high one (%g): triage rejects below low and approves from high up.", low, high)}
	}
	includeReviewed, err := parseCheckbox(form, "reviewed")
	if err != nil {
		return err
	}
	return h.triage(c, form, func(file segment.FileResults, stored map[int]string) (map[int]string, string, string, error) {
		plan, err := verdict.PlanTriage(file.Ranked, stored, high, low, includeReviewed)
		if err != nil {
			return nil, "", "", err
		}
		return plan.Set, "Triage: " + plan.Message() + ".", plan.Undo(), nil
	})
}

// TriageUndo handles POST .../files/:fileId/triage/undo with the field
// undo, a triage's undo record: it restores the previous verdict of every
// segment the triage changed that still has the triage's verdict.
func (h *Verdicts) TriageUndo(c echo.Context) error {
	form, err := readForm(c)
	if err != nil {
		return err
	}
	steps, err := verdict.ParseUndo(form.Get("undo"))
	if err != nil {
		return err
	}
	return h.triage(c, form, func(file segment.FileResults, stored map[int]string) (map[int]string, string, string, error) {
		restore, changed := verdict.PlanUndo(steps, stored)
		msg := fmt.Sprintf("Triage undone: restored %d segments", len(restore))
		if changed > 0 {
			msg += fmt.Sprintf(", left %d whose verdict changed since", changed)
		}
		return restore, msg + ".", "", nil
	})
}

// parseCheckbox reads a checkbox field: absent, "", "0" or "off" is
// false; "1", "on" or "true" is true.
func parseCheckbox(form url.Values, name string) (bool, error) {
	switch v := form.Get(name); v {
	case "", "0", "off", "false":
		return false, nil
	case "1", "on", "true":
		return true, nil
	default:
		return false, &inputError{msg: fmt.Sprintf("The %s field %q is not valid: use 1 or leave it out.", name, clip(v))}
	}
}

// triage reads the job and the file's stored verdicts, asks decide for the
// verdicts to store, a message and an undo record, stores them for the
// signed-in person, and answers with JSON for the page's script or sends
// a form post back to the job page with its view.
func (h *Verdicts) triage(c echo.Context, form url.Values, decide func(segment.FileResults, map[int]string) (map[int]string, string, string, error)) error {
	jobID, fileID, err := parseFileRoute(c, h.Project)
	if err != nil {
		return err
	}
	back, err := returnQuery(form.Get("view"))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	job, err := h.Reader.SegmentJob(ctx, jobID)
	if err != nil {
		return err
	}
	if job.Status != cdf.StatusCompleted {
		return &conflictError{msg: fmt.Sprintf("Job %d is %s: verdicts can be given once it has completed.", jobID, job.Status)}
	}
	results, err := segment.Results(job, fileID, segment.Limits{})
	if err != nil {
		return err
	}
	stored, err := h.storedByRank(ctx, jobID, fileID)
	if err != nil {
		return err
	}
	set, msg, undo, err := decide(results, stored)
	if err != nil {
		return err
	}
	user := ""
	if v, ok := auth.ViewerFrom(ctx); ok {
		user = v.Name
	}
	after := stored
	if len(set) > 0 {
		if after, err = h.Store.Set(ctx, results, set, user); err != nil {
			return err
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	if wantsJSON(c) {
		body := triageBody{FileID: fileID, Message: msg, Changed: map[string]string{}, Verdicts: map[string]string{}, Undo: undo, Saved: len(set)}
		for r, s := range set {
			body.Changed[strconv.Itoa(r)] = s
		}
		for r, s := range after {
			if s != verdict.Suggested {
				body.Verdicts[strconv.Itoa(r)] = s
			}
		}
		return c.JSON(http.StatusOK, body)
	}
	return c.Redirect(http.StatusSeeOther, withQuery(jobPath(h.Project, jobID), back)+"#file-"+strconv.FormatInt(fileID, 10))
}

// storedByRank reads the file's stored verdicts by rank.
func (h *Verdicts) storedByRank(ctx context.Context, jobID, fileID int64) (map[int]string, error) {
	statuses, err := readStatuses(ctx, h.Store, jobID, []int64{fileID})
	if err != nil {
		return nil, err
	}
	return fileStatuses(statuses, fileID), nil
}

// returnQuery validates the view field a form carries back to the page
// (its view parameters, and the review queue it was opened from) and
// returns it as the query of the page to go back to.
func returnQuery(raw string) (url.Values, error) {
	q, err := url.ParseQuery(raw)
	if err != nil || len(raw) > 4096+20*maxQueue {
		return nil, &inputError{msg: "The form's view field is not a valid query string."}
	}
	if _, err := parseView(q); err != nil {
		return nil, err
	}
	if _, err := parseJobList(q["queue"], "queue"); err != nil {
		return nil, err
	}
	return q, nil
}
