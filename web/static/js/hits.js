// Hit areas: each file's segment shapes, laid over its image, so that
// pointing at a table row outlines its segment on the image, pointing at a
// segment marks its row and shows its rank and score by the pointer (the
// stage's tip), and clicking a segment selects it (select.js), which
// outlines it on the image.

import { mark } from "./select.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const ROW = '[data-testid="segment-row"]';

// layers holds each file's hit areas (a promise of the SVG) by file id:
// the shapes do not depend on the view, so they move into the parts the
// server swaps in.
const layers = new Map();

// build draws the shapes of a hits.json answer as an SVG stretched to the
// image (the shapes are in 0..1 coordinates).
function build(body) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("class", "hits");
  svg.setAttribute("viewBox", "0 0 1 1");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("data-testid", "hits");
  for (const s of body.segments || []) {
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", s.d);
    path.setAttribute("data-rank", String(s.rank));
    path.setAttribute("data-score", String(s.score));
    path.setAttribute("class", "hit");
    svg.appendChild(path);
  }
  return svg;
}

// place puts a file's hit areas over its image and leaves out the shapes
// of the rows the server marked hidden.
function place(frame, svg) {
  frame.appendChild(svg);
  const file = frame.closest('[data-testid="file"]');
  for (const path of svg.querySelectorAll("path.hit")) {
    const row = file.querySelector(ROW + '[data-rank="' + path.getAttribute("data-rank") + '"]');
    path.classList.toggle("hit-off", !!row && row.getAttribute("data-hidden") === "true");
    path.classList.remove("hit-hover");
  }
}

// shapes fetches a file's hit areas once; null when they cannot be had.
async function shapes(url) {
  try {
    const r = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!r.ok) throw new Error("status " + r.status);
    return build(await r.json());
  } catch {
    return null; // the image still works; only pointing does not
  }
}

async function attach(frame) {
  const file = frame.closest('[data-testid="file"]');
  const id = frame.getAttribute("data-file-id") || (file && file.getAttribute("data-file-id"));
  if (!id) return;
  if (!layers.has(id)) layers.set(id, shapes(frame.getAttribute("data-hits-url")));
  const svg = await layers.get(id);
  // The files may have been swapped while the shapes loaded.
  const now = document.querySelector("#file-" + CSS.escape(id) + " [data-hits-url]");
  if (!svg || !now) return;
  place(now, svg);
  mark();
}

// tip shows the rank and score of the segment under the pointer next to
// it, in the stage that shows the segment; none when hit is null.
function tip(hit, e) {
  for (const el of document.querySelectorAll('[data-testid="stage-tip"]:not([hidden])')) {
    if (!hit || !el.parentElement.contains(hit)) el.hidden = true;
  }
  const stage = hit && hit.closest('[data-testid="stage"]');
  const el = stage && stage.querySelector('[data-testid="stage-tip"]');
  if (!el) return;
  const score = Number(hit.getAttribute("data-score"));
  el.textContent = "Segment " + hit.getAttribute("data-rank") + " · score " + (Number.isFinite(score) ? score.toFixed(2) : "?");
  el.setAttribute("data-rank", hit.getAttribute("data-rank"));
  el.hidden = false;
  const r = stage.getBoundingClientRect();
  // Beside the pointer, kept inside the stage.
  const x = Math.min(e.clientX - r.left + 14, r.width - el.offsetWidth - 4);
  const y = e.clientY - r.top + 16 + el.offsetHeight > r.height ? e.clientY - r.top - el.offsetHeight - 10 : e.clientY - r.top + 16;
  el.style.left = Math.max(4, x) + "px";
  el.style.top = Math.max(4, y) + "px";
}

// highlight marks one file's segment on the image and in the table.
function highlight(target, on) {
  if (!target) return;
  const file = document.getElementById("file-" + target.fileId);
  if (!file) return;
  const row = file.querySelector(ROW + '[data-rank="' + target.rank + '"]');
  const hit = file.querySelector('path.hit[data-rank="' + target.rank + '"]');
  if (row) row.classList.toggle("segment-hover", on);
  if (hit) hit.classList.toggle("hit-hover", on);
}

// pointed is the segment (file and rank) a row or a shape stands for.
function pointed(el) {
  const seg = el && el.closest && el.closest(ROW + ", path.hit");
  const file = seg && seg.closest('[data-testid="file"]');
  return file ? { fileId: file.getAttribute("data-file-id"), rank: seg.getAttribute("data-rank") } : null;
}

const same = (a, b) => a === b || (a && b && a.fileId === b.fileId && a.rank === b.rank);

// wireHits lays the hit areas over the images, now and whenever the
// server swaps the files in, and highlights between rows and shapes while
// the pointer or the focus is on either.
export function wireHits() {
  for (const frame of document.querySelectorAll("[data-hits-url]")) attach(frame);
  let hovered = null;
  document.addEventListener("segview:swap", (e) => {
    highlight(hovered, false);
    hovered = null;
    for (const part of e.detail) {
      for (const frame of part.querySelectorAll("[data-hits-url]")) attach(frame);
    }
  });
  document.addEventListener("mouseover", (e) => {
    const now = pointed(e.target);
    if (same(now, hovered)) return;
    highlight(hovered, false);
    highlight(now, true);
    hovered = now;
  });
  document.addEventListener("mouseout", (e) => {
    if (e.relatedTarget) return;
    highlight(hovered, false);
    hovered = null;
    tip(null);
  });
  document.addEventListener("mousemove", (e) => {
    const hit = e.target.closest && e.buttons === 0 ? e.target.closest("path.hit") : null;
    tip(hit, e);
  });
  document.addEventListener("focusin", (e) => highlight(pointed(e.target), true));
  document.addEventListener("focusout", (e) => highlight(pointed(e.target), false));
}
