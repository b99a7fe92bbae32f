// Verdicts and triage save without a reload: the form posts what it posts
// without the script, asking for JSON, and the server then renders the
// file's segments again (?fragment=segments-<file id>), which are swapped
// in; with a verdict filter in the view, the rows and the image change
// with the verdict, so the view's fragment is. A refusal changes nothing
// on the page; the status line says why.
//
// z and x give the selected segment (with none selected, the first without
// a verdict) a verdict and move the selection to the next segment without
// one; u takes the last verdict or triage done on this page back, storing
// the statuses the segments had before (undo stack). A verdict taken back
// on a file no longer shown shows that file again. Verdicts are posted one
// after another, in the order given.

import { showFile } from "./files.js";
import { fragmentURL, imagesLoaded, load, swap } from "./fragment.js";
import { say } from "./say.js";
import { currentFile, select, selection } from "./select.js";

const WORDS = { approved: "approved", rejected: "rejected", suggested: "has no verdict again" };
const ROW = '[data-testid="segment-row"]';

// undo holds what was done on this page, the last on top: verdicts
// (kind "verdict": where it was posted, the segment, the status it had
// before and the one it left) and triages (kind "triage": where its undo
// record is posted, and the body that posts it).
const undo = [];
// pending holds the verdicts posted and not yet answered, by
// "fileId:rank", so that z and x pressed quickly skip those segments.
const pending = new Map();
// chain orders the posts.
let chain = Promise.resolve();

function enqueue(task) {
  chain = chain.then(task, task);
  return chain;
}

// post sends a form body asking for JSON; null when segview could not be
// reached.
async function post(url, body) {
  try {
    const r = await fetch(url, {
      method: "POST", body, credentials: "same-origin", redirect: "manual",
      headers: { Accept: "application/json", "X-CSRF-Token": body.get("csrf_token") || "" },
    });
    return { ok: r.ok, status: r.status, body: await r.json().catch(() => ({})) };
  } catch {
    return null;
  }
}

function refusal(answer) {
  if (!answer) return "segview could not be reached. Nothing was changed; try again.";
  const e = answer.body && answer.body.error;
  return (e && e.message ? e.message : "segview answered HTTP " + answer.status + ".") + (e && e.hint ? " " + e.hint : "");
}

function filtered() {
  return new URL(location.href).searchParams.has("verdict");
}

// refresh renders again what a verdict on the file changes: its segments
// panel, or with a verdict filter the view (rows and image). The review
// progress is updated in place, so that its live region is announced.
async function refresh(fileId, rank) {
  // A file no longer shown (another was opened since) is shown again.
  if (!document.getElementById("file-" + fileId)) {
    await showFile(fileId, rank);
    return;
  }
  const view = filtered();
  const content = await load(fragmentURL(location.href, view ? "view" : "segments-" + fileId));
  if (view) await imagesLoaded(content);
  const fresh = content.querySelector("#review-progress");
  const old = document.getElementById("review-progress");
  if (fresh && old) {
    old.replaceChildren(...fresh.childNodes);
    for (const a of ["data-reviewed", "data-total"]) old.setAttribute(a, fresh.getAttribute(a) || "");
    // A part of its own (segments fragment) is done; inside a part
    // swapped whole (the view's files), the page's element moves in.
    if (fresh.parentNode === content) fresh.remove();
    else fresh.replaceWith(old);
  }
  swap(content);
}

// finished is the sentence the page adds once every segment has a verdict.
function finished() {
  const p = document.querySelector('[data-testid="review-finished"]');
  return p ? " " + p.textContent.replace(/\s+/g, " ").trim() : "";
}

// send posts a verdict form's body to url, then renders the file again
// and says done(answer) in the status line; it returns the answer (ok
// when stored), or null when segview could not be reached.
async function send(form, url, body, fileId, done, rank) {
  form.setAttribute("aria-busy", "true");
  const answer = await post(url, body);
  if (!answer || !answer.ok) {
    form.removeAttribute("aria-busy");
    say("Not saved: " + refusal(answer), true);
    return answer;
  }
  try {
    await refresh(fileId, rank);
  } catch {
    form.removeAttribute("aria-busy");
    say(done(answer.body) + " Reload the page to see it in the table.", false);
    return answer;
  }
  say(done(answer.body) + finished(), false);
  return answer;
}

