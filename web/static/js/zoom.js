// The image stage (stage.templ): zoom and pan over the overlay, with the
// plain photo under it (h shows it: keys.js puts overlays-off on the root)
// and the compare slider (compare.js).
//
// The view is zoom, a factor over the image fitted to the stage (1 to
// MAX), and at, the image point (normalized, y down) at the stage's centre:
// the URL's zoom= and at=, which the server validates and keeps in the
// links it builds. The image is placed with a CSS transform; the wheel (and
// a pinch, which Chromium sends as ctrl+wheel, or two pointers) zooms
// around the pointer, a drag pans, + and - zoom around the centre, 0 fits,
// and the arrow keys pan a zoomed image.
// Once the view rests (a short debounce after the last change), the address,
// the view form, the page's links to job pages and, when the image is shown
// larger than its loaded pixels, a sharp crop of the visible part follow.

import { clipInk, wireCompare } from "./compare.js";

export const MAX = 64;
const STEP = 1.25; // a key press or a button
const NUDGE = 0.1; // an arrow key pans a tenth of the stage
const REST_MS = 200;

// view is the page's one zoom and place, shared by its stages.
const view = { zoom: 1, cx: 0.5, cy: 0.5 };

function fromURL() {
  const q = new URL(location.href).searchParams;
  const z = Number(q.get("zoom"));
  const at = (q.get("at") || "").split(",").map(Number);
  if (z > 1 && z <= MAX) {
    view.zoom = z;
    if (at.length === 2 && at.every((n) => n >= 0 && n <= 1)) [view.cx, view.cy] = at;
  }
}

const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);
const round = (v, d) => Number(v.toFixed(d));

// stages holds each wired stage element's state.
const stages = new Map();

// geometry is where stage s shows the image: the stage's size (W, H), the
// fitted image's (fw, fh), and the transform (tx, ty, z). It clamps the
// view's centre so that a zoomed image covers the stage where it can; a
// stage without a size (not laid out, or taken off the page by a swap)
// leaves the view as it is.
function geometry(s) {
  const W = s.el.clientWidth, H = s.el.clientHeight;
  const nw = s.nw, nh = s.nh;
  const fit = Math.min(W / nw, H / nh);
  const fw = nw * fit, fh = nh * fit, z = view.zoom;
  const sized = s.el.isConnected && W > 0 && H > 0;
  const half = (stage, size, c) => (!sized ? c : z * size <= stage ? 0.5 : clamp(c, stage / (2 * z * size), 1 - stage / (2 * z * size)));
  view.cx = half(W, fw, view.cx);
  view.cy = half(H, fh, view.cy);
  return { W, H, fw, fh, z, tx: W / 2 - view.cx * z * fw, ty: H / 2 - view.cy * z * fh };
}

// place applies the view to stage s.
function place(s) {
  if (!s.ready || !s.el.isConnected) return;
  const g = geometry(s);
  s.g = g;
  const v = s.el.querySelector(".stage-view");
  v.style.width = g.fw + "px";
  v.style.height = g.fh + "px";
  v.style.transform = "translate(" + g.tx + "px, " + g.ty + "px) scale(" + g.z + ")";
  s.el.classList.toggle("stage-zoomed", g.z > 1);
  const level = s.el.querySelector('[data-testid="zoom-level"]');
  // The level says how large the image's loaded pixels are shown.
  if (level) {
    const pct = Math.round(100 * g.z * g.fw / s.nw);
    level.textContent = pct + "%";
    level.title = "Zoom " + round(g.z, 2) + "× the fitted image; its loaded pixels shown at " + pct + "%";
  }
  clipInk(s.el, g);
}

function placeAll() {
  for (const s of stages.values()) place(s);
  rest();
}

// zoomAt zooms stage s to factor z keeping the image point under the stage
// point (px, py) where it is.
function zoomAt(s, px, py, z) {
  if (!s.ready) return;
  const g = s.g || geometry(s);
  z = clamp(z, 1, MAX);
  if (z < 1.001) z = 1;
  const u = (px - g.tx) / (g.z * g.fw), v = (py - g.ty) / (g.z * g.fh);
  view.zoom = z;
  view.cx = (g.W / 2 - (px - u * z * g.fw)) / (z * g.fw);
  view.cy = (g.H / 2 - (py - v * z * g.fh)) / (z * g.fh);
  placeAll();
}

// panBy moves the image of stage s by (dx, dy) stage pixels.
function panBy(s, dx, dy) {
  const g = s.g;
  if (!g) return;
  view.cx -= dx / (g.z * g.fw);
  view.cy -= dy / (g.z * g.fh);
  placeAll();
}

function centre(s, factor) {
  const g = s.g || geometry(s);
  zoomAt(s, g.W / 2, g.H / 2, factor === 0 ? 1 : view.zoom * factor);
}

