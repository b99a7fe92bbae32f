package handlers

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/a-h/templ"

	"github.com/segview/segview/web/templates"
)

// fragment names a part of the job page that the page's script asks for
// (?fragment=) to swap in, rendered by the same component as on the page.
type fragment struct {
	// kind is "" for the whole page, fragmentView or fragmentSegments.
	kind string
	// fileID is the file of fragmentSegments.
	fileID int64
}

const (
	// fragmentView is what the view changes: the download links and the
	// files (templates.JobViewFragment).
	fragmentView = "view"
	// fragmentSegments is one file's segments panel, after a verdict
	// (templates.SegmentsFragment); the parameter is segments-<file id>.
	fragmentSegments = "segments"
)

// parseFragment reads the fragment parameter of q: absent for the whole
// page, else view or segments-<file id>. It is pure, so every rule is
// table-tested.
func parseFragment(q url.Values) (fragment, error) {
	raw, ok := q["fragment"]
	if !ok {
		return fragment{}, nil
	}
	name := ""
	if len(raw) > 0 {
		name = raw[0]
	}
	if name == fragmentView {
		return fragment{kind: fragmentView}, nil
	}
	if id, ok := strings.CutPrefix(name, fragmentSegments+"-"); ok {
		fileID, err := parseID(id, "fragment's file id")
		if err != nil {
			return fragment{}, err
		}
		return fragment{kind: fragmentSegments, fileID: fileID}, nil
	}
	return fragment{}, &inputError{msg: fmt.Sprintf("The fragment %q is not valid: use view, or segments- and a file id.", clip(name))}
}

// component is the templ component that renders f of the job page m.
func (f fragment) component(m templates.JobPage) (templ.Component, error) {
	switch f.kind {
	case fragmentView:
		return templates.JobViewFragment(m), nil
	case fragmentSegments:
		for _, file := range m.Files {
			if file.ID == f.fileID {
				return templates.SegmentsFragment(m, file), nil
			}
		}
		return nil, &notFoundError{msg: fmt.Sprintf("File %d is not shown on the page of job %d.", f.fileID, m.JobID)}
	}
	return templates.Job(m), nil
}
