package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

const (
	recentCookie = "segview_recent"
	recentMax    = 8
)

// recentJob is one entry of the recently-opened list kept in a cookie.
type recentJob struct {
	Project string
	JobID   int64
}

// parseRecent reads the cookie value; malformed entries are dropped.
func parseRecent(v string) []recentJob {
	var out []recentJob
	for _, part := range strings.Split(v, "|") {
		i := strings.LastIndex(part, "~")
		if i < 0 {
			continue
		}
		p, id := part[:i], part[i+1:]
		project, err := url.PathUnescape(p)
		if err != nil || project == "" {
			continue
		}
		n, err := parseID(id, "job id")
		if err != nil {
			continue
		}
		out = append(out, recentJob{Project: project, JobID: n})
		if len(out) == recentMax {
			break
		}
	}
	return out
}

// addRecent puts j first, drops an older copy of it and keeps recentMax.
func addRecent(list []recentJob, j recentJob) []recentJob {
	out := []recentJob{j}
	for _, r := range list {
		if r != j && len(out) < recentMax {
			out = append(out, r)
		}
	}
	return out
}

func formatRecent(list []recentJob) string {
	parts := make([]string, len(list))
	for i, r := range list {
		parts[i] = url.PathEscape(r.Project) + "~" + strconv.FormatInt(r.JobID, 10)
	}
	return strings.Join(parts, "|")
}

func recentJobs(c echo.Context) []recentJob {
	ck, err := c.Cookie(recentCookie)
	if err != nil {
		return nil
	}
	return parseRecent(ck.Value)
}

func rememberJob(c echo.Context, project string, jobID int64) {
	list := addRecent(recentJobs(c), recentJob{Project: project, JobID: jobID})
	c.SetCookie(&http.Cookie{
		Name:     recentCookie,
		Value:    formatRecent(list),
		Path:     "/",
		MaxAge:   int((30 * 24 * time.Hour).Seconds()),
		HttpOnly: true,
		Secure:   c.IsTLS(),
		SameSite: http.SameSiteLaxMode,
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
