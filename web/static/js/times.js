// Relative times ("3 minutes ago") stay current while the page is open;
// the title of each shows the time in the reader's own time zone.

const units = [
  ["year", 365 * 24 * 3600], ["month", 30 * 24 * 3600], ["day", 24 * 3600],
  ["hour", 3600], ["minute", 60], ["second", 1],
];
const fmt = typeof Intl !== "undefined" && Intl.RelativeTimeFormat
  ? new Intl.RelativeTimeFormat("en", { numeric: "auto" }) : null;

function relative(date) {
  const diff = (date.getTime() - Date.now()) / 1000;
  for (const [unit, seconds] of units) {
    if (Math.abs(diff) >= seconds || unit === "second") {
      const n = Math.round(diff / seconds);
      return fmt ? fmt.format(n, unit) : Math.abs(n) + " " + unit + "s";
    }
  }
  return "";
}

function update() {
  for (const t of document.querySelectorAll("time[datetime]")) {
    const d = new Date(t.getAttribute("datetime"));
    if (isNaN(d.getTime())) continue;
    const rel = t.nextElementSibling;
    if (rel && rel.classList.contains("muted")) {
      rel.textContent = relative(d);
      rel.title = d.toLocaleString();
    }
  }
}

export function keepTimesCurrent() {
  update();
  setInterval(update, 30000);
}
