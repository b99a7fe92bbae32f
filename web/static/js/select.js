// The selected segment (?sel=): j and k, a click on a row, its rank link
// or its shape select one in place, in every file's table, as the server
// marks it on a page it renders. The file last acted in is the one z and
// x act on.

export const selection = {
  rank: Number(new URL(location.href).searchParams.get("sel")) || 0,
  fileId: "", // data-file-id of the file last acted in
};

const ROW = '[data-testid="segment-row"]';

// currentFile is the file section z and x act on: the one last acted in,
// else the first.
export function currentFile() {
  return (selection.fileId && document.getElementById("file-" + selection.fileId)) ||
    document.querySelector('[data-testid="file"]');
}

// mark shows the selection on the rows and the shapes.
export function mark() {
  for (const row of document.querySelectorAll(ROW)) {
    const on = Number(row.getAttribute("data-rank")) === selection.rank;
    row.classList.toggle("segment-selected", on);
    if (on) {
      row.setAttribute("aria-selected", "true");
      row.setAttribute("aria-current", "true");
    } else {
      row.removeAttribute("aria-selected");
      row.removeAttribute("aria-current");
    }
  }
  for (const hit of document.querySelectorAll("path.hit")) {
    hit.classList.toggle("hit-selected", Number(hit.getAttribute("data-rank")) === selection.rank);
  }
}

// keep writes the selection into the address and the view form, so that
// "Copy link" and the form's next request carry it.
function keep(form) {
  if (!selection.rank) return;
  let input = form && form.querySelector('input[name="sel"]');
  if (form && !input) {
    input = document.createElement("input");
    input.type = "hidden";
    input.name = "sel";
    form.querySelector("fieldset").appendChild(input);
  }
  if (input) input.value = String(selection.rank);
  const u = new URL(location.href);
  u.searchParams.set("sel", String(selection.rank));
  u.searchParams.sort();
  history.replaceState(null, "", u.pathname + u.search + u.hash);
}

function viewForm() {
  return document.querySelector('[data-testid="view-form"]');
}

// select selects the segment of rank, acting in the file of fileId.
export function select(rank, fileId) {
  selection.rank = rank;
  if (fileId) selection.fileId = fileId;
  mark();
  // Bring the row into view in the file z and x act on (else the first).
  const scope = currentFile() || document;
  const row = scope.querySelector(ROW + '[data-rank="' + rank + '"]');
  if (row) row.scrollIntoView({ block: "nearest" });
  keep(viewForm());
  // The image stage brings the segment into view when zoomed (zoom.js).
  document.dispatchEvent(new CustomEvent("segview:select", { detail: { rank } }));
}

// step selects the next (dir 1) or previous (dir -1) rank, of the rows
// shown (the verdict filter hides some).
export function step(dir) {
  const rows = Array.from(document.querySelectorAll(ROW)).filter((r) => !r.hidden);
  const ranks = [...new Set(rows.map((r) => Number(r.getAttribute("data-rank"))))]
    .sort((a, b) => a - b);
  if (ranks.length === 0) return;
  let at = ranks.indexOf(selection.rank);
  if (at < 0) at = dir > 0 ? 0 : ranks.length - 1;
  else at = Math.min(Math.max(at + dir, 0), ranks.length - 1);
  select(ranks[at]);
}

function fileIdOf(el) {
  const file = el.closest('[data-testid="file"]');
  return file ? file.getAttribute("data-file-id") : "";
}

// wireSelection selects on clicks and on Enter or Space on a row; rows
// the server swapped in keep the selection made since it was asked.
export function wireSelection() {
  document.addEventListener("click", (e) => {
    const hit = e.target.closest && e.target.closest("path.hit");
    if (hit) {
      e.preventDefault();
      select(Number(hit.getAttribute("data-rank")), fileIdOf(hit));
      return;
    }
    const row = e.target.closest && e.target.closest(ROW);
    if (!row || e.target.closest("button, input, label")) return;
    // The rank's link selects without the script; with it, in place.
    if (e.target.closest("a.rank-link")) e.preventDefault();
    select(Number(row.getAttribute("data-rank")), fileIdOf(row));
  });
  document.addEventListener("keydown", (e) => {
    const row = e.target;
    if (!row.matches || !row.matches(ROW) || (e.key !== "Enter" && e.key !== " ")) return;
    e.preventDefault();
    select(Number(row.getAttribute("data-rank")), fileIdOf(row));
  });
  document.addEventListener("focusin", (e) => {
    const id = e.target.closest && fileIdOf(e.target);
    if (id) selection.fileId = id;
  });
  document.addEventListener("segview:swap", () => {
    mark();
    keep(viewForm());
  });
}
