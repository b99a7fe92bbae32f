package templates

import (
	"strconv"
	"strings"
)

// FileNav is the job page's list of the job's files, of which it shows
// one at a time: each links the page with the file (file=) and the rest
// of the view kept; the , and . keys follow PrevURL and NextURL.
type FileNav struct {
	Files []FileLink
	// Position is the shown file's place in Files, from 1.
	Position int
	// PrevURL and NextURL are the previous and next files' links; "" at
	// either end.
	PrevURL, NextURL string
}

// FileLink is one file in the FileNav.
type FileLink struct {
	ID   int64
	Name string
	Href string
	// Segments counts the file's segments.
	Segments int
	// Current marks the file the page shows.
	Current bool
}

// promptWords sums up a prompt in a few words, for the job page's header.
func promptWords(p PromptView) string {
	fg, bg := 0, 0
	for _, pt := range p.Points {
		if pt.Class == "bg" {
			bg++
		} else {
			fg++
		}
	}
	var parts []string
	if fg > 0 {
		parts = append(parts, countWords(fg, "foreground point", "foreground points"))
	}
	if bg > 0 {
		parts = append(parts, countWords(bg, "background point", "background points"))
	}
	if p.Box != nil {
		parts = append(parts, "a box")
	}
	switch len(parts) {
	case 0:
		return "none"
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func countWords(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
