// Package cdf is a small client for the parts of the Cognite Data Fusion
// (CDF) API that segview uses: vision segmentation jobs
// (/context/vision/segment), file metadata (/files/byids) and file
// download links (/files/downloadlink), plus the download of the signed
// URLs those links point to.
//
// A [Client] takes a base URL and an authenticated *http.Client (see
// [HTTPClient]). Every method takes a context first. Non-2xx responses
// become [*APIError]; oversized bodies become [*LimitError]; failures to
// obtain an access token become [*AuthError]. Idempotent calls are retried
// in one place (retry.go) with full-jitter exponential backoff that honours
// Retry-After and the context deadline.
//
// Nothing in this package puts a client secret, an access token or a signed
// download URL into an error message.
package cdf
