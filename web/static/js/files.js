// One file at a time: the job page shows one file of the job, and its
// file list links the others (file= with the rest of the view kept). With
// the script a link, or the , and . keys, opens the file in place: the
// page asks its server for what the view changes (?fragment=view, at the
// link's address), swaps it in and puts the link in the address. When
// that fails, the link is followed. The selected segment (sel) is not
// carried to the other file.

import { fragmentURL, load, imagesLoaded, swap } from "./fragment.js";
import { say } from "./say.js";
import { selection } from "./select.js";

let pending = null; // the request in flight, aborted by the next one

// keepFile writes the file shown into the view form, so that applying it
// keeps the file.
function keepFile(id) {
  const form = document.querySelector('[data-testid="view-form"]');
  if (!form || !id) return;
  let input = form.querySelector('input[name="file"]');
  if (!input) {
    input = document.createElement("input");
    input.type = "hidden";
    input.name = "file";
    form.querySelector("fieldset").appendChild(input);
  }
  input.value = id;
}

// fetchFile loads what the view changes to show the file the link a
// points at, with segment sel selected (none by default: a selection does
// not carry over to another file, which may have fewer segments).
async function fetchFile(a, sel, signal) {
  const u = new URL(a.href, location.href);
  if (sel) u.searchParams.set("sel", String(sel));
  else u.searchParams.delete("sel");
  const content = await load(fragmentURL(u.href, "view"), signal);
  await imagesLoaded(content);
  return { content, href: u.pathname + u.search };
}

// show swaps a fetched file in: the address, the view form's file and
// selection, and the selection itself follow.
function show(a, { content, href }, sel) {
  const files = content.getElementById("files");
  history.replaceState(null, "", files ? files.getAttribute("data-view-url") : href);
  keepFile(a.getAttribute("data-file-id") || new URL(href, location.href).searchParams.get("file"));
  selection.rank = sel || 0;
  const input = document.querySelector('[data-testid="view-form"] input[name="sel"]');
  if (input && !sel) input.remove();
  swap(content);
}

// openFile shows the file the link a points at. The status line, which
// speaks of the file left (its segment 3, say), is cleared.
export function openFile(a) {
  if (pending) pending.abort();
  const request = (pending = new AbortController());
  fetchFile(a, 0, request.signal)
    .then((got) => {
      if (request !== pending) return;
      pending = null;
      show(a, got, 0);
      say("", false);
    })
    .catch(() => {
      if (request !== pending) return;
      pending = null;
      location.assign(a.href);
    });
}

// showFile shows the file of fileId with its segment sel selected, when
// the file list links it; it rejects when that fails (verdicts.js: u
// takes back a verdict given on another file).
export async function showFile(fileId, sel) {
  const a = document.querySelector('a[data-file-link][data-file-id="' + fileId + '"]');
  if (!a) throw new Error("file " + fileId + " is not linked");
  if (pending) pending.abort();
  pending = null;
  show(a, await fetchFile(a, sel), sel);
}

// stepFile opens the next (dir 1) or previous (dir -1) file; it returns
// false when there is none.
export function stepFile(dir) {
  const a = document.querySelector(dir > 0 ? '[data-testid="file-next"]' : '[data-testid="file-prev"]');
  if (!a) return false;
  openFile(a);
  return true;
}

// wireFiles opens the file list's links in place.
export function wireFiles() {
  document.addEventListener("click", (e) => {
    const a = e.target.closest && e.target.closest("a[data-file-link]");
    if (!a || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    openFile(a);
  });
}
