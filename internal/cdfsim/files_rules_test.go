package cdfsim

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ruleCase is one documented rule of a CDF endpoint and a request that
// breaks it (status 400) or keeps it at its boundary (status 200). Rules
// are quoted from shared/cdf-api.md (§1.3 segment POST, §1.5 segment GET,
// §3 files, §4.1 the error body), not from what segview sends.
type ruleCase struct {
	rule         string
	method, path string
	body         string
	status       int
	missing      []any // error.missing, exactly
	duplicated   []any // error.duplicated, exactly
	check        func(t *testing.T, res result)
}

// runRules sends each case and checks the status, the CDF error body
// (error.code equal to the status, a message) and missing/duplicated.
func runRules(t *testing.T, e *testEnv, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			t.Parallel()
			res := e.call(tc.method, tc.path, tc.body)
			if res.status != tc.status {
				t.Fatalf("%s %s = %d, want %d; body %.300s", tc.method, tc.path, res.status, tc.status, res.body)
			}
			if tc.status != http.StatusOK {
				res.cdfError(t)
				body := res.object(t)["error"].(map[string]any)
				if diff := cmp.Diff(tc.missing, asSlice(body["missing"])); diff != "" {
					t.Errorf("error.missing (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tc.duplicated, asSlice(body["duplicated"])); diff != "" {
					t.Errorf("error.duplicated (-want +got):\n%s", diff)
				}
			}
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}
}

// idItems returns n items {"id":first}, {"id":first+1}, ...
func idItems(first, n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = `{"id":` + strconv.Itoa(first+i) + `}`
	}
	return strings.Join(items, ",")
}

func TestFilesByIDsRules(t *testing.T) {
	t.Parallel()
	e, _ := filesEnv(t)
	long := strings.Repeat("x", 256)
	post := func(rule, body string, status int) ruleCase {
		return ruleCase{rule: rule, method: http.MethodPost, path: "/files/byids", body: body, status: status}
	}
	bad := func(rule, body string) ruleCase { return post(rule, body, http.StatusBadRequest) }
	ok := func(rule, body string) ruleCase { return post(rule, body, http.StatusOK) }
	dup := func(rule, body string, d ...any) ruleCase {
		c := bad(rule, body)
		c.duplicated = d
		return c
	}
	cases := []ruleCase{
		bad("items is required", `{}`),
		bad("items has at least 1 element", `{"items":[]}`),
		bad("items has at most 1000 elements", `{"items":[`+idItems(1, 1001)+`],"ignoreUnknownIds":true}`),
		ok("1000 unique items are accepted", `{"items":[`+idItems(1, 1000)+`],"ignoreUnknownIds":true}`),
		bad("an item has one identifier, not none", `{"items":[{}]}`),
		bad("an item has one identifier, not id and externalId", `{"items":[{"id":11,"externalId":"ext-11"}]}`),
		bad("an item has one identifier, not externalId and instanceId", `{"items":[{"externalId":"ext-13","instanceId":{"space":"site_b","externalId":"img_13"}}]}`),
		bad("id is at least 1", `{"items":[{"id":0}]}`),
		bad("id is not negative", `{"items":[{"id":-11}]}`),
		bad("id is at most 2^53-1", `{"items":[{"id":9007199254740992}]}`),
		ok("id 2^53-1 is accepted", `{"items":[{"id":9007199254740991}],"ignoreUnknownIds":true}`),
		bad("id is an integer", `{"items":[{"id":11.5}]}`),
		bad("id is a number", `{"items":[{"id":"11"}]}`),
		bad("externalId is not empty", `{"items":[{"externalId":""}]}`),
		bad("externalId has at most 255 characters", `{"items":[{"externalId":"`+long+`"}]}`),
		ok("externalId of 255 characters is accepted", `{"items":[{"externalId":"`+long[:255]+`"}],"ignoreUnknownIds":true}`),
		bad("instanceId has a space", `{"items":[{"instanceId":{"externalId":"img_12"}}]}`),
		bad("instanceId has an externalId", `{"items":[{"instanceId":{"space":"site_a"}}]}`),
		bad("instanceId.space starts with a letter", `{"items":[{"instanceId":{"space":"9site","externalId":"img_12"}}]}`),
		bad("instanceId.space has at most 43 characters", `{"items":[{"instanceId":{"space":"s`+strings.Repeat("a", 43)+`","externalId":"img_12"}}]}`),
		bad("instanceId.externalId has at most 255 characters", `{"items":[{"instanceId":{"space":"site_a","externalId":"`+long+`"}}]}`),
		dup("items are unique: ids", `{"items":[{"id":11},{"id":12},{"id":11}]}`, map[string]any{"id": float64(11)}),
		dup("items are unique: externalIds", `{"items":[{"externalId":"ext-11"},{"externalId":"ext-11"}]}`, map[string]any{"externalId": "ext-11"}),
		dup("items are unique: instanceIds", `{"items":[{"instanceId":{"space":"site_a","externalId":"img_12"}},{"instanceId":{"space":"site_a","externalId":"img_12"}}]}`,
			map[string]any{"instanceId": map[string]any{"space": "site_a", "externalId": "img_12"}}),
		{rule: "unknown identifiers are missing", method: http.MethodPost, path: "/files/byids",
			body:   `{"items":[{"id":11},{"id":404},{"externalId":"nope"},{"instanceId":{"space":"site_a","externalId":"nope"}}]}`,
			status: http.StatusBadRequest,
			missing: []any{map[string]any{"id": float64(404)}, map[string]any{"externalId": "nope"},
				map[string]any{"instanceId": map[string]any{"space": "site_a", "externalId": "nope"}}}},
		{rule: "ignoreUnknownIds leaves unknown identifiers out", method: http.MethodPost, path: "/files/byids",
			body: `{"items":[{"id":404},{"id":11}],"ignoreUnknownIds":true}`, status: http.StatusOK,
			check: func(t *testing.T, res result) {
				var out wireItems[wireFileMetadata]
				res.decode(t, &out)
				if len(out.Items) != 1 || out.Items[0].ID != 11 {
					t.Errorf("items = %+v, want file 11 only", out.Items)
				}
			}},
		bad("ignoreUnknownIds is a boolean", `{"items":[{"id":11}],"ignoreUnknownIds":"yes"}`),
		bad("no other fields", `{"items":[{"id":11}],"limit":5}`),
		bad("the body is JSON", `items=11`),
	}
	runRules(t, e, cases)
}

