// The job page's keyboard shortcuts: j/k select the next or previous
// segment (by rank, in every file's table, as ?sel= does), h hides or
// shows the overlay images, 1–5 toggle a layer in the view form (applied
// in place), z/x approve or reject the selected segment and select the
// next one without a verdict, u undoes the last verdict or triage, n/p open the next
// or previous job of the review queue (the links the server rendered with
// rel=next and rel=prev, when the page has them), , and . open the
// previous or next file of the job in place (files.js), ? opens the help
// dialog (Esc closes it natively). Keys typed into a text field or a
// select, or with a modifier, are left alone; on a range slider or a check
// box (the compare slider, the layer boxes) the letters are the page's.

import { stepFile } from "./files.js";
import { step } from "./select.js";
import { decide, takeBack } from "./verdicts.js";

const LAYERS = { 1: "segments", 2: "outlines", 3: "points", 4: "box", 5: "labels" };

// typing is whether key, pressed with the focus on el, is the field's:
// text fields and selects keep every key; a range slider or a check box
// only the keys it answers to (arrows, Home, End, Space), so that the
// single-letter review keys reach the page from there.
function typing(el, key) {
  if (!el || !el.tagName) return false;
  const tag = el.tagName.toLowerCase();
  if (tag === "input" && (el.type === "range" || el.type === "checkbox")) return !/^[a-z]$/.test(key);
  return tag === "input" || tag === "textarea" || tag === "select" || el.isContentEditable;
}

// follow opens the page's link with rel; it returns false when there is
// none. The server computes the neighbours; the script only follows.
function follow(rel) {
  const a = document.querySelector('a[rel="' + rel + '"]');
  if (!a) return false;
  location.assign(a.href);
  return true;
}

// wireKeys listens for the keys; applyView applies the view form.
export function wireKeys(help, applyView) {
  // toggleLayer flips the layer's box and applies the view; it returns
  // false when the page has no such box.
  function toggleLayer(name) {
    const box = document.querySelector('[data-testid="view-form"] input[data-testid="view-layer-' + name + '"]');
    if (!box) return false;
    box.checked = !box.checked;
    applyView();
    return true;
  }

  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (typing(e.target, e.key) || help.open) return;
    switch (e.key) {
      case "j": step(1); break;
      case "k": step(-1); break;
      // A class on the root, so that images the server swaps in follow.
      case "h": document.documentElement.classList.toggle("overlays-off"); break;
      case "z": decide("approved"); break;
      case "x": decide("rejected"); break;
      case "u": takeBack(); break;
      case ".": if (!stepFile(1)) return; break;
      case ",": if (!stepFile(-1)) return; break;
      case "n": if (!follow("next")) return; break;
      case "p": if (!follow("prev")) return; break;
      case "?": help.showModal(); break;
      case "1": case "2": case "3": case "4": case "5":
        if (!toggleLayer(LAYERS[e.key])) return;
        break;
      default: return;
    }
    e.preventDefault();
  });
  const open = document.querySelector('[data-testid="keys-open"]');
  if (open) {
    open.addEventListener("click", () => help.showModal());
    open.hidden = false;
  }
}
