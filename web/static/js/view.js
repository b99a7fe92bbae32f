// The view form (min_score, opacity, layers, the rows' Hide boxes):
// without the script a plain GET form; with it each change asks the server
// for what the view changes on the page (?fragment=view: the download
// links and the files, rendered as on the page) and swaps it in, and the
// address becomes the server's own link to the view.

import { fragmentURL, load, imagesLoaded, swap } from "./fragment.js";
import { say } from "./say.js";

// wireView applies the form in place on every change, a quarter of a
// second after typing stops; it returns the function that applies it,
// which reports false when the form is not valid.
export function wireView(form) {
  let pending = null; // the request in flight, aborted by the next one
  let asked = ""; // the query last asked for or shown

  function apply() {
    if (!form.checkValidity()) return false;
    // What the form would send without the script, the rows' Hide boxes
    // included (they belong to it with form="view-form").
    const query = new URLSearchParams(new FormData(form)).toString();
    if (query === asked) return true;
    asked = query;
    if (pending) pending.abort();
    const request = (pending = new AbortController());
    const url = new URL(form.getAttribute("action"), location.href);
    url.search = query;
    load(fragmentURL(url, "view"), request.signal)
      .then(async (content) => {
        await imagesLoaded(content);
        if (request !== pending) return;
        pending = null;
        const files = content.getElementById("files");
        if (files) history.replaceState(null, "", files.getAttribute("data-view-url") + location.hash);
        swap(content);
      })
      .catch((err) => {
        if (request !== pending) return;
        pending = null;
        asked = "";
        say("The view was not applied: " + (err.status ? "segview answered HTTP " + err.status + "." : "segview could not be reached.") + " Try again, or use Apply.", true);
      });
    return true;
  }

  let timer = 0;
  form.addEventListener("change", apply);
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(apply, 250);
  });
  // The rows' "Hide" boxes belong to the form without being inside it:
  // their events do not pass through it. A rank's box in every file
  // follows the one changed, as hide applies to every file.
  document.addEventListener("change", (e) => {
    const box = e.target;
    if (!box.matches || !box.matches('input[name="hide"]') || box.form !== form) return;
    for (const same of document.querySelectorAll('input[name="hide"][value="' + box.value + '"]')) same.checked = box.checked;
    apply();
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!apply()) form.reportValidity();
  });
  return apply;
}
