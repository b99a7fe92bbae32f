package handlers

import (
	"errors"
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/segment"
	"github.com/segview/segview/internal/verdict"
)

// Undo handles POST .../files/:fileId/verdicts/undo: it takes back the
// person's last verdict on a segment by storing the status the segment had
// before it. The fields are verdict, "rank:status" with the status to
// restore (approved, rejected, or suggested for none), and expect, the
// status the verdict being undone left; the page's script keeps both in
// its undo stack. When the segment's status is no longer expect (someone,
// or another tab, changed it since), nothing is changed and the answer is
// 409. The answer is that of Save.
func (h *Verdicts) Undo(c echo.Context) error {
	form, err := readForm(c)
	if err != nil {
		return err
	}
	rank, previous, err := parseVerdict(form.Get("verdict"))
	if err != nil {
		return err
	}
	expect := form.Get("expect")
	if !verdict.ValidStatus(expect) {
		return &inputError{msg: fmt.Sprintf("The expect value %q is not valid: it must be the status the verdict being undone left, approved, rejected or suggested.", clip(expect))}
	}
	ctx := c.Request().Context()
	return h.apply(c, form, func(file segment.FileResults) (map[int]string, error) {
		if rank > len(file.Ranked) {
			return nil, &verdict.InputError{Msg: fmt.Sprintf("File %d has no segment %d in job %d; it has %d.", file.FileID, rank, file.JobID, len(file.Ranked))}
		}
		now, err := readStatuses(ctx, h.Store, file.JobID, []int64{file.FileID})
		if err != nil {
			// Reading is the first step of undoing: nothing was changed.
			var verr *verdict.Error
			if errors.As(err, &verr) {
				verr.Op = verdict.OpWrite
			}
			return nil, err
		}
		current := now[verdict.Key{FileID: file.FileID, Rank: rank}]
		if current == "" {
			current = verdict.Suggested
		}
		if current != expect {
			return nil, &conflictError{msg: fmt.Sprintf("Segment %d is %s now, not %s as the verdict to undo left it: it was changed since. Nothing was undone.",
				rank, statusWords(current), statusWords(expect))}
		}
		return map[int]string{rank: previous}, nil
	})
}

// statusWords says a stored status in a sentence.
func statusWords(status string) string {
	if status == verdict.Suggested {
		return "without a verdict"
	}
	return status
}
