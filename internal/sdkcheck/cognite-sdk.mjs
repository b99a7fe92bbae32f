// Runs Cognite's own JavaScript SDK (@cognite/sdk) against a CDF endpoint
// (the simulator, in sdkcheck_test.go) and prints one JSON object on
// stdout: {"sdkVersion": "...", "checks": [{"name", "ok", "detail"}]}.
// Exit status 0 means the checks ran; whether they passed is in the JSON.
//
// Environment: SEGVIEW_COGNITE_SDK (the installed @cognite/sdk package
// directory), CDF_URL, CDF_PROJECT, IDP_TOKEN_URL, IDP_CLIENT_ID,
// IDP_CLIENT_SECRET, and the fixtures SDKCHECK_FILE_ID,
// SDKCHECK_FILE_EXTERNAL_ID, SDKCHECK_JOB_ID, SDKCHECK_MISSING_JOB_ID.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const sdkDir = env('SEGVIEW_COGNITE_SDK');
const pkg = JSON.parse(await readFile(join(sdkDir, 'package.json'), 'utf8'));
const sdk = await import(pathToFileURL(join(sdkDir, pkg.module ?? pkg.main)).href);
const { CogniteClient, CogniteError, HttpError, CogniteMultiError } = sdk;

const baseUrl = env('CDF_URL');
const project = env('CDF_PROJECT');
const fileId = Number(env('SDKCHECK_FILE_ID'));
const fileExternalId = env('SDKCHECK_FILE_EXTERNAL_ID');
const jobId = Number(env('SDKCHECK_JOB_ID'));
const missingJobId = Number(env('SDKCHECK_MISSING_JOB_ID'));

// The client-credentials grant, as any OAuth2 client would send it.
async function clientCredentialsToken() {
  const res = await fetch(env('IDP_TOKEN_URL'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: env('IDP_CLIENT_ID'),
      client_secret: env('IDP_CLIENT_SECRET'),
    }),
  });
  if (!res.ok) throw new Error(`token endpoint answered ${res.status}`);
  return (await res.json()).access_token;
}

const token = await clientCredentialsToken();
const client = new CogniteClient({
  appId: 'segview-sdkcheck',
  project,
  baseUrl,
  oidcTokenProvider: async () => token,
});

const checks = [];
async function check(name, fn) {
  try {
    const detail = await fn();
    checks.push({ name, ok: true, detail: detail ?? null });
  } catch (err) {
    checks.push({ name, ok: false, detail: describe(err) });
  }
}

function describe(err) {
  if (err instanceof CogniteError || err instanceof HttpError || err instanceof CogniteMultiError) {
    return { error: errorClass(err), status: err.status, message: err.message, requestId: err.requestId ?? null };
  }
  return { error: String(err?.stack ?? err) };
}