// The view rests: the address, the form and the links follow, and crops load.
let timer = 0;
function rest() {
  clearTimeout(timer);
  timer = setTimeout(() => {
    // The view snaps to what its URL says, so that the copied link shows
    // exactly this.
    view.zoom = round(view.zoom, 3);
    view.cx = round(view.cx, 4);
    view.cy = round(view.cy, 4);
    for (const s of stages.values()) place(s);
    keep();
    for (const s of stages.values()) sharpen(s);
  }, REST_MS);
}

// params is the view as the URL writes it: none when fitted.
function params() {
  if (view.zoom <= 1) return null;
  return { zoom: String(round(view.zoom, 3)), at: round(view.cx, 4) + "," + round(view.cy, 4) };
}

function setPlace(u, p) {
  if (p) {
    u.searchParams.set("zoom", p.zoom);
    u.searchParams.set("at", p.at);
  } else {
    u.searchParams.delete("zoom");
    u.searchParams.delete("at");
  }
  u.searchParams.sort();
}

// keep writes the view into the address, the view form's zoom and at
// fields (so that its next request keeps them), and the page's links to
// job pages (file strip, rank links, queue neighbours), as the server
// would have written them.
function keep() {
  const p = params();
  const here = new URL(location.href);
  setPlace(here, p);
  if (here.href !== location.href) history.replaceState(history.state, "", here.pathname + here.search + here.hash);
  for (const name of ["zoom", "at"]) {
    const input = document.querySelector('[data-testid="view-form"] input[name="' + name + '"]');
    if (!input) continue;
    input.value = p ? p[name] : "";
    input.disabled = !p;
  }
  for (const a of document.querySelectorAll("a[href]")) {
    const u = new URL(a.href, location.href);
    if (u.origin !== location.origin || !/^\/projects\/[^/]+\/jobs\/\d+$/.test(u.pathname)) continue;
    const before = u.href;
    setPlace(u, p);
    if (u.href !== before) a.setAttribute("href", u.pathname + u.search + u.hash);
  }
}

// cropURL adds crop and width to an image URL.
function cropURL(base, rect, width) {
  const u = new URL(base, location.href);
  u.searchParams.set("crop", rect.join(","));
  u.searchParams.set("width", String(width));
  return u.pathname + "?" + u.searchParams.toString();
}

// sharpen loads a crop of the visible part of the image at the stage's
// device pixels when the image is shown larger than its loaded pixels, so
// that they come from the source rather than from upscaling; the server
// never scales a crop up, so past the source's resolution it sends the
// source's own pixels. The old crop stays until the new one has loaded.
// Once a crop has come back narrower than asked (the source's own width),
// an image whose loaded pixels are all the source has gets no more crops.
function sharpen(s) {
  if (!s.ready || !s.g) return;
  const g = s.g, dpr = window.devicePixelRatio || 1;
  const overlay = s.el.querySelector('img[data-testid="overlay"]');
  const loaded = overlay.naturalWidth;
  const x0 = clamp(-g.tx / (g.z * g.fw), 0, 1), x1 = clamp((g.W - g.tx) / (g.z * g.fw), 0, 1);
  const y0 = clamp(-g.ty / (g.z * g.fh), 0, 1), y1 = clamp((g.H - g.ty) / (g.z * g.fh), 0, 1);
  const out = (v) => Math.floor(v * 1e4) / 1e4, up = (v) => Math.ceil(v * 1e4) / 1e4;
  const rect = [out(x0), out(y0), up(x1), up(y1)];
  // An overlay narrower than asked is as wide as the server sends any
  // image (the source's width or SEGVIEW_MAX_OVERLAY_WIDTH): no crop is
  // wider. A crop is worth it only with more pixels than the overlay has
  // over the same part.
  const cap = loaded < Number(s.el.dataset.width) ? loaded : 4096;
  const width = Math.min(cap, Math.round((rect[2] - rect[0]) * g.z * g.fw * dpr));
  const worth = width > (rect[2] - rect[0]) * loaded * 1.01 && !(s.sourceW && s.sourceW <= loaded * 1.01);
  if (!worth || rect[2] - rect[0] < 0.002 || rect[3] - rect[1] < 0.002) {
    // Past the source's pixels the crop shown still helps; below the
    // overlay's it is only a copy.
    if (g.z * g.fw * dpr <= loaded * 1.01) {
      for (const old of s.el.querySelectorAll("img.stage-crop")) old.remove();
      s.crop = "";
      delete s.el.dataset.crop;
    }
    return;
  }
  const key = rect.join(",") + "@" + width;
  if (key === s.crop) return;
  s.crop = key;
  // The crop last asked for, for tests to wait on.
  s.el.dataset.crop = rect.join(",");
  const layers = [
    ["overlay", s.el.dataset.overlayBase, s.el.querySelector(".stage-ink")],
    ["photo", s.el.dataset.photoBase, s.el.querySelector(".stage-view")],
  ];
  for (const [kind, base, parent] of layers) {
    const img = document.createElement("img");
    img.className = "stage-crop stage-crop-pending";
    img.alt = "";
    img.setAttribute("data-testid", "stage-crop-" + kind);
    img.setAttribute("data-crop", rect.join(","));
    img.style.left = rect[0] * 100 + "%";
    img.style.top = rect[1] * 100 + "%";
    img.style.width = (rect[2] - rect[0]) * 100 + "%";
    img.style.height = (rect[3] - rect[1]) * 100 + "%";
    img.addEventListener("load", () => {
      if (kind === "overlay" && img.naturalWidth < width) s.sourceW = img.naturalWidth / (rect[2] - rect[0]);
      if (s.crop !== key) { img.remove(); return; }
      for (const old of parent.querySelectorAll(':scope > img[data-testid="stage-crop-' + kind + '"]')) if (old !== img) old.remove();
      img.classList.remove("stage-crop-pending");
      s.el.dispatchEvent(new CustomEvent("segview:crop", { bubbles: true, detail: { kind, src: img.getAttribute("src") } }));
    });
    img.addEventListener("error", () => img.remove());
    img.src = cropURL(base, rect, width);
    // The photo's crop goes right above the photo, the overlay's above it.
    if (kind === "photo") parent.querySelector(".stage-photo").after(img);
    else parent.appendChild(img);
  }
}

