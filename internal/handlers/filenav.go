package handlers

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/segview/segview/web/templates"
)

// maxNamedFiles bounds the file ids the message of a bad file value lists.
const maxNamedFiles = 5

// pickFile narrows the job page m to the one file it shows: view.File,
// or the first file when the view names none. A file the page does not
// list is an input error naming it and the job's files. On a job of
// several files it fills m.FileNav, whose links keep the view (the zoom
// included, as the script keeps it in every link to a job page) and, when
// the page is in a review queue (m.Queue), the queue. It runs after
// placeInQueue.
func pickFile(m *templates.JobPage, project string, view View, queue []int64) error {
	at := 0
	if view.File > 0 {
		at = slices.IndexFunc(m.Files, func(f templates.FileView) bool { return f.ID == view.File })
		if at < 0 {
			return &inputError{msg: badFileMessage(view.File, m)}
		}
	}
	if len(m.Files) > 1 {
		nav := &templates.FileNav{Position: at + 1}
		for i, f := range m.Files {
			link := templates.FileLink{ID: f.ID, Name: f.Name, Segments: len(f.Segments), Current: i == at,
				Href: fileHref(project, m.JobID, view, f.ID, queue, m.Queue != nil)}
			nav.Files = append(nav.Files, link)
		}
		if at > 0 {
			nav.PrevURL = nav.Files[at-1].Href
		}
		if at+1 < len(nav.Files) {
			nav.NextURL = nav.Files[at+1].Href
		}
		m.FileNav = nav
	}
	if len(m.Files) > 0 {
		m.Files = m.Files[at : at+1]
	}
	return nil
}

// fileHref is the job page showing file fileID with view; with the queue
// ids when inQueue.
func fileHref(project string, jobID int64, view View, fileID int64, queue []int64, inQueue bool) string {
	view.File = fileID
	q := view.Query()
	if !inQueue {
		queue = nil
	}
	return queuedJobPath(project, jobID, q, queue)
}

// badFileMessage says that the job page m has no file id, and which it has.
func badFileMessage(id int64, m *templates.JobPage) string {
	msg := fmt.Sprintf("The file value %d is not a file of job %d", id, m.JobID)
	if len(m.Files) == 0 {
		return msg + ": the job has no segmented files."
	}
	ids := make([]string, 0, maxNamedFiles)
	for _, f := range m.Files[:min(len(m.Files), maxNamedFiles)] {
		ids = append(ids, strconv.FormatInt(f.ID, 10))
	}
	msg += ": its files are " + strings.Join(ids, ", ")
	if n := len(m.Files) - len(ids); n > 0 {
		msg += fmt.Sprintf(" and %d more", n)
	}
	msg += "."
	if m.HiddenFiles > 0 {
		msg += fmt.Sprintf(" The page shows only the job's first %d files (SEGVIEW_MAX_ITEMS).", m.ItemLimit)
	}
	return msg
}
