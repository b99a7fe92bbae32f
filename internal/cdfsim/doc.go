// Package cdfsim is a small, faithful simulator of the parts of Cognite Data
// Fusion (CDF) that segview talks to: the OAuth2 client-credentials token
// endpoint, the vision segmentation jobs (/context/vision/segment), the files
// metadata and download-link endpoints, the signed download URLs those
// links point at, and the Annotations API that review verdicts are written
// back to.
//
// It is a real HTTP server speaking the CDF wire format (see
// shared/cdf-api.md), not a mock of segview's client: it defines its own wire
// structs so that the client in internal/cdf is tested against an independent
// implementation. Tests mount it with [Server.Start] or through an
// httptest.Server; cmd/cdfsim runs it on its own as the built-in demo.
//
// # Routes
//
//	POST /oauth2/token                                   client_credentials grant
//	POST /api/v1/projects/{project}/context/vision/segment        start a job
//	GET  /api/v1/projects/{project}/context/vision/segment/{id}   job status/results
//	POST /api/v1/projects/{project}/files/byids                   file metadata
//	GET  /api/v1/projects/{project}/files/{id}                    one file's metadata
//	POST /api/v1/projects/{project}/files/downloadlink            signed download URLs
//	POST /api/v1/projects/{project}/annotations                   create (annotationsAcl:WRITE)
//	POST /api/v1/projects/{project}/annotations/suggest           create as suggested (annotationsAcl:SUGGEST)
//	POST /api/v1/projects/{project}/annotations/list              list by file (annotationsAcl:READ)
//	POST /api/v1/projects/{project}/annotations/byids             retrieve (annotationsAcl:READ)
//	GET  /api/v1/projects/{project}/annotations/{id}              retrieve one (annotationsAcl:READ)
//	POST /api/v1/projects/{project}/annotations/update            set status, data, annotationType (annotationsAcl:WRITE)
//	POST /api/v1/projects/{project}/annotations/delete            delete (annotationsAcl:WRITE)
//	GET  /api/v1/token/inspect                                    subject, projects and capabilities of the token
//	GET  /download/{opaque}?exp=<unix>&sig=<hmac>                 file bytes, no bearer
//	GET|POST|DELETE /_sim/faults[/{id}]                           fault injection (no auth)
//	GET  /_sim/capabilities                                       revoked capabilities (no auth)
//	POST /_sim/capabilities/revoke|restore                        {"capability":"annotationsAcl:WRITE"}
//
// Every project route needs filesAcl:READ ([CapFilesRead]); the annotation
// routes also need [CapAnnotationsRead] or [CapAnnotationsWrite]. A missing
// capability answers 403 naming it.
//
// # Annotations
//
// The simulator stores images.ObjectDetection annotations of its files and
// checks every request as CDF documents it (shared/cdf-api.md §8.1),
// answering 400 with CDF's error body otherwise: 1 to 1000 items, unknown
// JSON fields refused at every level; on create every field present
// (creatingUser may be null), creatingAppVersion valid SemVer 2.0.0,
// status suggested, approved or rejected, annotatedResourceType "file" or
// "threedmodel", the annotated resource existing (else "missing"; the
// simulator has no 3D models), and data with a label, confidences in 0..1,
// exactly one of a bounding box (in 0..1, min < max), a polygon (3 to 1000
// vertices in 0..1) and a polyline (2 to 1000), and numerical or boolean
// attributes. Other CDF annotation types answer 400 "not supported by the
// simulator". Updates set status, data, or annotationType together with
// data; byids, update and delete answer "missing" for unknown ids and
// "duplicated" for repeated ones. Writes are all or nothing. Lists need
// the filter's annotatedResourceType and annotatedResourceIds, are
// ordered by id, 25 per page unless limit says otherwise (1 to 1000), with
// an opaque nextCursor while more remain (null after the last page);
// cursors the simulator did not issue are refused. GET /annotations/{id}
// of an unknown id answers 400 with "missing", the only failure CDF
// documents for it. [Server.AnnotationStatuses] shows tests what was
// written.
//
// Every response carries a fresh x-request-id header. API errors use the CDF
// error body {"error":{"code":N,"message":"...","missing":[...]}}; the token
// endpoint answers in the OAuth2 error shape; downloads answer errors like a
// cloud storage bucket does (XML), not like CDF.
//
// # Projects
//
// The simulator serves Options.Project (the default project, which the Go
// helpers such as [Server.AddFile], [Server.Job] and [Server.DemoJobs] use)
// and each of Options.Projects. Every project has its own files, jobs and
// annotations, with ids per project as in CDF: the same job or file id may
// name different things in two projects ([Server.AddFileTo],
// [Server.AddJobTo], [Server.JobIn], [Server.AnnotationStatusesIn],
// [Server.DemoJobsIn]). A download link serves the file of the project it
// was made in. A request for a project the simulator does not serve, or
// one the caller cannot reach, answers 403 "Resource not found. This may
// also be due to insufficient access rights." (shared/cdf-api.md §5.4).
// The service principal reaches every served project; a person reaches
// the projects Options.UserProjects lists for their sub or email, or every
// served project when not listed.
//
// GET /api/v1/token/inspect answers as CDF documents it: the subject (the
// client id for the service principal), the projects the holder reaches as
// {"projectUrlName","groups"} (the simulator has no groups: always []),
// and capabilities such as {"filesAcl":{"actions":["READ"],"scope":{"all":{}}},
// "projectScope":{"projects":[...]}}. A missing or invalid token is 401.
// CDF requires the IDENTITY scope and projectsAcl:LIST and groupsAcl:LIST;
// the simulator does not model scopes, and holds those two capabilities
// for every principal unless revoked, which makes inspection answer 403.
//
// # People's tokens
//
// With Options.OIDCIssuer the API also accepts bearer JWTs that an OpenID
// Connect provider issued to people (signature by the provider's JWKS,
// issuer, audience Options.OIDCAudience, expiry), and grants each person the
// capabilities of Options.UserCapabilities: without filesAcl:READ every
// project route answers 403, as CDF does for a person outside the right
// groups. Tests use it to check that segview calls CDF as the signed-in
// person; [Server.PersonRequests] counts those calls.
//
// [Server.RevokeCapability] (or POST /_sim/capabilities/revoke) takes a
// capability away from everyone, the client-credentials service principal
// included, until it is restored: tests and demos use it to show what
// segview does when, say, annotationsAcl:WRITE is missing.
//
// # Time
//
// All time comes from Options.Now, so tests can move a fake clock forward to
// expire tokens and links or to walk a job through Queued, Running and
// Completed without sleeping.
//
// # Fault injection over HTTP
//
// POST /_sim/faults takes a JSON [Fault] with lower-camel-case keys:
//
//	{"match":"/context/vision/segment","status":503,"retryAfter":"1","times":2}
//	{"match":"/files/byids","latency":"1.5s"}          // or "latency":1500 (milliseconds)
//	{"match":"/download/","reset":true,"probability":0.3}
//
// and answers {"id":N}. DELETE /_sim/faults clears every fault,
// DELETE /_sim/faults/{id} removes one, GET /_sim/faults lists them.
package cdfsim