// point is the pointer's position in the stage.
function point(s, e) {
  const r = s.el.getBoundingClientRect();
  return [e.clientX - r.left, e.clientY - r.top];
}

function wirePointer(s) {
  const el = s.el;
  el.addEventListener("wheel", (e) => {
    if (!s.ready || e.target.closest(".stage-bar")) return;
    e.preventDefault();
    const lines = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1;
    // A pinch (ctrl+wheel) sends small deltas; it zooms faster per unit.
    const rate = e.ctrlKey ? 0.01 : 0.002;
    const [px, py] = point(s, e);
    zoomAt(s, px, py, view.zoom * Math.exp(-e.deltaY * lines * rate));
  }, { passive: false });

  const pointers = new Map(); // pointerId → [x, y]
  let moved = 0, pinch = null;
  el.addEventListener("pointerdown", (e) => {
    if (!s.ready || e.button !== 0 || e.target.closest(".stage-bar")) return;
    pointers.set(e.pointerId, point(s, e));
    if (pointers.size === 1) moved = 0;
    pinch = null;
  });
  el.addEventListener("pointermove", (e) => {
    const last = pointers.get(e.pointerId);
    if (!last) return;
    const now = point(s, e);
    pointers.set(e.pointerId, now);
    // The pointer is captured once it drags, not on the press, so that a
    // click still reaches the segment under it (select.js).
    if (!el.hasPointerCapture(e.pointerId)) {
      el.setPointerCapture(e.pointerId);
      el.classList.add("stage-dragging");
    }
    if (pointers.size === 1) {
      moved += Math.abs(now[0] - last[0]) + Math.abs(now[1] - last[1]);
      if (view.zoom > 1) panBy(s, now[0] - last[0], now[1] - last[1]);
      return;
    }
    // Two pointers: zoom by the change of their distance, around their middle.
    const [a, b] = Array.from(pointers.values());
    const dist = Math.hypot(a[0] - b[0], a[1] - b[1]);
    const mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    if (pinch && pinch.dist > 0) {
      zoomAt(s, mid[0], mid[1], view.zoom * dist / pinch.dist);
      panBy(s, mid[0] - pinch.mid[0], mid[1] - pinch.mid[1]);
    }
    pinch = { dist, mid };
    moved += 10;
  });
  const up = (e) => {
    if (!pointers.delete(e.pointerId)) return;
    pinch = null;
    if (pointers.size === 0) el.classList.remove("stage-dragging");
  };
  el.addEventListener("pointerup", up);
  el.addEventListener("pointercancel", up);
  // A drag is not a click: it selects no segment.
  el.addEventListener("click", (e) => {
    if (moved > 4) {
      e.stopPropagation();
      e.preventDefault();
    }
    moved = 0;
  }, true);

  el.querySelector(".stage-bar").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-zoom]");
    if (!b) return;
    const z = b.getAttribute("data-zoom");
    centre(s, z === "in" ? STEP : z === "out" ? 1 / STEP : 0);
  });
}

