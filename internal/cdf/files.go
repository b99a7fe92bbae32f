package cdf

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Batch sizes the Files API accepts per request.
const (
	filesByIDsBatch    = 1000
	downloadLinksBatch = 100
)

// FilesByIDs returns the metadata of the files ids, in request order,
// fetching at most 1000 per request. With ignoreUnknown, files that do not
// exist are left out instead of failing the call with an *APIError whose
// Missing lists them. CDF rejects duplicate ids.
func (c *Client) FilesByIDs(ctx context.Context, ids []FileIdentifier, ignoreUnknown bool) ([]File, error) {
	if err := validateIDs(ids); err != nil {
		return nil, err
	}
	var files []File
	for batch := range slices.Chunk(ids, filesByIDsBatch) {
		var out struct {
			Items []File `json:"items"`
		}
		err := c.do(ctx, call{
			method: http.MethodPost,
			path:   "/files/byids",
			in: struct {
				Items            []FileIdentifier `json:"items"`
				IgnoreUnknownIDs bool             `json:"ignoreUnknownIds"`
			}{batch, ignoreUnknown},
			out:   &out,
			retry: retryTransient,
		})
		if err != nil {
			return nil, err
		}
		files = append(files, out.Items...)
	}
	return files, nil
}

// DownloadLinks returns short-lived signed download URLs for ids, fetching
// at most 100 per request. Results are in request order. The links expire
// after about 30 seconds; fetch them with Download.
func (c *Client) DownloadLinks(ctx context.Context, ids []FileIdentifier) ([]DownloadLink, error) {
	if err := validateIDs(ids); err != nil {
		return nil, err
	}
	var links []DownloadLink
	for batch := range slices.Chunk(ids, downloadLinksBatch) {
		var out struct {
			Items []DownloadLink `json:"items"`
		}
		err := c.do(ctx, call{
			method: http.MethodPost,
			path:   "/files/downloadlink",
			in: struct {
				Items []FileIdentifier `json:"items"`
			}{batch},
			out:   &out,
			retry: retryTransient,
		})
		if err != nil {
			return nil, err
		}
		links = append(links, inRequestOrder(batch, out.Items)...)
	}
	return links, nil
}

// inRequestOrder sorts links to follow req when every request item has
// exactly one matching link. CDF does not promise an order for this
// endpoint; when the items do not line up, its order is kept.
func inRequestOrder(req []FileIdentifier, links []DownloadLink) []DownloadLink {
	if len(req) != len(links) {
		return links
	}
	byKey := make(map[string]int, len(links))
	for i, l := range links {
		byKey[l.key()] = i
	}
	if len(byKey) != len(links) {
		return links
	}
	sorted := make([]DownloadLink, 0, len(links))
	for _, id := range req {
		i, ok := byKey[id.key()]
		if !ok {
			return links
		}
		sorted = append(sorted, links[i])
	}
	return sorted
}

// DownloadPath is the Path of an *APIError from Download: the signed URL
// itself is never named.
const DownloadPath = "download"

// Download GETs a signed URL from DownloadLinks with the download client
// and returns the body and its Content-Type. No CDF headers or credentials
// are sent. Bodies over the download limit fail with *LimitError, non-2xx
// responses with an *APIError whose Path is "download", a link the
// DownloadPolicy refuses (a scheme other than http(s), a relative link, a
// private address) or whose host fails the TLS handshake with *PolicyError.
// Errors never contain the URL's path or query.
func (c *Client) Download(ctx context.Context, rawURL string) ([]byte, string, error) {
	const method, path = http.MethodGet, DownloadPath
	u, err := c.dlPolicy.CheckLink(rawURL)
	if err != nil {
		return nil, "", err
	}
	attempt := func(ctx context.Context) (*response, error) {
		req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "*/*")
		req.Header.Set("User-Agent", c.userAgent)
		return roundTrip(c.dl, req, c.maxDownload, whatDownload)
	}
	resp, err := c.retry.do(ctx, retryTransient, c.observed(method+" "+path, attempt))
	if err != nil {
		if pe, ok := asPolicyError(err); ok {
			if pe.Link == "" {
				pe = &PolicyError{Link: linkOf(u), Reason: pe.Reason}
			}
			return nil, "", pe
		}
		if tlsFailure(err) {
			return nil, "", &PolicyError{Link: linkOf(u), Reason: "the TLS handshake failed: " + redactURL(clipRunes(unwrapURLError(err).Error(), 200), u)}
		}
		err = callError(method, path, err)
		if _, ok := err.(*LimitError); ok {
			return nil, "", err
		}
		return nil, "", &redactedError{msg: redactURL(err.Error(), u), err: err}
	}
	if resp.status < 200 || resp.status > 299 {
		return nil, "", newAPIError(resp.status, resp.header, nil, method, path, false)
	}
	return resp.body, resp.header.Get("Content-Type"), nil
}

// redactURL removes the URL and its query (the signature) from msg, as a
// second line of defence: callError already drops the *url.Error that
// names it.
func redactURL(msg string, u *url.URL) string {
	for _, s := range []string{u.String(), u.RawQuery} {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return msg
}

func validateIDs(ids []FileIdentifier) error {
	for i, id := range ids {
		if p := id.problem(); p != "" {
			return fmt.Errorf("cdf: file identifier %d: %s", i, p)
		}
	}
	return nil
}
