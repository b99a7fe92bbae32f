// Package cdf is a small client for the parts of the Cognite Data Fusion
// (CDF) API that segview uses: vision segmentation jobs
// (/context/vision/segment), file metadata (/files/byids) and file
// download links (/files/downloadlink), plus the download of the signed
// URLs those links point to, and annotations of files (/annotations) for
// writing review verdicts back.
//
// A [Client] takes a base URL and an authenticated *http.Client (see
// [HTTPClient]). Every method takes a context first. Non-2xx responses
// become [*APIError]; oversized bodies become [*LimitError]; failures to
// obtain an access token become [*AuthError]. Idempotent calls are retried
// in one place (retry.go) with full-jitter exponential backoff that honours
// Retry-After and the context deadline; calls that create something
// (CreateAnnotations) are retried only after a 429, and CreateSegmentJob
// not at all.
//
// A call whose context carries a person's token source ([WithTokenSource])
// is made with that person's token instead of the client's own, so that CDF
// applies the person's access rights; a 401 to it is retried once after a
// refresh ([Refresher]). So is a 401 to the client's own client-credentials
// token, after the token is dropped and a new one fetched; a static token
// is never retried. With [FlowUser] the client has no identity of its own
// at all. Downloads of signed URLs never carry any token, and follow the
// [DownloadPolicy].
//
// Nothing in this package puts a client secret, an access token or a signed
// download URL into an error message.
package cdf