// triageWords says what a triage did, as the server words it ("approved
// 3, rejected 1, left 2 reviewed segments as they were").
function triageWords(body) {
  if (body.message) return body.message;
  let approved = 0, rejected = 0;
  for (const v of Object.values(body.verdicts || {})) {
    if (v === "approved") approved++;
    else if (v === "rejected") rejected++;
  }
  return "Triage saved. This file now has " + approved + " approved and " + rejected + " rejected segments.";
}

// offerTriageUndo adds an "Undo triage" button to the triage form of
// each file shown whose last triage is in the undo stack: it undoes that
// triage (undoTriage) and leaves the stack's other entries. The button
// follows the stack: it comes back when the file is rendered again, and
// goes once the triage is undone (by the button or by u).
function offerTriageUndo() {
  for (const file of document.querySelectorAll('[data-testid="file"]')) {
    const fileId = file.getAttribute("data-file-id");
    const form = file.querySelector("form.triage");
    if (!form || form.querySelector('[data-testid="triage-undo"]')) continue;
    const entry = undo.findLast((e) => e.kind === "triage" && e.fileId === fileId);
    if (!entry) continue;
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = "Undo triage";
    b.setAttribute("data-testid", "triage-undo");
    b.addEventListener("click", () => {
      b.disabled = true;
      enqueue(() => undoTriage(entry));
    });
    form.append(b);
  }
}

// undoTriage posts a triage's undo record (every segment it changed, with
// its status before) to .../triage/undo, which restores those statuses,
// and takes the triage off the undo stack; lost on the way, it stays.
async function undoTriage(entry) {
  const at = undo.indexOf(entry);
  if (at < 0) return; // undone already
  undo.splice(at, 1);
  const file = document.getElementById("file-" + entry.fileId);
  const form = (file && file.querySelector("form.triage")) || document.createElement("form");
  const answer = await send(form, entry.url, new URLSearchParams(entry.body), entry.fileId, (a) => a.message || "Triage undone.");
  if (!answer) undo.splice(Math.min(at, undo.length), 0, entry);
  else for (const b of document.querySelectorAll('[data-testid="triage-undo"]')) b.remove();
  offerTriageUndo();
}

function statusOf(fileId, row) {
  const key = fileId + ":" + row.getAttribute("data-rank");
  if (pending.has(key)) return pending.get(key);
  return row.getAttribute("data-verdict") || "suggested";
}

// give stores status on the segment rank of the file, and remembers the
// status it had for u; failed runs when it was not stored, and more is
// added to what the status line says when it was.
function give(file, rank, previous, status, failed, more) {
  const fileId = file.getAttribute("data-file-id");
  const form = file.querySelector("form.verdicts");
  if (!form) return;
  const key = fileId + ":" + rank;
  pending.set(key, status);
  const body = new URLSearchParams(new FormData(form));
  body.set("verdict", rank + ":" + status);
  const url = form.getAttribute("action");
  enqueue(async () => {
    const answer = await send(form, url, body, fileId, () => "Segment " + rank + " " + (WORDS[status] || status) + "." + (more || ""));
    pending.delete(key);
    if (!answer || !answer.ok) {
      if (failed) failed();
      return;
    }
    undo.push({ kind: "verdict", url: url + "/undo", token: body.get("csrf_token"), view: body.get("view"), fileId, rank, previous, status });
  });
}

// nextUnreviewed is the rank of the file's first segment after rank
// (wrapping round) that the view shows and that has no verdict, given or
// on its way; 0 when there is none.
function nextUnreviewed(file, rank) {
  const fileId = file.getAttribute("data-file-id");
  const open = Array.from(file.querySelectorAll(ROW))
    .filter((row) => !row.hidden && statusOf(fileId, row) === "suggested")
    .map((row) => Number(row.getAttribute("data-rank")))
    .filter((r) => r !== rank)
    .sort((a, b) => a - b);
  return open.find((r) => r > rank) || open[0] || 0;
}

