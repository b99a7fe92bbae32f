// Verdicts and triage save without a reload: the form posts what it posts
// without the script, asking for JSON, and the server then renders the
// file's segments again (?fragment=segments-<file id>), which are swapped
// in. A refusal changes nothing on the page; the status line says why.

import { fragmentURL, load, swap } from "./fragment.js";
import { say } from "./say.js";
import { currentFile, selection } from "./select.js";

const WORDS = { approved: "approved", rejected: "rejected", suggested: "has no verdict again" };

async function send(form, submitter, done) {
  const file = form.closest('[data-testid="file"]');
  const fileId = file.getAttribute("data-file-id");
  selection.fileId = fileId;
  const body = new URLSearchParams(new FormData(form));
  if (submitter && submitter.name) body.set(submitter.name, submitter.value);
  form.setAttribute("aria-busy", "true");
  let answer;
  try {
    const r = await fetch(form.getAttribute("action"), {
      method: "POST", body, credentials: "same-origin", redirect: "manual",
      headers: { Accept: "application/json", "X-CSRF-Token": body.get("csrf_token") || "" },
    });
    answer = { ok: r.ok, status: r.status, body: await r.json().catch(() => ({})) };
  } catch {
    form.removeAttribute("aria-busy");
    say("Not saved: segview could not be reached. Nothing was changed; try again.", true);
    return;
  }
  if (!answer.ok) {
    form.removeAttribute("aria-busy");
    const e = answer.body && answer.body.error;
    say("Not saved: " + (e && e.message ? e.message : "segview answered HTTP " + answer.status + ".") + (e && e.hint ? " " + e.hint : ""), true);
    return;
  }
  try {
    swap(await load(fragmentURL(location.href, "segments-" + fileId)));
  } catch {
    form.removeAttribute("aria-busy");
    say(done(answer.body) + " Reload the page to see it in the table.", false);
    return;
  }
  say(done(answer.body), false);
}

function triageWords(body) {
  let approved = 0, rejected = 0;
  for (const v of Object.values(body.verdicts || {})) {
    if (v === "approved") approved++;
    else if (v === "rejected") rejected++;
  }
  return "Triage saved. This file now has " + approved + " approved and " + rejected + " rejected segments.";
}

// toggleVerdict is z and x: it presses the selected segment's approve or
// reject button in the current file, which takes the verdict back when
// the segment already has it, as the server rendered the button.
export function toggleVerdict(want) {
  const file = currentFile();
  if (!file || !selection.rank) {
    say("Select a segment first (j or k), then press z or x.", true);
    return;
  }
  const row = file.querySelector('[data-testid="segment-row"][data-rank="' + selection.rank + '"]');
  const button = row && row.querySelector(want === "approved" ? '[data-testid="approve"]' : '[data-testid="reject"]');
  if (button && button.form) button.form.requestSubmit(button);
}

export function wireVerdicts() {
  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (form.matches("form.verdicts")) {
      const b = e.submitter;
      if (!b || b.name !== "verdict") return;
      e.preventDefault();
      const [rank, status] = b.value.split(":");
      send(form, b, () => "Segment " + rank + " " + (WORDS[status] || status) + ".");
    } else if (form.matches("form.triage")) {
      e.preventDefault();
      send(form, null, triageWords);
    }
  });
}