// errorClass names the SDK's error classes (the bundle minifies their
// constructor names).
function errorClass(err) {
  if (err instanceof CogniteMultiError) return 'CogniteMultiError';
  if (err instanceof CogniteError) return 'CogniteError';
  if (err instanceof HttpError) return 'HttpError';
  return err?.constructor?.name ?? typeof err;
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

// expectHttpError runs fn, which must fail with one of the SDK's HTTP
// errors of the given status, and returns what the error carries. The SDK
// turns a CDF error body into a CogniteError (status, message, requestId
// from x-request-id, missing, duplicated), wrapped in a CogniteMultiError
// by the calls that take items; a 401 it cannot cure with a new token
// stays the transport's HttpError.
async function expectHttpError(fn, status) {
  try {
    await fn();
  } catch (err) {
    const inner = err instanceof CogniteMultiError ? err.errors?.[0] : err;
    assert(inner instanceof CogniteError || inner instanceof HttpError,
      `want an HTTP error, got ${errorClass(err)}: ${err?.message}`);
    assert(inner.status === status, `want status ${status}, got ${inner.status}: ${inner.message}`);
    return {
      class: errorClass(err) + (inner === err ? '' : `(${errorClass(inner)})`),
      status: inner.status,
      requestId: inner.requestId ?? null,
      missing: inner.missing ?? null,
      duplicated: inner.duplicated ?? null,
    };
  }
  throw new Error(`want an HTTP error ${status}, the call succeeded`);
}

const jobPath = (id) => `/api/v1/projects/${encodeURIComponent(project)}/context/vision/segment/${id}`;
const alpha = { headers: { 'cdf-version': 'alpha' } };

await check('files.retrieve', async () => {
  const files = await client.files.retrieve([{ id: fileId }, { externalId: fileExternalId }]);
  assert(files.length === 2, `want 2 files, got ${files.length}`);
  assert(files[0].id === fileId && files[1].externalId === fileExternalId, 'files answered out of order');
  assert(files[0].createdTime instanceof Date && !Number.isNaN(files[0].createdTime.getTime()), 'createdTime is not a date');
  return { ids: files.map((f) => f.id), name: files[0].name, mimeType: files[0].mimeType };
});

await check('files.retrieve unknown id', async () => {
  const err = await expectHttpError(() => client.files.retrieve([{ id: 404 }]), 400);
  assert(JSON.stringify(err.missing) === JSON.stringify([{ id: 404 }]), `missing = ${JSON.stringify(err.missing)}`);
  const ignored = await client.files.retrieve([{ id: 404 }, { id: fileId }], { ignoreUnknownIds: true });
  assert(ignored.length === 1 && ignored[0].id === fileId, `ignoreUnknownIds gave ${ignored.length} files`);
  return err;
});

await check('files.getDownloadUrls and download', async () => {
  const links = await client.files.getDownloadUrls([{ id: fileId }]);
  assert(links.length === 1 && links[0].id === fileId, `links = ${JSON.stringify(links)}`);
  // The link is a signed URL: fetched without the CDF token, as the SDK's
  // own docs do.
  const res = await fetch(links[0].downloadUrl);
  assert(res.ok, `download answered ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => bytes[i] === b);
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  assert(png || jpeg, 'the download is neither PNG nor JPEG');
  return { bytes: bytes.length, contentType: res.headers.get('content-type'), format: png ? 'png' : 'jpeg' };
});

await check('segment job read with client.get', async () => {
  const res = await client.get(jobPath(jobId), alpha);
  const job = res.data;
  assert(res.status === 200, `status ${res.status}`);
  assert(job.jobId === jobId && job.status === 'Completed', `job ${job.jobId} is ${job.status}`);
  const segs = job.items?.[0]?.segments ?? [];
  assert(segs.length > 0 && segs[0].polygons[0].vertices.length >= 3, 'no segments with polygons');
  return { jobId: job.jobId, status: job.status, segments: segs.length };
});

await check('segment job create with client.post', async () => {
  const res = await client.post(`/api/v1/projects/${encodeURIComponent(project)}/context/vision/segment`, {
    ...alpha,
    data: { items: [{ fileId }], points: [{ x: 0.5, y: 0.5, label: 1 }] },
  });
  assert(res.status === 200 && Number.isInteger(res.data.jobId), `answered ${res.status}`);
  const read = await client.get(jobPath(res.data.jobId), alpha);
  assert(read.data.jobId === res.data.jobId, 'the new job cannot be read back');
  return { jobId: res.data.jobId, status: read.data.status };
});

await check('missing job gives CogniteError with requestId', async () => {
  const err = await expectHttpError(() => client.get(jobPath(missingJobId), alpha), 400);
  assert(typeof err.requestId === 'string' && err.requestId !== '', 'the HttpError has no requestId');
  return err;
});

await check('bad token gives 401', async () => {
  const bad = new CogniteClient({ appId: 'segview-sdkcheck', project, baseUrl, oidcTokenProvider: async () => 'not-a-token' });
  return expectHttpError(() => bad.files.retrieve([{ id: fileId }]), 401);
});

const annotation = (creatingAppVersion) => ({
  annotatedResourceType: 'file',
  annotatedResourceId: fileId,
  annotationType: 'images.ObjectDetection',
  creatingApp: 'segview-sdkcheck',
  creatingAppVersion,
  creatingUser: null,
  status: 'suggested',
  data: {
    label: 'segment',
    confidence: 0.8,
    polygon: { vertices: [{ x: 0.1, y: 0.1 }, { x: 0.6, y: 0.1 }, { x: 0.4, y: 0.7 }] },
    attributes: { segviewRank: { type: 'numerical', value: 1 } },
  },
});

await check('annotations round trip', async () => {
  const [created] = await client.annotations.create([annotation('1.0.0')]);
  assert(Number.isInteger(created.id) && created.status === 'suggested', `created ${JSON.stringify(created)}`);
  const steps = { created: created.id };

  const listed = await client.annotations.list({
    filter: { annotatedResourceType: 'file', annotatedResourceIds: [{ id: fileId }], creatingApp: 'segview-sdkcheck' },
    limit: 10,
  });
  assert(listed.items.some((a) => a.id === created.id), 'list with the filter does not return the new annotation');
  steps.listed = listed.items.length;

  const [updated] = await client.annotations.update([{ id: created.id, update: { status: { set: 'approved' } } }]);
  assert(updated.id === created.id && updated.status === 'approved', `updated to ${updated.status}`);

  const [retrieved] = await client.annotations.retrieve([{ id: created.id }]);
  assert(retrieved.status === 'approved' && retrieved.creatingAppVersion === '1.0.0', `retrieved ${JSON.stringify(retrieved)}`);
  assert(JSON.stringify(retrieved.data.polygon.vertices.map((v) => [v.x, v.y])) === '[[0.1,0.1],[0.6,0.1],[0.4,0.7]]',
    'the polygon did not survive the round trip');
  steps.retrieved = retrieved.status;
  const one = await client.get(`/api/v1/projects/${encodeURIComponent(project)}/annotations/${created.id}`);
  assert(one.data.id === created.id && one.data.status === 'approved', `GET annotations/${created.id} = ${JSON.stringify(one.data)}`);

  const deleted = await client.annotations.delete([{ id: created.id }]);
  assert(JSON.stringify(deleted) === '{}', `delete answered ${JSON.stringify(deleted)}`);
  const gone = await expectHttpError(() => client.annotations.retrieve([{ id: created.id }]), 400);
  assert(JSON.stringify(gone.missing) === JSON.stringify([{ id: created.id }]), `after delete, missing = ${JSON.stringify(gone.missing)}`);
  steps.deleted = true;
  return steps;
});

await check('annotation with a non-SemVer creatingAppVersion is refused', async () => {
  const refused = {};
  for (const v of ['dev', 'v1.2.3', '1.2']) {
    refused[v] = (await expectHttpError(() => client.annotations.create([annotation(v)]), 400)).status;
  }
  return refused;
});

// The SDK's HTTP client treats /api/v1/token/inspect apart (a 401 there is
// not answered with a new token); segview's home page for SEGVIEW_PROJECTS=*
// reads the projects from it.
await check('token inspect with client.get', async () => {
  const res = await client.get('/api/v1/token/inspect');
  const names = (res.data.projects ?? []).map((p) => p.projectUrlName);
  assert(typeof res.data.subject === 'string' && res.data.subject !== '', 'no subject');
  assert(names.includes(project), `projects ${JSON.stringify(names)} lack ${project}`);
  assert(Array.isArray(res.data.capabilities), 'no capabilities');
  return { projects: names };
});

process.stdout.write(JSON.stringify({ sdkVersion: pkg.version, checks }) + '\n');