// decide is z and x: it gives the selected segment the verdict want (a
// segment that has it already keeps it) and selects the next segment
// without a verdict. With none selected, it acts on the file's first
// segment without a verdict that the view shows.
export function decide(want) {
  const file = currentFile();
  if (!file) return;
  const rank = selection.rank || nextUnreviewed(file, 0);
  if (!rank) {
    say("Every segment shown has a verdict. Select one (j or k) to change it.", false);
    return;
  }
  const row = file.querySelector(ROW + '[data-rank="' + rank + '"]');
  if (!row || !file.querySelector("form.verdicts")) return;
  const fileId = file.getAttribute("data-file-id");
  const previous = statusOf(fileId, row);
  const next = nextUnreviewed(file, rank);
  if (previous === want) {
    say("Segment " + rank + " is " + want + " already.", false);
  } else {
    // Not stored: the segment is selected again, to try again. The last
    // of the file's: say how to go on when the job has more files.
    const more = !next && document.querySelector('a[data-testid="file-next"]')
      ? " Every segment of this file has a verdict: . opens the next file." : "";
    give(file, rank, previous, want, () => {
      if (selection.rank === (next || rank)) select(rank, fileId);
    }, more);
  }
  if (next) select(next, fileId);
}

// takeBack is u: it undoes the last verdict or triage done on this page.
export function takeBack() {
  enqueue(async () => {
    if (undo.length > 0 && undo[undo.length - 1].kind === "triage") {
      await undoTriage(undo[undo.length - 1]);
      return;
    }
    const last = undo.pop();
    if (!last) {
      say("Nothing to undo: no verdict was given on this page.", false);
      return;
    }
    const file = document.getElementById("file-" + last.fileId);
    const form = (file && file.querySelector("form.verdicts")) || document.createElement("form");
    const body = new URLSearchParams();
    body.set("csrf_token", last.token);
    body.set("view", last.view);
    body.set("verdict", last.rank + ":" + last.previous);
    body.set("expect", last.status);
    const answer = await send(form, last.url, body, last.fileId,
      () => "Undone: segment " + last.rank + " " + (WORDS[last.previous] || last.previous) + ".", last.rank);
    // Lost on the way, it may be tried again; refused (changed since),
    // it is dropped.
    if (!answer) undo.push(last);
    else if (answer.ok) select(last.rank, last.fileId);
  });
}

export function wireVerdicts() {
  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (form.matches("form.verdicts")) {
      const b = e.submitter;
      if (!b || b.name !== "verdict") return;
      e.preventDefault();
      const file = form.closest('[data-testid="file"]');
      const [rank, status] = b.value.split(":");
      const row = file && file.querySelector(ROW + '[data-rank="' + rank + '"]');
      selection.fileId = file ? file.getAttribute("data-file-id") : selection.fileId;
      if (file && row) give(file, Number(rank), statusOf(file.getAttribute("data-file-id"), row), status);
    } else if (form.matches("form.triage")) {
      e.preventDefault();
      const file = form.closest('[data-testid="file"]');
      const fileId = file.getAttribute("data-file-id");
      selection.fileId = fileId;
      const body = new URLSearchParams(new FormData(form));
      const url = form.getAttribute("action");
      enqueue(async () => {
        const answer = await send(form, url, body, fileId, triageWords);
        if (!answer || !answer.ok || !answer.body.undo) return;
        // What posts its undo record: the form's token and view.
        const again = new URLSearchParams(body);
        for (const k of ["high", "low", "reviewed"]) again.delete(k);
        again.set("undo", answer.body.undo);
        undo.push({ kind: "triage", url: url + "/undo", body: again.toString(), fileId });
        offerTriageUndo();
      });
    }
  });
  document.addEventListener("segview:swap", offerTriageUndo);
}
