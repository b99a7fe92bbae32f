// A queued or running job's page polls its status and reloads when it
// changes. The meta refresh for pages without JavaScript sits in
// <noscript>.

// pollStatus asks the badge's data-status-url for the job's status, 2 s
// after the page loaded and then ever less often (up to every 30 s), and
// reloads the page once when the job finished or its status changed.
export function pollStatus(badge) {
  const url = badge.getAttribute("data-status-url");
  const shown = badge.getAttribute("data-status");
  let delay = 2000;
  function next() {
    setTimeout(poll, delay);
    delay = Math.min(delay * 2, 30000);
  }
  async function poll() {
    try {
      // A lost session redirects to sign-in: do not follow it here (CSP
      // connect-src), reload and let the page do it.
      const r = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store", redirect: "manual", credentials: "same-origin" });
      if (r.type === "opaqueredirect") return location.reload();
      if (!r.ok) throw new Error("status " + r.status);
      const s = await r.json();
      if (s.terminal || s.status !== shown) location.reload();
      else next();
    } catch {
      next();
    }
  }
  next();
}
