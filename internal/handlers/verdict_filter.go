package handlers

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/url"
	"strconv"
	"strings"

	"github.com/segview/segview/internal/segment"
	"github.com/segview/segview/internal/verdict"
)

// readStatuses reads the stored verdicts of the job's segments in the
// files, approved or rejected by key (a segment without a verdict is
// absent), with the signed-in person's access, as every request does:
// verdicts are never kept across requests, so each person sees what CDF
// holds now and what they may read. Without a store (SEGVIEW_VERDICTS
// off) no segment has a verdict. Exports call it to write each
// segment's status (segment.StatusName) and to apply the view's verdict
// filter (segment.View.ShowsStatus).
func readStatuses(ctx context.Context, store VerdictStore, jobID int64, fileIDs []int64) (map[verdict.Key]string, error) {
	if store == nil || len(fileIDs) == 0 {
		return map[verdict.Key]string{}, nil
	}
	return store.Load(ctx, jobID, fileIDs)
}

// fileStatuses is one file's part of statuses, by rank.
func fileStatuses(statuses map[verdict.Key]string, fileID int64) map[int]string {
	out := map[int]string{}
	for k, s := range statuses {
		if k.FileID == fileID {
			out[k.Rank] = s
		}
	}
	return out
}

// resolveView turns the verdict filter of view into ranks of the file's
// segments to hide (segment.View.Resolve), reading the file's verdicts
// for the person; a view without one is returned as it is, without a
// call to CDF. Drawings of one file (overlay images, overlay.svg,
// hits.json) take the resolved view, so that their ETag names the
// segments drawn.
func resolveView(ctx context.Context, store VerdictStore, view segment.View, file segment.FileResults) (segment.View, error) {
	if view.Verdict == 0 {
		return view, nil
	}
	statuses, err := readStatuses(ctx, store, file.JobID, []int64{file.FileID})
	if err != nil {
		return segment.View{}, err
	}
	return view.Resolve(file.Ranked, fileStatuses(statuses, file.FileID)), nil
}

// cacheByVerdict is the Cache-Control of a finished job's drawing filtered
// by verdict: the segments it shows change with every verdict while its
// address stays, so the browser asks each time (a 304 when they have not
// changed, as the ETag names them).
const cacheByVerdict = "private, no-cache"

// verdictsSeenParam names the fingerprint of the verdicts the job page saw
// (verdictsSeen), which it adds to the addresses of images filtered by
// verdict. The image routes check its form and ignore its value: they read
// the verdicts themselves.
const verdictsSeenParam = "rv"

// verdictsSeen is a short fingerprint of the statuses of a file's ranked
// segments. A browser keeps one image per address for as long as a page
// lives, whatever its cache headers say, so the page's images of a view
// filtered by verdict change their address when a verdict changes.
func verdictsSeen(ranked []segment.Ranked, statuses map[verdict.Key]string, fileID int64) string {
	h := fnv.New64a()
	for _, r := range ranked {
		if s := statuses[verdict.Key{FileID: fileID, Rank: r.Rank}]; s != "" {
			fmt.Fprintf(h, "%d:%s;", r.Rank, s)
		}
	}
	return strconv.FormatUint(h.Sum64(), 36)
}

// checkVerdictsSeen checks the form of the rv parameter of an image.
func checkVerdictsSeen(q url.Values) error {
	raw := q.Get(verdictsSeenParam)
	if len(raw) > 13 || strings.Trim(raw, "0123456789abcdefghijklmnopqrstuvwxyz") != "" {
		return &inputError{msg: fmt.Sprintf("The rv value %q is not valid: it is a fingerprint of verdicts the job page writes, 13 letters or digits at most.", clip(raw))}
	}
	return nil
}
