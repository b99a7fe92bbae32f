package cdfsim

import (
	"net/http"
	"strings"
	"testing"
)

func TestPostSegmentRules(t *testing.T) {
	t.Parallel()
	e := jobsEnv(t)
	const pts = `"points":[{"x":0.5,"y":0.5}]`
	post := func(rule, body string, status int) ruleCase {
		return ruleCase{rule: rule, method: http.MethodPost, path: "/context/vision/segment", body: body, status: status}
	}
	bad := func(rule, body string) ruleCase { return post(rule, body, http.StatusBadRequest) }
	ok := func(rule, body string) ruleCase { return post(rule, body, http.StatusOK) }
	onFile := func(prompt string) string { return `{"items":[{"fileId":21}],` + prompt + `}` }
	withRef := func(ref string) string { return `{"items":[` + ref + `],` + pts + `}` }
	echoedLabel := func(want int) func(*testing.T, result) {
		return func(t *testing.T, res result) {
			var out wireSegmentPostResponse
			res.decode(t, &out)
			if len(out.Points) != 1 || out.Points[0].Label != want {
				t.Errorf("points echoed %+v, want one point with label %d", out.Points, want)
			}
		}
	}
	long := strings.Repeat("a", 256)
	cases := []ruleCase{
		// items: exactly one FileReference.
		bad("items is required", `{`+pts+`}`),
		bad("items has 1 element, not 0", `{"items":[],`+pts+`}`),
		bad("items has 1 element, not 2", `{"items":[{"fileId":21},{"fileId":22}],`+pts+`}`),
		// FileReference: oneOf fileId, fileExternalId, fileInstanceId.
		bad("a reference has one of fileId, fileExternalId, fileInstanceId, not none", withRef(`{}`)),
		bad("a reference has one of them, not fileId and fileExternalId", withRef(`{"fileId":21,"fileExternalId":"img-21"}`)),
		bad("a reference has one of them, not all three", withRef(`{"fileId":22,"fileExternalId":"x","fileInstanceId":{"space":"site_a","externalId":"img_22"}}`)),
		bad("a reference names its file with fileId, not id", withRef(`{"id":21}`)),
		bad("fileId is at least 1", withRef(`{"fileId":0}`)),
		bad("fileId is at most 2^53-1", withRef(`{"fileId":9007199254740992}`)),
		bad("fileId is an integer", withRef(`{"fileId":21.5}`)),
		bad("fileExternalId is not empty", withRef(`{"fileExternalId":""}`)),
		bad("fileExternalId has at most 255 characters", withRef(`{"fileExternalId":"`+long+`"}`)),
		ok("fileExternalId is accepted", withRef(`{"fileExternalId":"img-21"}`)),
		// VisionInstanceId patterns.
		bad("fileInstanceId.space is required", withRef(`{"fileInstanceId":{"externalId":"img_22"}}`)),
		bad("fileInstanceId.space starts with a letter", withRef(`{"fileInstanceId":{"space":"9site","externalId":"img_22"}}`)),
		bad("fileInstanceId.space has no dots", withRef(`{"fileInstanceId":{"space":"site.a","externalId":"img_22"}}`)),
		bad("fileInstanceId.space has at most 43 characters", withRef(`{"fileInstanceId":{"space":"s`+strings.Repeat("a", 43)+`","externalId":"img_22"}}`)),
		bad("fileInstanceId.externalId is required", withRef(`{"fileInstanceId":{"space":"site_a"}}`)),
		bad("fileInstanceId.externalId has no hyphen", withRef(`{"fileInstanceId":{"space":"site_a","externalId":"img-22"}}`)),
		bad("fileInstanceId.externalId starts with a letter", withRef(`{"fileInstanceId":{"space":"site_a","externalId":"_img22"}}`)),
		bad("fileInstanceId.externalId does not end with an underscore", withRef(`{"fileInstanceId":{"space":"site_a","externalId":"img_"}}`)),
		bad("fileInstanceId.externalId has at most 255 characters", withRef(`{"fileInstanceId":{"space":"site_a","externalId":"`+long+`"}}`)),
		ok("fileInstanceId is accepted", withRef(`{"fileInstanceId":{"space":"site_a","externalId":"img_22"}}`)),
		// anyOf: points, boundingBox or both.
		bad("points or boundingBox is required", `{"items":[{"fileId":21}]}`),
		ok("points alone are accepted", onFile(pts)),
		ok("boundingBox alone is accepted", onFile(`"boundingBox":{"xMin":0.1,"yMin":0.2,"xMax":0.5,"yMax":0.6}`)),
		ok("points and boundingBox are accepted", onFile(pts+`,"boundingBox":{"xMin":0.1,"yMin":0.2,"xMax":0.5,"yMax":0.6}`)),
		// SegmentPoint.
		bad("a point has x", onFile(`"points":[{"y":0.5}]`)),
		bad("a point has y", onFile(`"points":[{"x":0.5}]`)),
		bad("x is at most 1", onFile(`"points":[{"x":1.01,"y":0.5}]`)),
		bad("x is at least 0", onFile(`"points":[{"x":-0.01,"y":0.5}]`)),
		bad("y is at most 1", onFile(`"points":[{"x":0.5,"y":1.5}]`)),
		bad("y is at least 0", onFile(`"points":[{"x":0.5,"y":-1}]`)),
		bad("x is a number", onFile(`"points":[{"x":"0.5","y":0.5}]`)),
		ok("x and y 0 and 1 are accepted", onFile(`"points":[{"x":0,"y":1}]`)),
		bad("label is 0 or 1, not 2", onFile(`"points":[{"x":0.5,"y":0.5,"label":2}]`)),
		bad("label is 0 or 1, not 0.5", onFile(`"points":[{"x":0.5,"y":0.5,"label":0.5}]`)),
		bad("label is 0 or 1, not -1", onFile(`"points":[{"x":0.5,"y":0.5,"label":-1}]`)),
		bad("label is a number", onFile(`"points":[{"x":0.5,"y":0.5,"label":"1"}]`)),
		{rule: "label 0 is accepted", method: http.MethodPost, path: "/context/vision/segment",
			body: onFile(`"points":[{"x":0.5,"y":0.5,"label":0}]`), status: http.StatusOK, check: echoedLabel(0)},
		{rule: "label defaults to 1", method: http.MethodPost, path: "/context/vision/segment",
			body: onFile(`"points":[{"x":0.5,"y":0.5}]`), status: http.StatusOK, check: echoedLabel(1)},
		{rule: "points are unique", method: http.MethodPost, path: "/context/vision/segment",
			body:   onFile(`"points":[{"x":0.2,"y":0.3,"label":1},{"x":0.4,"y":0.4},{"x":0.2,"y":0.3,"label":1}]`),
			status: http.StatusBadRequest, duplicated: []any{map[string]any{"x": 0.2, "y": 0.3, "label": float64(1)}}},
		ok("points that differ only in label are unique", onFile(`"points":[{"x":0.2,"y":0.3,"label":0},{"x":0.2,"y":0.3,"label":1}]`)),
		// SegmentBoundingBox.
		bad("boundingBox has xMin", onFile(`"boundingBox":{"yMin":0.1,"xMax":0.5,"yMax":0.5}`)),
		bad("boundingBox has yMin", onFile(`"boundingBox":{"xMin":0.1,"xMax":0.5,"yMax":0.5}`)),
		bad("boundingBox has xMax", onFile(`"boundingBox":{"xMin":0.1,"yMin":0.1,"yMax":0.5}`)),
		bad("boundingBox has yMax", onFile(`"boundingBox":{"xMin":0.1,"yMin":0.1,"xMax":0.5}`)),
		bad("boundingBox values are at most 1", onFile(`"boundingBox":{"xMin":0.1,"yMin":0.1,"xMax":1.5,"yMax":0.5}`)),
		bad("boundingBox values are at least 0", onFile(`"boundingBox":{"xMin":0.1,"yMin":-0.1,"xMax":0.5,"yMax":0.5}`)),
		ok("boundingBox 0..1 is accepted", onFile(`"boundingBox":{"xMin":0,"yMin":0,"xMax":1,"yMax":1}`)),
		// No other fields.
		bad("no other fields", onFile(pts+`,"threshold":0.5`)),
		// The file: known, .jpeg/.jpg/.png, image/png or image/jpeg.
		{rule: "an unknown fileId is missing", method: http.MethodPost, path: "/context/vision/segment",
			body: withRef(`{"fileId":404}`), status: http.StatusBadRequest, missing: []any{map[string]any{"fileId": float64(404)}}},
		{rule: "an unknown fileExternalId is missing", method: http.MethodPost, path: "/context/vision/segment",
			body: withRef(`{"fileExternalId":"nope"}`), status: http.StatusBadRequest, missing: []any{map[string]any{"fileExternalId": "nope"}}},
		bad("the file's mimeType is image/png or image/jpeg", withRef(`{"fileExternalId":"doc-23"}`)),
		bad("the file's extension is .jpeg, .jpg or .png", withRef(`{"fileId":24}`)),
		ok("a .JPEG image/jpeg file is accepted", withRef(`{"fileId":22}`)),
	}
	runRules(t, e, cases)
}

func TestGetSegmentJobRules(t *testing.T) {
	t.Parallel()
	e := jobsEnv(t)
	e.sim.AddJob(Job{ID: 31, Status: StatusCompleted, Items: []JobItem{{FileID: 21}}, Points: []Point{{X: 0.5, Y: 0.5, Label: 1}}})
	get := func(rule, id string, status int, missing ...any) ruleCase {
		return ruleCase{rule: rule, method: http.MethodGet, path: "/context/vision/segment/" + id, status: status, missing: missing}
	}
	runRules(t, e, []ruleCase{
		get("jobId is an integer", "abc", http.StatusBadRequest),
		get("jobId is a whole number", "1.5", http.StatusBadRequest),
		get("jobId fits in int64", "9223372036854775808", http.StatusBadRequest),
		get("an unknown jobId is missing", "424242", http.StatusBadRequest, map[string]any{"jobId": float64(424242)}),
		get("a known jobId is answered", "31", http.StatusOK),
	})
}
