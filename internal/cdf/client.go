package cdf

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/segview/segview/internal/metrics"
)

const (
	// DefaultVersion is the cdf-version header sent unless WithVersion
	// says otherwise; the segment endpoints exist only in alpha and beta.
	DefaultVersion = "alpha"
	// DefaultMaxBytes is the default limit for JSON responses and
	// downloads.
	DefaultMaxBytes = 64 << 20

	appName = "segview"
)

// Client calls the CDF API for one project. It is safe for concurrent use.
type Client struct {
	hc          *http.Client // authenticated, for the CDF API
	dl          *http.Client // unauthenticated, for signed download URLs
	dlPolicy    DownloadPolicy
	base        string // {baseURL}/api/v1
	prefix      string // {base}/projects/{project}, escaped
	project     string
	version     string
	userAgent   string
	maxJSON     int64
	maxDownload int64
	retry       RetryPolicy
	metrics     *metrics.Metrics
}

// Option configures a Client in New.
type Option func(*Client) error

// WithVersion sets the cdf-version header (default "alpha").
func WithVersion(v string) Option {
	return func(c *Client) error {
		if strings.TrimSpace(v) == "" {
			return errors.New("cdf: empty cdf-version")
		}
		c.version = v
		return nil
	}
}

// WithAppVersion sets the User-Agent to "segview/<v>" (default
// "segview/dev").
func WithAppVersion(v string) Option {
	return func(c *Client) error {
		if strings.TrimSpace(v) == "" {
			return errors.New("cdf: empty app version")
		}
		c.userAgent = appName + "/" + v
		return nil
	}
}

// WithMaxJSONBytes limits the size of JSON response bodies (default 64 MiB).
func WithMaxJSONBytes(n int64) Option {
	return func(c *Client) error {
		if n <= 0 {
			return fmt.Errorf("cdf: max JSON bytes must be positive, got %d", n)
		}
		c.maxJSON = n
		return nil
	}
}

// WithMaxDownloadBytes limits the size of downloads (default 64 MiB).
func WithMaxDownloadBytes(n int64) Option {
	return func(c *Client) error {
		if n <= 0 {
			return fmt.Errorf("cdf: max download bytes must be positive, got %d", n)
		}
		c.maxDownload = n
		return nil
	}
}

// WithDownloadClient sets the client used to GET signed download URLs
// (default: a new http.Client). It must not add CDF credentials: clients
// built by HTTPClient or oauth2 are refused.
func WithDownloadClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("cdf: nil download client")
		}
		switch hc.Transport.(type) {
		case *authTransport, *oauth2.Transport:
			return errors.New("cdf: download client must not carry CDF credentials")
		}
		c.dl = hc
		return nil
	}
}

// WithRetry replaces DefaultRetryPolicy for idempotent calls.
func WithRetry(p RetryPolicy) Option {
	return func(c *Client) error {
		if err := p.validate(); err != nil {
			return err
		}
		c.retry = p
		return nil
	}
}

// WithMetrics records every try of every call, and of every download,
// in m: endpoint pattern, status, duration, retries.
func WithMetrics(m *metrics.Metrics) Option {
	return func(c *Client) error {
		c.metrics = m
		return nil
	}
}

