package app

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/htmltest"
)

// TestQueueZip: the queue page links its jobs' ZIP; a job that cannot be
// read leaves the others in it, with its error in errors.json, as the
// queue page shows it in its row; and the ZIP's cap (SEGVIEW_MAX_ZIP_JOBS)
// is said on a queue that holds more.
func TestQueueZip(t *testing.T) {
	t.Run("link and an unknown job", func(t *testing.T) {
		s := newStack(t, nil)
		ids := fmt.Sprintf("%d,99999", cdfsim.DemoJobPumpSkid)
		r := s.get(t, reviewURL(ids))
		wantStatus(t, r, http.StatusOK)
		doc := htmltest.Parse(t, r.body)
		link := doc.One(t, "queue-zip-link")
		href := htmltest.Attr(link, "href")
		u, err := url.Parse(href)
		if err != nil || u.Path != "/projects/"+testProject+"/review/export.zip" || u.Query().Get("jobs") != ids {
			t.Fatalf("ZIP link %q, want the queue's jobs %s", href, ids)
		}
		rowErr := strings.TrimSpace(htmltest.Text(doc.One(t, "queue-error")))

		r = s.get(t, href)
		wantStatus(t, r, http.StatusOK)
		files := unzip(t, r.body)
		if _, ok := files[fmt.Sprintf("job-%d/coco.json", cdfsim.DemoJobPumpSkid)]; !ok {
			t.Errorf("the readable job's COCO is missing: %v", keys(files))
		}
		var manifest struct {
			Jobs []struct {
				JobID int64 `json:"jobId"`
			} `json:"jobs"`
			Errors string `json:"errors"`
		}
		if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil {
			t.Fatal(err)
		}
		if len(manifest.Jobs) != 1 || manifest.Jobs[0].JobID != cdfsim.DemoJobPumpSkid || manifest.Errors != "errors.json" {
			t.Errorf("manifest %+v", manifest)
		}
		var errs []struct {
			JobID   int64  `json:"jobId"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(files["errors.json"], &errs); err != nil {
			t.Fatalf("errors.json: %v (%s)", err, files["errors.json"])
		}
		// The same words; CDF's request id differs between the two reads.
		words := func(m string) string { w, _, _ := strings.Cut(m, " CDF request id"); return w }
		if len(errs) != 1 || errs[0].JobID != 99999 || words(errs[0].Message) != words(rowErr) || rowErr == "" {
			t.Errorf("errors.json %+v, want job 99999 with the queue row's error %q", errs, rowErr)
		}

		// Every job readable: no errors.json.
		r = s.get(t, fmt.Sprintf("/projects/%s/review/export.zip?jobs=%d", testProject, cdfsim.DemoJobPumpSkid))
		wantStatus(t, r, http.StatusOK)
		if _, ok := unzip(t, r.body)["errors.json"]; ok {
			t.Error("errors.json in a ZIP whose jobs were all read")
		}
	})

	t.Run("cap", func(t *testing.T) {
		s := newStack(t, map[string]string{"SEGVIEW_MAX_ZIP_JOBS": "2"})
		ids := []int64{cdfsim.DemoJobPumpSkid, cdfsim.DemoJobEXIF, cdfsim.DemoJobInstanceFile}
		list := fmt.Sprintf("%d,%d,%d", ids[0], ids[1], ids[2])
		r := s.get(t, reviewURL(list))
		wantStatus(t, r, http.StatusOK)
		doc := htmltest.Parse(t, r.body)
		note := htmltest.Text(doc.One(t, "queue-zip"))
		for _, want := range []string{"first 2 jobs", "at most 2 jobs", "this queue has 3"} {
			if !strings.Contains(note, want) {
				t.Errorf("ZIP note %q does not say %q", note, want)
			}
		}
		u, _ := url.Parse(htmltest.Attr(doc.One(t, "queue-zip-link"), "href"))
		if got := u.Query().Get("jobs"); got != fmt.Sprintf("%d,%d", ids[0], ids[1]) {
			t.Errorf("ZIP link lists %q, want the first 2", got)
		}
		r = s.get(t, u.RequestURI())
		wantStatus(t, r, http.StatusOK)
		r = s.get(t, fmt.Sprintf("/projects/%s/review/export.zip?jobs=%s", testProject, list))
		wantStatus(t, r, http.StatusBadRequest)
		if !strings.Contains(string(r.body), "at most 2") {
			t.Errorf("over the cap: %s", r.body)
		}
	})
}

// unzip reads every file of a ZIP.
func unzip(t *testing.T, body []byte) map[string][]byte {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = b
	}
	return out
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
