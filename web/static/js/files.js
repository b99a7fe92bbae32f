// One file at a time: the job page shows one file of the job, and its
// file list links the others (file= with the rest of the view kept). With
// the script a link, or the , and . keys, opens the file in place: the
// page asks its server for what the view changes (?fragment=view, at the
// link's address), swaps it in and puts the link in the address. When
// that fails, the link is followed.

import { fragmentURL, load, imagesLoaded, swap } from "./fragment.js";

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

// openFile shows the file the link a points at.
export function openFile(a) {
  const href = a.href;
  const id = a.getAttribute("data-file-id") || new URL(href).searchParams.get("file");
  if (pending) pending.abort();
  const request = (pending = new AbortController());
  load(fragmentURL(href, "view"), request.signal)
    .then(async (content) => {
      await imagesLoaded(content);
      if (request !== pending) return;
      pending = null;
      const files = content.getElementById("files");
      history.replaceState(null, "", files ? files.getAttribute("data-view-url") : href);
      keepFile(id);
      swap(content);
    })
    .catch(() => {
      if (request !== pending) return;
      pending = null;
      location.assign(href);
    });
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