// ready starts stage s once its overlay has loaded (its size is known):
// the photo loads under it, and the view applies.
function start(s) {
  const overlay = s.el.querySelector('img[data-testid="overlay"]');
  if (!overlay || !overlay.naturalWidth) return;
  s.nw = overlay.naturalWidth;
  s.nh = overlay.naturalHeight;
  s.el.style.setProperty("--stage-aspect", s.nw + " / " + s.nh);
  const photo = s.el.querySelector('img[data-testid="stage-photo"]');
  if (photo && !photo.getAttribute("src") && s.el.dataset.photoUrl) photo.src = s.el.dataset.photoUrl;
  if (photo) photo.hidden = false;
  s.el.classList.add("stage-on");
  s.el.querySelector('[data-testid="stage-bar"]').hidden = false;
  s.ready = true;
  place(s);
  sharpen(s);
}

function attach(el) {
  const s = { el, ready: false, crop: "" };
  stages.set(el, s);
  wirePointer(s);
  wireCompare(el, () => place(s));
  const overlay = el.querySelector('img[data-testid="overlay"]');
  if (overlay.complete) start(s);
  else overlay.addEventListener("load", () => start(s), { once: true });
  // A stage swapped off the page shrinks to nothing: it stops placing,
  // and leaves the view to the stage that took its place.
  const resized = new ResizeObserver(() => {
    if (!el.isConnected) { resized.disconnect(); return; }
    if (s.ready) { place(s); rest(); }
  });
  resized.observe(el);
}

function typing(el) {
  if (!el || !el.tagName) return false;
  const tag = el.tagName.toLowerCase();
  return (tag === "input" && el.type !== "range") || tag === "textarea" || tag === "select" || el.isContentEditable;
}

// current is the stage the keys act on: the one under the pointer or
// holding the focus, else the first on the page.
let hovered = null;
function current() {
  for (const s of stages.values()) if (s.el.contains(document.activeElement)) return s;
  return (hovered && stages.get(hovered)) || stages.values().next().value;
}

// reveal brings the segment of rank into the view of the stage the keys
// act on when the image is zoomed and the segment's box is wholly out of
// it (a segment clicked on the image never moves it): its centre moves to
// the stage's centre, the zoom stays.
function reveal(rank) {
  const s = current();
  if (!s || !s.ready || !s.g || view.zoom <= 1) return;
  const hit = s.el.querySelector('path.hit[data-rank="' + rank + '"]');
  if (!hit) return;
  const b = hit.getBBox(); // in the image's 0..1 coordinates
  const g = s.g;
  const x0 = -g.tx / (g.z * g.fw), x1 = (g.W - g.tx) / (g.z * g.fw);
  const y0 = -g.ty / (g.z * g.fh), y1 = (g.H - g.ty) / (g.z * g.fh);
  if (b.x < x1 && b.x + b.width > x0 && b.y < y1 && b.y + b.height > y0) return;
  view.cx = b.x + b.width / 2;
  view.cy = b.y + b.height / 2;
  placeAll();
}

// wireZoom wires every stage on the page, now and when the server swaps
// parts of the page in (the view form, a verdict).
export function wireZoom() {
  fromURL();
  for (const el of document.querySelectorAll('[data-testid="stage"]')) attach(el);
  document.addEventListener("segview:swap", () => {
    for (const [el] of stages) if (!el.isConnected) stages.delete(el);
    for (const el of document.querySelectorAll('[data-testid="stage"]')) if (!stages.has(el)) attach(el);
  });
  document.addEventListener("segview:select", (e) => reveal(e.detail.rank));
  document.addEventListener("pointerover", (e) => {
    const el = e.target.closest && e.target.closest('[data-testid="stage"]');
    if (el) hovered = el;
  });
  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    if (document.querySelector("dialog[open]")) return;
    const s = current();
    if (!s || !s.ready) return;
    switch (e.key) {
      case "+": case "=": centre(s, STEP); break;
      case "-": centre(s, 1 / STEP); break;
      case "0": centre(s, 0); break;
      case "ArrowLeft": case "ArrowRight": case "ArrowUp": case "ArrowDown": {
        // Only a zoomed image pans, and only while the focus is nowhere
        // else (a slider, a row): otherwise the arrows do what they do.
        const focus = document.activeElement;
        if (view.zoom <= 1 || !s.g || e.shiftKey || (focus && focus !== document.body && !focus.closest('.stage-view'))) return;
        const dx = e.key === "ArrowLeft" ? 1 : e.key === "ArrowRight" ? -1 : 0;
        const dy = e.key === "ArrowUp" ? 1 : e.key === "ArrowDown" ? -1 : 0;
        panBy(s, dx * NUDGE * s.g.W, dy * NUDGE * s.g.H);
        break;
      }
      default: return;
    }
    e.preventDefault();
  });
}
