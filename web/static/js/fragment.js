// Parts of the job page rendered by the server: the script asks the page's
// own address for a fragment (?fragment=name), which the server renders
// with the same templ components as the whole page, and swaps it in. The
// script computes no markup of its own.

// fragmentURL is the address of the fragment name of the page at url.
export function fragmentURL(url, name) {
  const u = new URL(url, location.href);
  u.searchParams.set("fragment", name);
  return u.pathname + u.search;
}

// FragmentError is a fragment the server refused; status is its HTTP status.
export class FragmentError extends Error {
  constructor(status) {
    super("segview answered HTTP " + status + ".");
    this.status = status;
  }
}

// load fetches a fragment and parses it into a DocumentFragment, inert
// until it is swapped in; signal aborts the request.
export async function load(url, signal) {
  const r = await fetch(url, {
    headers: { Accept: "text/html" }, credentials: "same-origin", cache: "no-store", redirect: "manual", signal,
  });
  // A lost session redirects to sign-in: reload and let the page do it.
  if (r.type === "opaqueredirect") {
    location.reload();
    throw new FragmentError(401);
  }
  if (!r.ok) throw new FragmentError(r.status);
  const t = document.createElement("template");
  t.innerHTML = await r.text();
  return t.content;
}

// imagesLoaded waits for the images of a parsed fragment, so that swapping
// it in does not blank them while they load.
export function imagesLoaded(content) {
  return Promise.all(Array.from(content.querySelectorAll("img[src]"), (img) => {
    const early = new Image();
    early.src = img.getAttribute("src");
    return early.decode().catch(() => {});
  }));
}

// focusTarget describes the focused control by where it sits, so that the
// same control in a swapped-in part can take the focus back.
function focusTarget(el) {
  const testid = el && el.getAttribute && el.getAttribute("data-testid");
  const scope = testid && el.parentElement && el.parentElement.closest("[id]");
  if (!scope) return null;
  const row = el.closest('[data-testid="segment-row"]');
  let sel = "#" + CSS.escape(scope.id);
  if (row && row !== el) sel += ' [data-testid="segment-row"][data-rank="' + row.getAttribute("data-rank") + '"]';
  sel += ' [data-testid="' + testid + '"]';
  if (row === el) sel += '[data-rank="' + row.getAttribute("data-rank") + '"]';
  return { el, sel };
}

// swap puts each top-level element of content in the place of the page's
// element with the same id, keeps the focus on the same control, and
// tells the page's other modules with a "segview:swap" event.
export function swap(content) {
  const focus = focusTarget(document.activeElement);
  const swapped = [];
  for (const el of Array.from(content.children)) {
    const old = el.id && document.getElementById(el.id);
    if (!old) continue;
    old.replaceWith(el);
    swapped.push(el);
  }
  if (focus && !focus.el.isConnected) {
    const again = document.querySelector(focus.sel);
    if (again) again.focus({ preventScroll: true });
  }
  document.dispatchEvent(new CustomEvent("segview:swap", { detail: swapped }));
}
