package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/auth"
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
	return h.triage(c, form, func(file segment.FileResults, stored map[int]string) (triageResult, error) {
		plan, err := verdict.PlanTriage(file.Ranked, stored, high, low, includeReviewed)
		if err != nil {
			return triageResult{}, err
		}
		return triageResult{set: plan.Set, message: triageMessage(plan.Summary), undo: plan.Undo(),
			kind: "triaged", counts: plan.Summary.Encode()}, nil
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
	return h.triage(c, form, func(file segment.FileResults, stored map[int]string) (triageResult, error) {
		// A rank the file does not have was never changed by a triage of
		// it: the record is wrong, as a verdict for that rank would be.
		for _, s := range steps {
			if s.Rank > len(file.Ranked) {
				return triageResult{}, &verdict.InputError{Msg: fmt.Sprintf("File %d has no segment %d in job %d; it has %d.", file.FileID, s.Rank, file.JobID, len(file.Ranked))}
			}
		}
		restore, changed := verdict.PlanUndo(steps, stored)
		done := verdict.UndoSummary{Restored: len(restore), Left: changed}
		return triageResult{set: restore, message: done.Message(), kind: "untriaged", counts: done.Encode()}, nil
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

// triageMessage is what the page says after a triage.
func triageMessage(s verdict.Summary) string { return "Triage: " + s.Message() + "." }

// triageResult is what a triage or its undo decided.
type triageResult struct {
	set     map[int]string // the verdicts to store, by rank
	message string
	undo    string // the undo record of a triage
	// kind and counts are what a form post is sent back to the page with,
	// as kind=fileId:counts (parseTriageNotice): "triaged" with a
	// verdict.Summary, "untriaged" with a verdict.UndoSummary.
	kind, counts string
}

// triage reads the job and the file's stored verdicts, asks decide for the
// verdicts to store, a message and an undo record, stores them for the
// signed-in person, and answers with JSON for the page's script or sends
// a form post back to the job page with its view and the outcome
// (parseTriageNotice), so that the page says what happened and offers the
// undo without the script too.
func (h *Verdicts) triage(c echo.Context, form url.Values, decide func(segment.FileResults, map[int]string) (triageResult, error)) error {
	jobID, fileID, err := parseFileRoute(c, h.Project)
	if err != nil {
		return err
	}
	back, err := returnQuery(form.Get("view"))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	results, err := h.results(ctx, jobID, fileID)
	if err != nil {
		return err
	}
	stored, err := h.storedByRank(ctx, jobID, fileID)
	if err != nil {
		return err
	}
	res, err := decide(results, stored)
	if err != nil {
		return err
	}
	set, msg, undo := res.set, res.message, res.undo
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
	back.Set(res.kind, strconv.FormatInt(fileID, 10)+":"+res.counts)
	if undo != "" {
		back.Set("undo", undo)
	}
	return c.Redirect(http.StatusSeeOther, withQuery(jobPath(h.Project, jobID), back)+"#file-"+strconv.FormatInt(fileID, 10))
}

// triageNotice is the outcome of a triage, or of its undo, that a form
// post sends the job page back with: the file, what to say, and a
// triage's undo record.
type triageNotice struct {
	FileID  int64
	Message string
	Undo    string
}

// parseTriageNotice reads the outcome a triage form post redirects with:
// triaged=fileId:approved,rejected,left with undo=record (verdict.Summary,
// verdict.ParseUndo), or untriaged=fileId:restored,left
// (verdict.UndoSummary). It is nil without them. The page says only what
// the counts say, in its own words, so a link cannot make it say anything
// else; the undo form posts nothing the verdict form could not.
func parseTriageNotice(q url.Values) (*triageNotice, error) {
	triaged, untriaged, undo := q.Get("triaged"), q.Get("untriaged"), q.Get("undo")
	if triaged == "" && untriaged == "" {
		if undo != "" {
			return nil, &inputError{msg: "The undo parameter comes only with triaged."}
		}
		return nil, nil
	}
	if triaged != "" && untriaged != "" {
		return nil, &inputError{msg: "Give triaged or untriaged, not both."}
	}
	name, raw := "triaged", triaged
	if untriaged != "" {
		name, raw = "untriaged", untriaged
		if undo != "" {
			return nil, &inputError{msg: "The undo parameter comes only with triaged."}
		}
	}
	id, counts, ok := strings.Cut(raw, ":")
	if !ok {
		return nil, &inputError{msg: fmt.Sprintf("The %s value %q is not valid: it is fileId:counts.", name, clip(raw))}
	}
	fileID, err := parseID(id, "file id")
	if err != nil {
		return nil, err
	}
	n := &triageNotice{FileID: fileID}
	if name == "untriaged" {
		s, err := verdict.ParseUndoSummary(counts)
		if err != nil {
			return nil, err
		}
		n.Message = s.Message()
		return n, nil
	}
	s, err := verdict.ParseSummary(counts)
	if err != nil {
		return nil, err
	}
	n.Message = triageMessage(s)
	if undo != "" {
		if _, err := verdict.ParseUndo(undo); err != nil {
			return nil, err
		}
		n.Undo = undo
	}
	return n, nil
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
