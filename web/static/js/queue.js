// The review queue's queued and running jobs: their statuses are asked
// for one job at a time (a queue may list hundreds), and the page reloads
// once any of them changed, to show the new status, segments and
// overlay. The meta refresh for pages without JavaScript sits in
// <noscript>.

// pollQueue polls the badges' data-queue-status-url in turn, starting 2 s
// after the page loaded and then ever less often (up to every 30 s
// between rounds).
export function pollQueue(badges) {
  let delay = 2000;
  function next() {
    setTimeout(round, delay);
    delay = Math.min(delay * 2, 30000);
  }
  async function round() {
    for (const badge of badges) {
      try {
        const r = await fetch(badge.getAttribute("data-queue-status-url"), {
          headers: { Accept: "application/json" }, cache: "no-store", redirect: "manual", credentials: "same-origin",
        });
        // A lost session redirects to sign-in: reload and let the page do it.
        if (r.type === "opaqueredirect") return location.reload();
        if (!r.ok) continue;
        const s = await r.json();
        if (s.terminal || s.status !== badge.getAttribute("data-status")) return location.reload();
      } catch {
        // Asked again next round.
      }
    }
    next();
  }
  next();
}