// New returns a client for project at baseURL, an absolute http or https
// URL such as https://westeurope-1.cognitedata.com (without /api/v1).
// hc should be authenticated, typically by HTTPClient; nil means
// http.DefaultClient.
func New(baseURL, project string, hc *http.Client, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, errors.New("cdf: base URL is not a valid URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("cdf: base URL %q must start with https:// or http://", u.Redacted())
	case u.Host == "":
		return nil, fmt.Errorf("cdf: base URL %q has no host", u.Redacted())
	case u.User != nil:
		return nil, fmt.Errorf("cdf: base URL %q must not contain credentials", u.Redacted())
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("cdf: base URL %q must not have a query or fragment", u.Redacted())
	case strings.Contains(u.Path, "/api/v1"):
		return nil, fmt.Errorf("cdf: base URL %q must not include /api/v1; use e.g. https://westeurope-1.cognitedata.com", u.Redacted())
	}
	if strings.TrimSpace(project) == "" {
		return nil, errors.New("cdf: empty project")
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	base := u.Scheme + "://" + u.Host + strings.TrimRight(u.EscapedPath(), "/") + "/api/v1"
	c := &Client{
		hc:          hc,
		dl:          NewDownloadClient(policyFor(u)),
		dlPolicy:    policyFor(u),
		base:        base,
		prefix:      base + "/projects/" + url.PathEscape(project),
		project:     project,
		version:     DefaultVersion,
		userAgent:   appName + "/dev",
		maxJSON:     DefaultMaxBytes,
		maxDownload: DefaultMaxBytes,
		retry:       DefaultRetryPolicy(),
	}
	for _, opt := range opts {
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Project returns the CDF project the client calls.
func (c *Client) Project() string { return c.project }

// ForProject returns a client for another project of the same CDF
// cluster: it shares c's authenticated and download clients, limits,
// retry policy and metrics, and costs one small allocation. The name must
// be a project's URL name (ValidProject).
func (c *Client) ForProject(project string) (*Client, error) {
	if !ValidProject(project) {
		return nil, fmt.Errorf("cdf: %q is not a CDF project name", clipRunes(project, 64))
	}
	if project == c.project {
		return c, nil
	}
	v := *c
	v.project = project
	v.prefix = c.base + "/projects/" + url.PathEscape(project)
	return &v, nil
}

// MaxProjectLength is the longest project name ValidProject accepts.
const MaxProjectLength = 64

// ValidProject reports whether name can be a CDF project's URL name, the
// {project} of /api/v1/projects/{project}: 1 to MaxProjectLength ASCII
// letters, digits and hyphens, starting with a letter or digit. CDF's own
// names are lowercase letters, digits and hyphens; segview accepts a
// little more so as never to refuse a name CDF serves, and nothing that
// would need escaping in a URL or a file name.
func ValidProject(name string) bool {
	if name == "" || len(name) > MaxProjectLength || name[0] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		b := name[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-') {
			return false
		}
	}
	return true
}

// call describes one API call: path is relative to the project and
// starts with "/"; in, if non-nil, is sent as JSON; out, if non-nil,
// receives the decoded response; retry says which failures are retried
// (the zero value: none); endpoint names the call in metrics when path
// carries an id ("/context/vision/segment/{id}"; empty: path).
type call struct {
	method, path string
	endpoint     string
	in, out      any
	retry        retryMode
	// global says path is relative to /api/v1, not to the project.
	global bool
}

// do performs an API call with the standard headers, retries, body limits
// and error mapping.
func (c *Client) do(ctx context.Context, cl call) error {
	var body []byte
	if cl.in != nil {
		var err error
		if body, err = json.Marshal(cl.in); err != nil {
			return fmt.Errorf("cdf: %s %s: encoding request: %w", cl.method, cl.path, err)
		}
	}
	target := c.prefix + cl.path
	if cl.global {
		target = c.base + cl.path
	}
	attempt := func(ctx context.Context) (*response, error) {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body) // fresh per attempt; also sets GetBody
		}
		req, err := http.NewRequestWithContext(ctx, cl.method, target, rd)
		if err != nil {
			return nil, err
		}
		req.Header.Set("cdf-version", c.version)
		req.Header.Set("x-cdp-app", appName)
		req.Header.Set("User-Agent", c.userAgent)
		req.Header.Set("Accept", "application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return roundTrip(c.hc, req, c.maxJSON, whatJSON)
	}
	endpoint := cl.endpoint
	if endpoint == "" {
		endpoint = cl.path
	}
	resp, err := c.retry.do(ctx, cl.retry, c.observed(cl.method+" "+endpoint, attempt))
	if err != nil {
		return callError(cl.method, cl.path, err)
	}
	if resp.status < 200 || resp.status > 299 {
		return newAPIError(resp.status, resp.header, resp.body, cl.method, cl.path, true)
	}
	if cl.out == nil {
		return nil
	}
	if ct := resp.header.Get("Content-Type"); !isJSON(ct) {
		return &ContentTypeError{Method: cl.method, Path: cl.path, ContentType: ct, RequestID: resp.header.Get("x-request-id")}
	}
	if err := json.Unmarshal(resp.body, cl.out); err != nil {
		return &DecodeError{Method: cl.method, Path: cl.path, RequestID: resp.header.Get("x-request-id"), Err: err}
	}
	return nil
}

// observed wraps the attempts of one call to endpoint so that each try is
// recorded in the metrics: its status (0 without a response), its
// duration, and every try after the first as a retry.
func (c *Client) observed(endpoint string, attempt func(context.Context) (*response, error)) func(context.Context) (*response, error) {
	if c.metrics == nil {
		return attempt
	}
	tries := 0
	return func(ctx context.Context) (*response, error) {
		if tries > 0 {
			c.metrics.CDFRetry(endpoint)
		}
		tries++
		start := time.Now()
		resp, err := attempt(ctx)
		status := 0
		if err == nil {
			status = resp.status
		}
		c.metrics.CDFCall(endpoint, status, time.Since(start))
		return resp, err
	}
}

// roundTrip sends req and reads the whole response: a 2xx body up to
// limit (else *LimitError), any other body up to maxErrorBody.
func roundTrip(hc *http.Client, req *http.Request, limit int64, what string) (*response, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	r := &response{status: resp.StatusCode, header: resp.Header}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		r.body, err = readLimited(resp.Body, resp.ContentLength, limit, what)
	} else {
		r.body, err = io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		// Drain a little more so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// callError turns a failed round trip into the error callers see: token
// failures as *AuthError, limits as *LimitError, and everything else
// wrapped with the call's method and path. The *url.Error layer is
// dropped because its message carries the full URL.
func callError(method, path string, err error) error {
	var ae *AuthError
	if errors.As(err, &ae) {
		return ae
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return &AuthError{Err: sanitizeTokenError(re, nil)}
	}
	var le *LimitError
	if errors.As(err, &le) {
		return le
	}
	return fmt.Errorf("cdf: %s %s: %w", method, path, unwrapURLError(err))
}

// unwrapURLError drops the *url.Error layers of err, whose messages carry
// the full URL.
func unwrapURLError(err error) error {
	for {
		var ue *url.Error
		if !errors.As(err, &ue) || ue.Err == nil {
			return err
		}
		err = ue.Err
	}
}
