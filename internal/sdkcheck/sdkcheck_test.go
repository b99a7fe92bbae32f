package sdkcheck

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/segview/segview/internal/cdfsim"
)

const (
	project        = "sdkcheck"
	clientID       = "segview-sdkcheck"
	fileID         = 5_000_001
	fileExternalID = "sdkcheck-photo"
	jobID          = 6_000_001
	missingJobID   = 6_999_999
)

// required returns the value of the environment variable, or skips the
// test saying how to set it up; with CI=true it fails instead.
func required(t *testing.T, ok bool, msg string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: the SDK check is required)")
	}
	t.Skip(msg)
}

// sdkResult is what cognite-sdk.mjs prints.
type sdkResult struct {
	SDKVersion string `json:"sdkVersion"`
	Checks     []struct {
		Name   string          `json:"name"`
		OK     bool            `json:"ok"`
		Detail json.RawMessage `json:"detail"`
	} `json:"checks"`
}

// TestCogniteJSSDK runs @cognite/sdk against the simulator: files,
// downloads, a segment job read with client.get, the SDK's errors (a
// missing job's CogniteError, the SDK's HTTP error for a CDF error body,
// with its request id; 401 for a bad token), an annotations round trip,
// and a non-SemVer creatingAppVersion refused.
func TestCogniteJSSDK(t *testing.T) {
	sdkDir := os.Getenv("SEGVIEW_COGNITE_SDK")
	required(t, sdkDir != "", "SEGVIEW_COGNITE_SDK is not set: install the SDK "+
		"(npm install --no-save --prefix ~/.cache/segview-cognite-sdk @cognite/sdk@10) and set "+
		"SEGVIEW_COGNITE_SDK=~/.cache/segview-cognite-sdk/node_modules/@cognite/sdk")
	node, err := exec.LookPath("node")
	required(t, err == nil, "node is not on PATH: the Cognite SDK check needs Node.js 18 or later")
	if _, err := os.Stat(sdkDir + "/package.json"); err != nil {
		t.Fatalf("SEGVIEW_COGNITE_SDK=%s is not an installed package: %v", sdkDir, err)
	}
	t.Parallel()

	secret := rand.Text()
	sim, err := cdfsim.New(cdfsim.Options{Project: project, ClientID: clientID, ClientSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	sim.AddFile(cdfsim.File{ID: fileID, ExternalID: fileExternalID, Name: "photo.png", Data: pngImage(t)})
	sim.AddJob(cdfsim.Job{
		ID: jobID, Status: cdfsim.StatusCompleted,
		Items:  []cdfsim.JobItem{{FileID: fileID, FileExternalID: fileExternalID, Segments: []cdfsim.Segment{{Score: 0.9, Polygons: [][]cdfsim.Vertex{{{X: 0.1, Y: 0.1}, {X: 0.5, Y: 0.1}, {X: 0.3, Y: 0.6}}}}}}},
		Points: []cdfsim.Point{{X: 0.3, Y: 0.3, Label: 1}},
	})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); sim.Close() })
	base, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.CommandContext(ctx, node, "cognite-sdk.mjs")
	cmd.Env = append(os.Environ(),
		"SEGVIEW_COGNITE_SDK="+sdkDir,
		"CDF_URL="+base, "CDF_PROJECT="+project,
		"IDP_TOKEN_URL="+sim.TokenURL(base), "IDP_CLIENT_ID="+clientID, "IDP_CLIENT_SECRET="+secret,
		"SDKCHECK_FILE_ID="+strconv.Itoa(fileID), "SDKCHECK_FILE_EXTERNAL_ID="+fileExternalID,
		"SDKCHECK_JOB_ID="+strconv.Itoa(jobID), "SDKCHECK_MISSING_JOB_ID="+strconv.Itoa(missingJobID),
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node cognite-sdk.mjs: %v\nstderr:\n%s\nstdout:\n%s", err, stderr.Bytes(), stdout.Bytes())
	}
	var res sdkResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("cognite-sdk.mjs printed %q: %v\nstderr:\n%s", stdout.Bytes(), err, stderr.Bytes())
	}
	t.Logf("@cognite/sdk %s", res.SDKVersion)

	want := []string{
		"files.retrieve",
		"files.retrieve unknown id",
		"files.getDownloadUrls and download",
		"segment job read with client.get",
		"segment job create with client.post",
		"missing job gives CogniteError with requestId",
		"bad token gives 401",
		"annotations round trip",
		"annotation with a non-SemVer creatingAppVersion is refused",
		"token inspect with client.get",
	}
	var got []string
	details := map[string]json.RawMessage{}
	for _, c := range res.Checks {
		got = append(got, c.Name)
		details[c.Name] = c.Detail
		if c.OK {
			t.Logf("ok   %s: %s", c.Name, c.Detail)
		} else {
			t.Errorf("FAIL %s: %s", c.Name, c.Detail)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("checks run:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}

	// What the simulator saw: the SDK's own headers, a download without
	// the CDF token, and the request id the SDK reported.
	h := sim.LastHeaders("/files/byids")
	if sdk := h.Get("X-Cdp-Sdk"); !strings.HasPrefix(sdk, "CogniteJavaScriptSDK:") || h.Get("X-Cdp-App") != "segview-sdkcheck" {
		t.Errorf("files/byids headers x-cdp-sdk %q x-cdp-app %q: not the Cognite SDK", sdk, h.Get("X-Cdp-App"))
	}
	if h := sim.LastHeaders("/download/"); h == nil || h.Get("Authorization") != "" {
		t.Errorf("download request headers %v: want a request without Authorization", h)
	}
	var missing struct {
		RequestID string `json:"requestId"`
	}
	_ = json.Unmarshal(details["missing job gives CogniteError with requestId"], &missing)
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(missing.RequestID) {
		t.Errorf("the CogniteError's requestId is %q, want the simulator's x-request-id", missing.RequestID)
	}
	if left := sim.AnnotationStatuses(fileID); len(left) != 0 {
		t.Errorf("annotations left after the round trip's delete: %v", left)
	}
}

func pngImage(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 0x80, 0xff})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
