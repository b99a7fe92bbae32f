// segview's progressive enhancement, the entry point of the page's modules:
// relative times stay current (times.js), a queued or running job's page
// polls its status and reloads when it changes (status.js), "Copy link"
// copies the page's address (copy.js), the view form applies in place
// (view.js), segments are selected in place (select.js) and highlighted
// between table and image (hits.js), verdicts are saved without a reload
// (verdicts.js), the file list opens another file in place (files.js),
// the image stage zooms, pans and compares with the photo (zoom.js,
// compare.js), the job page answers to a few keys (keys.js), and the
// review queue polls its unfinished jobs' statuses (queue.js). What
// changes on the page the server renders (fragment.js). The pages work
// without this script.

import { copyLink } from "./copy.js";
import { wireFiles } from "./files.js";
import { wireHits } from "./hits.js";
import { wireKeys } from "./keys.js";
import { pollQueue } from "./queue.js";
import { wireSelection } from "./select.js";
import { pollStatus } from "./status.js";
import { keepTimesCurrent } from "./times.js";
import { wireVerdicts } from "./verdicts.js";
import { wireView } from "./view.js";
import { wireZoom } from "./zoom.js";

keepTimesCurrent();
const badge = document.querySelector("[data-status-url]");
if (badge) pollStatus(badge);
const queued = document.querySelectorAll("[data-queue-status-url]");
if (queued.length > 0) pollQueue(Array.from(queued));
const box = document.querySelector('[data-testid="copy-link-box"]');
if (box) copyLink(box);

let applyView = () => false;
if (document.querySelector('[data-testid="file"]')) {
  const form = document.querySelector('[data-testid="view-form"]');
  if (form) applyView = wireView(form);
  wireSelection();
  wireFiles();
  wireZoom();
  wireHits();
  wireVerdicts();
}
const help = document.querySelector('[data-testid="keys-help"]');
if (help && typeof help.showModal === "function") wireKeys(help, applyView);