func TestFileByIDRules(t *testing.T) {
	t.Parallel()
	e, _ := filesEnv(t)
	get := func(rule, id string, status int, missing ...any) ruleCase {
		return ruleCase{rule: rule, method: http.MethodGet, path: "/files/" + id, status: status, missing: missing}
	}
	runRules(t, e, []ruleCase{
		get("id is an integer", "abc", http.StatusBadRequest),
		get("id is a whole number", "11.0", http.StatusBadRequest),
		get("id is at least 1", "0", http.StatusBadRequest),
		get("id is not negative", "-11", http.StatusBadRequest),
		get("id is at most 2^53-1", "9007199254740992", http.StatusBadRequest),
		get("an unknown id is missing", "404", http.StatusBadRequest, map[string]any{"id": float64(404)}),
		{rule: "a known id answers a bare FilesMetadata", method: http.MethodGet, path: "/files/11", status: http.StatusOK,
			check: func(t *testing.T, res result) {
				m := res.object(t)
				if m["id"] != float64(11) || m["name"] != "a.png" || m["items"] != nil {
					t.Errorf("GET /files/11 = %v", m)
				}
			}},
	})
}

func TestDownloadLinkRules(t *testing.T) {
	t.Parallel()
	e, _ := filesEnv(t)
	post := func(rule, query, body string, status int) ruleCase {
		return ruleCase{rule: rule, method: http.MethodPost, path: "/files/downloadlink" + query, body: body, status: status}
	}
	bad := func(rule, body string) ruleCase { return post(rule, "", body, http.StatusBadRequest) }
	ok := func(rule, body string) ruleCase { return post(rule, "", body, http.StatusOK) }
	cases := []ruleCase{
		bad("items is required", `{}`),
		bad("items has at least 1 element", `{"items":[]}`),
		bad("items has at most 100 elements", `{"items":[`+strings.Repeat(`{"id":11},`, 100)+`{"id":11}]}`),
		{rule: "100 items are accepted, one link each", method: http.MethodPost, path: "/files/downloadlink",
			body: `{"items":[` + strings.Repeat(`{"id":11},`, 99) + `{"id":11}]}`, status: http.StatusOK,
			check: func(t *testing.T, res result) {
				var out wireItems[wireDownloadLink]
				res.decode(t, &out)
				if len(out.Items) != 100 {
					t.Errorf("%d links, want 100", len(out.Items))
				}
			}},
		bad("an item has one identifier, not none", `{"items":[{}]}`),
		bad("an item has one identifier, not two", `{"items":[{"id":11,"externalId":"ext-11"}]}`),
		bad("id is at least 1", `{"items":[{"id":0}]}`),
		bad("id is at most 2^53-1", `{"items":[{"id":9007199254740992}]}`),
		bad("externalId is not empty", `{"items":[{"externalId":""}]}`),
		bad("externalId has at most 255 characters", `{"items":[{"externalId":"`+strings.Repeat("x", 256)+`"}]}`),
		bad("instanceId has a space", `{"items":[{"instanceId":{"externalId":"img_12"}}]}`),
		bad("instanceId.space matches CDF's pattern", `{"items":[{"instanceId":{"space":"site a","externalId":"img_12"}}]}`),
		ok("each identifier form is accepted", `{"items":[{"id":11},{"externalId":"ext-13"},{"instanceId":{"space":"site_a","externalId":"img_12"}}]}`),
		{rule: "unknown identifiers are missing", method: http.MethodPost, path: "/files/downloadlink",
			body: `{"items":[{"id":11},{"id":404},{"externalId":"nope"}]}`, status: http.StatusBadRequest,
			missing: []any{map[string]any{"id": float64(404)}, map[string]any{"externalId": "nope"}}},
		bad("no ignoreUnknownIds here", `{"items":[{"id":404}],"ignoreUnknownIds":true}`),
		post("extendedExpiration is a boolean", "?extendedExpiration=maybe", `{"items":[{"id":11}]}`, http.StatusBadRequest),
		post("extendedExpiration=true is accepted", "?extendedExpiration=true", `{"items":[{"id":11}]}`, http.StatusOK),
	}
	runRules(t, e, cases)
}
